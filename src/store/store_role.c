/* The store role's descriptor: the S3 API on store.listen over the embedded
 * engine, and its configuration section. Start opens the engine (only the
 * roles that need it open it: `serve web` does not), creates the lake bucket
 * for its owner, binds the listener and publishes the "s3" endpoint, the
 * engine ("store.engine") and its buckets as things users own
 * (LH_OWNED_BUCKETS, core/owned.h: the users API asks before removing a
 * user) for other roles of the process, and starts the lifecycle sweep: a
 * timer (store.lifecycle_interval) hands each pass to the long-job pool,
 * whose completion comes back through the loop's poster. The engine closes
 * in release, after the loop ran dry, since a worker job of an aborted
 * request (or a sweep) may still hold it when the listener reports stopped. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>

#include "core/http.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/pool.h"
#include "store/engine.h"
#include "store/lifecycle.h"
#include "store/s3.h"

static const lh_config_key_t store_keys[] = {
    {.section = "store",
     .key = "listen",
     .def = "127.0.0.1:9000",
     .type = LH_CFG_LISTEN,
     .help = "S3 API listener host:port (port 0 picks a free port)"},
    {.section = "store",
     .key = "unix_listen",
     .def = "auto",
     .type = LH_CFG_STR,
     .help = "the S3 API on a Unix socket as well, for clients on this machine "
             "(`lake.unix_socket`): a path, `auto` = `<data-dir>/run/s3.sock`, empty = none"},
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
    {.section = "store",
     .key = "lifecycle_interval",
     .def = "1h",
     .type = LH_CFG_DURATION,
     .min = 100,
     .help = "how often the lifecycle sweep applies the buckets' lifecycle rules (expiration, "
             "noncurrent versions, incomplete multipart uploads)"},
    {.section = "store",
     .key = "clock_offset",
     .def = "0",
     .type = LH_CFG_DURATION,
     .help = "test builds only (`lakehouse version` says test-hooks): added to the time the "
             "lifecycle sweep judges ages by (`40d`: as if 40 days later); ignored otherwise"},
    LH_HTTP_CONFIG_KEYS("store"),
    {.section = "store",
     .key = "crash_at",
     .type = LH_CFG_ENUM,
     .choices = "after_write|after_fsync|after_rename|after_dirsync|after_index|"
                "before_delete_index|after_delete_index|table_before_log",
     .env = "LAKEHOUSE_CRASH_AT",
     .help = "test builds only (`lakehouse version` says test-hooks): abort at this point of "
             "a PUT (after_*) or a delete (*_delete_index), or of a Delta commit after its data "
             "files and before its log entry (table_before_log, in any process writing a "
             "table), for crash tests; ignored otherwise"},
};

typedef struct {
    lh_store_t *st;
    lh_s3_t *s3;
    lh_owned_t buckets; /* provided as LH_OWNED_BUCKETS (core/owned.h) */
    /* the lifecycle sweep: a timer on the loop hands each pass to the
     * long-job pool; one pass at a time */
    uv_timer_t timer;
    int timer_on, sweeping, stopping;
    int64_t clock_offset_ns;
    lh_pool_t *pool;
    lh_loop_poster_t *poster;
} store_role_t;

static void store_role_release(void *handle)
{
    store_role_t *r = handle;
    if (r->st) lh_store_close(r->st);
    free(r);
}

/* --- the lifecycle sweep --- */

/* No new pass from here on; a running one ends at its next page when the
 * long pool is destroyed (lh_job_cancelled), before the engine closes. */
static void sweep_stop_timer(store_role_t *r)
{
    r->stopping = 1;
    if (!r->timer_on) return;
    uv_timer_stop(&r->timer);
    uv_close((uv_handle_t *)&r->timer, NULL);
    r->timer_on = 0;
}

static int sweep_stop(void *arg)
{
    return lh_job_cancelled(arg) != 0;
}

static int sweep_run(lh_job_t *job, void *arg)
{
    store_role_t *r = arg;
    lh_lifecycle_stats_t s = {0};
    lh_err_t err = {0};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + r->clock_offset_ns;
    int rc = lh_lifecycle_sweep(r->st, now, sweep_stop, job, &s, &err);
    if (rc) lh_warn("lifecycle sweep: %s", err.msg[0] ? err.msg : lh_strerror(rc));
    lh_metrics_add("lakehouse_store_lifecycle_expired_total", NULL, (double)s.expired);
    lh_metrics_add("lakehouse_store_lifecycle_versions_removed_total", NULL,
                   (double)s.versions_removed);
    lh_metrics_add("lakehouse_store_lifecycle_uploads_aborted_total", NULL,
                   (double)s.uploads_aborted);
    lh_metrics_add("lakehouse_store_lifecycle_sweeps_total",
                   rc ? "result=\"error\"" : "result=\"ok\"", 1);
    if (s.expired + s.versions_removed + s.uploads_aborted)
        lh_info("lifecycle sweep: %llu objects expired, %llu versions removed, %llu uploads "
                "aborted in %llu buckets",
                (unsigned long long)s.expired, (unsigned long long)s.versions_removed,
                (unsigned long long)s.uploads_aborted, (unsigned long long)s.buckets);
    return rc;
}

static void sweep_done(lh_job_t *job, void *arg, int status)
{
    store_role_t *r = arg;
    (void)job, (void)status;
    r->sweeping = 0;
}

static void on_sweep_timer(uv_timer_t *t)
{
    store_role_t *r = t->data;
    if (r->sweeping || r->stopping) return; /* the last pass is still running */
    lh_job_spec_t spec = {.run = sweep_run, .done = sweep_done, .arg = r, .poster = r->poster};
    r->sweeping = lh_pool_submit(r->pool, &spec, NULL) == 0;
}

static void sweep_start(store_role_t *r, const lh_role_ctx_t *ctx)
{
    static const char *const counters[][2] = {
        {"lakehouse_store_lifecycle_expired_total",
         "current objects the lifecycle sweep expired (removed, or a delete marker added)"},
        {"lakehouse_store_lifecycle_versions_removed_total",
         "noncurrent versions and expired delete markers the lifecycle sweep removed"},
        {"lakehouse_store_lifecycle_uploads_aborted_total",
         "incomplete multipart uploads the lifecycle sweep aborted"},
        {"lakehouse_store_lifecycle_sweeps_total", "lifecycle sweeps run, by result"},
    };
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++)
        lh_metrics_register(counters[i][0], LH_METRIC_COUNTER, counters[i][1], NULL, 0);
#if defined(LH_TEST_HOOKS) && LH_TEST_HOOKS
    r->clock_offset_ns = lh_config_duration_ms(ctx->cfg, "store.clock_offset") * 1000000;
#endif
    uint64_t ms = (uint64_t)lh_config_duration_ms(ctx->cfg, "store.lifecycle_interval");
    r->pool = ctx->long_pool;
    r->poster = ctx->poster;
    if (!r->pool || uv_timer_init(ctx->loop, &r->timer) != 0) return;
    r->timer.data = r;
    r->timer_on = uv_timer_start(&r->timer, on_sweep_timer, ms, ms) == 0;
    if (!r->timer_on) uv_close((uv_handle_t *)&r->timer, NULL);
}

/* store.unix_listen: the S3 API on a Unix socket too, published as the
 * endpoint s3_unix (its path). `auto` (<data-dir>/run/s3.sock) gives up
 * quietly where the path would be too long for a socket or cannot be bound;
 * a configured path must work. */
static int listen_unix(store_role_t *r, const lh_role_ctx_t *ctx, lh_err_t *err)
{
    const char *v = lh_config_get(ctx->cfg, "store.unix_listen");
    char path[4096], bound[256];
    bool automatic = !strcmp(v, "auto");
    if (!v[0]) return 0;
    if (automatic)
        snprintf(path, sizeof path, "%s/run/s3.sock", ctx->data_dir);
    else
        snprintf(path, sizeof path, "%s", v);
    if (automatic && strlen(path) >= sizeof((struct sockaddr_un *)0)->sun_path) {
        lh_info("s3: no unix socket: %s is too long for one", path);
        return 0;
    }
    lh_err_t e = {0};
    int rc = lh_s3_listen_unix(r->s3, ctx->cfg, path, bound, sizeof bound, &e);
    if (rc && automatic) {
        lh_warn("s3: no unix socket: %s", e.msg);
        return 0;
    }
    if (rc) return lh_err_set(err, rc, "store.unix_listen: %s", e.msg);
    lh_info("s3 listening on %s", bound);
    if ((rc = lh_roles_publish_endpoint(ctx->roles, "s3_unix", path)) != 0)
        return lh_err_set(err, rc, "cannot publish the s3_unix endpoint");
    return 0;
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
    sweep_start(r, ctx);
    *handle = r; /* from here on a failure leaves the engine to release */
    lh_store_owned_buckets(r->st, &r->buckets);
    if ((rc = listen_unix(r, ctx, err)) != 0) {
        lh_s3_stop(r->s3, NULL, NULL);
        r->s3 = NULL;
        sweep_stop_timer(r);
        return rc;
    }
    if ((rc = lh_roles_publish_endpoint(ctx->roles, "s3", bound)) != 0 ||
        (rc = lh_roles_provide(ctx->roles, "store.engine", r->st)) != 0 ||
        (rc = lh_roles_provide(ctx->roles, LH_OWNED_BUCKETS, &r->buckets)) != 0) {
        lh_s3_stop(r->s3, NULL, NULL);
        r->s3 = NULL;
        sweep_stop_timer(r);
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
    sweep_stop_timer(r);
    lh_s3_stop(r->s3, done, arg);
    r->s3 = NULL;
}

const lh_role_t lh_store_role = {
    .name = "store",
    .section = "store",
    .summary = "the S3 API on store.listen over the data directory's object store",
    .keys = store_keys,
    .nkeys = (int)(sizeof store_keys / sizeof store_keys[0]),
    .endpoints = "s3,s3_unix",
    .start = store_role_start,
    .stop = store_role_stop,
    .release = store_role_release,
};
