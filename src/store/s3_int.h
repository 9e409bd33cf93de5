/* Internals shared by the S3 service files (s3_*.c). */
#ifndef LH_STORE_S3_INT_H
#define LH_STORE_S3_INT_H

#include <stdint.h>

#include "core/buf.h"
#include "core/http.h"
#include "core/meta.h"
#include "core/checksum.h"
#include "core/crypto.h"
#include "store/engine.h"
#include "store/s3.h"
#include "store/auth.h"

struct lh_s3 {
    uv_loop_t *loop;
    lh_http_server_t *http;
    lh_meta_t *meta;
    lh_store_t *st;
    char domain[256];
    char region[64];
    lh_http_handler_t handler;
    void (*stop_done)(void *);
    void *stop_arg;
};

typedef struct s3_req s3_req_t;
typedef void (*s3_work_fn)(s3_req_t *r);

/* Operations, from the method, the addressing and the sub-resource. */
typedef enum {
    OP_UNKNOWN = 0,
    OP_LIST_BUCKETS, OP_CREATE_BUCKET, OP_HEAD_BUCKET, OP_DELETE_BUCKET,
    OP_GET_BUCKET_LOCATION, OP_GET_BUCKET_VERSIONING, OP_PUT_BUCKET_VERSIONING,
    OP_LIST_OBJECT_VERSIONS, OP_GET_BUCKET_POLICY, OP_PUT_BUCKET_POLICY, OP_DELETE_BUCKET_POLICY,
    OP_GET_BUCKET_ACL, OP_PUT_BUCKET_ACL, OP_LIST_OBJECTS, OP_LIST_OBJECTS_V2,
    OP_LIST_MULTIPART_UPLOADS, OP_DELETE_OBJECTS,
    OP_PUT_OBJECT, OP_COPY_OBJECT, OP_GET_OBJECT, OP_HEAD_OBJECT, OP_DELETE_OBJECT,
    OP_GET_OBJECT_ACL, OP_CREATE_MULTIPART, OP_UPLOAD_PART, OP_UPLOAD_PART_COPY,
    OP_COMPLETE_MULTIPART, OP_ABORT_MULTIPART, OP_LIST_PARTS,
    OP_COUNT
} s3_op_t;

typedef struct s3_op_info {
    const char *name;     /* "GetObject" (metrics label) */
    const char *action;   /* IAM action for policies, NULL = owner/admin only */
    int needs_write;      /* refused for the reader role */
    int body;             /* 0 none, 1 small XML/JSON body (buffered, capped), 2 streamed */
} s3_op_info_t;
extern const s3_op_info_t lh__s3_ops[OP_COUNT];

/* A PUT pipeline: decoding, hashing and writing a streamed body. */
typedef struct s3_put {
    lh_store_writer_t *w;
    lh_awschunked_t *chunked;
    lh_cksum_t md5, sha256, ck;
    int have_sha256;        /* x-amz-content-sha256 is a hex digest to verify */
    char sha256_expect[65];
    int have_md5;           /* Content-MD5 given */
    unsigned char md5_expect[16];
    int ck_algo;            /* LH_CK_* being computed, 0 = none */
    char ck_expect[96];     /* base64 value from the header ("" = from trailer or none) */
    int ck_from_trailer;
    int64_t decoded_expect; /* x-amz-decoded-content-length or -1 */
    int64_t bytes;
    const char *slice;      /* the body slice being processed by a worker */
    size_t slice_len;
    int small;              /* small body without 100-continue: buffered on the loop,
                               then authorized, written and committed in one job */
} s3_put_t;

struct s3_req {
    lh_s3_t *s3;
    lh_http_req_t *http;    /* NULL once the connection is gone */
    s3_op_t op;
    int64_t t0_ns;
    char reqid[24];
    /* addressing */
    char bucket[64];
    char *key;              /* malloc'd, decoded; NULL when none */
    size_t key_len;
    char *resource;         /* "/bucket/key" for errors, malloc'd */
    /* identity */
    int anonymous;
    lh_user_t user;
    lh_sig_t sig;
    /* request facts copied off the HTTP request for workers (malloc'd strings) */
    char **hdr;             /* name, value pairs, lower-case names */
    size_t nhdr;
    char **qry;             /* name, value pairs, decoded */
    size_t nqry;
    /* small request body */
    lh_buf_t body;
    /* streamed body */
    s3_put_t put;
    int body_done;
    /* response prepared by a worker */
    int status;
    lh_buf_t resp_hdrs;     /* "name\0value\0" pairs */
    lh_buf_t resp_body;
    int resp_fd;            /* file body: fd, offset, length (-1 = none) */
    int64_t resp_off, resp_len;
    int work_pending;
    int failed;             /* an error response was prepared */
    int64_t bytes_in, bytes_out;
};

/* s3_server.c */
void lh__s3_submit(s3_req_t *r, s3_work_fn work, s3_work_fn done);
void lh__s3_send(s3_req_t *r);           /* sends the prepared response (loop thread) */
const char *lh__s3_hdr(const s3_req_t *r, const char *lname);   /* request header or NULL */
const char *lh__s3_query(const s3_req_t *r, const char *name); /* decoded query param or NULL */
int lh__s3_has_query(const s3_req_t *r, const char *name);
void lh__s3_set_hdr(s3_req_t *r, const char *name, const char *value);
/* Checks the bucket exists and the caller may do action on it (key may be NULL).
 * Returns 0, or prepares the S3 error and returns -1. */
int lh__s3_authorize(s3_req_t *r, const char *bucket, const char *action, const char *key,
                     size_t key_len, lh_store_bucket_t *info_out);

/* 1 when the caller may do action on the bucket described by info. */
int lh__s3_access(const s3_req_t *r, const lh_store_bucket_t *info, const char *action,
                  const char *key, size_t key_len);

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

/* s3_bucket.c, s3_object.c, s3_put.c, s3_list.c, s3_mpu.c: one handler per op,
 * run on the loop thread after authentication. */
void lh__s3_bucket_op(s3_req_t *r);
void lh__s3_object_op(s3_req_t *r);
void lh__s3_list_op(s3_req_t *r);
void lh__s3_mpu_op(s3_req_t *r);
/* Streamed body operations (PutObject, UploadPart). */
void lh__s3_put_start(s3_req_t *r);
void lh__s3_put_body(s3_req_t *r, const char *data, size_t len);
void lh__s3_put_end(s3_req_t *r);
void lh__s3_put_free(s3_req_t *r);
/* Builds the attrs JSON stored with an object from the request headers. */
char *lh__s3_attrs_from_headers(const s3_req_t *r, const char *checksums_json);
/* Adds the stored attributes as response headers (content type, user meta...). */
void lh__s3_attrs_to_headers(s3_req_t *r, const char *attrs, int with_checksums);
/* Copies src's body into w (worker thread), hashing MD5 into md5_out[16]. */
int lh__s3_copy_body(int fd, int64_t off, int64_t len, lh_store_writer_t *w,
                     unsigned char *md5_out, lh_cksum_t *ck, lh_err_t *err);

/* Opens the object named by x-amz-copy-source, after checking that the caller
 * may read it and write the destination and that its x-amz-copy-source-if-*
 * conditions hold. 0 with *fd (caller closes), *sm (caller clears) and *same
 * (source is the destination), or -1 with the error prepared. Worker thread. */
int lh__s3_open_copy_source(s3_req_t *r, lh_store_meta_t *sm, int *fd, int *same);
/* The partNumber query parameter (1..10000), or -1 with the error prepared. */
int lh__s3_part_number(s3_req_t *r);

/* 1 when the request's key does not exist (If-Match on a missing key is 404). */
int lh__s3_key_absent(s3_req_t *r);

/* "x-amz-checksum-crc32" ... for an LH_CK_* algorithm ("content-md5" for
 * MD5, "" when unknown); static. */
const char *lh__s3_cksum_header(int algo);
/* Checksums of a request (x-amz-checksum-*, x-amz-sdk-checksum-algorithm). */
int lh__s3_checksum_setup(s3_req_t *r, s3_put_t *p);

#endif
