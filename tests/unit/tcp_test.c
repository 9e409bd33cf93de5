/* Unit tests for the TCP layer, driven with a toy protocol: 4-byte
 * big-endian length-prefixed frames, echoed back. Payloads starting with
 * 'H' are held (answered only when the test releases them), "BIG n" asks
 * for an n-byte answer, "TLS" answers "OK" in plaintext and starts TLS,
 * "ALPN" answers the protocol agreed. A real server runs on a loop thread;
 * the tests talk to it with plain sockets and the OpenSSL client API:
 * every split of the input, pipelining with out-of-order completion,
 * back-pressure against a slow reader, the read cap, connection limits
 * (total, per peer, idle shed first), the head and TLS deadlines, TLS with
 * ALPN, the mid-stream TLS upgrade, and the drain on stop. */
#include "core/metrics.h"
#include "core/tcp.h"
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)
#define INC(x) __atomic_add_fetch(&(x), 1, __ATOMIC_SEQ_CST)

enum { CMD_STOP = 1, CMD_RELEASE_FIRST = 2, CMD_RELEASE_LAST = 4, CMD_RELEASE_ALL = 8 };

#define MAX_HELD 64

static struct {
    uv_loop_t loop;
    uv_async_t async;
    pthread_t th;
    lh_tcp_server_t *srv;
    lh_tcp_opts_t opts;
    char bound[80];
    int port;
    int cmds;
    /* observations (read by the test thread) */
    int messages, errors, last_error, timeouts, last_timeout, closes, stopped;
    int conns_open;
    size_t max_queued;
    char alpn[32];
    /* loop thread only */
    lh_tcp_slot_t *held[MAX_HELD];
    int nheld;
} S;

/* ------------------------------------------------------------------ */
/* the toy protocol                                                     */

static uint32_t be32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static void put_be32(char *p, uint32_t v)
{
    p[0] = (char)(v >> 24);
    p[1] = (char)(v >> 16);
    p[2] = (char)(v >> 8);
    p[3] = (char)v;
}

static long toy_frame(lh_tcp_conn_t *c, const char *d, size_t len, void *ctx)
{
    (void)c;
    (void)ctx;
    if (len < 4) return 0;
    uint32_t n = be32(d);
    if (n > 0x7fffffffu - 4) return LH_EPROTO;
    return (long)n + 4;
}

static void slot_frame(lh_tcp_slot_t *s, const char *payload, size_t n)
{
    char h[4];
    put_be32(h, (uint32_t)n);
    lh_tcp_slot_write(s, h, 4, NULL, NULL);
    if (n) lh_tcp_slot_write(s, payload, n, NULL, NULL);
}

static void big_answer(lh_tcp_slot_t *s, const char *p, size_t n)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%.*s", (int)(n < 31 ? n : 31), p);
    long size = strtol(tmp + 4, NULL, 10);
    char *body = malloc((size_t)size);
    memset(body, 'b', (size_t)size);
    memcpy(body, tmp, n < (size_t)size ? n : (size_t)size); /* names the request */
    slot_frame(s, body, (size_t)size);
    free(body);
}

/* "FILE n": the answer's bytes come from a file with sendfile, in two
 * ranges around a memory piece: header (memory), n/2 file bytes from
 * offset 7, "|" (memory), the next n - n/2 file bytes. */
static int file_fd = -1;

static void closed_file_piece(lh_tcp_conn_t *c, int ok, void *arg)
{
    (void)c, (void)ok;
    INC(*(int *)arg);
}

static int file_pieces_done;

static void file_answer(lh_tcp_slot_t *s, const char *p, size_t n)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%.*s", (int)(n < 31 ? n : 31), p);
    long size = strtol(tmp + 5, NULL, 10);
    char h[4];
    put_be32(h, (uint32_t)size + 1);
    lh_tcp_slot_write(s, h, 4, NULL, NULL);
    lh_tcp_slot_sendfile(s, file_fd, 7, size / 2, closed_file_piece, &file_pieces_done);
    lh_tcp_slot_write(s, "|", 1, NULL, NULL);
    lh_tcp_slot_sendfile(s, file_fd, 7 + size / 2, size - size / 2, closed_file_piece,
                         &file_pieces_done);
}

static void toy_message(lh_tcp_slot_t *s, const char *d, size_t len, void *ctx)
{
    (void)ctx;
    lh_tcp_conn_t *c = lh_tcp_slot_conn(s);
    const char *p = d + 4;
    size_t n = len - 4;
    INC(S.messages);
    if (n >= 1 && p[0] == 'H' && S.nheld < MAX_HELD) {
        S.held[S.nheld++] = s;
        return;
    }
    if (n > 4 && !memcmp(p, "BIG ", 4)) {
        big_answer(s, p, n);
    } else if (n > 5 && !memcmp(p, "FILE ", 5)) {
        file_answer(s, p, n);
    } else if (n == 3 && !memcmp(p, "TLS", 3)) {
        slot_frame(s, "OK", 2);
        lh_tcp_conn_start_tls(c);
    } else if (n == 4 && !memcmp(p, "ALPN", 4)) {
        const char *a = lh_tcp_conn_alpn(c);
        slot_frame(s, a ? a : "-", a ? strlen(a) : 1);
    } else {
        lh_tcp_slot_write(s, d, len, NULL, NULL);
    }
    size_t q = lh_tcp_conn_queued(c);
    if (q > S.max_queued) S.max_queued = q;
    lh_tcp_slot_end(s);
}

static void toy_error(lh_tcp_conn_t *c, int code, void *ctx)
{
    (void)ctx;
    char f[5];
    put_be32(f, 1);
    f[4] = 'E';
    STORE(S.last_error, code);
    INC(S.errors);
    lh_tcp_conn_write(c, f, sizeof f, NULL, NULL);
}

static int toy_timeout(lh_tcp_conn_t *c, int which, void *ctx)
{
    (void)c;
    (void)ctx;
    STORE(S.last_timeout, which);
    INC(S.timeouts);
    return 0;
}

static void toy_open(lh_tcp_conn_t *c, void *ctx)
{
    (void)c;
    (void)ctx;
    INC(S.conns_open);
}

/* Ends the held slots of c (its connection is gone). */
static void toy_close(lh_tcp_conn_t *c, void *ctx)
{
    (void)ctx;
    for (int i = 0; i < S.nheld;) {
        if (lh_tcp_slot_conn(S.held[i]) == c) {
            lh_tcp_slot_end(S.held[i]);
            memmove(S.held + i, S.held + i + 1, (size_t)(S.nheld - i - 1) * sizeof S.held[0]);
            S.nheld--;
        } else {
            i++;
        }
    }
    INC(S.closes);
}

static const lh_tcp_proto_t toy = {
    .frame = toy_frame,
    .on_message = toy_message,
    .on_open = toy_open,
    .on_error = toy_error,
    .on_timeout = toy_timeout,
    .on_close = toy_close,
};

/* ------------------------------------------------------------------ */
/* the server on a loop thread                                          */

static void release(int i)
{
    lh_tcp_slot_t *s = S.held[i];
    memmove(S.held + i, S.held + i + 1, (size_t)(S.nheld - i - 1) * sizeof S.held[0]);
    S.nheld--;
    slot_frame(s, "released", 8);
    lh_tcp_slot_end(s);
}

static void on_stopped(void *arg)
{
    (void)arg;
    STORE(S.stopped, 1);
    uv_close((uv_handle_t *)&S.async, NULL);
}

static void on_async(uv_async_t *a)
{
    (void)a;
    int cmds = __atomic_exchange_n(&S.cmds, 0, __ATOMIC_SEQ_CST);
    if ((cmds & CMD_RELEASE_FIRST) && S.nheld) release(0);
    if ((cmds & CMD_RELEASE_LAST) && S.nheld) release(S.nheld - 1);
    while ((cmds & CMD_RELEASE_ALL) && S.nheld)
        release(0);
    if (cmds & CMD_STOP) lh_tcp_server_stop(S.srv, on_stopped, NULL);
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

static int server_start(void)
{
    lh_err_t err = {0};
    uv_loop_init(&S.loop);
    uv_async_init(&S.loop, &S.async, on_async);
    S.opts.name = "toy";
    S.opts.proto = &toy;
    if (!S.opts.listen) S.opts.listen = "127.0.0.1:0";
    int rc = lh_tcp_server_start(&S.loop, &S.opts, &S.srv, S.bound, sizeof S.bound, &err);
    if (rc) {
        fprintf(stderr, "  server start: %s\n", err.msg);
        return rc;
    }
    S.port = (int)strtol(strrchr(S.bound, ':') + 1, NULL, 10);
    pthread_create(&S.th, NULL, loop_main, NULL);
    return 0;
}

static void server_stop(void)
{
    send_cmd(CMD_STOP);
    pthread_join(S.th, NULL);
    uv_loop_close(&S.loop);
}

static void wait_for(int *counter, int n)
{
    for (int i = 0; i < 10000 && LOAD(*counter) < n; i++)
        usleep(1000);
}

static double metric(const char *name)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_metrics_render(&b);
    char key[128];
    snprintf(key, sizeof key, "\n%s{listener=\"toy\"} ", name);
    char *p = strstr(b.ptr, key);
    double v = p ? strtod(p + strlen(key), NULL) : -1;
    lh_buf_free(&b);
    return v;
}

/* ------------------------------------------------------------------ */
/* the client side                                                      */

typedef struct {
    int fd;
    SSL *ssl;
} cl_t;

static int cl_connect_from(cl_t *c, const char *src, int rcvbuf)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)S.port)};
    struct timeval tv = {10, 0};
    int one = 1;
    memset(c, 0, sizeof *c);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (rcvbuf) setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (src) {
        struct sockaddr_in me = {.sin_family = AF_INET};
        inet_pton(AF_INET, src, &me.sin_addr);
        if (bind(c->fd, (struct sockaddr *)&me, sizeof me)) return -1;
    }
    return connect(c->fd, (struct sockaddr *)&sa, sizeof sa);
}

static int cl_connect(cl_t *c)
{
    return cl_connect_from(c, NULL, 0);
}

static void cl_close(cl_t *c)
{
    if (c->ssl) SSL_free(c->ssl);
    c->ssl = NULL;
    close(c->fd);
}

static int cl_send(cl_t *c, const void *d, size_t n)
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

static int cl_recv_n(cl_t *c, char *out, size_t n)
{
    while (n) {
        ssize_t k = c->ssl ? SSL_read(c->ssl, out, (int)n) : recv(c->fd, out, n, 0);
        if (k <= 0) return -1;
        out += k;
        n -= (size_t)k;
    }
    return 0;
}

static size_t frame_of(char *out, const char *payload, size_t n)
{
    put_be32(out, (uint32_t)n);
    memcpy(out + 4, payload, n);
    return n + 4;
}

static int cl_send_frame(cl_t *c, const char *payload)
{
    char f[512];
    return cl_send(c, f, frame_of(f, payload, strlen(payload)));
}

/* Reads one frame; payload NUL-terminated into out (cap), length returned or -1. */
static long cl_recv_frame(cl_t *c, char *out, size_t cap)
{
    char h[4];
    if (cl_recv_n(c, h, 4)) return -1;
    size_t n = be32(h);
    char *tmp = malloc(n + 1);
    if (!tmp || cl_recv_n(c, tmp, n)) {
        free(tmp);
        return -1;
    }
    tmp[n] = 0;
    if (cap) snprintf(out, cap, "%s", tmp);
    free(tmp);
    return (long)n;
}

/* 1 when the server closed the connection (EOF or reset) within ~10 s. */
static int cl_at_eof(cl_t *c)
{
    char b[64];
    ssize_t k = c->ssl ? SSL_read(c->ssl, b, sizeof b) : recv(c->fd, b, sizeof b, 0);
    if (k > 0) return 0;
    return k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

static int cl_readable(cl_t *c, int ms)
{
    struct pollfd pf = {.fd = c->fd, .events = POLLIN};
    return poll(&pf, 1, ms) > 0;
}

#define ECHO_OK(c, payload)                                                                        \
    do {                                                                                           \
        char got_[512];                                                                            \
        CHECK_EQ_INT(cl_send_frame((c), (payload)), 0);                                            \
        CHECK_EQ_INT(cl_recv_frame((c), got_, sizeof got_), (long)strlen(payload));                \
        CHECK_EQ_STR(got_, (payload));                                                             \
    } while (0)

/* ------------------------------------------------------------------ */
/* tests                                                                */

static void framing_every_split(void)
{
    char in[256];
    size_t len = 0;
    len += frame_of(in + len, "one", 3);
    len += frame_of(in + len, "", 0);
    len += frame_of(in + len, "three three", 11);
    len += frame_of(in + len, "x", 1);
    CHECK_EQ_INT(server_start(), 0);
    cl_t c;
    CHECK_EQ_INT(cl_connect(&c), 0);
    for (size_t cut = 1; cut < len; cut++) {
        char out[256];
        CHECK_EQ_INT(cl_send(&c, in, cut), 0);
        usleep(500); /* lets the server see the first piece on its own */
        CHECK_EQ_INT(cl_send(&c, in + cut, len - cut), 0);
        CHECK_EQ_INT(cl_recv_n(&c, out, len), 0);
        CHECK(!memcmp(out, in, len));
    }
    CHECK_EQ_INT(LOAD(S.messages), 4 * ((int)len - 1));
    /* byte at a time */
    for (size_t i = 0; i < len; i++)
        CHECK_EQ_INT(cl_send(&c, in + i, 1), 0);
    char out[256];
    CHECK_EQ_INT(cl_recv_n(&c, out, len), 0);
    CHECK(!memcmp(out, in, len));
    CHECK(metric("lakehouse_tcp_bytes_received_total") >= (double)(len * len));
    CHECK_EQ_INT(metric("lakehouse_tcp_connections_open"), 1);
    cl_close(&c);
    server_stop();
    CHECK_EQ_INT(LOAD(S.closes), 1);
}

static void pipelined_answers_in_order(void)
{
    CHECK_EQ_INT(server_start(), 0);
    cl_t c;
    char got[64];
    CHECK_EQ_INT(cl_connect(&c), 0);
    /* a long poll first, then two quick ones and another long poll */
    char in[256];
    size_t len = 0;
    len += frame_of(in + len, "H1", 2);
    len += frame_of(in + len, "a", 1);
    len += frame_of(in + len, "H2", 2);
    len += frame_of(in + len, "b", 1);
    CHECK_EQ_INT(cl_send(&c, in, len), 0);
    wait_for(&S.messages, 4);
    CHECK_EQ_INT(LOAD(S.messages), 4); /* later messages handled while H1 waits */
    CHECK(!cl_readable(&c, 200));      /* but nothing may overtake H1's answer */
    send_cmd(CMD_RELEASE_LAST);        /* H2 completes first: still held back */
    CHECK(!cl_readable(&c, 200));
    send_cmd(CMD_RELEASE_FIRST);
    CHECK_EQ_INT(cl_recv_frame(&c, got, sizeof got), 8);
    CHECK_EQ_STR(got, "released");
    CHECK_EQ_INT(cl_recv_frame(&c, got, sizeof got), 1);
    CHECK_EQ_STR(got, "a");
    CHECK_EQ_INT(cl_recv_frame(&c, got, sizeof got), 8);
    CHECK_EQ_STR(got, "released");
    CHECK_EQ_INT(cl_recv_frame(&c, got, sizeof got), 1);
    CHECK_EQ_STR(got, "b");
    ECHO_OK(&c, "after");
    cl_close(&c);
    server_stop();
}

/* A slot's answer mixes memory and file ranges (sendfile on a worker) and
 * still goes out whole and in message order behind a held message. */
static void slot_sendfile_in_order(void)
{
    char path[] = "/tmp/lh-tcp-file-XXXXXX";
    file_fd = mkstemp(path);
    CHECK(file_fd >= 0);
    unlink(path);
    static char pattern[1 << 20];
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (char)('a' + i % 23);
    CHECK_EQ_INT((int)write(file_fd, pattern, sizeof pattern), (int)sizeof pattern);
    CHECK_EQ_INT(server_start(), 0);
    cl_t c;
    CHECK_EQ_INT(cl_connect(&c), 0);
    char in[256];
    size_t len = 0;
    len += frame_of(in + len, "H1", 2);
    len += frame_of(in + len, "FILE 300001", 11);
    len += frame_of(in + len, "z", 1);
    CHECK_EQ_INT(cl_send(&c, in, len), 0);
    wait_for(&S.messages, 3);
    send_cmd(CMD_RELEASE_FIRST);
    char got[64];
    CHECK_EQ_INT(cl_recv_frame(&c, got, sizeof got), 8);
    CHECK_EQ_STR(got, "released");
    char h[4];
    CHECK_EQ_INT(cl_recv_n(&c, h, 4), 0);
    CHECK_EQ_INT((int)be32(h), 300002);
    char *body = malloc(300002);
    CHECK_EQ_INT(cl_recv_n(&c, body, 300002), 0);
    CHECK(!memcmp(body, pattern + 7, 150000));
    CHECK_EQ_INT(body[150000], '|');
    CHECK(!memcmp(body + 150001, pattern + 7 + 150000, 150001));
    free(body);
    CHECK_EQ_INT(cl_recv_frame(&c, got, sizeof got), 1);
    CHECK_EQ_STR(got, "z");
    wait_for(&file_pieces_done, 2);
    CHECK_EQ_INT(LOAD(file_pieces_done), 2);
    cl_close(&c);
    server_stop();
    close(file_fd);
    file_fd = -1;
}

static void backpressure_slow_reader(void)
{
    const int n = 200, size = 64 << 10;
    S.opts.write_high = 128 << 10;
    CHECK_EQ_INT(server_start(), 0);
    cl_t c;
    CHECK_EQ_INT(cl_connect_from(&c, NULL, 16 << 10), 0);
    for (int i = 0; i < n; i++) {
        char req[64];
        snprintf(req, sizeof req, "BIG %d #%03d", size, i);
        CHECK_EQ_INT(cl_send_frame(&c, req), 0);
    }
    int seen = -1;
    for (int i = 0; i < 100 && LOAD(S.messages) != seen; i++) { /* until it stops moving */
        seen = LOAD(S.messages);
        usleep(100000);
    }
    CHECK(LOAD(S.messages) < n); /* the server stopped reading requests */
    char *buf = malloc((size_t)size + 1);
    for (int i = 0; i < n; i++) {
        char exp[64];
        snprintf(exp, sizeof exp, "BIG %d #%03d", size, i);
        CHECK_EQ_INT(cl_recv_frame(&c, buf, (size_t)size + 1), size);
        CHECK(!strncmp(buf, exp, strlen(exp)));
    }
    free(buf);
    CHECK_EQ_INT(LOAD(S.messages), n);
    cl_close(&c);
    server_stop();
    /* queued output stays near the high-water mark: one answer over it at most */
    CHECK(S.max_queued <= (size_t)(128 << 10) + (size_t)size + 8);
}

static void read_cap_exceeded(void)
{
    S.opts.max_frame = 1024;
    CHECK_EQ_INT(server_start(), 0);
    cl_t c;
    char got[16];
    CHECK_EQ_INT(cl_connect(&c), 0);
    ECHO_OK(&c, "fits");
    char h[4];
    put_be32(h, 5000);
    CHECK_EQ_INT(cl_send(&c, h, 4), 0);
    CHECK_EQ_INT(cl_recv_frame(&c, got, sizeof got), 1);
    CHECK_EQ_STR(got, "E");
    CHECK(cl_at_eof(&c));
    CHECK_EQ_INT(LOAD(S.last_error), LH_ETOOBIG);
    cl_close(&c);
    /* a frame of exactly the cap passes */
    CHECK_EQ_INT(cl_connect(&c), 0);
    char *big = malloc(2000);
    put_be32(big, 1020);
    memset(big + 4, 'z', 1996);
    cl_send(&c, big, 2000); /* 1024 frame + the start of another */
    CHECK_EQ_INT(cl_recv_frame(&c, big, 2000), 1020);
    free(big);
    cl_close(&c);
    server_stop();
}

static void limits_shed_idle_first(void)
{
    S.opts.max_conns = 3;
    CHECK_EQ_INT(server_start(), 0);
    int mc, mp;
    lh_tcp_server_limits(S.srv, &mc, &mp);
    CHECK_EQ_INT(mc, 3);
    CHECK_EQ_INT(mp, 3);
    cl_t a, b, c, d, e;
    CHECK_EQ_INT(cl_connect(&a), 0);
    ECHO_OK(&a, "a");
    CHECK_EQ_INT(cl_connect(&b), 0);
    CHECK_EQ_INT(cl_send_frame(&b, "Hb"), 0); /* b has a message in flight */
    wait_for(&S.messages, 2);
    CHECK_EQ_INT(cl_connect(&c), 0);
    ECHO_OK(&c, "c");
    CHECK_EQ_INT(cl_connect(&d), 0); /* over the limit: a, idle the longest, goes */
    ECHO_OK(&d, "d");
    CHECK(cl_at_eof(&a));
    ECHO_OK(&c, "c2");
    CHECK_EQ_INT(cl_send_frame(&c, "Hc"), 0);
    CHECK_EQ_INT(cl_send_frame(&d, "Hd"), 0);
    wait_for(&S.messages, 7);
    CHECK_EQ_INT(cl_connect(&e), 0); /* everyone is busy: refused */
    CHECK(cl_at_eof(&e));
    CHECK_EQ_INT(metric("lakehouse_tcp_connections_shed_total"), 1);
    CHECK_EQ_INT(metric("lakehouse_tcp_connections_refused_total"), 1);
    CHECK_EQ_INT(lh_tcp_server_conns(S.srv), 3);
    send_cmd(CMD_RELEASE_ALL);
    char got[16];
    CHECK_EQ_INT(cl_recv_frame(&b, got, sizeof got), 8);
    CHECK_EQ_INT(cl_recv_frame(&c, got, sizeof got), 8);
    CHECK_EQ_INT(cl_recv_frame(&d, got, sizeof got), 8);
    cl_close(&a);
    cl_close(&b);
    cl_close(&c);
    cl_close(&d);
    cl_close(&e);
    server_stop();
}

static void limits_per_peer(void)
{
    S.opts.max_conns = 10;
    S.opts.max_conns_per_peer = 2;
    CHECK_EQ_INT(server_start(), 0);
    cl_t p1, q1, p2, p3;
    CHECK_EQ_INT(cl_connect_from(&p1, "127.0.0.1", 0), 0);
    ECHO_OK(&p1, "p1");
    CHECK_EQ_INT(cl_connect_from(&q1, "127.0.0.2", 0), 0);
    ECHO_OK(&q1, "q1");
    CHECK_EQ_INT(cl_connect_from(&p2, "127.0.0.1", 0), 0);
    ECHO_OK(&p2, "p2");
    CHECK_EQ_INT(cl_connect_from(&p3, "127.0.0.1", 0), 0); /* third from .1: p1 goes, not q1 */
    ECHO_OK(&p3, "p3");
    CHECK(cl_at_eof(&p1));
    ECHO_OK(&q1, "q1 again");
    ECHO_OK(&p2, "p2 again");
    CHECK_EQ_INT(metric("lakehouse_tcp_connections_shed_total"), 1);
    cl_close(&p1);
    cl_close(&q1);
    cl_close(&p2);
    cl_close(&p3);
    server_stop();
}

static void head_deadline_does_not_restart(void)
{
    S.opts.head_timeout_ms = 300;
    CHECK_EQ_INT(server_start(), 0);
    cl_t c;
    CHECK_EQ_INT(cl_connect(&c), 0);
    ECHO_OK(&c, "first"); /* whole messages are fine */
    char h[4];
    put_be32(h, 100);
    int closed = 0;
    for (int i = 0; i < 100 && !closed; i++) { /* a byte every 100 ms: a slowloris */
        if (i < 4) {
            closed = cl_send(&c, h + i, 1) != 0;
        } else if (cl_send(&c, "x", 1) != 0) {
            closed = 1;
        }
        if (!closed && cl_readable(&c, 100)) closed = cl_at_eof(&c);
    }
    CHECK(closed);
    CHECK_EQ_INT(LOAD(S.timeouts), 1);
    CHECK_EQ_INT(LOAD(S.last_timeout), LH_TCP_TIMEOUT_HEAD);
    cl_close(&c);
    server_stop();
}

/* --- TLS --- */

static char tls_dir[64], tls_cert[128], tls_key[128];

static int make_cert(void)
{
    char cmd[512];
    snprintf(tls_dir, sizeof tls_dir, "/tmp/lh_tcp_tls_XXXXXX");
    if (!mkdtemp(tls_dir)) return -1;
    snprintf(tls_cert, sizeof tls_cert, "%s/c.pem", tls_dir);
    snprintf(tls_key, sizeof tls_key, "%s/k.pem", tls_dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-keyout %s -out %s -days 1 -subj /CN=localhost >/dev/null 2>&1",
             tls_key, tls_cert);
    return system(cmd);
}

static void rm_cert(void)
{
    unlink(tls_cert);
    unlink(tls_key);
    rmdir(tls_dir);
}

static SSL_CTX *client_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, tls_cert, NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

static int cl_tls(cl_t *c, SSL_CTX *ctx, const char *alpn_wire, unsigned alpn_len)
{
    c->ssl = SSL_new(ctx);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_tlsext_host_name(c->ssl, "localhost");
    if (alpn_wire) SSL_set_alpn_protos(c->ssl, (const unsigned char *)alpn_wire, alpn_len);
    return SSL_connect(c->ssl) == 1 ? 0 : -1;
}

static const char *const toy_alpn[] = {"toy/2", "toy/1", NULL};

static void tls_with_alpn(void)
{
    CHECK_EQ_INT(make_cert(), 0);
    S.opts.tls = LH_TCP_TLS_ON;
    S.opts.tls_cert = tls_cert;
    S.opts.tls_key = tls_key;
    S.opts.alpn = toy_alpn;
    CHECK_EQ_INT(server_start(), 0);
    SSL_CTX *ctx = client_ctx();
    cl_t c;
    char got[64];
    CHECK_EQ_INT(cl_connect(&c), 0);
    CHECK_EQ_INT(cl_tls(&c, ctx, "\x05toy/1\x03xyz", 10), 0);
    ECHO_OK(&c, "over tls");
    CHECK_EQ_INT(cl_send_frame(&c, "ALPN"), 0);
    CHECK_EQ_INT(cl_recv_frame(&c, got, sizeof got), 5);
    CHECK_EQ_STR(got, "toy/1");
    cl_close(&c);
    CHECK_EQ_INT(cl_connect(&c), 0); /* both offered: the server's order wins */
    CHECK_EQ_INT(cl_tls(&c, ctx, "\x05toy/1\x05toy/2", 12), 0);
    CHECK_EQ_INT(cl_send_frame(&c, "ALPN"), 0);
    CHECK_EQ_INT(cl_recv_frame(&c, got, sizeof got), 5);
    CHECK_EQ_STR(got, "toy/2");
    cl_close(&c);
    CHECK_EQ_INT(cl_connect(&c), 0); /* no ALPN at all */
    CHECK_EQ_INT(cl_tls(&c, ctx, NULL, 0), 0);
    CHECK_EQ_INT(cl_send_frame(&c, "ALPN"), 0);
    CHECK_EQ_INT(cl_recv_frame(&c, got, sizeof got), 1);
    CHECK_EQ_STR(got, "-");
    cl_close(&c);
    SSL_CTX_free(ctx);
    server_stop();
    rm_cert();
}

static void tls_handshake_deadline(void)
{
    CHECK_EQ_INT(make_cert(), 0);
    S.opts.tls = LH_TCP_TLS_ON;
    S.opts.tls_cert = tls_cert;
    S.opts.tls_key = tls_key;
    S.opts.tls_timeout_ms = 200;
    CHECK_EQ_INT(server_start(), 0);
    cl_t c;
    CHECK_EQ_INT(cl_connect(&c), 0);
    CHECK_EQ_INT(cl_send(&c, "\x16\x03\x01", 3), 0); /* the start of a ClientHello */
    CHECK(cl_at_eof(&c));
    CHECK_EQ_INT(LOAD(S.last_timeout), LH_TCP_TIMEOUT_TLS);
    cl_close(&c);
    server_stop();
    rm_cert();
}

static void starttls_mid_stream(void)
{
    CHECK_EQ_INT(make_cert(), 0);
    S.opts.tls = LH_TCP_TLS_UPGRADE;
    S.opts.tls_cert = tls_cert;
    S.opts.tls_key = tls_key;
    CHECK_EQ_INT(server_start(), 0);
    SSL_CTX *ctx = client_ctx();
    cl_t c;
    char got[64];
    CHECK_EQ_INT(cl_connect(&c), 0);
    ECHO_OK(&c, "plain first");
    CHECK_EQ_INT(cl_send_frame(&c, "TLS"), 0);
    CHECK_EQ_INT(cl_recv_frame(&c, got, sizeof got), 2); /* the answer is plaintext */
    CHECK_EQ_STR(got, "OK");
    CHECK_EQ_INT(cl_tls(&c, ctx, NULL, 0), 0); /* the next bytes are a handshake */
    ECHO_OK(&c, "now encrypted");
    ECHO_OK(&c, "still encrypted");
    cl_close(&c);
    SSL_CTX_free(ctx);
    server_stop();
    rm_cert();
}

static void drain_on_stop(void)
{
    S.opts.grace_ms = 10000;
    CHECK_EQ_INT(server_start(), 0);
    cl_t idle, busy;
    char got[16];
    CHECK_EQ_INT(cl_connect(&idle), 0);
    ECHO_OK(&idle, "i");
    CHECK_EQ_INT(cl_connect(&busy), 0);
    CHECK_EQ_INT(cl_send_frame(&busy, "H"), 0);
    wait_for(&S.messages, 2);
    send_cmd(CMD_STOP);
    CHECK(cl_at_eof(&idle)); /* idle connections close at once */
    CHECK(!LOAD(S.stopped));
    send_cmd(CMD_RELEASE_FIRST); /* the message in flight still gets its answer */
    CHECK_EQ_INT(cl_recv_frame(&busy, got, sizeof got), 8);
    CHECK_EQ_STR(got, "released");
    CHECK(cl_at_eof(&busy));
    pthread_join(S.th, NULL);
    uv_loop_close(&S.loop);
    CHECK(LOAD(S.stopped));
    CHECK_EQ_INT(LOAD(S.closes), 2);
    cl_close(&idle);
    cl_close(&busy);
}

static void drain_aborts_after_grace(void)
{
    S.opts.grace_ms = 200;
    CHECK_EQ_INT(server_start(), 0);
    cl_t busy;
    CHECK_EQ_INT(cl_connect(&busy), 0);
    CHECK_EQ_INT(cl_send_frame(&busy, "H"), 0);
    wait_for(&S.messages, 1);
    send_cmd(CMD_STOP);
    CHECK(cl_at_eof(&busy)); /* never answered: aborted after the grace period */
    pthread_join(S.th, NULL);
    uv_loop_close(&S.loop);
    CHECK(LOAD(S.stopped));
    CHECK_EQ_INT(LOAD(S.closes), 1);
    cl_close(&busy);
}

static void listen_forms(void)
{
    struct sockaddr_storage ss;
    lh_err_t err;
    CHECK_EQ_INT(lh_tcp_parse_listen("127.0.0.1:80", &ss, &err), 0);
    CHECK_EQ_INT(ss.ss_family, AF_INET);
    CHECK_EQ_INT(lh_tcp_parse_listen("[::1]:0", &ss, &err), 0);
    CHECK_EQ_INT(ss.ss_family, AF_INET6);
    CHECK_EQ_INT(lh_tcp_parse_listen(":9", &ss, &err), 0);
    CHECK_EQ_INT(lh_tcp_parse_listen("localhost:9", &ss, &err), 0);
    CHECK_EQ_INT(lh_tcp_parse_listen("nohost", &ss, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_tcp_parse_listen("a.example:1", &ss, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_tcp_parse_listen("1.2.3.4:70000", &ss, &err), LH_EINVAL);
    S.opts.listen = "[::1]:0";
    uv_loop_t loop;
    lh_tcp_server_t *srv;
    char bound[80];
    uv_loop_init(&loop);
    lh_tcp_opts_t o = {.listen = "[::1]:0", .proto = &toy};
    if (lh_tcp_server_start(&loop, &o, &srv, bound, sizeof bound, &err) == 0) {
        CHECK(!strncmp(bound, "[::1]:", 6));
        CHECK(strcmp(bound, "[::1]:0") != 0); /* the port actually bound */
        lh_tcp_server_stop(srv, NULL, NULL);
    }
    lh_tcp_opts_t bad = {.listen = "127.0.0.1:0"};
    CHECK_EQ_INT(lh_tcp_server_start(&loop, &bad, &srv, bound, sizeof bound, &err), LH_EINVAL);
    bad.proto = &toy;
    bad.tls = LH_TCP_TLS_ON;
    CHECK_EQ_INT(lh_tcp_server_start(&loop, &bad, &srv, bound, sizeof bound, &err), LH_EINVAL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

static const lh_test_t tests[] = {
    {"framing_every_split", framing_every_split},
    {"pipelined_answers_in_order", pipelined_answers_in_order},
    {"slot_sendfile_in_order", slot_sendfile_in_order},
    {"backpressure_slow_reader", backpressure_slow_reader},
    {"read_cap_exceeded", read_cap_exceeded},
    {"limits_shed_idle_first", limits_shed_idle_first},
    {"limits_per_peer", limits_per_peer},
    {"head_deadline_does_not_restart", head_deadline_does_not_restart},
    {"tls_with_alpn", tls_with_alpn},
    {"tls_handshake_deadline", tls_handshake_deadline},
    {"starttls_mid_stream", starttls_mid_stream},
    {"drain_on_stop", drain_on_stop},
    {"drain_aborts_after_grace", drain_aborts_after_grace},
    {"listen_forms", listen_forms},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
