/* Buckets of the embedded store: create (with its settings), get, list (all,
 * or one owner's), delete (refused while objects or versions exist; multipart uploads in
 * progress are aborted with it, records of completed ones dropped), policy,
 * the public-read flag and the other settings (versioning, ownership, public
 * access block, lifecycle), and handing every bucket of one owner to another
 * (when a user is removed; also offered to the users API as core/owned.h).
 * Writes go through the group commit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/engine_int.h"

void lh_store_bucket_clear(lh_store_bucket_t *b)
{
    if (!b) return;
    free(b->policy);
    b->policy = NULL;
}

static void info_from_row(sqlite3_stmt *s, lh_store_bucket_t *b, int copy)
{
    memset(b, 0, sizeof *b);
    const char *name = (const char *)sqlite3_column_text(s, 0);
    const char *owner = (const char *)sqlite3_column_text(s, 1);
    snprintf(b->name, sizeof b->name, "%s", name ? name : "");
    snprintf(b->owner, sizeof b->owner, "%s", owner ? owner : "");
    b->created_ns = sqlite3_column_int64(s, 2);
    b->public_read = sqlite3_column_int(s, 3);
    const char *policy = (const char *)sqlite3_column_text(s, 4);
    b->policy = !policy ? NULL : copy ? strdup(policy) : (char *)policy;
    b->versioning = sqlite3_column_int(s, 5);
    b->ownership = sqlite3_column_int(s, 6);
    b->public_block = sqlite3_column_int(s, 7);
}

typedef struct bucket_op {
    const char *name, *owner;
    const char *text;            /* the policy or lifecycle text (NULL deletes) */
    int query;                   /* the UPDATE to run */
    int value;                   /* its integer value (when it sets one); public_read on create */
    int ownership, public_block; /* create only */
    lh__ids_t ids;               /* part bodies of aborted uploads */
} bucket_op_t;

static int create_fn(lh__conn_t *c, void *arg, lh_err_t *err)
{
    bucket_op_t *b = arg;
    lh__cache_bucket_begin(c->st, b->name);
    sqlite3_stmt *s = lh__store_stmt(c, Q_BUCKET_INSERT, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, b->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, b->owner, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, lh__now_ns());
    sqlite3_bind_int(s, 4, b->value);
    sqlite3_bind_int(s, 5, b->ownership);
    sqlite3_bind_int(s, 6, b->public_block);
    if (sqlite3_step(s) != SQLITE_DONE) return lh__sql_err(c, err, "bucket insert");
    if (sqlite3_changes(c->db) == 0) return lh_err_set(err, LH_EEXIST, "bucket already exists");
    return 0;
}

int lh_store_bucket_create(lh_store_t *st, const char *name, const char *owner, int public_read,
                           lh_err_t *err)
{
    lh_store_bucket_t init = {.public_read = public_read};
    if (strlen(name) >= sizeof init.name) return lh_err_set(err, LH_EINVAL, "bucket name too long");
    snprintf(init.name, sizeof init.name, "%s", name);
    snprintf(init.owner, sizeof init.owner, "%s", owner ? owner : "");
    return lh_store_bucket_create_with(st, &init, err);
}

int lh_store_bucket_create_with(lh_store_t *st, const lh_store_bucket_t *init, lh_err_t *err)
{
    if (!memchr(init->name, 0, sizeof init->name))
        return lh_err_set(err, LH_EINVAL, "bucket name too long");
    bucket_op_t b = {.name = init->name,
                     .owner = init->owner,
                     .value = init->public_read,
                     .ownership = init->ownership,
                     .public_block = init->public_block};
    return lh__index_exec(st, create_fn, &b, err);
}

int lh_store_bucket_get(lh_store_t *st, const char *name, lh_store_bucket_t *out)
{
    lh__conn_t *c;
    if (lh_store_cached_bucket(st, name, out) == 0) return 0;
    uint64_t ticket = lh__cache_bucket_ticket(st, name);
    int rc = lh__conn_get(st, &c, NULL);
    if (rc) return rc;
    sqlite3_stmt *s = lh__store_stmt(c, Q_BUCKET_GET, NULL);
    if (!s) {
        rc = LH_EIO;
    } else {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        int r = sqlite3_step(s);
        if (r == SQLITE_ROW) {
            info_from_row(s, out, 1);
            lh__cache_bucket_fill(st, ticket, out);
        }
        rc = r == SQLITE_ROW ? 0 : r == SQLITE_DONE ? LH_ENOENT : LH_EIO;
    }
    lh__conn_put(st, c);
    return rc;
}

int lh_store_bucket_list(lh_store_t *st, int (*fn)(const lh_store_bucket_t *, void *), void *arg)
{
    lh__conn_t *c;
    int rc = lh__conn_get(st, &c, NULL);
    if (rc) return rc;
    sqlite3_stmt *s = lh__store_stmt(c, Q_BUCKET_LIST, NULL);
    int r = s ? SQLITE_ROW : SQLITE_ERROR;
    while (s && (r = sqlite3_step(s)) == SQLITE_ROW) {
        lh_store_bucket_t b;
        info_from_row(s, &b, 0);
        if (fn(&b, arg)) break;
    }
    lh__conn_put(st, c);
    return r == SQLITE_ERROR || r == SQLITE_BUSY || r == SQLITE_MISUSE ? LH_EIO : 0;
}

/* Runs fn per row of the prepared statement s (bound by the caller). */
static int each_row(lh__conn_t *c, sqlite3_stmt *s, int (*fn)(const lh_store_bucket_t *, void *),
                    void *arg)
{
    int r = s ? SQLITE_ROW : SQLITE_ERROR;
    (void)c;
    while (s && (r = sqlite3_step(s)) == SQLITE_ROW) {
        lh_store_bucket_t b;
        info_from_row(s, &b, 0);
        if (fn(&b, arg)) break;
    }
    if (s) sqlite3_reset(s);
    return r == SQLITE_ERROR || r == SQLITE_BUSY || r == SQLITE_MISUSE ? LH_EIO : 0;
}

int lh_store_bucket_list_owner(lh_store_t *st, const char *owner,
                               int (*fn)(const lh_store_bucket_t *, void *), void *arg)
{
    lh__conn_t *c;
    int rc = lh__conn_get(st, &c, NULL);
    if (rc) return rc;
    sqlite3_stmt *s = lh__store_stmt(c, Q_BUCKET_OF_OWNER, NULL);
    if (s) sqlite3_bind_text(s, 1, owner, -1, SQLITE_TRANSIENT);
    rc = each_row(c, s, fn, arg);
    lh__conn_put(st, c);
    return rc;
}

typedef struct {
    lh_store_t *st;
    const char *from, *to;
    int64_t moved;
} reassign_t;

static int drop_cached(const lh_store_bucket_t *b, void *arg)
{
    lh__cache_bucket_begin(((reassign_t *)arg)->st, b->name);
    return 0;
}

static int reassign_fn(lh__conn_t *c, void *arg, lh_err_t *err)
{
    reassign_t *ra = arg;
    sqlite3_stmt *s = lh__store_stmt(c, Q_BUCKET_OF_OWNER, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, ra->from, -1, SQLITE_STATIC);
    if (each_row(c, s, drop_cached, ra) != 0) return lh__sql_err(c, err, "bucket owner scan");
    if (!(s = lh__store_stmt(c, Q_BUCKET_REASSIGN, err))) return LH_EIO;
    sqlite3_bind_text(s, 1, ra->from, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ra->to, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) return lh__sql_err(c, err, "bucket reassign");
    ra->moved = sqlite3_changes(c->db);
    return 0;
}

int lh_store_bucket_reassign(lh_store_t *st, const char *from, const char *to, int64_t *moved,
                             lh_err_t *err)
{
    reassign_t ra = {.st = st, .from = from, .to = to};
    if (moved) *moved = 0;
    if (!from || !*from || !to || !*to)
        return lh_err_set(err, LH_EINVAL, "bucket owners must not be empty");
    int rc = lh__index_exec(st, reassign_fn, &ra, err);
    if (rc == 0 && moved) *moved = ra.moved;
    return rc;
}

/* --- the buckets as things a user owns (core/owned.h) --- */

typedef struct {
    int (*fn)(const char *, void *);
    void *arg;
} name_fn_t;

static int pass_name(const lh_store_bucket_t *b, void *arg)
{
    name_fn_t *nf = arg;
    return nf->fn(b->name, nf->arg);
}

static int owned_list(void *ctx, const char *owner, int (*fn)(const char *, void *), void *arg)
{
    name_fn_t nf = {fn, arg};
    return lh_store_bucket_list_owner(ctx, owner, pass_name, &nf);
}

static int owned_reassign(void *ctx, const char *from, const char *to, int64_t *moved,
                          lh_err_t *err)
{
    return lh_store_bucket_reassign(ctx, from, to, moved, err);
}

void lh_store_owned_buckets(lh_store_t *st, lh_owned_t *out)
{
    *out =
        (lh_owned_t){.what = "bucket", .ctx = st, .list = owned_list, .reassign = owned_reassign};
}

/* LH_ENOTEMPTY while the bucket holds objects, noncurrent versions or delete
 * markers. */
static int check_empty(lh__conn_t *c, const char *name, lh_err_t *err)
{
    static const int qs[] = {Q_BUCKET_HAS_OBJ, Q_BUCKET_HAS_VER};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        sqlite3_stmt *s = lh__store_stmt(c, qs[i], err);
        if (!s) return LH_EIO;
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        int r = sqlite3_step(s);
        sqlite3_reset(s);
        if (r == SQLITE_ROW) return lh_err_set(err, LH_ENOTEMPTY, "bucket not empty");
        if (r != SQLITE_DONE) return lh__sql_err(c, err, "bucket scan");
    }
    return 0;
}

static int delete_fn(lh__conn_t *c, void *arg, lh_err_t *err)
{
    bucket_op_t *b = arg;
    sqlite3_stmt *s;
    int r;
    lh__cache_bucket_begin(c->st, b->name);
    int rc = lh__bucket_check(c, b->name, err);
    if (rc || (rc = check_empty(c, b->name, err))) return rc;
    for (;;) { /* abort the uploads in progress */
        char upload[64];
        if (!(s = lh__store_stmt(c, Q_UP_OF_BUCKET, err))) return LH_EIO;
        sqlite3_bind_text(s, 1, b->name, -1, SQLITE_STATIC);
        if ((r = sqlite3_step(s)) != SQLITE_ROW) break;
        snprintf(upload, sizeof upload, "%s", (const char *)sqlite3_column_text(s, 0));
        sqlite3_reset(s);
        if ((rc = lh__upload_drop(c, upload, &b->ids, err))) return rc;
    }
    if (r != SQLITE_DONE || !(s = lh__store_stmt(c, Q_DONE_OF_BUCKET, err)))
        return lh__sql_err(c, err, "bucket delete");
    sqlite3_bind_text(s, 1, b->name, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE || !(s = lh__store_stmt(c, Q_BUCKET_DELETE, err)))
        return lh__sql_err(c, err, "bucket delete");
    sqlite3_bind_text(s, 1, b->name, -1, SQLITE_STATIC);
    return sqlite3_step(s) == SQLITE_DONE ? 0 : lh__sql_err(c, err, "bucket delete");
}

int lh_store_bucket_delete(lh_store_t *st, const char *name, lh_err_t *err)
{
    bucket_op_t b = {.name = name};
    int rc = lh__index_exec(st, delete_fn, &b, err);
    lh__ids_done(st, &b.ids, rc == 0);
    return rc;
}

static int update_fn(lh__conn_t *c, void *arg, lh_err_t *err)
{
    bucket_op_t *b = arg;
    lh__cache_bucket_begin(c->st, b->name);
    sqlite3_stmt *s = lh__store_stmt(c, b->query, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, b->name, -1, SQLITE_STATIC);
    if (b->query == Q_BUCKET_POLICY || b->query == Q_BUCKET_LIFECYCLE) {
        if (b->text) sqlite3_bind_text(s, 2, b->text, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_int(s, 2, b->value);
    }
    if (sqlite3_step(s) != SQLITE_DONE) return lh__sql_err(c, err, "bucket update");
    return sqlite3_changes(c->db) ? 0 : lh_err_set(err, LH_ENOENT, "no such bucket");
}

static int update(lh_store_t *st, const char *name, int query, int value, const char *text,
                  lh_err_t *err)
{
    bucket_op_t b = {.name = name, .query = query, .value = value, .text = text};
    return lh__index_exec(st, update_fn, &b, err);
}

int lh_store_bucket_set_policy(lh_store_t *st, const char *name, const char *policy, lh_err_t *err)
{
    return update(st, name, Q_BUCKET_POLICY, 0, policy, err);
}

int lh_store_bucket_set_public(lh_store_t *st, const char *name, int public_read, lh_err_t *err)
{
    return update(st, name, Q_BUCKET_PUBLIC, public_read, NULL, err);
}

int lh_store_bucket_set_int(lh_store_t *st, const char *name, lh_store_bucket_field_t field,
                            int value, lh_err_t *err)
{
    static const int query[] = {[LH_BUCKET_VERSIONING] = Q_BUCKET_VERSIONING,
                                [LH_BUCKET_OWNERSHIP] = Q_BUCKET_OWNERSHIP,
                                [LH_BUCKET_PUBLIC_BLOCK] = Q_BUCKET_PUBLIC_BLOCK};
    if ((unsigned)field >= sizeof query / sizeof query[0])
        return lh_err_set(err, LH_EINVAL, "unknown bucket setting %d", (int)field);
    return update(st, name, query[field], value, NULL, err);
}

int lh_store_bucket_set_lifecycle(lh_store_t *st, const char *name, const char *rules,
                                  lh_err_t *err)
{
    return update(st, name, Q_BUCKET_LIFECYCLE, 0, rules, err);
}

int lh_store_bucket_get_lifecycle(lh_store_t *st, const char *name, char **out)
{
    lh__conn_t *c;
    *out = NULL;
    int rc = lh__conn_get(st, &c, NULL);
    if (rc) return rc;
    sqlite3_stmt *s = lh__store_stmt(c, Q_BUCKET_LIFECYCLE_GET, NULL);
    if (!s) {
        rc = LH_EIO;
    } else {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        int r = sqlite3_step(s);
        const char *text = r == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
        if (text && !(*out = strdup(text))) r = SQLITE_NOMEM;
        rc = r == SQLITE_ROW     ? 0
             : r == SQLITE_DONE  ? LH_ENOENT
             : r == SQLITE_NOMEM ? LH_ENOMEM
                                 : LH_EIO;
    }
    lh__conn_put(st, c);
    return rc;
}
