/* Unit tests for the HTTP server: the parser driven directly (every split of
 * a chunked request, error statuses), date and query helpers, and a real
 * server on a loop thread talked to with plain sockets (exact bytes for
 * keep-alive, pipelining, chunked bodies split at every byte, 100-continue,
 * limits, back-pressure on a 10 MiB body, HEAD, sendfile ranges, dropped
 * connections) and with the OpenSSL client API over TLS. */
#include "core/http.h"
#include "core/http_int.h"
#include "core/metrics.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------ */
/* parser, driven directly                                              */

static const char chunked_req[] = "POST /up?x=1 HTTP/1.1\r\n"
                                  "Host: h\r\n"
                                  "Transfer-Encoding: chunked\r\n"
                                  "X-Pad:  spaced value \t\r\n"
                                  "\r\n"
                                  "5;name=val;q=\"a b\"\r\nhello\r\n"
                                  "1\r\n \r\n"
                                  "a  ;ext\r\n0123456789\r\n"
                                  "0\r\n"
                                  "X-Checksum: abc\r\n"
                                  "X-More: def\r\n"
                                  "\r\n";
static const char chunked_body[] = "hello 0123456789";

/* Feeds data in the given pieces; collects the body. Returns the phase. */
static int feed(lh__http_parser_t *p, const char *d, size_t len, size_t cut, lh_buf_t *body)
{
    size_t parts[2][2] = {{0, cut}, {cut, len}};
    for (int k = 0; k < 2; k++) {
        size_t i = parts[k][0], end = parts[k][1];
        while (i < end && p->phase != LH__HP_ERROR && p->phase != LH__HP_DONE) {
            if (p->phase == LH__HP_HEAD) {
                i += lh__http_parse_head(p, d + i, end - i);
                continue;
            }
            const char *s;
            size_t sl;
            i += lh__http_parse_body(p, d + i, end - i, &s, &sl);
            lh_buf_append(body, s, sl);
        }
    }
    return p->phase;
}

static void parse_chunked_every_split(void)
{
    size_t len = sizeof chunked_req - 1;
    for (size_t cut = 0; cut <= len; cut++) {
        lh__http_parser_t p;
        lh_buf_t body;
        lh_buf_init(&body, 0);
        lh__http_parser_init(&p, 0, 0);
        CHECK_EQ_INT(feed(&p, chunked_req, len, cut, &body), LH__HP_DONE);
        CHECK_EQ_INT(body.len, sizeof chunked_body - 1);
        CHECK(!memcmp(body.ptr, chunked_body, body.len));
        CHECK(p.chunked);
        CHECK_EQ_INT(p.nhdrs, 3);
        lh_arena_t *a = lh_arena_new(0);
        lh_http_req_t req = {.arena = a};
        CHECK_EQ_INT(lh__http_req_fill(&p, &req), 0);
        CHECK(lh_str_eq(req.method, "POST"));
        CHECK(lh_str_eq(req.path, "/up"));
        CHECK(lh_str_eq(req.query, "x=1"));
        CHECK(lh_str_eq(*lh_http_header_get(&req, "x-pad"), "spaced value"));
        CHECK_EQ_INT(req.content_length, -1);
        lh_arena_free(a);
        lh__http_parser_free(&p);
        lh_buf_free(&body);
    }
}

static void parse_byte_at_a_time(void)
{
    lh__http_parser_t p;
    lh_buf_t body;
    lh_buf_init(&body, 0);
    lh__http_parser_init(&p, 0, 0);
    for (size_t i = 0; i < sizeof chunked_req - 1; i++) {
        CHECK(p.phase == LH__HP_HEAD || p.phase == LH__HP_BODY);
        feed(&p, chunked_req + i, 1, 1, &body);
    }
    CHECK_EQ_INT(p.phase, LH__HP_DONE);
    CHECK_EQ_INT(body.len, sizeof chunked_body - 1);
    CHECK(!memcmp(body.ptr, chunked_body, body.len));
    lh__http_parser_free(&p);
    lh_buf_free(&body);
}

static const struct {
    const char *req;
    int status; /* expected error status, 0 = parses */
} head_cases[] = {
    {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0},
    {"\r\nGET / HTTP/1.1\nHost: a\n\n", 0},
    {"GET / HTTP/1.0\r\n\r\n", 0},
    {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400},
    {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
    {"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
    {"GET /\r\nHost: a\r\n\r\n", 400},
    {"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
    {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
    {"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400},
    {"GET / HTTP/1.1\r\n\r\n", 400},
    {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
    {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400},
    {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
    {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n", 0},
    {"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
    {"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
    {"GET / HTTP/1.1\r\nHost: a\r\nX: \x01\r\n\r\n", 400},
};

static void parse_head_errors(void)
{
    for (size_t i = 0; i < sizeof head_cases / sizeof head_cases[0]; i++) {
        lh__http_parser_t p;
        lh__http_parser_init(&p, 0, 0);
        lh__http_parse_head(&p, head_cases[i].req, strlen(head_cases[i].req));
        if (head_cases[i].status) {
            if (p.phase != LH__HP_ERROR || p.status != head_cases[i].status)
                fprintf(stderr, "  case %zu: phase %d status %d\n", i, p.phase, p.status);
            CHECK_EQ_INT(p.phase, LH__HP_ERROR);
            CHECK_EQ_INT(p.status, head_cases[i].status);
        } else {
            CHECK(p.phase == LH__HP_DONE || p.phase == LH__HP_BODY);
        }
        lh__http_parser_free(&p);
    }
}

static void parse_limits_431(void)
{
    lh__http_parser_t p;
    lh__http_parser_init(&p, 100, 3);
    const char *r = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    lh__http_parse_head(&p, r, strlen(r));
    CHECK_EQ_INT(p.status, 431);
    lh__http_parser_reset(&p);
    char big[200];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /", 5);
    size_t n = lh__http_parse_head(&p, big, 50);
    CHECK_EQ_INT(n, 50);
    CHECK_EQ_INT(p.phase, LH__HP_HEAD);
    lh__http_parse_head(&p, big + 50, 150);
    CHECK_EQ_INT(p.phase, LH__HP_ERROR);
    CHECK_EQ_INT(p.status, 431);
    lh__http_parser_free(&p);
}

static void parse_bad_chunks(void)
{
    static const char *const bodies[] = {"x\r\n", "5\r\nhelloX", "5\r\nhello\r\n0\r\nbad\r\r",
                                         "fffffffffffffffff\r\n", "5 x\r\n"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        lh__http_parser_t p;
        lh_buf_t body;
        lh_buf_init(&body, 0);
        lh__http_parser_init(&p, 0, 0);
        const char *h = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
        lh__http_parse_head(&p, h, strlen(h));
        CHECK_EQ_INT(p.phase, LH__HP_BODY);
        int ph = feed(&p, bodies[i], strlen(bodies[i]), 0, &body);
        if (i == 2)
            CHECK_EQ_INT(ph, LH__HP_BODY); /* bare CR in a trailer line is only skipped */
        else
            CHECK_EQ_INT(ph, LH__HP_ERROR);
        lh__http_parser_free(&p);
        lh_buf_free(&body);
    }
}

static void date_forms(void)
{
    char d[40];
    int64_t t;
    lh_http_date(784111777, d, sizeof d);
    CHECK_EQ_STR(d, "Sun, 06 Nov 1994 08:49:37 GMT");
    lh_http_date(0, d, sizeof d);
    CHECK_EQ_STR(d, "Thu, 01 Jan 1970 00:00:00 GMT");
    lh_http_date(951782400, d, sizeof d);
    CHECK_EQ_STR(d, "Tue, 29 Feb 2000 00:00:00 GMT");
    CHECK_EQ_INT(lh_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", &t), 0);
    CHECK_EQ_INT(t, 784111777);
    CHECK_EQ_INT(lh_http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", &t), 0);
    CHECK_EQ_INT(t, 784111777);
    CHECK_EQ_INT(lh_http_date_parse("Sun Nov  6 08:49:37 1994", &t), 0);
    CHECK_EQ_INT(t, 784111777);
    CHECK_EQ_INT(lh_http_date_parse("Tue, 29 Feb 2000 00:00:00 GMT", &t), 0);
    CHECK_EQ_INT(t, 951782400);
    CHECK_EQ_INT(lh_http_date_parse("Sun, 06 Nov 1994 08:49:37 UTC", &t), LH_EINVAL);
    CHECK_EQ_INT(lh_http_date_parse("Sun, 6 Nov 1994 08:49:37 GMT", &t), LH_EINVAL);
    CHECK_EQ_INT(lh_http_date_parse("", &t), LH_EINVAL);
    CHECK_EQ_INT(lh_http_date_parse("Sun, 06 Nov 1994 25:49:37 GMT", &t), LH_EINVAL);
}

static void query_and_pct(void)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_http_req_t req = {.arena = a,
                         .query = LH_STR("list-type=2&prefix=a%2Fb%20c&uploads&x=a+b&k%65y=v")};
    CHECK_EQ_STR(lh_http_query_get(&req, "list-type"), "2");
    CHECK_EQ_STR(lh_http_query_get(&req, "prefix"), "a/b c");
    CHECK_EQ_STR(lh_http_query_get(&req, "uploads"), "");
    CHECK_EQ_STR(lh_http_query_get(&req, "x"), "a+b");
    CHECK_EQ_STR(lh_http_query_get(&req, "key"), "v");
    CHECK(lh_http_query_get(&req, "missing") == NULL);
    CHECK(lh_http_pct_decode(a, LH_STR("%2")) == NULL);
    CHECK(lh_http_pct_decode(a, LH_STR("%zz")) == NULL);
    CHECK(lh_http_pct_decode(a, LH_STR("a%00b")) == NULL);
    CHECK_EQ_STR(lh_http_pct_decode(a, LH_STR("%7e%7E")), "~~");
    lh_arena_free(a);
}

/* ------------------------------------------------------------------ */
/* a live server on a loop thread                                       */

enum { CMD_STOP = 1, CMD_RELEASE = 2, CMD_GO = 4 };

static struct {
    uv_loop_t loop;
    uv_async_t async;
    pthread_t th;
    lh_http_server_t *srv;
    char bound[80];
    int port;
    int cmds;
    /* handler observations, read by the client thread */
    int done_ok, done_fail, body_errors, slices, outstanding, max_outstanding, requests;
    int errors_answered;
    int hold;
    lh_http_req_t *pending; /* loop thread only */
    char file[256];
} S;

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)
#define INC(x) __atomic_add_fetch(&(x), 1, __ATOMIC_SEQ_CST)

typedef struct {
    lh_buf_t buf;
    uint64_t n, fnv;
    int fd;
    int kind;
} hstate_t;

enum { K_ECHO, K_SUM, K_LATE, K_OTHER };

static void h_file(lh_http_req_t *req, hstate_t *h)
{
    const char *o = lh_http_query_get(req, "off"), *l = lh_http_query_get(req, "len");
    int64_t off = 0, len;
    struct stat st;
    h->fd = open(S.file, O_RDONLY);
    if (h->fd < 0 || fstat(h->fd, &st) != 0) {
        lh_http_respond(req, 500, NULL, 0);
        return;
    }
    len = st.st_size;
    if (o && l && (lh_parse_i64(o, &off) || lh_parse_i64(l, &len))) {
        lh_http_respond(req, 400, NULL, 0);
        return;
    }
    lh_http_start(req, o ? 206 : 200, len);
    lh_http_sendfile(req, h->fd, off, len, NULL, NULL);
    lh_http_finish(req);
}

static void stream_done(lh_http_req_t *req, int ok, void *arg)
{
    (void)arg;
    if (ok) lh_http_finish(req);
}

static void h_request(lh_http_req_t *req, void *ctx)
{
    (void)ctx;
    hstate_t *h = calloc(1, sizeof *h);
    h->fd = -1;
    h->fnv = 1469598103934665603ull;
    lh_buf_init(&h->buf, 1 << 20);
    req->udata = h;
    INC(S.requests);
    lh_str_t p = req->path;
    h->kind = lh_str_eq(p, "/echo")   ? K_ECHO
              : lh_str_eq(p, "/sum")  ? K_SUM
              : lh_str_eq(p, "/late") ? K_LATE
                                      : K_OTHER;
    lh_http_set_header(req, "x-rid", req->request_id);
    if (h->kind == K_ECHO || h->kind == K_SUM) {
        lh_http_body_read(req);
    } else if (h->kind == K_LATE) {
        S.pending = req;
    } else if (lh_str_eq(p, "/noread")) {
        lh_http_respond(req, 403, "no", 2);
    } else if (lh_str_eq(p, "/file")) {
        h_file(req, h);
    } else if (lh_str_eq(p, "/stream")) {
        lh_http_start(req, 200, -1);
        lh_http_write(req, "hello ", 6, NULL, NULL);
        lh_http_write(req, "world", 5, stream_done, NULL);
    } else {
        lh_http_respond(req, 404, "nf", 2);
    }
}

static void h_body(lh_http_req_t *req, const char *d, size_t n, void *ctx)
{
    (void)ctx;
    hstate_t *h = req->udata;
    if (INC(S.outstanding) > LOAD(S.max_outstanding)) STORE(S.max_outstanding, LOAD(S.outstanding));
    INC(S.slices);
    h->n += n;
    for (size_t i = 0; i < n; i++)
        h->fnv = (h->fnv ^ (unsigned char)d[i]) * 1099511628211ull;
    if (h->kind != K_SUM) lh_buf_append(&h->buf, d, n);
    if (LOAD(S.hold)) {
        S.pending = req;
        return;
    }
    __atomic_sub_fetch(&S.outstanding, 1, __ATOMIC_SEQ_CST);
    lh_http_body_next(req);
}

static void h_body_end(lh_http_req_t *req, void *ctx)
{
    (void)ctx;
    hstate_t *h = req->udata;
    if (h->kind == K_SUM) {
        char *s = lh_arena_printf(req->arena, "len=%llu fnv=%016llx", (unsigned long long)h->n,
                                  (unsigned long long)h->fnv);
        lh_http_respond(req, 200, s, strlen(s));
    } else {
        lh_http_respond(req, 200, h->buf.ptr, h->buf.len);
    }
}

static void h_body_error(lh_http_req_t *req, void *ctx)
{
    (void)req;
    (void)ctx;
    INC(S.body_errors);
}

static void h_done(lh_http_req_t *req, int ok, void *ctx)
{
    (void)ctx;
    hstate_t *h = req->udata;
    if (S.pending == req) S.pending = NULL;
    if (h->fd >= 0) close(h->fd);
    lh_buf_free(&h->buf);
    free(h);
    if (ok)
        INC(S.done_ok);
    else
        INC(S.done_fail);
}

static const lh_http_handler_t handler = {
    .on_request = h_request,
    .on_body = h_body,
    .on_body_end = h_body_end,
    .on_body_error = h_body_error,
    .on_done = h_done,
};

/* Answers framing errors in "the service's format": a text body naming them. */
static void h_error(lh_http_req_t *req, int status, int kind, const char *reason, void *ctx)
{
    (void)ctx;
    char *s = lh_arena_printf(req->arena, "E%d kind=%d %s", status, kind, reason);
    INC(S.errors_answered);
    lh_http_set_header(req, "Content-Type", "text/x-error");
    lh_http_respond(req, status, s, strlen(s));
}

static const lh_http_handler_t handler_err = {
    .on_request = h_request,
    .on_body = h_body,
    .on_body_end = h_body_end,
    .on_body_error = h_body_error,
    .on_done = h_done,
    .on_error = h_error,
};

static void on_stopped(void *arg)
{
    (void)arg;
    uv_close((uv_handle_t *)&S.async, NULL);
}

static void on_async(uv_async_t *a)
{
    (void)a;
    int cmds = __atomic_exchange_n(&S.cmds, 0, __ATOMIC_SEQ_CST);
    if ((cmds & CMD_GO) && S.pending) lh_http_body_read(S.pending);
    if ((cmds & CMD_RELEASE) && S.pending) {
        lh_http_req_t *r = S.pending;
        S.pending = NULL;
        __atomic_sub_fetch(&S.outstanding, 1, __ATOMIC_SEQ_CST);
        lh_http_body_next(r);
    }
    if (cmds & CMD_STOP) lh_http_server_stop(S.srv, on_stopped, NULL);
}

static void send_cmd(int cmd)
{
    __atomic_or_fetch(&S.cmds, cmd, __ATOMIC_SEQ_CST);
    uv_async_send(&S.async);
}

static void *loop_main(void *arg)
{
    (void)arg;
    uv_run(&S.loop, UV_RUN_DEFAULT);
    return NULL;
}

static int server_start_opts(lh_http_server_opts_t *o, lh_err_t *err)
{
    uv_loop_init(&S.loop);
    uv_async_init(&S.loop, &S.async, on_async);
    o->name = "t";
    if (!o->handler) o->handler = &handler;
    if (!o->listen) o->listen = "127.0.0.1:0";
    int rc = lh_http_server_start(&S.loop, o, &S.srv, S.bound, sizeof S.bound, err);
    if (rc) return rc;
    S.port = (int)strtol(strrchr(S.bound, ':') + 1, NULL, 10);
    pthread_create(&S.th, NULL, loop_main, NULL);
    return 0;
}

static int server_start(void)
{
    lh_http_server_opts_t o = {0};
    lh_err_t err = {0};
    int rc = server_start_opts(&o, &err);
    if (rc) fprintf(stderr, "  server start: %s\n", err.msg);
    return rc;
}

static void server_stop(void)
{
    send_cmd(CMD_STOP);
    pthread_join(S.th, NULL);
    uv_loop_close(&S.loop);
}

/* --- client side --- */

typedef struct {
    int fd;
    SSL *ssl;
    char buf[1 << 16];
    size_t len;
} conn_t;

static int tconnect(conn_t *c)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)S.port)};
    struct timeval tv = {20, 0};
    memset(c, 0, sizeof *c);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return connect(c->fd, (struct sockaddr *)&sa, sizeof sa);
}

static void tclose(conn_t *c)
{
    if (c->ssl) {
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    close(c->fd);
}

static int csend(conn_t *c, const void *d, size_t n)
{
    const char *p = d;
    while (n) {
        ssize_t k = c->ssl ? SSL_write(c->ssl, p, (int)n) : send(c->fd, p, n, MSG_NOSIGNAL);
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int csends(conn_t *c, const char *s)
{
    return csend(c, s, strlen(s));
}

/* Reads more into c->buf; returns bytes read, 0 on EOF, -1 on error. */
static ssize_t cfill(conn_t *c)
{
    if (c->len == sizeof c->buf) return -1;
    ssize_t n = c->ssl ? SSL_read(c->ssl, c->buf + c->len, (int)(sizeof c->buf - c->len))
                       : recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
    if (n > 0) c->len += (size_t)n;
    return n < 0 && c->ssl ? 0 : n;
}

static void cconsume(conn_t *c, size_t n)
{
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
}

typedef struct {
    int status;
    char head[4096]; /* with the Date value replaced by X */
    lh_buf_t body;
    char rid[32];
} resp_t;

static int read_head(conn_t *c, resp_t *r)
{
    char *e;
    while (!(e = memmem(c->buf, c->len, "\r\n\r\n", 4)))
        if (cfill(c) <= 0) return -1;
    size_t hl = (size_t)(e - c->buf) + 4, o = 0;
    for (size_t i = 0; i < hl && o < sizeof r->head - 2; i++) {
        if (i + 6 < hl && !strncmp(c->buf + i, "\nDate: ", 7)) {
            memcpy(r->head + o, "\nDate: X", 8);
            o += 8;
            while (c->buf[i + 1] != '\r')
                i++;
            continue;
        }
        r->head[o++] = c->buf[i];
    }
    r->head[o] = 0;
    r->status = (int)strtol(c->buf + 9, NULL, 10);
    char *rid = strstr(r->head, "x-rid: ");
    if (rid) snprintf(r->rid, sizeof r->rid, "%.16s", rid + 7);
    cconsume(c, hl);
    return 0;
}

static int read_n(conn_t *c, lh_buf_t *b, size_t n)
{
    while (n) {
        if (!c->len && cfill(c) <= 0) return -1;
        size_t k = c->len < n ? c->len : n;
        lh_buf_append(b, c->buf, k);
        cconsume(c, k);
        n -= k;
    }
    return 0;
}

static int read_chunked(conn_t *c, lh_buf_t *b)
{
    for (;;) {
        char *e;
        while (!(e = memmem(c->buf, c->len, "\r\n", 2)))
            if (cfill(c) <= 0) return -1;
        size_t n = strtoul(c->buf, NULL, 16);
        cconsume(c, (size_t)(e - c->buf) + 2);
        lh_buf_t crlf;
        lh_buf_init(&crlf, 0);
        if (read_n(c, n ? b : &crlf, n) || read_n(c, &crlf, 2)) {
            lh_buf_free(&crlf);
            return -1;
        }
        lh_buf_free(&crlf);
        if (!n) return 0;
    }
}

/* Reads one response; head_req: the request was HEAD (no body). */
static int read_resp(conn_t *c, resp_t *r, int head_req)
{
    memset(r, 0, sizeof *r);
    lh_buf_init(&r->body, 64 << 20);
    lh_buf_append(&r->body, "", 0);
    if (read_head(c, r)) return -1;
    if (head_req || r->status == 100 || r->status == 204 || r->status == 304) return 0;
    char *cl = strstr(r->head, "Content-Length: ");
    if (cl) return read_n(c, &r->body, strtoul(cl + 16, NULL, 10));
    if (strstr(r->head, "Transfer-Encoding: chunked")) return read_chunked(c, &r->body);
    while (cfill(c) > 0)
        ;
    return read_n(c, &r->body, c->len);
}

/* 1 when the server closed the connection (EOF or reset). */
static int at_eof(conn_t *c)
{
    return c->len == 0 && cfill(c) <= 0;
}

static double metric(const char *name)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_metrics_render(&b);
    char key[128];
    snprintf(key, sizeof key, "\n%s{listener=\"t\"} ", name);
    char *p = strstr(b.ptr, key);
    double v = p ? strtod(p + strlen(key), NULL) : -1;
    lh_buf_free(&b);
    return v;
}

static void wait_for(int *counter, int n)
{
    for (int i = 0; i < 5000 && LOAD(*counter) < n; i++)
        usleep(1000);
}

#define EXPECT_RESP(c, r, head_req, exp_head, exp_body)                                            \
    do {                                                                                           \
        CHECK_EQ_INT(read_resp((c), (r), (head_req)), 0);                                          \
        CHECK_EQ_STR(strip_rid((r)->head), (exp_head));                                            \
        CHECK_EQ_STR((r)->body.ptr, (exp_body));                                                   \
        lh_buf_free(&(r)->body);                                                                   \
    } while (0)

/* Drops the x-rid line (random) so heads compare exactly. */
static char *strip_rid(char *h)
{
    char *p = strstr(h, "x-rid: ");
    if (p) {
        char *e = strstr(p, "\r\n") + 2;
        memmove(p, e, strlen(e) + 1);
    }
    return h;
}

#define OK_HEAD(len)                                                                               \
    "HTTP/1.1 200 OK\r\nDate: X\r\nServer: lakehouse\r\nContent-Length: " len "\r\n\r\n"

static void keepalive_two_requests(void)
{
    conn_t c;
    resp_t r;
    CHECK_EQ_INT(server_start(), 0);
    CHECK_EQ_INT(tconnect(&c), 0);
    CHECK_EQ_INT(csends(&c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"), 0);
    EXPECT_RESP(&c, &r, 0, OK_HEAD("5"), "hello");
    char rid1[32];
    memcpy(rid1, r.rid, sizeof rid1);
    CHECK_EQ_INT(strlen(rid1), 16);
    CHECK_EQ_INT(csends(&c, "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    EXPECT_RESP(
        &c, &r, 0,
        "HTTP/1.1 404 Not Found\r\nDate: X\r\nServer: lakehouse\r\nContent-Length: 2\r\n\r\n",
        "nf");
    CHECK(strcmp(rid1, r.rid) != 0);
    wait_for(&S.done_ok, 2);
    CHECK_EQ_INT(LOAD(S.done_ok), 2);
    CHECK(metric("lakehouse_http_bytes_received_total") > 80);
    CHECK(metric("lakehouse_http_bytes_sent_total") > 100);
    CHECK_EQ_INT(metric("lakehouse_http_connections_active"), 1);
    tclose(&c);
    server_stop();
}

/* lh_http_respond hands the head and a small body to the socket in one
 * write: the first read after the answer starts holds all of it. */
static void respond_head_and_body_in_one_send(void)
{
    conn_t c;
    CHECK_EQ_INT(server_start(), 0);
    CHECK_EQ_INT(tconnect(&c), 0);
    for (int i = 0; i < 20; i++) {
        c.len = 0;
        CHECK_EQ_INT(csends(&c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"),
                     0);
        CHECK(cfill(&c) > 0);
        CHECK(c.len > 5 && !memcmp(c.buf + c.len - 9, "\r\n\r\nhello", 9));
    }
    tclose(&c);
    server_stop();
}

static void pipelined_in_one_write(void)
{
    conn_t c;
    resp_t r;
    CHECK_EQ_INT(server_start(), 0);
    CHECK_EQ_INT(tconnect(&c), 0);
    CHECK_EQ_INT(csends(&c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
                            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "3\r\ntwo\r\n0\r\n\r\n"
                            "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"
                            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                            "Connection: close\r\n\r\nthree"),
                 0);
    EXPECT_RESP(&c, &r, 0, OK_HEAD("3"), "one");
    EXPECT_RESP(&c, &r, 0, OK_HEAD("3"), "two");
    CHECK_EQ_INT(read_head(&c, &r), 0);
    CHECK_EQ_STR(
        strip_rid(r.head),
        "HTTP/1.1 200 OK\r\nDate: X\r\nServer: lakehouse\r\nTransfer-Encoding: chunked\r\n\r\n");
    /* exact chunked framing */
    static const char framed[] = "6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n";
    while (c.len < sizeof framed - 1 && cfill(&c) > 0)
        ;
    CHECK(c.len >= sizeof framed - 1);
    CHECK(!memcmp(c.buf, framed, sizeof framed - 1));
    cconsume(&c, sizeof framed - 1);
    EXPECT_RESP(&c, &r, 0,
                "HTTP/1.1 200 OK\r\nDate: X\r\nServer: lakehouse\r\nContent-Length: 5\r\n"
                "Connection: close\r\n\r\n",
                "three");
    CHECK(at_eof(&c));
    tclose(&c);
    server_stop();
}

static void chunked_body_split_every_byte(void)
{
    conn_t c;
    resp_t r;
    CHECK_EQ_INT(server_start(), 0);
    CHECK_EQ_INT(tconnect(&c), 0);
    const char *req = "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5;name=val;q=\"a b\"\r\nhello\r\n1\r\n \r\na  ;ext\r\n0123456789\r\n"
                      "0\r\nX-Checksum: abc\r\nX-More: def\r\n\r\n";
    size_t len = strlen(req);
    for (size_t cut = 1; cut < len; cut++) {
        CHECK_EQ_INT(csend(&c, req, cut), 0);
        usleep(1000); /* lets the server see the first piece on its own */
        CHECK_EQ_INT(csend(&c, req + cut, len - cut), 0);
        EXPECT_RESP(&c, &r, 0, OK_HEAD("16"), chunked_body);
    }
    wait_for(&S.done_ok, (int)len - 1); /* on_done follows the last write */
    CHECK_EQ_INT(LOAD(S.done_ok), (long long)len - 1);
    tclose(&c);
    server_stop();
}

static int readable_within(conn_t *c, int ms)
{
    struct pollfd pf = {.fd = c->fd, .events = POLLIN};
    return poll(&pf, 1, ms) > 0;
}

static void continue_only_after_body_read(void)
{
    conn_t c;
    resp_t r;
    CHECK_EQ_INT(server_start(), 0);
    CHECK_EQ_INT(tconnect(&c), 0);
    CHECK_EQ_INT(csends(&c, "PUT /late HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                            "Expect: 100-continue\r\n\r\n"),
                 0);
    while (!LOAD(S.requests))
        usleep(1000);
    CHECK(!readable_within(&c, 300)); /* the handler has not asked for the body */
    send_cmd(CMD_GO);
    CHECK_EQ_INT(read_head(&c, &r), 0);
    CHECK_EQ_STR(r.head, "HTTP/1.1 100 Continue\r\n\r\n");
    CHECK_EQ_INT(csends(&c, "body"), 0);
    EXPECT_RESP(&c, &r, 0, OK_HEAD("4"), "body");
    /* responding without reading: no 100, connection closed */
    CHECK_EQ_INT(csends(&c, "PUT /noread HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                            "Expect: 100-continue\r\n\r\n"),
                 0);
    EXPECT_RESP(&c, &r, 0,
                "HTTP/1.1 403 Forbidden\r\nDate: X\r\nServer: lakehouse\r\nContent-Length: 2\r\n"
                "Connection: close\r\n\r\n",
                "no");
    CHECK(at_eof(&c));
    tclose(&c);
    server_stop();
}

static void expect_error(const char *req, size_t reqlen, const char *status_line)
{
    conn_t c;
    resp_t r;
    char exp[256];
    CHECK_EQ_INT(tconnect(&c), 0);
    csend(&c, req, reqlen); /* may fail midway once the server answered */
    snprintf(exp, sizeof exp,
             "%s\r\nDate: X\r\nServer: lakehouse\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
             status_line);
    EXPECT_RESP(&c, &r, 0, exp, "");
    CHECK(at_eof(&c));
    tclose(&c);
}

static void bad_requests_get_errors(void)
{
    CHECK_EQ_INT(server_start(), 0);
    const char *bad = "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n";
    expect_error(bad, strlen(bad), "HTTP/1.1 400 Bad Request");
    const char *both = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    expect_error(both, strlen(both), "HTTP/1.1 400 Bad Request");
    size_t n = 70 << 10;
    char *big = malloc(n + 64);
    int k = snprintf(big, 64, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(big + k, 'a', n);
    memcpy(big + k + n, "\r\n\r\n", 4);
    expect_error(big, (size_t)k + n + 4, "HTTP/1.1 431 Request Header Fields Too Large");
    free(big);
    CHECK_EQ_INT(LOAD(S.requests), 0);
    server_stop();
}

static void backpressure_bounds_buffering(void)
{
    conn_t c;
    resp_t r;
    const size_t total = 10 << 20;
    CHECK_EQ_INT(server_start(), 0);
    CHECK_EQ_INT(tconnect(&c), 0);
    STORE(S.hold, 1);
    char *body = malloc(total);
    uint64_t fnv = 1469598103934665603ull;
    for (size_t i = 0; i < total; i++) {
        body[i] = (char)(i * 7 + i / 4093);
        fnv = (fnv ^ (unsigned char)body[i]) * 1099511628211ull;
    }
    CHECK_EQ_INT(csends(&c, "POST /sum HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n"),
                 0);
    /* push until the pipe is full: kernel buffers fill, the server reads no more */
    fcntl(c.fd, F_SETFL, O_NONBLOCK);
    size_t sent = 0;
    for (int still = 0; still < 5 && sent < total;) {
        ssize_t k = send(c.fd, body + sent, total - sent, MSG_NOSIGNAL);
        if (k > 0) {
            sent += (size_t)k;
            still = 0;
        } else {
            usleep(50000);
            still++;
        }
    }
    CHECK(sent < total);
    CHECK_EQ_INT(LOAD(S.slices), 1);
    CHECK(metric("lakehouse_http_bytes_received_total") <= (double)(LH__HTTP_RBUF + 128));
    CHECK(lh__http_max_buffered(S.srv) <= LH__HTTP_RBUF);
    STORE(S.hold, 0);
    send_cmd(CMD_RELEASE);
    fcntl(c.fd, F_SETFL, 0);
    CHECK_EQ_INT(csend(&c, body + sent, total - sent), 0);
    char exp[64];
    snprintf(exp, sizeof exp, "len=10485760 fnv=%016llx", (unsigned long long)fnv);
    EXPECT_RESP(&c, &r, 0, OK_HEAD("33"), exp);
    CHECK_EQ_INT(LOAD(S.max_outstanding), 1);
    CHECK(LOAD(S.slices) >= 10485760 / (int)LH__HTTP_RBUF);
    CHECK(lh__http_max_buffered(S.srv) <= LH__HTTP_RBUF);
    free(body);
    tclose(&c);
    server_stop();
}

static void write_test_file(size_t n)
{
    snprintf(S.file, sizeof S.file, "/tmp/lh_http_file_%d", (int)getpid());
    FILE *f = fopen(S.file, "wb");
    for (size_t i = 0; i < n; i++)
        fputc((int)((i * 31 + i / 977) & 0xff), f);
    fclose(f);
}

static int file_range_ok(const lh_buf_t *b, size_t off, size_t len)
{
    if (b->len != len) return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)b->ptr[i] != (((off + i) * 31 + (off + i) / 977) & 0xff)) return 0;
    return 1;
}

static void head_and_sendfile_range(void)
{
    conn_t c;
    resp_t r;
    write_test_file(3 << 20);
    CHECK_EQ_INT(server_start(), 0);
    CHECK_EQ_INT(tconnect(&c), 0);
    CHECK_EQ_INT(csends(&c, "HEAD /file HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    EXPECT_RESP(&c, &r, 1, OK_HEAD("3145728"), "");
    CHECK_EQ_INT(csends(&c, "GET /file?off=1000&len=300000 HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    CHECK_EQ_INT(read_resp(&c, &r, 0), 0);
    CHECK_EQ_INT(r.status, 206);
    CHECK(file_range_ok(&r.body, 1000, 300000));
    lh_buf_free(&r.body);
    CHECK_EQ_INT(csends(&c, "GET /file HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    CHECK_EQ_INT(read_resp(&c, &r, 0), 0);
    CHECK(file_range_ok(&r.body, 0, 3 << 20));
    lh_buf_free(&r.body);
    wait_for(&S.done_ok, 3);
    CHECK_EQ_INT(LOAD(S.done_ok), 3);
    tclose(&c);
    server_stop();
    unlink(S.file);
}

/* The next request may arrive while a large answer is still being written
 * (reading goes on once the answer is queued whole): it is kept and answered
 * after it, in order; a half-close right after a request still gets the
 * whole answer, then the end. */
static void next_request_during_a_long_answer(void)
{
    conn_t c;
    resp_t r;
    write_test_file(4 << 20);
    CHECK_EQ_INT(server_start(), 0);
    CHECK_EQ_INT(tconnect(&c), 0);
    CHECK_EQ_INT(csends(&c, "GET /file HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    CHECK_EQ_INT(read_head(&c, &r), 0); /* the answer started; most of it is still queued */
    CHECK_EQ_INT(csends(&c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nnext"), 0);
    usleep(20000);
    lh_buf_t body;
    lh_buf_init(&body, 8 << 20);
    CHECK_EQ_INT(read_n(&c, &body, 4 << 20), 0);
    CHECK(file_range_ok(&body, 0, 4 << 20));
    lh_buf_free(&body);
    CHECK_EQ_INT(read_resp(&c, &r, 0), 0);
    CHECK_EQ_INT(r.status, 200);
    CHECK(r.body.len == 4 && !memcmp(r.body.ptr, "next", 4));
    lh_buf_free(&r.body);
    CHECK_EQ_INT(csends(&c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nlast"), 0);
    shutdown(c.fd, SHUT_WR);
    CHECK_EQ_INT(read_resp(&c, &r, 0), 0);
    CHECK(r.body.len == 4 && !memcmp(r.body.ptr, "last", 4));
    lh_buf_free(&r.body);
    CHECK(at_eof(&c));
    tclose(&c);
    wait_for(&S.done_ok, 3);
    CHECK_EQ_INT(LOAD(S.done_ok), 3);
    server_stop();
    unlink(S.file);
}

static void noread_discards_small_body(void)
{
    conn_t c;
    resp_t r;
    CHECK_EQ_INT(server_start(), 0);
    CHECK_EQ_INT(tconnect(&c), 0);
    char body[1000];
    memset(body, 'b', sizeof body);
    CHECK_EQ_INT(csends(&c, "PUT /noread HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"), 0);
    CHECK_EQ_INT(csend(&c, body, sizeof body), 0);
    EXPECT_RESP(
        &c, &r, 0,
        "HTTP/1.1 403 Forbidden\r\nDate: X\r\nServer: lakehouse\r\nContent-Length: 2\r\n\r\n",
        "no");
    CHECK_EQ_INT(csends(&c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"), 0);
    EXPECT_RESP(&c, &r, 0, OK_HEAD("2"), "ok");
    /* too much to discard: the server says close */
    CHECK_EQ_INT(csends(&c, "PUT /noread HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n"),
                 0);
    EXPECT_RESP(&c, &r, 0,
                "HTTP/1.1 403 Forbidden\r\nDate: X\r\nServer: lakehouse\r\nContent-Length: 2\r\n"
                "Connection: close\r\n\r\n",
                "no");
    CHECK(at_eof(&c));
    tclose(&c);
    server_stop();
}

static void drop_mid_body_ends_not_ok(void)
{
    conn_t c;
    CHECK_EQ_INT(server_start(), 0);
    CHECK_EQ_INT(tconnect(&c), 0);
    char body[1000];
    memset(body, 'b', sizeof body);
    CHECK_EQ_INT(csends(&c, "PUT /sum HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"), 0);
    CHECK_EQ_INT(csend(&c, body, sizeof body), 0);
    while (LOAD(S.slices) < 1)
        usleep(1000);
    tclose(&c);
    for (int i = 0; i < 5000 && !LOAD(S.done_fail); i++)
        usleep(1000);
    CHECK_EQ_INT(LOAD(S.done_fail), 1);
    CHECK_EQ_INT(LOAD(S.done_ok), 0);
    CHECK_EQ_INT(LOAD(S.body_errors), 1);
    server_stop();
    CHECK_EQ_INT(LOAD(S.done_fail), 1); /* exactly once */
}

static void http10_keepalive_rules(void)
{
    conn_t c;
    resp_t r;
    CHECK_EQ_INT(server_start(), 0);
    CHECK_EQ_INT(tconnect(&c), 0);
    CHECK_EQ_INT(csends(&c, "GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), 0);
    EXPECT_RESP(&c, &r, 0,
                "HTTP/1.1 404 Not Found\r\nDate: X\r\nServer: lakehouse\r\nContent-Length: 2\r\n"
                "Connection: keep-alive\r\n\r\n",
                "nf");
    CHECK_EQ_INT(csends(&c, "GET /x HTTP/1.0\r\n\r\n"), 0);
    EXPECT_RESP(&c, &r, 0,
                "HTTP/1.1 404 Not Found\r\nDate: X\r\nServer: lakehouse\r\nContent-Length: 2\r\n"
                "Connection: close\r\n\r\n",
                "nf");
    CHECK(at_eof(&c));
    tclose(&c);
    server_stop();
}

static void idle_timeout_closes(void)
{
    conn_t c;
    lh_http_server_opts_t o = {.idle_timeout_ms = 200};
    lh_err_t err;
    CHECK_EQ_INT(server_start_opts(&o, &err), 0);
    CHECK_EQ_INT(tconnect(&c), 0);
    CHECK(at_eof(&c));
    tclose(&c);
    server_stop();
}

static void listen_forms_and_errors(void)
{
    lh_err_t err = {0};
    lh_http_server_opts_t o = {.listen = ":0"};
    CHECK_EQ_INT(server_start_opts(&o, &err), 0);
    CHECK(!strncmp(S.bound, "0.0.0.0:", 8));
    CHECK(S.port > 0);
    server_stop();
    uv_loop_t loop;
    lh_http_server_t *srv;
    char bound[80];
    uv_loop_init(&loop);
    lh_http_server_opts_t bad = {.listen = "nohost", .handler = &handler};
    CHECK_EQ_INT(lh_http_server_start(&loop, &bad, &srv, bound, sizeof bound, &err), LH_EINVAL);
    bad.listen = "bogus.example:80";
    CHECK_EQ_INT(lh_http_server_start(&loop, &bad, &srv, bound, sizeof bound, &err), LH_EINVAL);
    bad.listen = "127.0.0.1:0";
    bad.tls_cert = "/nonexistent/cert.pem";
    bad.tls_key = "/nonexistent/key.pem";
    CHECK_EQ_INT(lh_http_server_start(&loop, &bad, &srv, bound, sizeof bound, &err), LH_EIO);
    CHECK(strstr(err.msg, "/nonexistent/cert.pem") != NULL);
    lh_http_server_opts_t v6 = {.listen = "[::1]:0", .handler = &handler};
    if (lh_http_server_start(&loop, &v6, &srv, bound, sizeof bound, &err) == 0) {
        CHECK(!strncmp(bound, "[::1]:", 6));
        lh_http_server_stop(srv, NULL, NULL);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

/* --- TLS --- */

static int make_cert(char *dir, char *cert, char *key)
{
    char cmd[512];
    if (!mkdtemp(dir)) return -1;
    snprintf(cert, 128, "%s/c.pem", dir);
    snprintf(key, 128, "%s/k.pem", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout %s -out %s -days 1 -subj /CN=localhost >/dev/null 2>&1",
             key, cert);
    return system(cmd);
}

static void tls_round_trip(void)
{
    char dir[] = "/tmp/lh_tls_XXXXXX", cert[128], key[128];
    CHECK_EQ_INT(make_cert(dir, cert, key), 0);
    write_test_file(1 << 20);
    lh_http_server_opts_t o = {.tls_cert = cert, .tls_key = key};
    lh_err_t err;
    CHECK_EQ_INT(server_start_opts(&o, &err), 0);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    CHECK(ctx);
    CHECK_EQ_INT(SSL_CTX_load_verify_locations(ctx, cert, NULL), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    conn_t c;
    resp_t r;
    CHECK_EQ_INT(tconnect(&c), 0);
    c.ssl = SSL_new(ctx);
    SSL_set_fd(c.ssl, c.fd);
    SSL_set_tlsext_host_name(c.ssl, "localhost");
    CHECK_EQ_INT(SSL_connect(c.ssl), 1);
    CHECK(SSL_version(c.ssl) >= TLS1_2_VERSION);
    CHECK_EQ_INT(csends(&c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"), 0);
    EXPECT_RESP(&c, &r, 0, OK_HEAD("5"), "hello");
    CHECK_EQ_INT(csends(&c, "GET /file?off=7&len=1000000 HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    CHECK_EQ_INT(read_resp(&c, &r, 0), 0);
    CHECK_EQ_INT(r.status, 206);
    CHECK(file_range_ok(&r.body, 7, 1000000));
    lh_buf_free(&r.body);
    CHECK_EQ_INT(csends(&c, "POST /sum HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n"),
                 0);
    uint64_t fnv = 1469598103934665603ull;
    for (const char *p = "abc"; *p; p++)
        fnv = (fnv ^ (unsigned char)*p) * 1099511628211ull;
    char exp[64];
    snprintf(exp, sizeof exp, "len=3 fnv=%016llx", (unsigned long long)fnv);
    EXPECT_RESP(&c, &r, 0, OK_HEAD("26"), exp);
    tclose(&c);
    SSL_CTX_free(ctx);
    server_stop();
    CHECK_EQ_INT(LOAD(S.done_ok), 3);
    unlink(S.file);
    unlink(cert);
    unlink(key);
    rmdir(dir);
}

static void head_deadline_408(void)
{
    conn_t c;
    resp_t r;
    lh_http_server_opts_t o = {.head_timeout_ms = 300};
    lh_err_t err;
    CHECK_EQ_INT(server_start_opts(&o, &err), 0);
    CHECK_EQ_INT(tconnect(&c), 0);
    CHECK_EQ_INT(csends(&c, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"), 0); /* whole heads are fine */
    CHECK_EQ_INT(read_resp(&c, &r, 0), 0);
    CHECK_EQ_INT(r.status, 404);
    lh_buf_free(&r.body);
    const char *slow =
        "GET /slow HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    int answered = 0;
    for (size_t i = 0; i < strlen(slow) && !answered; i++) { /* a slowloris: a byte every 100 ms */
        if (csend(&c, slow + i, 1)) break;
        answered = readable_within(&c, 100);
    }
    CHECK(answered);
    EXPECT_RESP(&c, &r, 0,
                "HTTP/1.1 408 Request Timeout\r\nDate: X\r\nServer: lakehouse\r\n"
                "Content-Length: 0\r\nConnection: close\r\n\r\n",
                "");
    CHECK(at_eof(&c));
    CHECK_EQ_INT(LOAD(S.requests), 1);
    tclose(&c);
    server_stop();
}

static void errors_answered_by_the_handler(void)
{
    conn_t c;
    resp_t r;
    lh_http_server_opts_t o = {.handler = &handler_err};
    lh_err_t err;
    CHECK_EQ_INT(server_start_opts(&o, &err), 0);
    /* a bad head: no request exists, the stand-in carries the answer */
    CHECK_EQ_INT(tconnect(&c), 0);
    CHECK_EQ_INT(csends(&c, "GET / HTTP/1.1\r\nHost : x\r\n\r\n"), 0);
    CHECK_EQ_INT(read_resp(&c, &r, 0), 0);
    CHECK_EQ_INT(r.status, 400);
    CHECK(strstr(r.head, "Connection: close\r\n") != NULL);
    CHECK(strstr(r.head, "Content-Type: text/x-error\r\n") != NULL);
    CHECK(!strncmp(r.body.ptr, "E400 kind=0 ", 12));
    lh_buf_free(&r.body);
    CHECK(at_eof(&c));
    tclose(&c);
    /* a bad chunk size inside a request */
    CHECK_EQ_INT(tconnect(&c), 0);
    CHECK_EQ_INT(csends(&c, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "zz\r\n"),
                 0);
    CHECK_EQ_INT(read_resp(&c, &r, 0), 0);
    CHECK_EQ_INT(r.status, 400);
    CHECK(!strncmp(r.body.ptr, "E400 kind=2 ", 12));
    lh_buf_free(&r.body);
    CHECK(at_eof(&c));
    tclose(&c);
    /* a chunked body cut short by the client's half-close */
    CHECK_EQ_INT(tconnect(&c), 0);
    CHECK_EQ_INT(csends(&c, "POST /sum HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "5\r\nab"),
                 0);
    shutdown(c.fd, SHUT_WR);
    CHECK_EQ_INT(read_resp(&c, &r, 0), 0);
    CHECK_EQ_INT(r.status, 400);
    CHECK(!strncmp(r.body.ptr, "E400 kind=3 truncated body", 26));
    lh_buf_free(&r.body);
    CHECK(at_eof(&c));
    tclose(&c);
    wait_for(&S.done_ok, 2);
    CHECK_EQ_INT(LOAD(S.errors_answered), 3);
    CHECK_EQ_INT(LOAD(S.body_errors), 2);
    CHECK_EQ_INT(LOAD(S.done_ok), 2); /* the answered requests ended normally */
    CHECK_EQ_INT(LOAD(S.done_fail), 0);
    server_stop();
}

static void limits_shed_idle_keepalive(void)
{
    conn_t a, b, c;
    resp_t r;
    lh_http_server_opts_t o = {.max_conns = 2};
    lh_err_t err;
    CHECK_EQ_INT(server_start_opts(&o, &err), 0);
    CHECK_EQ_INT(tconnect(&a), 0);
    CHECK_EQ_INT(csends(&a, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    CHECK_EQ_INT(read_resp(&a, &r, 0), 0);
    lh_buf_free(&r.body);
    CHECK_EQ_INT(tconnect(&b), 0);
    CHECK_EQ_INT(csends(&b, "GET /x HT"), 0); /* mid-head: no request yet, so idle too */
    CHECK_EQ_INT(tconnect(&c), 0);            /* the oldest idle (a) makes room */
    CHECK_EQ_INT(csends(&c, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
    CHECK_EQ_INT(read_resp(&c, &r, 0), 0);
    CHECK_EQ_INT(r.status, 404);
    lh_buf_free(&r.body);
    CHECK(at_eof(&a));
    tclose(&a);
    tclose(&b);
    tclose(&c);
    server_stop();
}

static const lh_test_t tests[] = {
    {"parse_chunked_every_split", parse_chunked_every_split},
    {"parse_byte_at_a_time", parse_byte_at_a_time},
    {"parse_head_errors", parse_head_errors},
    {"parse_limits_431", parse_limits_431},
    {"parse_bad_chunks", parse_bad_chunks},
    {"date_forms", date_forms},
    {"query_and_pct", query_and_pct},
    {"keepalive_two_requests", keepalive_two_requests},
    {"pipelined_in_one_write", pipelined_in_one_write},
    {"respond_head_and_body_in_one_send", respond_head_and_body_in_one_send},
    {"chunked_body_split_every_byte", chunked_body_split_every_byte},
    {"continue_only_after_body_read", continue_only_after_body_read},
    {"bad_requests_get_errors", bad_requests_get_errors},
    {"backpressure_bounds_buffering", backpressure_bounds_buffering},
    {"head_and_sendfile_range", head_and_sendfile_range},
    {"next_request_during_a_long_answer", next_request_during_a_long_answer},
    {"noread_discards_small_body", noread_discards_small_body},
    {"drop_mid_body_ends_not_ok", drop_mid_body_ends_not_ok},
    {"http10_keepalive_rules", http10_keepalive_rules},
    {"idle_timeout_closes", idle_timeout_closes},
    {"listen_forms_and_errors", listen_forms_and_errors},
    {"tls_round_trip", tls_round_trip},
    {"head_deadline_408", head_deadline_408},
    {"errors_answered_by_the_handler", errors_answered_by_the_handler},
    {"limits_shed_idle_keepalive", limits_shed_idle_keepalive},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
