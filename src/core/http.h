/* HTTP/1.1 server on the TCP layer (core/tcp.h): keep-alive, pipelining,
 * chunked request bodies, Expect: 100-continue, request bodies streamed to
 * the handler with back-pressure (never buffered whole), responses streamed
 * from memory or from a file range (sendfile when not TLS), limits on header
 * size and count, a deadline for the whole request head, connection limits
 * that shed idle connections, TLS through OpenSSL on any listener.
 *
 * Threading: everything here runs on the loop thread that owns the server.
 * Handlers must not block; they hand blocking work to lh_work_submit() (see
 * core/loop.h) and answer from its completion callback.
 *
 * Request life cycle, as the handler sees it:
 *   on_request(req)            headers complete; req->arena is live
 *   [lh_http_body_read(req)]   handler asks for the body (sends 100-continue
 *                              when the client asked for it)
 *   on_body(req, data, len)*   one slice at a time; data stays valid and no
 *                              more is delivered until lh_http_body_next(req)
 *   on_body_end(req)           body complete (after the last body_next)
 *   lh_http_respond()/lh_http_start()+lh_http_write*()+lh_http_finish()
 *   on_done(req, ok)           response fully handed to the socket (ok=1) or
 *                              connection lost/aborted (ok=0); req is freed right
 *                              after. Free handler state (req->udata) here.
 * A handler may respond before or without reading the body; the server then
 * discards up to 1 MiB of unread body to keep the connection, else closes it.
 * A malformed body (bad chunk framing, truncated) calls on_body_error, if
 * set, then on_error when the response has not started: when on_error
 * answers (lh_http_respond) the answer goes out with Connection: close and
 * the request ends with on_done(req, 1); otherwise with on_done(req, 0)
 * and no answer.
 *
 * Errors before a request exists (a bad or oversized head: 400, 431, 501,
 * 505; a head not complete within head_timeout_ms: 408) call on_error with a
 * stand-in request (empty method and path, request_id and remote_addr set,
 * no udata, no on_request/on_done); it may set headers and lh_http_respond
 * during the call. Without on_error, or when it does not answer, the client
 * gets the bare status line with Content-Length: 0 and Connection: close.
 */
#ifndef LH_CORE_HTTP_H
#define LH_CORE_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"
#include "core/str.h"

typedef struct lh_http_server lh_http_server_t;
typedef struct lh_http_req lh_http_req_t;

typedef struct lh_http_header {
    lh_str_t name;
    lh_str_t value;
} lh_http_header_t;

struct lh_http_req {
    /* Read-only for handlers; all memory lives in arena until on_done returns. */
    lh_str_t method;   /* "GET" */
    lh_str_t target;   /* raw request-target as sent: "/b/k%20x?list-type=2" */
    lh_str_t path;     /* raw (still %-encoded) path part of target */
    lh_str_t query;    /* raw text after '?', without it; len 0 when none */
    int version_minor; /* 0 or 1 */
    lh_http_header_t *headers;
    size_t nheaders;
    int64_t content_length; /* -1 when absent or when chunked */
    int chunked;            /* Transfer-Encoding: chunked */
    int expect_continue;    /* Expect: 100-continue */
    int is_head;            /* method HEAD: the body of the response is suppressed */
    int is_tls;
    char request_id[24]; /* unique per request; also sent as x-amz-request-id by S3 */
    char remote_addr[64];
    lh_arena_t *arena; /* request-scoped memory */
    uv_loop_t *loop;
    void *udata; /* the handler's per-request state */
    lh_http_server_t *server;
};

/* What went wrong, for on_error. */
enum {
    LH_HTTP_ERR_HEAD,      /* bad or oversized request head (400, 431, 501, 505) */
    LH_HTTP_ERR_TIMEOUT,   /* head not complete within head_timeout_ms (408) */
    LH_HTTP_ERR_BODY,      /* bad chunked framing in the body (400) */
    LH_HTTP_ERR_TRUNCATED, /* the peer closed before the body was complete (400) */
};

typedef struct lh_http_handler {
    void (*on_request)(lh_http_req_t *req, void *ctx);
    void (*on_body)(lh_http_req_t *req, const char *data, size_t len, void *ctx);
    void (*on_body_end)(lh_http_req_t *req, void *ctx);
    void (*on_body_error)(lh_http_req_t *req, void *ctx); /* optional */
    void (*on_done)(lh_http_req_t *req, int ok, void *ctx);
    /* Optional: answers a framing-level error in the service's own format
     * (see the top of this file). status is the HTTP status to send, kind an
     * LH_HTTP_ERR_* value, reason a static lower-case text for logs. The
     * handler answers with lh_http_set_header + lh_http_respond during the
     * call, or not at all. */
    void (*on_error)(lh_http_req_t *req, int status, int kind, const char *reason, void *ctx);
} lh_http_handler_t;

typedef struct lh_http_server_opts {
    const char *name;        /* "s3", "web": used in logs and metrics */
    const char *listen;      /* "host:port"; port 0 picks a free one; "[::1]:9000" */
    const char *tls_cert;    /* PEM path; NULL or "" = plain HTTP */
    const char *tls_key;     /* PEM path */
    size_t max_header_bytes; /* whole request head; 0 = 64 KiB */
    size_t max_headers;      /* header count; 0 = 128 */
    int idle_timeout_ms;     /* keep-alive idle, or a stalled peer mid-request; 0 = 60000 */
    int head_timeout_ms;     /* whole request head from its first byte; 0 = 30000 */
    int max_conns;           /* open connections; 0 = 4096 (never above the fd budget,
                                see core/tcp.h) */
    int max_conns_per_peer;  /* per client IP address; 0 = 1024 */
    const lh_http_handler_t *handler;
    void *ctx;
} lh_http_server_opts_t;

/* The connection keys every HTTP listener's section declares (rows of its
 * lh_config_key_t table): <section>.idle_timeout, head_timeout,
 * max_connections, max_connections_per_peer. */
/* clang-format off */
#define LH_HTTP_CONFIG_KEYS(sec)                                                                   \
    {.section = sec, .key = "idle_timeout", .def = "60s", .type = LH_CFG_DURATION, .min = 1000,    \
     .max = 86400000,                                                                              \
     .help = "close a keep-alive connection idle this long, or a client stalled mid-request"},    \
    {.section = sec, .key = "head_timeout", .def = "30s", .type = LH_CFG_DURATION, .min = 1000,    \
     .max = 3600000,                                                                               \
     .help = "a request head must arrive whole within this time from its first byte (408)"},      \
    {.section = sec, .key = "max_connections", .def = "4096", .type = LH_CFG_INT, .min = 1,        \
     .max = 1 << 20,                                                                               \
     .help = "open connections on the listener (idle ones are shed first; never above the "       \
             "process's file budget)"},                                                            \
    {.section = sec, .key = "max_connections_per_peer", .def = "1024", .type = LH_CFG_INT,         \
     .min = 1, .max = 1 << 20, .help = "open connections from one client address"}
/* clang-format on */

/* Fills the connection fields of o from those keys of section. */
void lh_http_opts_from_config(lh_http_server_opts_t *o, const lh_config_t *cfg,
                              const char *section);

/* Binds and listens. bound receives "host:port" actually bound.
 * Returns 0, or LH_EIO/LH_EINVAL/LH_ENOMEM with err set (bad address, port
 * in use, unreadable certificate). The server is owned by the caller until
 * lh_http_server_stop. */
int lh_http_server_start(uv_loop_t *loop, const lh_http_server_opts_t *opts, lh_http_server_t **out,
                         char *bound, size_t boundlen, lh_err_t *err);
/* Stops accepting, closes idle connections, lets in-flight requests finish
 * (or aborts them after a grace period) and frees the server; done(arg) runs
 * on the loop when everything is closed. */
void lh_http_server_stop(lh_http_server_t *srv, void (*done)(void *), void *arg);

/* Case-insensitive lookup; the first match or NULL. */
const lh_str_t *lh_http_header_get(const lh_http_req_t *req, const char *name);
/* Query parameter lookup on the raw query, %-decoded into the arena.
 * Returns NULL when absent; a key without '=' yields "". */
const char *lh_http_query_get(const lh_http_req_t *req, const char *name);
/* %-decodes s into the arena ('+' stays '+'). NULL on bad escapes or NUL byte. */
char *lh_http_pct_decode(lh_arena_t *a, lh_str_t s);

/* --- request body --- */
/* Starts delivering the body (sends "100 Continue" if expected). A request
 * without a body gets on_body_end right away (asynchronously). */
void lh_http_body_read(lh_http_req_t *req);
/* Releases the slice last passed to on_body and allows the next one. */
void lh_http_body_next(lh_http_req_t *req);

/* --- response --- */
/* Adds a response header (name and value copied). Call before respond/start. */
void lh_http_set_header(lh_http_req_t *req, const char *name, const char *value);
/* Whole response from memory (body copied; may be NULL/0). Sets Content-Length.
 * The head and a body up to 256 KiB are queued as one write (one send). */
void lh_http_respond(lh_http_req_t *req, int status, const char *body, size_t len);
/* Streaming response: content_length >= 0 sets Content-Length; -1 = chunked. */
void lh_http_start(lh_http_req_t *req, int status, int64_t content_length);
/* Queues data (copied). done(req, ok, arg) runs when it is written out and the
 * handler may queue more; with done == NULL no notification. Writes beyond the
 * announced Content-Length are a bug (ignored, logged). */
void lh_http_write(lh_http_req_t *req, const void *data, size_t len,
                   void (*done)(lh_http_req_t *, int ok, void *), void *arg);
/* Queues len bytes of fd from off; fd stays owned by the caller, who may close
 * it in done. Uses sendfile on plain connections, pread+SSL_write on TLS; the
 * file I/O runs off the loop thread. */
void lh_http_sendfile(lh_http_req_t *req, int fd, int64_t off, int64_t len,
                      void (*done)(lh_http_req_t *, int ok, void *), void *arg);
/* Ends the response (terminating chunk when chunked). */
void lh_http_finish(lh_http_req_t *req);
/* Ends the connection after this response (Connection: close). */
void lh_http_close_after(lh_http_req_t *req);

/* "Tue, 15 Nov 1994 08:12:31 GMT" for t (seconds since epoch); out >= 30 bytes. */
void lh_http_date(int64_t t, char *out, size_t cap);
/* Parses the three HTTP date forms; returns 0 and *t, or LH_EINVAL. */
int lh_http_date_parse(const char *s, int64_t *t);

#endif
