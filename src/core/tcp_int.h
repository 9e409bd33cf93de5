/* TCP layer internals shared by tcp.c (listener, limits, stop), tcp_conn.c
 * (input, framing, deadlines, closing), tcp_slot.c (frame mode's slots),
 * tcp_out.c (the write queue) and tls.c (TLS sessions over memory BIOs).
 * Not for other modules. */
#ifndef LH_CORE_TCP_INT_H
#define LH_CORE_TCP_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/tcp.h"

/* --- TLS over memory BIOs (tls.c) --- */

typedef struct lh__tls_ctx lh__tls_ctx_t;
typedef struct lh__tls lh__tls_t;

/* Loads a PEM cert chain and key (TLS 1.2+); alpn: NULL-terminated names
 * the server accepts, in its preference order (NULL = no ALPN). Returns 0,
 * LH_EINVAL (bad ALPN list) or LH_EIO with err set. */
int lh__tls_ctx_new(const char *cert, const char *key, const char *const *alpn, lh__tls_ctx_t **out,
                    lh_err_t *err);
void lh__tls_ctx_free(lh__tls_ctx_t *ctx);
/* A server-side session; NULL on allocation failure. */
lh__tls_t *lh__tls_new(lh__tls_ctx_t *ctx);
void lh__tls_free(lh__tls_t *t);
/* Hands ciphertext read from the socket to the session. Returns 0 or LH_ENOMEM. */
int lh__tls_feed(lh__tls_t *t, const char *data, size_t len);
/* Decrypts into out. Returns bytes (> 0), 0 when more ciphertext is needed,
 * LH_EIO on a protocol error, or LH_EPROTO when the peer closed (close_notify). */
long lh__tls_read(lh__tls_t *t, char *out, size_t cap);
/* Encrypts all of data. Returns 0 or LH_EIO. */
int lh__tls_write(lh__tls_t *t, const void *data, size_t len);
/* Sends close_notify (ciphertext becomes pending). */
void lh__tls_shutdown(lh__tls_t *t);
/* Ciphertext waiting to go to the socket. */
size_t lh__tls_pending(lh__tls_t *t);
/* Moves up to cap pending ciphertext bytes into out; returns the count. */
size_t lh__tls_take(lh__tls_t *t, char *out, size_t cap);
/* Ciphertext fed but not yet decrypted. */
size_t lh__tls_buffered(lh__tls_t *t);
/* 1 once the handshake is complete. */
int lh__tls_ready(lh__tls_t *t);
/* Copies the ALPN protocol agreed (NUL-terminated, "" when none) into out. */
void lh__tls_alpn(lh__tls_t *t, char *out, size_t cap);

/* --- sizes and timings --- */

#define LH__TCP_TBUF ((size_t)17 << 10) /* ciphertext read chunk (one TLS record) */
#define LH__TCP_LINGER_MS 2000          /* draining the peer after our last byte */

/* Connection states; changed only through lh__tcp_set_state(). */
enum {
    LH__TC_OPEN,    /* reading and dispatching */
    LH__TC_CLOSING, /* graceful close: flushing answers, reading nothing */
    LH__TC_LINGER,  /* write side shut down; draining the peer */
    LH__TC_DEAD,    /* aborted, waiting for the file job in flight */
    LH__TC_CLOSED   /* handles closing; on_close follows */
};
/* Internal deadline after the public ones. */
enum { LH__TCP_DUE_LINGER = LH_TCP_TIMEOUT_COUNT, LH__TCP_DUE_COUNT };

/* One queued write: memory (fd < 0) or a file range. */
typedef struct lh__tcp_out {
    struct lh__tcp_out *next;
    int fd;
    int plain;        /* queued before TLS started: written unencrypted */
    int64_t off, len; /* file range still to send */
    size_t dlen;      /* memory bytes */
    size_t cost;      /* what it adds to the queued-bytes count */
    lh_tcp_write_cb done;
    void *arg;
    char data[];
} lh__tcp_out_t;

typedef struct lh__tcp_job lh__tcp_job_t;

/* Per-peer connection counts: a small chained hash table. */
typedef struct lh__tcp_peer {
    struct lh__tcp_peer *next;
    unsigned char key[17]; /* family byte + 16 address bytes */
    int n;
} lh__tcp_peer_t;

#define LH__TCP_PEER_BUCKETS 256

struct lh_tcp_slot {
    lh_tcp_slot_t *next;
    lh_tcp_conn_t *c;
    lh__tcp_out_t *qh, *qt; /* answer bytes held until this slot is the head */
    int ended;
};

struct lh_tcp_conn {
    union { /* the socket: a pipe on a unix: listener (both start as a uv_stream_t) */
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    };
    uv_timer_t timer;
    uv_idle_t kick;
    uv_write_t wreq;
    uv_shutdown_t sreq;
    lh_tcp_server_t *srv;
    lh_tcp_conn_t *prev, *next; /* server list, oldest idle first */
    void *udata;
    int state, handles;
    int counted;   /* holds a place in the limits (socket open) */
    int want_read; /* raw mode: the protocol asked for input */
    int reading;   /* uv_read_start is on */
    int busy;      /* raw mode: a message in flight */
    int peer_eof;  /* no more input from the peer */
    int kicked, in_process, again;
    int begun;   /* handed to the protocol; on_close still due */
    int upgrade; /* frame mode: start TLS after the current message */
    int idle_ms;
    uint64_t idle_since;             /* loop ms when the connection last became idle */
    uint64_t due[LH__TCP_DUE_COUNT]; /* loop ms; 0 = off */
    /* input */
    char *rbuf;
    size_t rcap, rstart, rend;
    size_t need; /* frame mode: length of the frame being waited for */
    char *tbuf;
    lh__tls_t *tls;
    char alpn[32];
    /* output */
    lh__tcp_out_t *qh, *qt; /* queued */
    lh__tcp_out_t *fl;      /* in the write in flight */
    size_t queued;          /* bytes written by the protocol, not yet on the socket */
    int plain_queued;       /* plaintext items queued after TLS started (not yet submitted) */
    int wbusy;              /* a write or file job is in flight */
    int paused_out;         /* frame mode: reading paused over the high-water mark */
    char *wbuf;             /* ciphertext (or buffered file chunk) of the write in flight */
    size_t wlen;
    lh__tcp_job_t *job;
    /* frame mode */
    lh_tcp_slot_t *sh, *st;
    int nslots;  /* slots not yet ended */
    int nlinked; /* slots still allocated (ended ones wait to be the head) */
    unsigned char peer_key[17];
    char peer[64];
};

struct lh_tcp_server {
    uv_loop_t *loop;
    union { /* the listener: a pipe for "unix:PATH" */
        uv_tcp_t lst;
        uv_pipe_t lst_pipe;
    };
    char *unix_path; /* "unix:PATH": the socket file; else NULL */
    int unix_bound;  /* this server made the socket file: removed when it is freed */
    uv_timer_t grace;
    char name[32];
    char labels[64]; /* listener="name" */
    lh_tcp_proto_t proto;
    void *ctx;
    int raw;
    int tls_mode;
    lh__tls_ctx_t *tls;
    size_t read_buf, max_frame, write_high;
    int max_in_flight, idle_ms, head_ms, tls_ms, grace_ms;
    int max_conns, max_per_peer;
    lh_tcp_conn_t *head, *tail; /* every live connection */
    int nconns;                 /* allocated connections */
    int nopen;                  /* counted (open sockets) */
    lh__tcp_peer_t *peers[LH__TCP_PEER_BUCKETS];
    int stopping, lst_open, grace_open;
    void (*stop_done)(void *);
    void *stop_arg;
    size_t max_buffered;        /* atomic access */
    uint64_t warn_at;           /* loop ms of the last limit warning */
    unsigned shed_n, refused_n; /* since that warning */
    lh_tcp_server_t *gnext;     /* process-wide list of servers */
};

/* tcp.c */
void lh__tcp_count(lh_tcp_conn_t *c, size_t in, size_t out);
/* Gives back the connection's place in the limits (socket closed). */
void lh__tcp_uncount(lh_tcp_conn_t *c);
/* Moves c to the young end of the idle order (it just became idle). */
void lh__tcp_touch(lh_tcp_conn_t *c);
/* The connection struct is gone: unlink it and finish a stop. */
void lh__tcp_server_conn_gone(lh_tcp_conn_t *c);

/* tcp_conn.c */
lh_tcp_conn_t *lh__tcp_conn_new(lh_tcp_server_t *srv);
void lh__tcp_conn_begin(lh_tcp_conn_t *c);
void lh__tcp_set_state(lh_tcp_conn_t *c, int st);
/* Re-evaluates reading, pauses, deadlines and a pending graceful close. */
void lh__tcp_update(lh_tcp_conn_t *c);
/* Frees the struct (handles closed, on_close done, no slot left). */
void lh__tcp_conn_free(lh_tcp_conn_t *c);
/* Closes the handles now (state CLOSED); on_close runs when they are closed. */
void lh__tcp_close_handles(lh_tcp_conn_t *c);
/* Idle: not busy, no message in flight (what limits may shed, stop closes). */
int lh__tcp_conn_idle(const lh_tcp_conn_t *c);

/* tcp_out.c */
lh__tcp_out_t *lh__tcp_out_new(lh_tcp_conn_t *c, const uv_buf_t *bufs, int n, lh_tcp_write_cb done,
                               void *arg);
/* A file range item (fd stays the caller's until done). */
lh__tcp_out_t *lh__tcp_out_file(lh_tcp_conn_t *c, int fd, int64_t off, int64_t len,
                                lh_tcp_write_cb done, void *arg);
/* Appends o to the connection queue (TLS state decides plain) and pumps. */
void lh__tcp_out_queue(lh_tcp_conn_t *c, lh__tcp_out_t *o);
void lh__tcp_out_pump(lh_tcp_conn_t *c);
/* Notifies one item (done(c, ok)), takes it off the queued count, frees it. */
void lh__tcp_out_finish(lh_tcp_conn_t *c, lh__tcp_out_t *o, int ok);
/* Notifies every pending write with ok=0 and drops the queue; the write in
 * flight keeps its buffers until its callback. */
void lh__tcp_out_abort(lh_tcp_conn_t *c);
/* Writes pending TLS ciphertext (handshake, alerts) outside the queue. */
void lh__tcp_tls_flush(lh_tcp_conn_t *c);
/* Asks the file job in flight, if any, to stop early. */
void lh__tcp_job_cancel(lh_tcp_conn_t *c);

/* tcp_slot.c */
/* Queues o on the connection; frame mode: after every slot in flight.
 * Returns 0 or LH_ENOMEM (o not queued). */
int lh__tcp_conn_queue(lh_tcp_conn_t *c, lh__tcp_out_t *o);
/* The head slot ended; moves the next slots' answers on. */
void lh__tcp_slots_advance(lh_tcp_conn_t *c);

#endif
