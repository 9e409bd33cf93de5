/* Internals shared by the S3 service files (s3_*.c). */
#ifndef LH_STORE_S3_INT_H
#define LH_STORE_S3_INT_H

#include <stdint.h>

#include "core/buf.h"
#include "core/checksum.h"
#include "core/crypto.h"
#include "core/http.h"
#include "core/loop.h"
#include "core/meta.h"
#include "store/auth.h"
#include "store/engine.h"
#include "store/s3.h"

struct lh_s3 {
    uv_loop_t *loop;
    lh_http_server_t *http;
    lh_http_server_t *http_unix; /* the same API on store.unix_listen, or NULL */
    int listening;               /* lh_s3_stop: listeners not yet closed */
    lh_meta_t *meta;
    lh_store_t *st;
    char domain[256];
    char region[64];
    char lake_bucket[64]; /* lake.bucket: granted to users by role ("" = none) */
    lh_http_handler_t handler;
    lh_loop_poster_t *poster; /* completions from the store's committer thread */
    void (*stop_done)(void *);
    void *stop_arg;
};

/* Canned ACLs (x-amz-acl). An object keeps its own by name in its attrs
 * JSON ("acl", absent for private), with "owner" when its owner is not the
 * bucket's (s3_acl.c). */
typedef enum {
    S3_ACL_NONE = 0, /* no x-amz-acl */
    S3_ACL_PRIVATE,
    S3_ACL_PUBLIC_READ,
    S3_ACL_PUBLIC_READ_WRITE,
    S3_ACL_AUTHENTICATED_READ,
    S3_ACL_BUCKET_OWNER_READ,
    S3_ACL_BUCKET_OWNER_FULL_CONTROL,
} s3_acl_t;

/* Object ownership controls (lh_store_bucket_t.ownership). A bucket that
 * never had them (0) acts as ObjectWriter, but GetBucketOwnershipControls
 * finds none. */
enum {
    S3_OWNERSHIP_NONE = 0,
    S3_OWNERSHIP_ENFORCED = 1, /* BucketOwnerEnforced: ACLs disabled */
    S3_OWNERSHIP_PREFERRED = 2,
    S3_OWNERSHIP_WRITER = 3,
};

/* Public access block (lh_store_bucket_t.public_block): S3_PAB_SET marks a
 * configuration as present (its four flags may all be false). */
enum {
    S3_PAB_BLOCK_ACLS = 1,   /* BlockPublicAcls: public canned ACLs refused */
    S3_PAB_IGNORE_ACLS = 2,  /* IgnorePublicAcls: public ACLs grant nothing */
    S3_PAB_BLOCK_POLICY = 4, /* BlockPublicPolicy: public policies refused */
    S3_PAB_RESTRICT = 8,     /* RestrictPublicBuckets: policies grant anonymous callers nothing */
    S3_PAB_SET = 16,
};

typedef struct s3_req s3_req_t;
typedef void (*s3_work_fn)(s3_req_t *r);

/* What a request addresses: the service, a bucket, or an object. */
typedef enum { S3_SERVICE = 1, S3_BUCKET, S3_OBJECT } s3_target_t;

/* How an operation's request body is read. */
typedef enum {
    S3_BODY_NONE = 0,
    S3_BODY_SMALL,  /* a small XML/JSON body, buffered (capped) before the work runs */
    S3_BODY_STREAM, /* streamed through the row's on_body / on_body_end */
} s3_body_t;

/* Where the caller's right to an operation is decided. */
typedef enum {
    S3_AUTH_BUCKET = 0, /* in the worker, against the bucket (lh__s3_authorize) */
    S3_AUTH_ROLE,       /* on the loop, from the user's role alone (no bucket to ask) */
} s3_auth_t;

/* One S3 operation: which requests it answers, who may call it, how its body
 * is read, and its handler. The table (lh__s3_ops[], s3_ops.c) is the whole
 * dispatch: the first row that matches a request is its operation. */
typedef struct s3_op {
    const char *name; /* "GetObject": metrics label; "Unknown": not implemented */
    /* match */
    const char *method; /* "GET", "HEAD", ... (a GET row does not answer HEAD) */
    s3_target_t target;
    const char *sub[2];     /* query parameters that must be present ("name=value":
                               with that decoded value) */
    const char *const *any; /* or: one of these must be present (unsupported ones) */
    int bare;               /* only when the query names no sub-resource */
    int copy_source;        /* only with an x-amz-copy-source header */
    /* authorization */
    s3_auth_t auth;
    const char *action; /* IAM action for policies, NULL = owner/admin only */
    int needs_write;    /* writes: refused for the reader role (lh__s3_role_allows) */
    s3_body_t body;
    /* handler: work runs on a worker, then the reply is sent; a streamed
     * upload starts on the loop instead and drives its own workers. A row
     * with neither answers NotImplemented. */
    s3_work_fn work;
    void (*start)(s3_req_t *r);
    void (*on_body)(s3_req_t *r, const char *data, size_t len);
    void (*on_body_end)(s3_req_t *r);
} s3_op_t;

/* s3_ops.c: the table, in match order, and the row of requests no row
 * matches ("Unknown"). */
extern const s3_op_t lh__s3_ops[];
extern const size_t lh__s3_nops;
extern const s3_op_t lh__s3_op_unknown;

/* A PUT pipeline: decoding, hashing and writing a streamed body. */
typedef struct s3_put {
    lh_store_writer_t *w;
    lh_awschunked_t *chunked;
    lh_cksum_t md5, sha256, ck;
    int have_sha256; /* x-amz-content-sha256 is a hex digest to verify */
    char sha256_expect[65];
    int have_md5; /* Content-MD5 given */
    unsigned char md5_expect[16];
    int ck_algo;        /* LH_CK_* being computed, 0 = none */
    char ck_expect[96]; /* base64 value from the header ("" = from trailer or none) */
    int ck_from_trailer;
    int64_t decoded_expect; /* x-amz-decoded-content-length or -1 */
    int64_t bytes;
    const char *slice; /* the body slice being processed by a worker */
    size_t slice_len;
    int small; /* small body without 100-continue: buffered on the loop,
                  then authorized, written and committed in one job */
    /* a small PutObject committed without a worker (s3_put.c, put_on_loop) */
    char etag[40], ck_b64[96];
    int if_match;                              /* the commit had an If-Match condition */
    char version_id[LH_STORE_VERSION_ID_SIZE]; /* the version the commit made ("" none) */
    int commit_rc;
    lh_err_t commit_err;
    lh_loop_post_node_t node;
    lh_loop_poster_t *poster; /* held while the commit is in flight */
    int part;                 /* UploadPart (set by its start): a part, not an object */
} s3_put_t;

struct s3_req {
    lh_s3_t *s3;
    lh_http_req_t *http; /* NULL once the connection is gone */
    const s3_op_t *op;   /* its row in lh__s3_ops (lh__s3_op_unknown until routed) */
    int64_t t0_ns;
    char reqid[24];
    /* addressing */
    char bucket[64];
    char *key; /* malloc'd, decoded; NULL when none */
    size_t key_len;
    char *resource; /* "/bucket/key" for errors, malloc'd */
    /* identity */
    int anonymous;
    lh_user_t user;
    lh_sig_t sig;
    /* request facts copied off the HTTP request for workers (malloc'd strings) */
    char **hdr; /* name, value pairs, lower-case names */
    size_t nhdr;
    char **qry; /* name, value pairs, decoded */
    size_t nqry;
    /* small request body */
    lh_buf_t body;
    /* the canned ACL and owner a write stores with its object (lh__s3_write_acl) */
    int acl;             /* s3_acl_t */
    char acl_owner[129]; /* the object's owner when not the bucket's, else "" */
    /* streamed body */
    s3_put_t put;
    int body_done;
    /* response prepared by a worker */
    int status;
    lh_buf_t resp_hdrs; /* "name\0value\0" pairs */
    lh_buf_t resp_body;
    int resp_fd; /* file body: fd, offset, length (-1 = none) */
    int64_t resp_off, resp_len;
    int work_pending;
    int failed; /* an error response was prepared */
    int64_t bytes_in, bytes_out;
};

/* s3_req.c: the request (loop thread, except the accessors) */
/* Copies headers and the decoded query off h. 0, LH_ENOMEM, or LH_EINVAL
 * (a bad %-escape or a NUL in the query). */
int lh__s3_req_copy(s3_req_t *r, lh_http_req_t *h);
/* Frees r and all it holds: copies, replies, the reply's fd and a streamed
 * upload's writer, decoder and digests. */
void lh__s3_req_free(s3_req_t *r);
/* Loop thread: work set aside with work_pending = 1 came back (status 0, or
 * LH_ECANCELED when shutting down): frees r when its connection is gone,
 * else runs done (NULL: sends the prepared response). (s3_work.c) */
void lh__s3_resume(s3_req_t *r, int status, s3_work_fn done);
const char *lh__s3_hdr(const s3_req_t *r, const char *lname);  /* request header or NULL */
const char *lh__s3_query(const s3_req_t *r, const char *name); /* decoded query param or NULL */
int lh__s3_has_query(const s3_req_t *r, const char *name);
void lh__s3_set_hdr(s3_req_t *r, const char *name, const char *value);
/* Bucket from a virtual host "<bucket>.<domain>[:port]" into out: 1, 0 when
 * the host is not one, -1 when the bucket does not fit. */
int lh__s3_vhost_bucket(const s3_req_t *r, char *out, size_t cap);
/* Splits the decoded path into bucket and key (r->bucket, r->key,
 * r->resource). NULL, or the S3 error code. */
const char *lh__s3_address(s3_req_t *r, lh_http_req_t *h);
/* The first row of ops[0..n) that answers the addressed request, or NULL. */
const s3_op_t *lh__s3_route(const s3_req_t *r, lh_str_t method, const s3_op_t *ops, size_t n);

/* s3_auth.c */
/* Checks the request's signature (or marks it anonymous) and finds its user
 * (loop thread). NULL, or the S3 error code with err's message. */
const char *lh__s3_authenticate(s3_req_t *r, lh_http_req_t *h, lh_err_t *err);
/* Checks the bucket exists and the caller may do action on it (key may be NULL).
 * Returns 0, or prepares the S3 error and returns -1. */
int lh__s3_authorize(s3_req_t *r, const char *bucket, const char *action, const char *key,
                     size_t key_len, lh_store_bucket_t *info_out);
/* The role ceiling: 0 when the caller's role forbids the operation whatever
 * grants it (a reader and an operation that writes), else 1. Loop or worker. */
int lh__s3_role_allows(const s3_req_t *r);
/* 1 when the caller may do action on the bucket described by info: the
 * ceiling, then admin, owner, policy (Deny wins), lake grants, public-read. */
int lh__s3_access(const s3_req_t *r, const lh_store_bucket_t *info, const char *action,
                  const char *key, size_t key_len);
/* What the bucket's owner, policy and canned ACL say: 1 allowed, 0 nothing
 * granted (an object's own ACL may still grant), -1 denied by the policy. */
int lh__s3_decide(const s3_req_t *r, const lh_store_bucket_t *info, const char *action,
                  const char *key, size_t key_len);

/* s3_work.c: runs work on a worker, then done (NULL: send the reply) on the
 * loop; the reply is sent instead when the job could not start or was
 * cancelled. */
void lh__s3_submit(s3_req_t *r, s3_work_fn work, s3_work_fn done);
void lh__s3_send(s3_req_t *r); /* sends the prepared response (loop thread) */

/* s3_error.c: prepares an S3 XML error response (worker or loop thread). */
void lh__s3_error(s3_req_t *r, const char *code, const char *msg_or_null);
/* Maps an engine error to the S3 error. */
void lh__s3_error_from(s3_req_t *r, int rc, const lh_err_t *err);
int lh__s3_error_status(const char *code);
/* The end of most handlers: the engine's error, or success with status. */
void lh__s3_result(s3_req_t *r, int rc, const lh_err_t *err, int status);
void lh__s3_xml_begin(lh_buf_t *b, const char *root);
void lh__s3_xml_elem(lh_buf_t *b, const char *name, const char *text);
void lh__s3_xml_elemn(lh_buf_t *b, const char *name, const char *text, size_t n);
/* Starts a 200 CopyObjectResult/CopyPartResult: root, LastModified (now) and
 * ETag; the caller adds checksums and closes root. */
void lh__s3_copy_result(s3_req_t *r, const char *root, const char *etag);

/* The operations' handlers, named in their rows (s3_ops.c). Worker thread:
 * each authorizes, does the store work and prepares the reply (or the error). */
/* s3_bucket.c */
void lh__s3_create_bucket(s3_req_t *r);
void lh__s3_head_bucket(s3_req_t *r);
void lh__s3_delete_bucket(s3_req_t *r);
void lh__s3_get_bucket_location(s3_req_t *r);
void lh__s3_get_bucket_versioning(s3_req_t *r);
void lh__s3_put_bucket_versioning(s3_req_t *r);
void lh__s3_put_bucket_lifecycle(s3_req_t *r);
void lh__s3_get_bucket_lifecycle(s3_req_t *r);
void lh__s3_delete_bucket_lifecycle(s3_req_t *r);
void lh__s3_get_bucket_policy(s3_req_t *r);
void lh__s3_put_bucket_policy(s3_req_t *r);
void lh__s3_delete_bucket_policy(s3_req_t *r);
/* s3_acl.c: ACLs, ownership controls, public access block */
void lh__s3_get_bucket_acl(s3_req_t *r);
void lh__s3_put_bucket_acl(s3_req_t *r);
void lh__s3_get_object_acl(s3_req_t *r);
void lh__s3_put_object_acl(s3_req_t *r);
void lh__s3_get_ownership(s3_req_t *r);
void lh__s3_put_ownership(s3_req_t *r);
void lh__s3_delete_ownership(s3_req_t *r);
void lh__s3_get_public_block(s3_req_t *r);
void lh__s3_put_public_block(s3_req_t *r);
void lh__s3_delete_public_block(s3_req_t *r);
/* The canned ACL of x-amz-acl (S3_ACL_NONE when absent), -1 when unknown, -2
 * when known but not supported here (aws-exec-read, log-delivery-write). */
int lh__s3_acl_parse(const char *name);
const char *lh__s3_acl_name(int acl); /* "private" for S3_ACL_NONE */
int lh__s3_acl_public(int acl);       /* grants to AllUsers or AuthenticatedUsers */
/* The S3_OWNERSHIP_* of an ObjectOwnership value, or -1. */
int lh__s3_ownership_parse(const char *v);
/* x-amz-grant-* headers: the first one present (static), or NULL. */
const char *lh__s3_grant_header(const s3_req_t *r);
/* The canned ACL a write of an object asks for (x-amz-acl; x-amz-grant-*
 * refused) checked against the bucket's ownership controls and public access
 * block; sets r->acl and r->acl_owner for lh__s3_attrs_from_headers. No I/O
 * (a loop thread may call it). 0, or -1 with the error prepared. */
int lh__s3_write_acl(s3_req_t *r, const lh_store_bucket_t *info);
/* Like lh__s3_authorize on the request's bucket, but when the bucket grants
 * nothing (and denies nothing) returns 1: the object's own ACL decides once
 * it has been read (lh__s3_object_grants). 0 granted, 1 pending, -1 with the
 * error prepared. info_out is filled on 0 and 1 (caller clears). */
int lh__s3_authorize_or_acl(s3_req_t *r, const char *action, lh_store_bucket_t *info_out);
/* 1 when the ACL kept in an object's attrs grants action to the caller
 * under the bucket's ownership controls and public access block. */
int lh__s3_object_grants(const s3_req_t *r, const lh_store_bucket_t *info, const char *action,
                         const char *attrs);
/* s3_attrs_get.c */
void lh__s3_get_object_attributes(s3_req_t *r);
/* s3_object.c */
void lh__s3_get_object(s3_req_t *r);
void lh__s3_head_object(s3_req_t *r);
void lh__s3_get_start(s3_req_t *r); /* loop: from the read cache, else .work on a worker */
void lh__s3_delete_object(s3_req_t *r);
void lh__s3_delete_objects(s3_req_t *r);
void lh__s3_copy_object(s3_req_t *r);
/* s3_list.c */
void lh__s3_list_buckets(s3_req_t *r);
void lh__s3_list_objects(s3_req_t *r);
void lh__s3_list_objects_v2(s3_req_t *r);
void lh__s3_list_object_versions(s3_req_t *r);
void lh__s3_list_multipart_uploads(s3_req_t *r);
void lh__s3_list_parts(s3_req_t *r);
/* s3_mpu.c */
void lh__s3_create_multipart_upload(s3_req_t *r);
void lh__s3_upload_part_copy(s3_req_t *r);
void lh__s3_complete_multipart_upload(s3_req_t *r);
void lh__s3_abort_multipart_upload(s3_req_t *r);
/* s3_put.c: streamed bodies, loop thread. A start sends the error itself
 * when the request is refused before its body is read. */
void lh__s3_put_object_start(s3_req_t *r);
void lh__s3_upload_part_start(s3_req_t *r);
void lh__s3_put_body(s3_req_t *r, const char *data, size_t len);
void lh__s3_put_end(s3_req_t *r);
/* Builds the attrs JSON stored with an object from the request headers (and
 * r->acl, r->acl_owner). */
char *lh__s3_attrs_from_headers(const s3_req_t *r, const char *checksums_json);
/* The part sizes of a multipart object, recorded in its attrs ("parts":
 * runs of [size, count]) at completion: *sizes (malloc'd, caller frees) and
 * *n, or *sizes NULL and *n 0 when the object has none (a single-part
 * object, or one completed before parts were recorded). 0 or LH_ENOMEM. */
int lh__s3_attrs_parts(const char *attrs, int64_t **sizes, int *n);
/* Adds the stored attributes as response headers (content type, user meta...). */
void lh__s3_attrs_to_headers(s3_req_t *r, const char *attrs, int with_checksums);
/* Copies src's body into w (worker thread), hashing MD5 into md5_out[16]. */
int lh__s3_copy_body(int fd, int64_t off, int64_t len, lh_store_writer_t *w, unsigned char *md5_out,
                     lh_cksum_t *ck, lh_err_t *err);

/* Opens the object named by x-amz-copy-source, after checking that the caller
 * may read it and write the destination and that its x-amz-copy-source-if-*
 * conditions hold. 0 with *fd (caller closes), *sm (caller clears) and *same
 * (source is the destination), or -1 with the error prepared. Worker thread. */
int lh__s3_open_copy_source(s3_req_t *r, lh_store_meta_t *sm, int *fd, int *same);
/* The partNumber query parameter (1..10000), or -1 with the error prepared. */
int lh__s3_part_number(s3_req_t *r);

/* 1 when the request's key does not exist (If-Match on a missing key is 404). */
int lh__s3_key_absent(s3_req_t *r);
/* The versionId query parameter: 0 when absent, 1 with *vid set, or -1 with
 * InvalidArgument prepared (a malformed id). */
int lh__s3_version_param(s3_req_t *r, const char **vid);
/* x-amz-version-id: vid, when vid is not "" (writes in unversioned buckets). */
void lh__s3_version_header(s3_req_t *r, const char *vid);

/* "x-amz-checksum-crc32" ... for an LH_CK_* algorithm ("content-md5" for
 * MD5, "" when unknown); static. */
const char *lh__s3_cksum_header(int algo);
/* Checksums of a request (x-amz-checksum-*, x-amz-sdk-checksum-algorithm). */
int lh__s3_checksum_setup(s3_req_t *r, s3_put_t *p);

#endif
