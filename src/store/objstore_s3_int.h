/* Internal to the remote S3 back end of the object-store interface
 * (objstore_s3*.c): the connection settings, one request and its reply, and
 * the transport the operations share (objstore_s3_http.c). */
#ifndef LH_STORE_OBJSTORE_S3_INT_H
#define LH_STORE_OBJSTORE_S3_INT_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/dio.h"
#include "core/http.h"
#include "core/xml.h"
#include "store/objstore.h"

#define S3_BODY_MAX ((size_t)16 << 20) /* error and listing documents */
#define S3_SHARE_LOCKS 8               /* > every curl_lock_data value we share */

typedef struct s3 {
    char scheme[8];     /* "http" / "https" */
    char hostport[256]; /* host[:port], default port dropped */
    char region[64];
    char ak[129], sk[129];
    int path_style;
    char *ca_bundle;     /* NULL = the system's CAs */
    char *unix_socket;   /* http through this Unix socket (NULL = TCP) */
    atomic_int unix_off; /* it could not connect: TCP from then on */
    /* the connection pool (objstore_s3_pool.c) */
    pthread_mutex_t mu;
    pthread_cond_t cv;                        /* a handle came back */
    CURL *idle[LH_OBJSTORE_S3_CONNS];         /* handles not in use, newest last */
    int nidle, nmade;                         /* made = idle + checked out */
    CURLSH *share;                            /* DNS cache and TLS sessions */
    pthread_mutex_t share_mu[S3_SHARE_LOCKS]; /* one per curl_lock_data */
    int pool_ready;
} s3_t;

typedef struct s3_req {
    const char *method;
    const char *bucket;
    const char *key;              /* NULL: bucket-level request */
    const char *query;            /* encoded, sorted; NULL = none */
    const lh_http_header_t *hdrs; /* extra signed headers, lower-case names, sorted */
    size_t nhdrs;
    int has_body; /* send a body (possibly empty) */
    const void *body;
    size_t body_len;
    int fd; /* >= 0: stream fd_size bytes from it, UNSIGNED-PAYLOAD */
    int64_t fd_size;
    lh_dio_reader_t *rd; /* reads fd (set by whoever sets fd) */
    int idempotent;
    int (*sink)(void *arg, const void *data, size_t n); /* 2xx body; NULL = buffer */
    void *sink_arg;
    int64_t skip, limit; /* window on a 200 reply to a ranged request; limit -1 = none */
    int64_t suffix;      /* > 0: a suffix range; on a 200 the window is the last suffix bytes */
} s3_req_t;

typedef struct s3_resp {
    long status;
    lh_buf_t body;
    char etag[80];
    char content_type[128];
    int64_t content_length, range_total, mtime;
    int sink_rc;
    int64_t sunk;  /* bytes given to the sink */
    int64_t seen;  /* body bytes of a 2xx reply */
    int no_length; /* a 200 to a suffix range came without Content-Length */
    const s3_req_t *req;
    int64_t upload_pos;
} s3_resp_t;

#define REQ(m, b, k)                                                                               \
    {                                                                                              \
        .method = (m), .bucket = (b), .key = (k), .fd = -1, .limit = -1                            \
    }

/* --- objstore_s3_http.c --- */
/* Appends [&]name=value to a query, the value %-encoded ('/' too). */
int lh__os3_query_param(lh_buf_t *qb, const char *name, const char *value);
/* Copies an ETag header or element value without quotes and blanks. */
void lh__os3_etag_unquote(char *dst, size_t cap, const char *v, size_t n);
/* A decimal number, or dflt when v is not one. */
int64_t lh__os3_num_or(const char *v, size_t n, int64_t dflt);
/* Decoded text of n's first child called name; "" when absent. */
const char *lh__os3_child_text(const lh_xml_node_t *n, const char *name);
/* Parses r's body into a new arena *a (the caller frees it, also on error).
 * Returns 0; LH_EPROTO (not XML), LH_ETOOBIG (over an xml.h limit) or
 * LH_ENOMEM, with err naming what reply it was. */
int lh__os3_resp_xml(lh_arena_t **a, const s3_resp_t *r, const char *what,
                     const lh_xml_node_t **root, lh_err_t *err);
/* The LH_E* code of an S3 error code (or, for an unknown one, of the HTTP
 * status; LH_EIO when neither says). */
int lh__os3_code(const char *code, long status);
/* Maps a non-2xx reply (or an <Error> document) to an LH_E* code. */
int lh__os3_error(const s3_req_t *q, const s3_resp_t *r, lh_err_t *err);
/* 1 when r's body is an <Error> document (S3 may fail inside a 200). */
int lh__os3_is_error_doc(const s3_resp_t *r);
/* Runs q (with retries) and maps any non-2xx reply to an LH_E* code; r
 * holds the reply (the caller frees r->body, also on error). */
int lh__os3_call(s3_t *s, const s3_req_t *q, s3_resp_t *r, lh_err_t *err);
/* Runs q when only the status matters (the reply body is dropped). */
int lh__os3_run(s3_t *s, const s3_req_t *q, lh_err_t *err);
/* The reply's ETag, Last-Modified and Content-Type with size into out
 * (optional). */
void lh__os3_meta_from_resp(const s3_resp_t *r, int64_t size, lh_objstore_meta_t *out);

/* --- objstore_s3_pool.c --- */
/* Sets up the pool and the share (the caller frees it with pool_free, also
 * on error). LH_ENOMEM. */
int lh__os3_pool_init(s3_t *s, lh_err_t *err);
/* Frees every handle; none may be checked out. */
void lh__os3_pool_free(s3_t *s);
/* A handle for one exchange: an idle one, a new one while fewer than
 * LH_OBJSTORE_S3_CONNS exist, else waits for one. NULL: LH_ENOMEM in err. */
CURL *lh__os3_pool_get(s3_t *s, lh_err_t *err);
/* Gives c back. */
void lh__os3_pool_put(s3_t *s, CURL *c);

/* --- objstore_s3_list.c --- */
int lh__os3_list(void *impl, const char *bucket, const char *prefix, const char *delimiter,
                 const char *start_after, int max_keys,
                 int (*fn)(void *arg, const char *key, int is_prefix,
                           const lh_objstore_meta_t *meta),
                 void *arg, lh_err_t *err);

#endif
