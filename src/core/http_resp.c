/* HTTP responses: the status line and headers, Content-Length or chunked
 * framing, and error answers (through the handler's on_error, or bare).
 * The bytes go to the TCP layer's write queue (tcp.h), which batches them,
 * sends file ranges with sendfile(2) off the loop and keeps them in order. */
#include "core/http_int.h"
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const struct {
    int code;
    const char *text;
} reasons[] = {
    {100, "Continue"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {206, "Partial Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {422, "Unprocessable Content"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
};

const char *lh__http_reason(int status)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (reasons[i].code == status) return reasons[i].text;
    return "Unknown";
}

/* --- output through the TCP layer --- */

/* A handler's write callback, carried in the request arena. */
typedef struct {
    lh__http_ireq_t *r;
    void (*done)(lh_http_req_t *, int, void *);
    void *arg;
} wrote_t;

static void on_wrote(lh_tcp_conn_t *t, int ok, void *arg)
{
    wrote_t *w = arg;
    (void)t;
    w->done(&w->r->pub, ok, w->arg);
}

int lh__http_gone(const lh__http_conn_t *c)
{
    return c->state == LH__CS_CLOSED;
}

int lh__http_out_idle(const lh__http_conn_t *c)
{
    return lh_tcp_conn_write_idle(c->tcp);
}

/* The layer's callback for done (NULL when there is none); fills *argp. */
static lh_tcp_write_cb wrap(lh__http_ireq_t *r, void (*done)(lh_http_req_t *, int, void *),
                            void *arg, void **argp)
{
    wrote_t *w = done && r ? lh_arena_alloc(r->pub.arena, sizeof *w) : NULL;
    *argp = w;
    if (!w) return NULL;
    *w = (wrote_t){.r = r, .done = done, .arg = arg};
    return on_wrote;
}

/* Queues bytes (copied) with an optional prefix and suffix (chunk framing). */
static int queue_mem(lh__http_conn_t *c, lh__http_ireq_t *r, const char *pre, const void *data,
                     size_t len, const char *suf, void (*done)(lh_http_req_t *, int, void *),
                     void *arg)
{
    uv_buf_t b[3];
    int n = 0;
    void *warg;
    if (pre) b[n++] = uv_buf_init((char *)pre, (unsigned)strlen(pre));
    if (len) b[n++] = uv_buf_init((char *)data, (unsigned)len);
    if (suf) b[n++] = uv_buf_init((char *)suf, (unsigned)strlen(suf));
    lh_tcp_write_cb cb = wrap(r, done, arg, &warg);
    if (done && !cb) {
        lh__http_fail(c);
        return LH_ENOMEM;
    }
    int rc = lh_tcp_conn_writev(c->tcp, b, n, cb, warg);
    if (rc) lh__http_lost(c);
    return rc;
}

/* --- building responses --- */

void lh_http_set_header(lh_http_req_t *req, const char *name, const char *value)
{
    lh__http_ireq_t *r = (lh__http_ireq_t *)req;
    if (r->resp != LH__RS_NONE || strpbrk(name, "\r\n:") || strpbrk(value, "\r\n")) {
        lh_log(LH_LOG_WARN, req->request_id, "http: header %s ignored (bad or too late)", name);
        return;
    }
    lh__http_rhdr_t *h = lh_arena_alloc(req->arena, sizeof *h);
    if (!h || !(h->name = lh_arena_strdup(req->arena, name)) ||
        !(h->value = lh_arena_strdup(req->arena, value)))
        return;
    h->next = NULL;
    if (r->rh_tail)
        r->rh_tail->next = h;
    else
        r->rh = h;
    r->rh_tail = h;
}

static int is_framing(const char *name)
{
    return !strcasecmp(name, "content-length") || !strcasecmp(name, "transfer-encoding") ||
           !strcasecmp(name, "connection");
}

static int has_header(const lh__http_ireq_t *r, const char *name)
{
    for (const lh__http_rhdr_t *h = r->rh; h; h = h->next)
        if (!strcasecmp(h->name, name)) return 1;
    return 0;
}

int lh__http_discardable(const lh__http_conn_t *c)
{
    const lh__http_ireq_t *r = c->req;
    if (c->p.phase != LH__HP_BODY) return 1;
    if (r->pub.expect_continue && !r->continue_sent) return 0;
    return c->p.chunked || c->p.left <= LH__HTTP_DISCARD;
}

/* Decides keep-alive before the headers go out. */
static int must_close(const lh__http_conn_t *c, const lh__http_ireq_t *r, int64_t clen)
{
    if (r->close || !c->p.keep_alive || lh_tcp_conn_draining(c->tcp) || c->peer_eof) return 1;
    if (clen < 0 && !r->no_body && r->pub.version_minor == 0)
        return 1; /* HTTP/1.0 without a length: the close ends the body */
    return r->body != LH__BS_READING && !lh__http_discardable(c);
}

static void head_fields(lh_buf_t *b, const lh__http_ireq_t *r, int status, int64_t clen)
{
    char date[40];
    for (const lh__http_rhdr_t *h = r->rh; h; h = h->next)
        if (!is_framing(h->name)) lh_buf_printf(b, "%s: %s\r\n", h->name, h->value);
    if (!has_header(r, "date")) {
        lh_http_date((int64_t)time(NULL), date, sizeof date);
        lh_buf_printf(b, "Date: %s\r\n", date);
    }
    if (!has_header(r, "server")) lh_buf_puts(b, "Server: lakehouse\r\n");
    if (status == 204 || status == 304 || status < 200)
        ;
    else if (clen >= 0)
        lh_buf_printf(b, "Content-Length: %lld\r\n", (long long)clen);
    else if (r->chunked_out || (r->pub.is_head && r->pub.version_minor == 1))
        lh_buf_puts(b, "Transfer-Encoding: chunked\r\n");
    if (r->close)
        lh_buf_puts(b, "Connection: close\r\n");
    else if (r->pub.version_minor == 0)
        lh_buf_puts(b, "Connection: keep-alive\r\n");
}

/* Starts the response: its state, and the status line and headers in b
 * (the caller queues them). 0, or -1 when nothing is to be sent (started
 * twice, connection gone, or out of memory: the connection then fails). */
static int start_head(lh__http_ireq_t *r, int status, int64_t content_length, lh_buf_t *b)
{
    lh_http_req_t *req = &r->pub;
    lh__http_conn_t *c = r->c;
    if (r->resp != LH__RS_NONE) {
        lh_log(LH_LOG_ERROR, req->request_id, "http: response started twice");
        return -1;
    }
    r->resp = LH__RS_STARTED;
    if (lh__http_gone(c)) return -1;
    r->no_body = req->is_head || status == 204 || status == 304 || status < 200;
    r->chunked_out = content_length < 0 && !r->no_body && req->version_minor == 1;
    r->out_left = content_length;
    r->close = must_close(c, r, content_length);
    lh_buf_init(b, (size_t)1 << 20);
    lh_buf_printf(b, "HTTP/1.1 %d %s\r\n", status, lh__http_reason(status));
    head_fields(b, r, status, content_length);
    if (lh_buf_puts(b, "\r\n")) {
        lh_buf_free(b);
        lh__http_fail(c);
        return -1;
    }
    return 0;
}

void lh_http_start(lh_http_req_t *req, int status, int64_t content_length)
{
    lh__http_ireq_t *r = (lh__http_ireq_t *)req;
    lh_buf_t b;
    if (start_head(r, status, content_length, &b)) return;
    queue_mem(r->c, r, NULL, b.ptr, b.len, NULL, NULL, NULL);
    lh_buf_free(&b);
}

/* Clamps a write to the announced length. Returns the bytes to send. */
static int64_t clamp(lh__http_ireq_t *r, int64_t len)
{
    if (r->out_left >= 0 && len > r->out_left) {
        lh_log(LH_LOG_ERROR, r->pub.request_id, "http: write beyond content-length ignored");
        len = r->out_left;
    }
    if (r->out_left >= 0) r->out_left -= len;
    return len;
}

void lh_http_write(lh_http_req_t *req, const void *data, size_t len,
                   void (*done)(lh_http_req_t *, int, void *), void *arg)
{
    lh__http_ireq_t *r = (lh__http_ireq_t *)req;
    char pre[24];
    if (lh__http_gone(r->c)) return;
    if (r->resp != LH__RS_STARTED) {
        lh_log(LH_LOG_ERROR, req->request_id, "http: write outside a started response");
        len = 0;
    }
    len = r->no_body ? 0 : (size_t)clamp(r, (int64_t)len);
    int framed = r->chunked_out && len;
    snprintf(pre, sizeof pre, "%zx\r\n", len);
    queue_mem(r->c, r, framed ? pre : NULL, data, len, framed ? "\r\n" : NULL, done, arg);
}

void lh_http_sendfile(lh_http_req_t *req, int fd, int64_t off, int64_t len,
                      void (*done)(lh_http_req_t *, int, void *), void *arg)
{
    lh__http_ireq_t *r = (lh__http_ireq_t *)req;
    lh__http_conn_t *c = r->c;
    char pre[24];
    void *warg;
    if (lh__http_gone(c)) return;
    if (r->resp != LH__RS_STARTED || r->no_body || len <= 0 || fd < 0 || off < 0) {
        lh_http_write(req, NULL, 0, done, arg);
        return;
    }
    len = clamp(r, len);
    if (r->chunked_out && len) {
        snprintf(pre, sizeof pre, "%llx\r\n", (unsigned long long)len);
        if (queue_mem(c, r, pre, NULL, 0, NULL, NULL, NULL)) return;
    }
    lh_tcp_write_cb cb = wrap(r, done, arg, &warg);
    if (done && !cb) {
        lh__http_fail(c);
        return;
    }
    if (lh_tcp_conn_sendfile(c->tcp, fd, off, len, cb, warg)) {
        lh__http_lost(c);
        return;
    }
    if (r->chunked_out && len) queue_mem(c, r, "\r\n", NULL, 0, NULL, NULL, NULL);
}

void lh_http_finish(lh_http_req_t *req)
{
    lh__http_ireq_t *r = (lh__http_ireq_t *)req;
    if (r->resp != LH__RS_STARTED) return;
    r->resp = LH__RS_FINISHED;
    if (lh__http_gone(r->c)) return;
    if (r->chunked_out && queue_mem(r->c, r, "0\r\n\r\n", NULL, 0, NULL, NULL, NULL)) return;
    if (r->out_left > 0 && !r->no_body) {
        lh_log(LH_LOG_ERROR, req->request_id, "http: response shorter than content-length");
        r->close = 1;
    }
    if (lh__http_out_idle(r->c)) lh__http_kick(r->c); /* otherwise on_drain drives */
}

/* The head and a small body go out as one write (one send on the socket);
 * a large body is queued after the head, as lh_http_write would. */
void lh_http_respond(lh_http_req_t *req, int status, const char *body, size_t len)
{
    lh__http_ireq_t *r = (lh__http_ireq_t *)req;
    lh_buf_t b;
    if (start_head(r, status, (int64_t)len, &b)) {
        lh_http_finish(req);
        return;
    }
    size_t with = r->no_body || len > LH__HTTP_RESPOND_JOIN ? 0 : len;
    if (with) r->out_left -= (int64_t)with;
    int rc = queue_mem(r->c, r, b.ptr, with ? body : NULL, with, NULL, NULL, NULL);
    lh_buf_free(&b);
    if (!rc && len && !with) lh_http_write(req, body, len, NULL, NULL);
    lh_http_finish(req);
}

void lh_http_close_after(lh_http_req_t *req)
{
    ((lh__http_ireq_t *)req)->close = 1;
}

/* --- error answers --- */

/* A request made up for on_error before any real one exists; its arena
 * lives as long as the connection. */
static lh__http_ireq_t *stand_in(lh__http_conn_t *c)
{
    lh_arena_t *a = lh_arena_new(4096);
    lh__http_ireq_t *r = a ? lh_arena_calloc(a, sizeof *r) : NULL;
    if (!r) {
        lh_arena_free(a);
        return NULL;
    }
    lh_arena_free(c->err_arena);
    c->err_arena = a;
    r->pub = (lh_http_req_t){.method = LH_STR(""),
                             .target = LH_STR(""),
                             .path = LH_STR(""),
                             .query = LH_STR(""),
                             .version_minor = 1,
                             .content_length = -1,
                             .is_tls = lh_tcp_conn_is_tls(c->tcp),
                             .arena = a,
                             .loop = c->srv->loop,
                             .server = c->srv};
    snprintf(r->pub.remote_addr, sizeof r->pub.remote_addr, "%s", c->remote);
    lh__http_request_id(r->pub.request_id, sizeof r->pub.request_id);
    r->c = c;
    r->out_left = -1;
    r->body = LH__BS_END;
    r->stand_in = 1;
    return r;
}

static void send_bare(lh__http_conn_t *c, int status)
{
    char date[40], head[256];
    lh_http_date((int64_t)time(NULL), date, sizeof date);
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: lakehouse\r\n"
                     "Content-Length: 0\r\nConnection: close\r\n\r\n",
                     status, lh__http_reason(status), date);
    queue_mem(c, NULL, NULL, head, (size_t)n, NULL, NULL, NULL);
}

int lh__http_send_error(lh__http_conn_t *c, lh__http_ireq_t *r, int status, int kind,
                        const char *why)
{
    const lh_http_handler_t *h = &c->srv->handler;
    int body = r != NULL;
    if (h->on_error && (r || (r = stand_in(c)))) {
        r->close = 1;
        h->on_error(&r->pub, status, kind, why, c->srv->ctx);
        if (r->resp != LH__RS_NONE) return 1;
    }
    if (body) return 0; /* as without on_error: the connection is dropped */
    send_bare(c, status);
    return 1;
}

static int64_t cfg_key(const lh_config_t *cfg, const char *section, const char *key, int duration)
{
    char name[96];
    snprintf(name, sizeof name, "%s.%s", section, key);
    return duration ? lh_config_duration_ms(cfg, name) : lh_config_int(cfg, name);
}

void lh_http_opts_from_config(lh_http_server_opts_t *o, const lh_config_t *cfg, const char *section)
{
    o->idle_timeout_ms = (int)cfg_key(cfg, section, "idle_timeout", 1);
    o->head_timeout_ms = (int)cfg_key(cfg, section, "head_timeout", 1);
    o->max_conns = (int)cfg_key(cfg, section, "max_connections", 0);
    o->max_conns_per_peer = (int)cfg_key(cfg, section, "max_connections_per_peer", 0);
}
