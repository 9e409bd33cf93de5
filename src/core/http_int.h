/* HTTP module internals shared by http.c, http_resp.c, http_parse.c and the
 * fuzz target: the incremental request parser, the connection and request
 * state on top of the TCP layer, and a few test hooks. Not for other
 * modules. */
#ifndef LH_CORE_HTTP_INT_H
#define LH_CORE_HTTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/http.h"
#include "core/tcp.h"

/* --- incremental request parser (http_parse.c) --- */

enum { LH__HP_HEAD, LH__HP_BODY, LH__HP_DONE, LH__HP_ERROR };

typedef struct lh__http_hoff {
    uint32_t name, name_len, value, value_len; /* offsets into the head bytes */
} lh__http_hoff_t;

typedef struct lh__http_parser {
    size_t max_head;                               /* whole head, request line included */
    size_t max_headers;                            /* header count */
    int phase;                                     /* LH__HP_* */
    int st;                                        /* byte state inside the phase */
    int status;                                    /* on LH__HP_ERROR: 400, 431, 501, 505 */
    const char *why;                               /* on LH__HP_ERROR: static reason for logs */
    lh_buf_t head;                                 /* head bytes seen so far (capped at max_head) */
    uint32_t meth_off, meth_len, tgt_off, tgt_len; /* request line */
    uint32_t tok, nlen, vstart, vstop;             /* current header */
    int minor;
    lh__http_hoff_t *hdrs; /* grows up to max_headers entries */
    size_t nhdrs, hcap;
    /* framing, valid once the head is complete */
    int chunked, keep_alive, expect_continue;
    int64_t content_length; /* -1 when absent or chunked */
    /* body */
    uint64_t left;  /* CL bytes left, or bytes left in the current chunk */
    size_t line;    /* bytes in the current chunk-size or trailer line */
    size_t trailer; /* trailer bytes so far */
    uint64_t wire;  /* body bytes consumed from the wire (framing included) */
} lh__http_parser_t;

/* Limits of 0 take the defaults (64 KiB, 128). Returns 0 or LH_ENOMEM. */
int lh__http_parser_init(lh__http_parser_t *p, size_t max_head, size_t max_headers);
/* Prepares for the next request on the same connection (keeps memory). */
void lh__http_parser_reset(lh__http_parser_t *p);
void lh__http_parser_free(lh__http_parser_t *p);
/* Feeds head bytes; returns how many were consumed. Stops right after the
 * head (phase becomes BODY or DONE) or on an error (phase ERROR, status set).
 * While phase stays HEAD every byte was consumed. */
size_t lh__http_parse_head(lh__http_parser_t *p, const char *data, size_t len);
/* Feeds body bytes in phase BODY; returns how many were consumed and at most
 * one slice of de-chunked body data (*out points into data, *outlen may be 0).
 * Phase becomes DONE after the last byte (trailers included) or ERROR. */
size_t lh__http_parse_body(lh__http_parser_t *p, const char *data, size_t len, const char **out,
                           size_t *outlen);
/* Fills req's method, target, path, query, version, headers and framing from
 * a complete head; copies the head into req->arena. Returns 0 or LH_ENOMEM. */
int lh__http_req_fill(const lh__http_parser_t *p, lh_http_req_t *req);

/* --- server and connection internals (http.c, http_resp.c) --- */

#define LH__HTTP_RBUF ((size_t)64 << 10)     /* plaintext read buffer per connection */
#define LH__HTTP_DISCARD ((uint64_t)1 << 20) /* unread body we discard to keep a connection */
#define LH__HTTP_RESPOND_JOIN                                                                      \
    ((size_t)256 << 10) /* lh_http_respond: bodies up to this go out with the head */

/* Connection states; set only through set_state() in http.c. After CLOSED
 * the TCP layer finishes the connection (lingering or aborting) and its
 * on_close frees ours. */
enum { LH__CS_HEAD, LH__CS_REQ, LH__CS_DISCARD, LH__CS_CLOSED };
/* Request body states. */
enum { LH__BS_NONE, LH__BS_READING, LH__BS_END, LH__BS_ERR };
/* Response states. */
enum { LH__RS_NONE, LH__RS_STARTED, LH__RS_FINISHED };

typedef struct lh__http_conn lh__http_conn_t;

typedef struct lh__http_rhdr {
    struct lh__http_rhdr *next;
    const char *name, *value;
} lh__http_rhdr_t;

typedef struct lh__http_ireq {
    lh_http_req_t pub; /* first: handlers get &pub */
    lh__http_conn_t *c;
    int body, resp;
    int close; /* this response ends the connection */
    int continue_sent;
    int chunked_out;  /* response framed with chunked encoding */
    int no_body;      /* HEAD, 1xx, 204, 304 */
    int stand_in;     /* made up to answer an error before any request */
    int64_t out_left; /* announced Content-Length still to write; -1 unknown */
    lh__http_rhdr_t *rh, *rh_tail;
} lh__http_ireq_t;

struct lh_http_server {
    uv_loop_t *loop;
    lh_tcp_server_t *tcp;
    char name[32];
    char labels[64]; /* listener="name" */
    size_t max_head, max_headers;
    int head_ms;
    lh_http_handler_t handler;
    void *ctx;
    int stopping;
    void (*stop_done)(void *);
    void *stop_arg;
};

struct lh__http_conn {
    lh_tcp_conn_t *tcp;
    lh_http_server_t *srv;
    int state;
    int holding, in_drive, again, peer_eof, failed;
    lh__http_parser_t p;
    lh__http_ireq_t *req;
    uint64_t discard;      /* wire bytes we still accept to discard */
    lh_arena_t *err_arena; /* the stand-in request of an error answer */
    char remote[64];
};

/* http.c */
void lh__http_drive(lh__http_conn_t *c);
void lh__http_kick(lh__http_conn_t *c);
void lh__http_fail(lh__http_conn_t *c);
/* The TCP layer dropped the connection under us (out of memory). */
void lh__http_lost(lh__http_conn_t *c);
/* http_resp.c */
/* 1 when the connection can take no more output (closed or closing). */
int lh__http_gone(const lh__http_conn_t *c);
int lh__http_out_idle(const lh__http_conn_t *c);
/* Answers an error before or during a request: through the handler's
 * on_error when it answers, else a bare status with Connection: close.
 * r may be NULL (no request yet). Returns 1 when a response was queued. */
int lh__http_send_error(lh__http_conn_t *c, lh__http_ireq_t *r, int status, int kind,
                        const char *why);
/* Whether unread body may be discarded to keep the connection alive. */
int lh__http_discardable(const lh__http_conn_t *c);
/* Request ids: process-random, unique. out >= 17 bytes. */
void lh__http_request_id(char *out, size_t cap);

/* --- test hooks (http.c) --- */

/* Highest number of bytes one connection held in its buffers (read buffer
 * plus undecrypted TLS input) since the server started. Thread-safe. */
size_t lh__http_max_buffered(const lh_http_server_t *srv);
/* Reason phrase for a status code ("Not Found"; "Unknown" if not listed). */
const char *lh__http_reason(int status);

#endif
