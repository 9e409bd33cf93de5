/* The commit loop (delta_int.h): writes the next `_delta_log/<version>.json`
 * with put-if-absent; on a lost race reads the winning commits, checks them
 * against this one for conflicts and retries at the next version; on a
 * transport failure reads the key back to learn whether this commit landed
 * (its commitInfo.txnId is a UUID made for this commit). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "table/delta_int.h"

#ifndef LH_VERSION
#define LH_VERSION "dev"
#endif

/* Test builds: LAKEHOUSE_CRASH_AT=<point> kills the process there, as kill -9
 * would (no cleanup, no flush). */
static void crash_point(const char *point)
{
#if defined(LH_TEST_HOOKS) && LH_TEST_HOOKS
    const char *at = getenv("LAKEHOUSE_CRASH_AT");
    if (at && !strcmp(at, point)) raise(SIGKILL);
#else
    (void)point;
#endif
}

/* Sleeps 1..50 ms, longer with each try. */
static void backoff(int tries)
{
    long ms = 1 + (tries < 49 ? tries : 49);
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static int put_action(lh_buf_t *b, lh_delta_action_kind_t kind, const void *body, size_t size,
                      lh_err_t *err)
{
    lh_delta_action_t a = {.kind = kind};
    memcpy(&a.u, body, size);
    return lh_delta_action_write(b, &a, err);
}

/* The commit file: commitInfo first, then protocol, metaData, removes, adds, txn. */
static int build(lh_buf_t *b, const lh__delta_txn_t *x, int64_t ts, int64_t read_version,
                 const char *txn_id, lh_err_t *err)
{
    char extra[128];
    snprintf(extra, sizeof extra, "{\"isBlindAppend\":%s,\"engineInfo\":\"lakehouse/%s\"}",
             x->blind_append ? "true" : "false", LH_VERSION);
    lh_delta_commit_info_t ci = {.timestamp = ts,
                                 .operation = x->operation,
                                 .operation_parameters = x->params,
                                 .txn_id = txn_id,
                                 .read_version = read_version,
                                 .json = extra};
    int rc = put_action(b, LH_DELTA_COMMIT_INFO, &ci, sizeof ci, err);
    if (!rc && x->protocol)
        rc = put_action(b, LH_DELTA_PROTOCOL, x->protocol, sizeof *x->protocol, err);
    if (!rc && x->metadata)
        rc = put_action(b, LH_DELTA_METADATA, x->metadata, sizeof *x->metadata, err);
    for (size_t i = 0; !rc && i < x->nremoves; i++) {
        lh_delta_remove_t r = x->removes[i];
        r.deletion_timestamp = ts;
        rc = put_action(b, LH_DELTA_REMOVE, &r, sizeof r, err);
    }
    for (size_t i = 0; !rc && i < x->nadds; i++)
        rc = put_action(b, LH_DELTA_ADD, &x->adds[i], sizeof x->adds[i], err);
    if (!rc && x->app_id) {
        lh_delta_txn_t tx = {.app_id = x->app_id, .version = x->app_version, .last_updated = ts};
        rc = put_action(b, LH_DELTA_TXN, &tx, sizeof tx, err);
    }
    return rc;
}

static bool removes_path(const lh__delta_txn_t *x, const char *path)
{
    for (size_t i = 0; i < x->nremoves; i++)
        if (!strcmp(x->removes[i].path, path)) return true;
    return false;
}

/* 0 when the winning commit w does not conflict with x, else LH_ECONFLICT. */
static int check_winner(lh_delta_table_t *t, const lh__delta_txn_t *x, int64_t w, lh_err_t *err)
{
    const lh__delta_commit_rec_t *c = lh__delta_state_commit(&t->cache, w);
    if (!c)
        return lh_err_set(err, LH_ECONFLICT, "concurrent commit %lld cannot be read", (long long)w);
    bool ours_meta = x->protocol || x->metadata;
    lh_delta_schema_t schema;
    lh_arena_t *a = NULL;
    int rc = 0;
    for (size_t i = 0; !rc && i < c->n; i++) {
        const lh_delta_action_t *act = &c->acts[i];
        switch (act->kind) {
        case LH_DELTA_PROTOCOL:
        case LH_DELTA_METADATA:
            rc = lh_err_set(err, LH_ECONFLICT, "concurrent commit %lld changed the table's %s",
                            (long long)w, act->kind == LH_DELTA_PROTOCOL ? "protocol" : "metadata");
            break;
        case LH_DELTA_REMOVE:
            if (ours_meta || removes_path(x, act->u.remove.path))
                rc = lh_err_set(err, LH_ECONFLICT,
                                "concurrent commit %lld removed %s, which this commit %s",
                                (long long)w, act->u.remove.path,
                                ours_meta ? "cannot rebase a metadata change over" : "removes too");
            break;
        case LH_DELTA_ADD: {
            if (!act->u.add.data_change) break;
            if (ours_meta || x->read_all) {
                rc = lh_err_set(err, LH_ECONFLICT, "concurrent commit %lld added %s, which this %s",
                                (long long)w, act->u.add.path,
                                ours_meta ? "metadata change did not see"
                                          : "overwrite would have removed");
                break;
            }
            if (!x->nwhere) break;
            if (!a) {
                const char *ss = t->cache.metadata ? t->cache.metadata->schema_string : "";
                a = lh_arena_new(4096);
                rc = a ? lh_delta_schema_parse(a, ss, strlen(ss), &schema, err) : LH_ENOMEM;
                if (rc) break;
            }
            int m = lh__delta_pred_match(x->where, x->nwhere, &act->u.add.partition_values, &schema,
                                         err);
            if (m < 0) rc = m;
            if (m > 0)
                rc = lh_err_set(err, LH_ECONFLICT,
                                "concurrent commit %lld added %s to the partitions this "
                                "replace-where rewrites",
                                (long long)w, act->u.add.path);
            break;
        }
        case LH_DELTA_TXN:
            if (x->app_id && !strcmp(x->app_id, act->u.txn.app_id))
                rc = lh_err_set(err, LH_ECONFLICT, "concurrent commit %lld is from app %s too",
                                (long long)w, x->app_id);
            break;
        default:
            break;
        }
    }
    lh_arena_free(a);
    return rc;
}

/* After a failed put: 1 when key holds this commit (txn_id), 0 when another,
 * LH_ENOENT when absent, or another error. */
static int landed(lh_delta_table_t *t, const char *key, const char *txn_id, lh_err_t *err)
{
    lh_buf_t b;
    lh_buf_init(&b, LH__DELTA_COMMIT_MAX);
    lh_err_t e2 = {0};
    int rc = lh_objstore_get_buf(t->os, t->bucket, key, 0, -1, &b, NULL, &e2);
    if (!rc) {
        char needle[64];
        snprintf(needle, sizeof needle, "\"txnId\":\"%s\"", txn_id);
        rc = b.ptr && strstr(b.ptr, needle) ? 1 : 0;
    } else if (rc != LH_ENOENT) {
        lh_err_set(err, rc, "commit %s: outcome unknown (%s)", key, e2.msg);
    }
    lh_buf_free(&b);
    return rc;
}

/* Every delta.checkpointInterval commits (10 by default, as Delta's), a
 * checkpoint of the version just committed. Best effort: the commit stands
 * whatever happens here, and a later one writes the next checkpoint. */
static void maybe_checkpoint(lh_delta_table_t *t, int64_t v)
{
    int64_t every = 10;
    const char *conf = t->cache.metadata ? lh_delta_map_get(&t->cache.metadata->configuration,
                                                            "delta.checkpointInterval", NULL)
                                         : NULL;
    if (conf) every = strtoll(conf, NULL, 10);
    if (every <= 0 || v <= 0 || v % every) return;
    lh_err_t e = {0};
    if (lh_delta_checkpoint(t, v, NULL, &e))
        lh_warn("delta table %s: no checkpoint at version %lld: %s", t->root, (long long)v, e.msg);
}

int lh__delta_commit(lh_delta_table_t *t, const lh__delta_txn_t *x, int64_t *version, lh_err_t *err)
{
    char txn_id[37], key[LH_OBJSTORE_KEY_MAX + 1];
    int rc = lh__delta_uuid(txn_id, err);
    if (rc) return rc;
    int64_t v = x->read_version + 1;
    lh_buf_t b;
    lh_buf_init(&b, LH__DELTA_COMMIT_MAX);
    for (int tries = 0; tries < LH__DELTA_MAX_TRIES; tries++) {
        const lh__delta_commit_rec_t *prev = lh__delta_state_commit(&t->cache, v - 1);
        int64_t ts = lh__delta_now_ms();
        if (prev && ts <= prev->timestamp) ts = prev->timestamp + 1; /* monotonic per table */
        lh_buf_reset(&b);
        rc = build(&b, x, ts, v - 1, txn_id, err);
        if (rc) goto out;
        lh__delta_commit_key(t, v, key, sizeof key);
        crash_point("table_before_log");
        rc = lh_objstore_put_if_absent(t->os, t->bucket, key, b.ptr, b.len, "application/json",
                                       NULL, err);
        if (rc == LH_EIO || rc == LH_ETIMEDOUT) { /* did it land? */
            int r = landed(t, key, txn_id, err);
            if (r == LH_ENOENT) continue; /* no: try the same version again */
            if (r < 0) goto out;
            rc = r == 1 ? 0 : LH_EPRECOND;
        }
        if (rc == 0) {
            *version = v;
            lh_buf_free(&b);
            maybe_checkpoint(t, v);
            return 0;
        }
        if (rc != LH_EPRECOND && rc != LH_ECONFLICT) goto out;
        if (x->read_version < 0) {
            rc = lh_err_set(err, LH_EEXIST, "delta table %s exists", t->root);
            goto out;
        }
        rc = lh__delta_refresh(t, err); /* read the winners */
        for (int64_t w = v; !rc && w <= t->cache.version; w++)
            rc = check_winner(t, x, w, err);
        if (rc) goto out;
        if (t->cache.version < v) backoff(tries); /* S3's 409: the other put is still going */
        v = t->cache.version + 1;
    }
    rc = lh_err_set(err, LH_EBUSY, "delta commit to %s gave up after %d tries", t->root,
                    LH__DELTA_MAX_TRIES);
out:
    lh_buf_free(&b);
    return rc;
}
