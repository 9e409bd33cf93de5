/* The Kafka protocol on the TCP layer's frame mode: a request is an INT32
 * size and that many bytes; the header names the API and its version, which
 * pick a row of the API table (k_apis.c), whose handler decodes the body and
 * answers through the request's slot. The layer writes the answers in
 * request order, so a long poll holds back only the answers behind it.
 * What Kafka does with requests it cannot serve, we do too: an unknown API
 * key, a version out of range or a malformed request closes the connection,
 * except ApiVersions, which answers UNSUPPORTED_VERSION (35) in the v0 format
 * with the list of what we support. A connection keeps the requests parked
 * for a later answer, and cancels them when it closes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "stream/broker_int.h"

#define KAFKA_MAX_REQUEST (100 << 20) /* Kafka's socket.request.max.bytes */

static long kafka_frame(lh_tcp_conn_t *c, const char *d, size_t len, void *ctx)
{
    (void)c, (void)ctx;
    if (len < 4) return 0;
    int32_t n = lh_stream_be32((const uint8_t *)d);
    if (n < 8 || n > KAFKA_MAX_REQUEST - 4) return n < 8 ? LH_EPROTO : LH_ETOOBIG;
    return (long)n + 4;
}

static const lh_kapi_t *api_find(int16_t key)
{
    for (int i = 0; i < lh__nkapis; i++)
        if (lh__kapis[i].key == key) return &lh__kapis[i];
    return NULL;
}

bool lh__kreq_flex(const lh_kreq_t *q)
{
    return q->version >= q->api->flex;
}

static lh_kreq_t *kreq_new(lh_kconn_t *k, lh_tcp_slot_t *s, const lh_kapi_t *api, int16_t version,
                           int32_t correlation_id)
{
    lh_kreq_t *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    q->b = k->b;
    q->conn = k;
    q->slot = s;
    q->api = api;
    q->version = version;
    q->correlation_id = correlation_id;
    lh_buf_init(&q->out, (size_t)KAFKA_MAX_REQUEST);
    lh_kw_i32(&q->out, 0); /* size, patched at reply */
    lh_kw_i32(&q->out, correlation_id);
    /* response header v1 for flexible versions, except ApiVersions (always v0) */
    if (api && lh__kreq_flex(q) && api->key != LH_KAPI_API_VERSIONS) lh_kw_tagged(&q->out);
    return q;
}

static void kreq_free(lh_kreq_t *q)
{
    lh_buf_free(&q->out);
    free(q);
}

void lh__kreq_park(lh_kreq_t *q, void (*cancel)(lh_kreq_t *q))
{
    q->cancel = cancel;
    q->prev = NULL;
    q->next = q->conn->parked;
    if (q->next) q->next->prev = q;
    q->conn->parked = q;
}

void lh__kreq_unpark(lh_kreq_t *q)
{
    if (!q->cancel) return;
    if (q->prev)
        q->prev->next = q->next;
    else
        q->conn->parked = q->next;
    if (q->next) q->next->prev = q->prev;
    q->cancel = NULL;
    q->prev = q->next = NULL;
}

static void close_piece(lh_tcp_conn_t *c, int ok, void *arg)
{
    (void)c, (void)ok;
    close((int)(intptr_t)arg);
}

void lh__kreq_reply_files(lh_kreq_t *q, lh_kfile_t *f, int n)
{
    lh__kreq_unpark(q);
    size_t files = 0;
    for (int i = 0; i < n; i++)
        files += f[i].len;
    bool ok = !q->out.err && q->slot && lh_tcp_slot_alive(q->slot);
    if (ok) lh_kw_patch_i32(&q->out, 0, (int32_t)(q->out.len - 4 + files));
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        if (ok) ok = !lh_tcp_slot_write(q->slot, q->out.ptr + at, f[i].at - at, NULL, NULL);
        if (ok)
            ok = !lh_tcp_slot_sendfile(q->slot, f[i].fd, f[i].pos, (int64_t)f[i].len, close_piece,
                                       (void *)(intptr_t)f[i].fd);
        if (!ok) close(f[i].fd); /* not queued: done never runs */
        at = f[i].at;
    }
    if (ok) lh_tcp_slot_write(q->slot, q->out.ptr + at, q->out.len - at, NULL, NULL);
    if (q->out.err) return lh__kreq_fail(q, "response too large");
    if (q->slot) lh_tcp_slot_end(q->slot);
    kreq_free(q);
}

void lh__kreq_reply(lh_kreq_t *q)
{
    lh__kreq_reply_files(q, NULL, 0);
}

void lh__kreq_drop(lh_kreq_t *q)
{
    lh__kreq_unpark(q);
    if (q->slot) lh_tcp_slot_end(q->slot);
    kreq_free(q);
}

const char *lh__kconn_peer(const lh_kconn_t *k)
{
    return k->c ? lh_tcp_conn_peer(k->c) : "(no socket)";
}

void lh__kconn_close(lh_kconn_t *k)
{
    k->closing = true;
    if (k->c) lh_tcp_conn_close(k->c);
}

void lh__kreq_fail(lh_kreq_t *q, const char *why)
{
    lh__kreq_unpark(q);
    if (!q->conn->closing && (!q->slot || lh_tcp_slot_alive(q->slot))) {
        lh_warn("kafka %s: closing the connection: %s %s v%d: %s", lh__kconn_peer(q->conn),
                q->api ? q->api->name : "request", q->conn->client_id, q->version, why);
        lh__kconn_close(q->conn);
    }
    if (q->slot) lh_tcp_slot_end(q->slot);
    kreq_free(q);
}

/* ApiVersions at a version we do not support: error 35 in the v0 format,
 * with our list, so the client can pick a version and retry. */
static void unsupported_api_versions(lh_kreq_t *q)
{
    lh_kw_i16(&q->out, LH_KERR_UNSUPPORTED_VERSION);
    lh_kw_array(&q->out, lh__nkapis, false);
    for (int i = 0; i < lh__nkapis; i++) {
        lh_kw_i16(&q->out, lh__kapis[i].key);
        lh_kw_i16(&q->out, lh__kapis[i].min);
        lh_kw_i16(&q->out, lh__kapis[i].max);
    }
    lh__kreq_reply(q);
}

/* Until a SASL exchange succeeds, only these may pass (k_sasl.c sets the state). */
static bool allowed_before_auth(int16_t key)
{
    return key == LH_KAPI_API_VERSIONS || key == LH_KAPI_SASL_HANDSHAKE ||
           key == LH_KAPI_SASL_AUTHENTICATE;
}

static void kafka_message(lh_tcp_slot_t *s, const char *d, size_t len, void *ctx)
{
    (void)ctx;
    lh__kafka_dispatch(lh_tcp_conn_udata(lh_tcp_slot_conn(s)), s, d, len);
}

void lh__kafka_dispatch(lh_kconn_t *k, lh_tcp_slot_t *s, const char *d, size_t len)
{
    if (k->sasl && lh__sasl_raw_expected(k, d, len)) return lh__sasl_raw_token(s, k, d, len);
    lh_kr_t r;
    lh_kr_init(&r, d + 4, len - 4);
    int16_t key = lh_stream_be16((const uint8_t *)d + 4);
    int16_t ver = lh_stream_be16((const uint8_t *)d + 6);
    const lh_kapi_t *api = api_find(key);
    bool in_range = api && ver >= api->min && ver <= api->max;
    lh_kafka_req_hdr_t h;
    bool flex = in_range && ver >= api->flex;
    int bad = lh_kafka_req_hdr_read(&r, flex, &h);
    lh_kreq_t *q = kreq_new(k, s, api, ver, h.correlation_id);
    if (!q) {
        if (s) lh_tcp_conn_abort(lh_tcp_slot_conn(s));
        if (s) lh_tcp_slot_end(s);
        return;
    }
    if (!bad && h.client_id.ptr) lh_str_copy(k->client_id, sizeof k->client_id, h.client_id);
    if (api && api->key == LH_KAPI_API_VERSIONS && !in_range) {
        q->version = 0;
        unsupported_api_versions(q);
        return;
    }
    if (!api || !in_range || bad) {
        lh__kreq_fail(q, !api        ? "unknown API key"
                         : !in_range ? "unsupported version"
                                     : "malformed header");
        return;
    }
    if (k->sasl_state && !allowed_before_auth(key)) {
        lh__kreq_fail(q, "not authenticated (SASL required)");
        return;
    }
    q->in = r;
    api->handle(q);
}

lh_kconn_t *lh__kconn_new(lh_sb_t *b, lh_tcp_conn_t *c)
{
    lh_kconn_t *k = calloc(1, sizeof *k);
    if (!k) return NULL;
    k->b = b;
    k->c = c;
    k->role = LH_ROLE_ADMIN;
    k->sasl_state = b->o.sasl ? 1 : 0;
    return k;
}

void lh__kconn_free(lh_kconn_t *k)
{
    if (!k) return;
    while (k->parked) {
        lh_kreq_t *q = k->parked;
        q->cancel(q); /* ends with lh__kreq_drop, which unparks q */
    }
    free(k->sasl);
    free(k);
}

static void kafka_open(lh_tcp_conn_t *c, void *ctx)
{
    lh_kconn_t *k = lh__kconn_new(ctx, c);
    if (!k) {
        lh_tcp_conn_abort(c);
        return;
    }
    lh_tcp_conn_set_udata(c, k);
}

static void kafka_close(lh_tcp_conn_t *c, void *ctx)
{
    (void)ctx;
    lh__kconn_free(lh_tcp_conn_udata(c));
}

static void kafka_error(lh_tcp_conn_t *c, int code, void *ctx)
{
    (void)ctx;
    lh_warn("kafka %s: closing the connection: %s", lh_tcp_conn_peer(c),
            code == LH_ETOOBIG ? "request larger than 100 MiB" : "malformed request size");
}

const lh_tcp_proto_t lh__kafka_proto = {
    .frame = kafka_frame,
    .on_message = kafka_message,
    .on_open = kafka_open,
    .on_close = kafka_close,
    .on_error = kafka_error,
};
