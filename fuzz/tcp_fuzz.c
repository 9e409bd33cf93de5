/* libFuzzer target for the TCP layer's frame mode: a real listener on a
 * loop in this thread, a toy protocol (4-byte big-endian length prefix,
 * echoed back; payloads starting with 'D' are answered late and in reverse
 * order, so answers complete out of order), and one client connection per
 * input. The first input byte picks a split point; the rest is written in
 * two pieces, then the client half-closes and reads until EOF. The answer
 * must be exactly the whole frames of the input, in order, followed by an
 * "E" frame when a frame was over the size limit. Small read buffers make
 * the buffer grow and move. Must not crash, hang, leak or answer wrongly. */
#include "core/tcp.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FRAME 4096
#define MAX_HELD 64

static uv_loop_t loop;
static uv_idle_t releaser;
static lh_tcp_server_t *srv;
static int port, closes;
static lh_tcp_slot_t *held[MAX_HELD];
static int nheld;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static long toy_frame(lh_tcp_conn_t *c, const char *d, size_t len, void *ctx)
{
    (void)c;
    (void)ctx;
    if (len < 4) return 0;
    uint32_t n = be32((const unsigned char *)d);
    return n >= 0x80000000u ? LH_EPROTO : (long)n + 4;
}

/* The held answer is the frame itself, kept in a copy. */
typedef struct {
    size_t len;
    char data[];
} copy_t;

static copy_t *copies[MAX_HELD];

static void on_release(uv_idle_t *h)
{
    uv_idle_stop(h);
    while (nheld) {
        nheld--;
        if (lh_tcp_slot_alive(held[nheld]))
            lh_tcp_slot_write(held[nheld], copies[nheld]->data, copies[nheld]->len, NULL, NULL);
        lh_tcp_slot_end(held[nheld]);
        free(copies[nheld]);
    }
}

static void toy_message(lh_tcp_slot_t *s, const char *d, size_t len, void *ctx)
{
    (void)ctx;
    if (len > 4 && d[4] == 'D' && nheld < MAX_HELD) {
        copy_t *cp = malloc(sizeof *cp + len);
        if (cp) {
            cp->len = len;
            memcpy(cp->data, d, len);
            copies[nheld] = cp;
            held[nheld++] = s;
            uv_idle_start(&releaser, on_release);
            return;
        }
    }
    lh_tcp_slot_write(s, d, len, NULL, NULL);
    lh_tcp_slot_end(s);
}

static void toy_error(lh_tcp_conn_t *c, int code, void *ctx)
{
    static const char e[5] = {0, 0, 0, 1, 'E'};
    (void)code;
    (void)ctx;
    lh_tcp_conn_write(c, e, sizeof e, NULL, NULL);
}

static void toy_close(lh_tcp_conn_t *c, void *ctx)
{
    (void)c;
    (void)ctx;
    on_release(&releaser);
    closes++;
}

static const lh_tcp_proto_t toy = {
    .frame = toy_frame,
    .on_message = toy_message,
    .on_error = toy_error,
    .on_close = toy_close,
};

static void setup(void)
{
    lh_err_t err;
    char bound[80];
    lh_tcp_opts_t o = {
        .name = "fuzz",
        .listen = "127.0.0.1:0",
        .read_buf = 64,
        .max_frame = MAX_FRAME,
        .write_high = 8192,
        .max_in_flight = 8,
        .proto = &toy,
    };
    uv_loop_init(&loop);
    uv_idle_init(&loop, &releaser);
    if (lh_tcp_server_start(&loop, &o, &srv, bound, sizeof bound, &err)) {
        fprintf(stderr, "tcp_fuzz: %s\n", err.msg);
        abort();
    }
    port = (int)strtol(strrchr(bound, ':') + 1, NULL, 10);
}

/* The expected answer: whole frames in order, then "E" after a bad one. */
static size_t expected(const unsigned char *d, size_t n, unsigned char *out)
{
    size_t i = 0, o = 0;
    while (n - i >= 4) {
        uint32_t len = be32(d + i);
        if (len >= 0x80000000u || (uint64_t)len + 4 > MAX_FRAME) {
            memcpy(out + o, "\0\0\0\1E", 5);
            return o + 5;
        }
        if (n - i - 4 < len) break;
        memcpy(out + o, d + i, len + 4);
        o += len + 4;
        i += len + 4;
    }
    return o;
}

static int client(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) abort();
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) && errno != EINPROGRESS) abort();
    return fd;
}

/* Runs the loop and reads the answer until EOF and the server's close. */
static size_t exchange(int fd, const unsigned char *d, size_t n, size_t cut, unsigned char *out,
                       size_t cap)
{
    size_t sent = 0, got = 0;
    int eof = 0, shut = 0, before = closes;
    for (int spins = 0; !(eof && closes > before); spins++) {
        if (spins > 200000) abort(); /* a hang */
        uv_run(&loop, UV_RUN_NOWAIT);
        size_t upto = spins < 3 ? cut : n;
        if (sent < upto) {
            ssize_t k = send(fd, d + sent, upto - sent, MSG_NOSIGNAL);
            if (k > 0) sent += (size_t)k;
        } else if (sent == n && !shut) {
            shutdown(fd, SHUT_WR);
            shut = 1;
        }
        ssize_t k = recv(fd, out + got, cap - got, 0);
        if (k > 0) got += (size_t)k;
        if (k == 0 || (k < 0 && errno != EAGAIN)) eof = 1;
        if (k < 0 && errno == EAGAIN) {
            struct pollfd pf = {.fd = fd, .events = POLLIN};
            poll(&pf, 1, 0);
        }
    }
    return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    if (size < 1 || size > 16384) return 0;
    const unsigned char *d = data + 1;
    size_t n = size - 1, cut = n ? (data[0] * 131u) % (n + 1) : 0;
    unsigned char *want = malloc(n + 8), *got = malloc(n + 64);
    size_t wlen = expected(d, n, want);
    int fd = client();
    size_t glen = exchange(fd, d, n, cut, got, n + 64);
    close(fd);
    if (glen != wlen || memcmp(got, want, wlen)) {
        fprintf(stderr, "tcp_fuzz: answer of %zu bytes, expected %zu\n", glen, wlen);
        abort();
    }
    free(want);
    free(got);
    return 0;
}
