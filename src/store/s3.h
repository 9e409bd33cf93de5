/* The S3 API service (port 9000): routes S3 requests from the HTTP server to
 * the embedded store, with SigV4/V2 authentication, bucket ownership and
 * policies, streaming PUT/GET and multipart uploads. */
#ifndef LH_STORE_S3_H
#define LH_STORE_S3_H

#include <stddef.h>
#include <uv.h>

#include "core/config.h"
#include "core/err.h"
#include "core/meta.h"
#include "core/role.h"
#include "store/engine.h"

typedef struct lh_s3 lh_s3_t;

/* Starts the S3 listener (store.listen, store.tls_cert/key, store.domain,
 * store.region) on loop. meta and st are borrowed and must outlive the
 * service; *out is owned by the caller until lh_s3_stop frees it. bound
 * (caller's, cap bytes) receives the bound "host:port". Errors: LH_EINVAL (a
 * bad listen address), LH_EIO (the port is in use, an unreadable
 * certificate or key), LH_ENOMEM; err says which. */
int lh_s3_start(uv_loop_t *loop, const lh_config_t *cfg, lh_meta_t *meta, lh_store_t *st,
                lh_s3_t **out, char *bound, size_t cap, lh_err_t *err);
/* Serves the same API on a Unix stream socket at path as well (the
 * store.unix_listen key): local clients skip TCP, whose loopback costs this
 * VM about three times the CPU per byte. Requests are signed and
 * authorized as over TCP; the socket file is owner-only. bound gets
 * "unix:PATH". Errors: those of lh_s3_start, LH_EIO also when path holds a
 * file that is not a socket or a live socket. */
int lh_s3_listen_unix(lh_s3_t *s3, const lh_config_t *cfg, const char *path, char *bound,
                      size_t cap, lh_err_t *err);
/* Stops the listeners; done(arg) runs on the loop once it is closed, after
 * which s3 is freed. Cannot fail. */
void lh_s3_stop(lh_s3_t *s3, void (*done)(void *), void *arg);

/* Creates the lake bucket (lake.bucket) owned by owner with zero-byte
 * folder markers (store.lake_folders) when it does not exist; 0 when
 * lake.bucket is empty or the bucket exists. Blocking (worker thread or
 * before the loop runs). Errors: LH_EINVAL (lake.bucket is not a valid
 * bucket name), and those of lh_store_bucket_create, lh_store_put_begin and
 * lh_store_put_commit (LH_EEXIST when created meanwhile, LH_EIO, LH_ENOMEM). */
int lh_s3_init_lake(lh_store_t *st, const lh_config_t *cfg, const char *owner, lh_err_t *err);

/* The store role (store_role.c): the S3 API over the data directory's engine. */
extern const lh_role_t lh_store_role;

/* S3 bucket-name rules (3..63, [a-z0-9.-], no IP form, ...): 1 when valid,
 * else 0. name is NUL-terminated. */
int lh_s3_bucket_name_valid(const char *name);

#endif
