/* TCP connections for every protocol server (HTTP, Kafka, PostgreSQL wire):
 * listen addresses, accepting, a capped read buffer per connection, an
 * ordered write queue with back-pressure and per-write completion callbacks,
 * file ranges sent with sendfile(2) off the loop thread, idle / head / TLS
 * handshake deadlines, connection limits (total and per peer address) that
 * shed idle connections before refusing new ones, a graceful drain on stop,
 * per-listener metrics, and TLS (from the first byte, or started mid-stream
 * with lh_tcp_conn_start_tls) with a per-listener ALPN list.
 *
 * A protocol plugs in with an lh_tcp_proto_t in one of two modes:
 *   frame mode  proto.frame + proto.on_message. The layer buffers input until
 *               frame() says a whole message is there, hands it to on_message
 *               with a sequence slot, and keeps reading the next ones
 *               (pipelining). The protocol completes slots in any order with
 *               lh_tcp_slot_write()+lh_tcp_slot_end(); the layer writes the
 *               slots' bytes in message order. Head deadline, idle timeout,
 *               read cap, back-pressure and framing errors are handled here.
 *   raw mode    proto.on_data. The protocol reads the buffered bytes itself
 *               (lh_tcp_conn_input/consume), switches reading on and off
 *               (lh_tcp_conn_read) and arms its own head deadline; HTTP's
 *               incremental parser works this way.
 * See docs/tcp.md for how a length-prefixed protocol plugs in.
 *
 * Threading: a server and its connections live on the loop thread that
 * started it; every function here must be called on that thread. Callbacks
 * run on it too. Nothing here blocks; file ranges are sent by a worker.
 *
 * Ownership: the server and its connections are owned by the layer. A
 * connection pointer stays valid from on_open until on_close returns; a slot
 * stays valid until lh_tcp_slot_end (which must be called exactly once for
 * every slot, even after the connection closed). Data passed to the write
 * calls is copied unless said otherwise.
 */
#ifndef LH_CORE_TCP_H
#define LH_CORE_TCP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "core/err.h"

typedef struct lh_tcp_server lh_tcp_server_t;
typedef struct lh_tcp_conn lh_tcp_conn_t;
typedef struct lh_tcp_slot lh_tcp_slot_t;

/* opts.tls: plaintext, TLS from the first byte, or plaintext that the
 * protocol may upgrade with lh_tcp_conn_start_tls (PostgreSQL SSLRequest). */
enum { LH_TCP_TLS_OFF, LH_TCP_TLS_ON, LH_TCP_TLS_UPGRADE };

/* Deadlines (lh_tcp_conn_timeout, proto.on_timeout). */
enum {
    LH_TCP_TIMEOUT_IDLE, /* no progress while waiting for the peer (restarts on activity) */
    LH_TCP_TIMEOUT_HEAD, /* a message head/frame not complete N ms after its first byte */
    LH_TCP_TIMEOUT_TLS,  /* TLS handshake not complete */
    LH_TCP_TIMEOUT_COUNT
};

/* Completion of one write: ok=1 when its bytes were handed to the socket,
 * ok=0 when the connection failed or was aborted first. Runs on the loop. */
typedef void (*lh_tcp_write_cb)(lh_tcp_conn_t *c, int ok, void *arg);

typedef struct lh_tcp_proto {
    /* --- frame mode: both set --- */
    /* Given the buffered bytes of the next message (len >= 1), returns 0 when
     * more bytes are needed, the whole message length N (> 0; may exceed len,
     * the layer then waits for N bytes), or a negative LH_E* code for a
     * framing error. Must be pure: it may be called again on the same bytes. */
    long (*frame)(lh_tcp_conn_t *c, const char *data, size_t len, void *ctx);
    /* One whole message. data is valid only during the call. Answer with
     * lh_tcp_slot_write() and finish with lh_tcp_slot_end(), now or later. */
    void (*on_message)(lh_tcp_slot_t *s, const char *data, size_t len, void *ctx);

    /* --- raw mode: set instead of frame/on_message --- */
    /* New input is buffered (lh_tcp_conn_input), or the protocol asked for a
     * re-run with lh_tcp_conn_kick. */
    void (*on_data)(lh_tcp_conn_t *c, void *ctx);
    /* Raw mode: the peer closed its side (code 0) or the connection failed
     * (LH_EIO). Reading has stopped. NULL: the layer closes (0) or aborts. */
    void (*on_eof)(lh_tcp_conn_t *c, int code, void *ctx);

    /* --- optional, both modes --- */
    /* A new connection, before any byte is read (set udata here). */
    void (*on_open)(lh_tcp_conn_t *c, void *ctx);
    /* Frame mode: frame() failed with code (LH_ETOOBIG when a message is over
     * opts.max_frame). The protocol may write a last message with
     * lh_tcp_conn_write; the layer then writes the answers of messages still
     * in flight, that last message, and closes. Nothing more is read. */
    void (*on_error)(lh_tcp_conn_t *c, int code, void *ctx);
    /* A deadline passed (which = LH_TCP_TIMEOUT_*). Return 1 when the
     * protocol dealt with it (e.g. answered and closed), 0 to let the layer
     * close the connection (gracefully: queued output still goes out). */
    int (*on_timeout)(lh_tcp_conn_t *c, int which, void *ctx);
    /* The write queue became empty (every write notified). */
    void (*on_drain)(lh_tcp_conn_t *c, void *ctx);
    /* Bytes moved on the socket (ciphertext on TLS), for protocol metrics. */
    void (*on_traffic)(lh_tcp_conn_t *c, size_t in, size_t out, void *ctx);
    /* Last call for a connection: pending writes were already notified. Free
     * udata here. Always runs from a libuv callback, never from inside a
     * call the protocol made. */
    void (*on_close)(lh_tcp_conn_t *c, void *ctx);
} lh_tcp_proto_t;

typedef struct lh_tcp_opts {
    const char *name;     /* "s3", "kafka": logs and the listener="" metric label */
    const char *listen;   /* "host:port", "[::1]:port", ":port"; port 0 picks one; or
                             "unix:PATH", a Unix stream socket (mode 0600, removed at stop;
                             its peers are one peer, "local") */
    int tls;              /* LH_TCP_TLS_*; ON/UPGRADE need tls_cert */
    const char *tls_cert; /* PEM chain path */
    const char *tls_key;  /* PEM key path; NULL = in tls_cert */
    const char *const
        *alpn;           /* NULL-terminated ALPN names in server preference order; NULL = none */
    size_t read_buf;     /* initial read buffer (raw mode: the whole buffer); 0 = 64 KiB */
    size_t max_frame;    /* frame mode: largest message = hard cap of the read buffer; 0 = 1 MiB */
    size_t write_high;   /* frame mode: queued output above which reading pauses (resumes
                            below half); 0 = 1 MiB */
    int max_in_flight;   /* frame mode: messages in flight per connection before reading
                            pauses; 0 = 32 */
    int idle_timeout_ms; /* 0 = 60000 */
    int head_timeout_ms; /* frame mode: whole message from its first byte; 0 = 30000 */
    int tls_timeout_ms;  /* TLS handshake; 0 = 10000 */
    int max_conns;       /* open connections; 0 = 4096; never above the fd budget */
    int max_conns_per_peer; /* per peer IP address; 0 = 1024 */
    int grace_ms;           /* stop: how long in-flight work may finish; 0 = 5000 */
    const lh_tcp_proto_t *proto;
    void *ctx; /* passed to every proto callback */
} lh_tcp_opts_t;

/* --- listener --- */

/* Parses "host:port", "[v6]:port", ":port" (0.0.0.0) or "localhost:port"
 * into ss. Returns 0, or LH_EINVAL with err set (no port, bad port, host
 * that is not an IP address). */
int lh_tcp_parse_listen(const char *s, struct sockaddr_storage *ss, lh_err_t *err);
/* Binds, listens and accepts on loop. The first start in a process raises
 * the RLIMIT_NOFILE soft limit to the hard limit (logged). bound (may be
 * NULL) receives the address actually bound ("127.0.0.1:40123").
 * Returns 0, LH_EINVAL (bad options or address; err set), LH_EIO (port in
 * use, unreadable certificate or key; err set) or LH_ENOMEM. *out is owned
 * by the layer until lh_tcp_server_stop's done runs. */
int lh_tcp_server_start(uv_loop_t *loop, const lh_tcp_opts_t *opts, lh_tcp_server_t **out,
                        char *bound, size_t boundlen, lh_err_t *err);
/* Drains and frees the server: stops accepting, closes idle connections
 * (raw mode: not marked busy; frame mode: no message in flight), lets the
 * others finish for opts.grace_ms, then aborts them; done(arg) runs on the
 * loop once every connection is closed. Calling it twice does nothing. */
void lh_tcp_server_stop(lh_tcp_server_t *srv, void (*done)(void *), void *arg);
/* The limits in force (after the fd budget clamp). */
void lh_tcp_server_limits(const lh_tcp_server_t *srv, int *max_conns, int *max_per_peer);
/* Open connections right now. */
int lh_tcp_server_conns(const lh_tcp_server_t *srv);
/* Test hook: the most bytes one connection held in its read buffer plus
 * undecrypted TLS input since the start. Thread-safe. */
size_t lh_tcp_server_max_buffered(const lh_tcp_server_t *srv);

/* --- connection facts --- */

void *lh_tcp_conn_udata(const lh_tcp_conn_t *c);
void lh_tcp_conn_set_udata(lh_tcp_conn_t *c, void *udata);
/* "ip:port" or "[v6]:port" of the peer; owned by c. */
const char *lh_tcp_conn_peer(const lh_tcp_conn_t *c);
int lh_tcp_conn_is_tls(const lh_tcp_conn_t *c);
/* The ALPN protocol agreed in the handshake (owned by c), or NULL. */
const char *lh_tcp_conn_alpn(const lh_tcp_conn_t *c);
/* 1 once the server is stopping: finish the current message, keep no more. */
int lh_tcp_conn_draining(const lh_tcp_conn_t *c);
uv_loop_t *lh_tcp_conn_loop(const lh_tcp_conn_t *c);

/* --- raw mode input --- */

/* The buffered input not yet consumed; *len receives its length. The bytes
 * stay put until consumed and reading is switched on again. */
const char *lh_tcp_conn_input(const lh_tcp_conn_t *c, size_t *len);
/* Marks n buffered bytes as used (n <= the buffered length). */
void lh_tcp_conn_consume(lh_tcp_conn_t *c, size_t n);
/* Decrypts TLS input already received into the read buffer (which may move
 * the buffered bytes). Returns 1 when new plaintext arrived, else 0. */
int lh_tcp_conn_fill(lh_tcp_conn_t *c);
/* Reads from the socket (on=1) or stops (0). Reading stays off while the
 * read buffer is full. Only call with on=1 while holding no pointer into the
 * buffer. */
void lh_tcp_conn_read(lh_tcp_conn_t *c, int on);
/* Marks a message in flight (busy=1) or finished (0). A busy connection is
 * never shed by the connection limits nor closed as idle on stop. */
void lh_tcp_conn_set_busy(lh_tcp_conn_t *c, int busy);
/* Runs on_data again from the loop soon (not from inside this call). */
void lh_tcp_conn_kick(lh_tcp_conn_t *c);

/* --- deadlines --- */

/* Arms deadline which (LH_TCP_TIMEOUT_HEAD or _TLS) ms from now (0
 * disarms); it does not move when bytes arrive. Frame mode arms and disarms
 * the head deadline itself. For LH_TCP_TIMEOUT_IDLE, ms sets this
 * connection's idle timeout (0 = the listener's); the layer runs that one
 * whenever it waits for the peer and restarts it on every byte in or out. */
void lh_tcp_conn_timeout(lh_tcp_conn_t *c, int which, int ms);
/* 1 when deadline which is armed. */
int lh_tcp_conn_timeout_armed(const lh_tcp_conn_t *c, int which);

/* --- output --- */

/* Queues the concatenation of n slices as one write; done (may be NULL)
 * runs when it is on the socket. Frame mode: the bytes go after the answers
 * of every message already in flight. Returns 0, LH_ENOMEM (nothing queued,
 * done not called; the connection is aborted) or LH_EPROTO (the connection
 * is closing: dropped, done not called). */
int lh_tcp_conn_writev(lh_tcp_conn_t *c, const uv_buf_t *bufs, int n, lh_tcp_write_cb done,
                       void *arg);
int lh_tcp_conn_write(lh_tcp_conn_t *c, const void *data, size_t len, lh_tcp_write_cb done,
                      void *arg);
/* Queues len bytes of fd from off. fd stays the caller's; it may close it
 * in done (not before). sendfile(2) on a worker on plain sockets, pread +
 * encrypt on TLS. Errors as lh_tcp_conn_writev (and LH_EINVAL for a bad
 * range). */
int lh_tcp_conn_sendfile(lh_tcp_conn_t *c, int fd, int64_t off, int64_t len, lh_tcp_write_cb done,
                         void *arg);
/* Output bytes queued and not yet on the socket. */
size_t lh_tcp_conn_queued(const lh_tcp_conn_t *c);
/* 1 when nothing is queued or being written. */
int lh_tcp_conn_write_idle(const lh_tcp_conn_t *c);

/* --- ending --- */

/* Graceful close: nothing more is read or dispatched; queued output (frame
 * mode: after the slots in flight end) goes out, TLS sends close_notify, the
 * write side is shut down and the peer drained for up to 2 s, then closed.
 * on_close follows. Idempotent. */
void lh_tcp_conn_close(lh_tcp_conn_t *c);
/* Closes now: every pending write is notified with ok=0 (after the file job
 * in flight, if any, returns), then the socket closes and on_close runs.
 * Later writes are dropped. Idempotent. */
void lh_tcp_conn_abort(lh_tcp_conn_t *c);

/* --- mid-stream TLS --- */

/* Starts TLS on a plaintext connection of an LH_TCP_TLS_UPGRADE listener:
 * output queued before this call goes out in plaintext, everything after
 * is encrypted, and input not yet consumed (frame mode: after the current
 * message) is read as the TLS handshake. Frame mode: call from on_message of
 * the only message in flight. Returns 0, LH_EINVAL (listener not in upgrade
 * mode, or TLS already on), LH_EBUSY (other messages in flight) or
 * LH_ENOMEM. */
int lh_tcp_conn_start_tls(lh_tcp_conn_t *c);

/* --- frame mode slots --- */

lh_tcp_conn_t *lh_tcp_slot_conn(const lh_tcp_slot_t *s);
/* 0 once the connection is closed or closing (writes are then dropped). */
int lh_tcp_slot_alive(const lh_tcp_slot_t *s);
/* Queues answer bytes for this message (copied); they go out after every
 * earlier message's answer. done as for lh_tcp_conn_write. Returns 0,
 * LH_ENOMEM, or LH_EPROTO (slot ended or connection closing; dropped). */
int lh_tcp_slot_write(lh_tcp_slot_t *s, const void *data, size_t len, lh_tcp_write_cb done,
                      void *arg);
/* Queues len bytes of fd from off as part of this message's answer, after
 * what the slot queued before: sendfile(2) on a worker (pread + encrypt on
 * TLS), as lh_tcp_conn_sendfile. fd stays the caller's; it may close it in
 * done (not before). Returns 0, LH_EINVAL (bad range), LH_ENOMEM (the
 * connection is aborted) or LH_EPROTO (slot ended or connection closing:
 * nothing queued, done not called). */
int lh_tcp_slot_sendfile(lh_tcp_slot_t *s, int fd, int64_t off, int64_t len, lh_tcp_write_cb done,
                         void *arg);
/* The message is answered; s is freed (also after the connection closed). */
void lh_tcp_slot_end(lh_tcp_slot_t *s);

#endif
