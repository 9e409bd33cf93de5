/* The store role's descriptor: the S3 API on store.listen over the embedded
 * engine, and its configuration section. Start opens the engine (only the
 * roles that need it open it: `serve web` does not), creates the lake bucket
 * for its owner, binds the listener and publishes the "s3" endpoint, the
 * engine ("store.engine") and its buckets as things users own
 * (LH_OWNED_BUCKETS, core/owned.h: the users API asks before removing a
 * user) for other roles of the process. The engine closes
 * in release, after the loop ran dry, since a worker job of an aborted
 * request may still hold it when the listener reports stopped. */
#include <stdlib.h>

#include "core/http.h"
#include "core/log.h"
#include "store/engine.h"
#include "store/s3.h"

static const lh_config_key_t store_keys[] = {
    {.section = "store",
     .key = "listen",
     .def = "127.0.0.1:9000",
     .type = LH_CFG_LISTEN,
     .help = "S3 API listener host:port (port 0 picks a free port)"},
    {.section = "store",
     .key = "domain",
     .def = "localhost",
     .type = LH_CFG_STR,
     .help = "domain for virtual-host style addressing (`<bucket>.<domain>`)"},
    {.section = "store",
     .key = "region",
     .def = "us-east-1",
     .type = LH_CFG_STR,
     .help = "region name used by SigV4"},
    {.section = "store",
     .key = "tls_cert",
     .type = LH_CFG_PATH,
     .help = "PEM certificate: serve S3 over TLS"},
    {.section = "store",
     .key = "tls_key",
     .type = LH_CFG_PATH,
     .help = "PEM private key for `store.tls_cert`"},
    {.section = "store",
     .key = "lake_folders",
     .def = "bronze,silver,gold",
     .type = LH_CFG_LIST,
     .help = "folder markers created in the lake bucket (`lake.bucket`; comma-separated)"},
    {.section = "store",
     .key = "max_header_bytes",
     .def = "65536",
     .type = LH_CFG_INT,
     .min = 1024,
     .max = 1 << 24,
     .help = "largest accepted request head in bytes"},
    {.section = "store",
     .key = "max_headers",
     .def = "128",
     .type = LH_CFG_INT,
     .min = 8,
     .max = 4096,
     .help = "most request headers accepted"},
    {.section = "store",
     .key = "inline_max",
     .def = "65536",
     .type = LH_CFG_INT,
     .min = 0,
     .max = 1048576,
     .help = "objects up to this many bytes are kept inside the index (one flush per PUT); "
             "0 = never"},
    {.section = "store",
     .key = "read_cache",
     .def = "67108864",
     .type = LH_CFG_INT,
     .min = 0,
     .max = (int)((1u << 31) - 1),
     .help = "bytes of small inline objects and bucket rows kept in memory for reads; "
             "0 = none"},
    LH_HTTP_CONFIG_KEYS("store"),
    {.section = "store",
     .key = "crash_at",
     .type = LH_CFG_ENUM,
     .choices = "after_write|after_fsync|after_rename|after_dirsync|after_index",
     .env = "LAKEHOUSE_CRASH_AT",
     .help = "test builds only (`lakehouse version` says test-hooks): abort at this point of "
             "a PUT, for crash tests; ignored otherwise"},
};

typedef struct {
    lh_store_t *st;
    lh_s3_t *s3;
    lh_owned_t buckets; /* provided as LH_OWNED_BUCKETS (core/owned.h) */
} store_role_t;

static void store_role_release(void *handle)
{
    store_role_t *r = handle;
    if (r->st) lh_store_close(r->st);
    free(r);
}

static int store_role_start(const lh_role_ctx_t *ctx, void **handle, lh_err_t *err)
{
    char bound[128];
    int rc;
    store_role_t *r = calloc(1, sizeof *r);
    if (!r) return lh_err_set(err, LH_ENOMEM, "out of memory");
    if ((rc = lh_store_open(&r->st, ctx->data_dir, err)) != 0) goto fail;
    lh_store_set_inline_max(r->st, (size_t)lh_config_int(ctx->cfg, "store.inline_max"));
    lh_store_set_cache_max(r->st, (size_t)lh_config_int(ctx->cfg, "store.read_cache"));
    lh_store_set_crash_point(lh_config_get(ctx->cfg, "store.crash_at"));
    if (ctx->lake_owner[0] && (rc = lh_s3_init_lake(r->st, ctx->cfg, ctx->lake_owner, err)) != 0)
        goto fail;
    if ((rc = lh_s3_start(ctx->loop, ctx->cfg, ctx->meta, r->st, &r->s3, bound, sizeof bound,
                          err)) != 0)
        goto fail;
    lh_info("s3 listening on %s%s", bound,
            lh_config_get(ctx->cfg, "store.tls_cert")[0] ? " (tls)" : "");
    *handle = r; /* from here on a failure leaves the engine to release */
    lh_store_owned_buckets(r->st, &r->buckets);
    if ((rc = lh_roles_publish_endpoint(ctx->roles, "s3", bound)) != 0 ||
        (rc = lh_roles_provide(ctx->roles, "store.engine", r->st)) != 0 ||
        (rc = lh_roles_provide(ctx->roles, LH_OWNED_BUCKETS, &r->buckets)) != 0) {
        lh_s3_stop(r->s3, NULL, NULL);
        r->s3 = NULL;
        return lh_err_set(err, rc, "cannot publish the s3 endpoint");
    }
    return 0;
fail:
    store_role_release(r);
    return rc;
}

static void store_role_stop(void *handle, void (*done)(void *), void *arg)
{
    store_role_t *r = handle;
    lh_s3_stop(r->s3, done, arg);
    r->s3 = NULL;
}

const lh_role_t lh_store_role = {
    .name = "store",
    .section = "store",
    .summary = "the S3 API on store.listen over the data directory's object store",
    .keys = store_keys,
    .nkeys = (int)(sizeof store_keys / sizeof store_keys[0]),
    .endpoints = "s3",
    .start = store_role_start,
    .stop = store_role_stop,
    .release = store_role_release,
};
