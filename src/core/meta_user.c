/* Users: validation, the sorted in-memory cache (rwlock) that every lookup
 * reads, and add / passwd (optionally revoking the user's tokens in the same
 * transaction) / set-role / rm / list / check / ensure_root, which write
 * SQLite under the connection mutex and then the cache. */
#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/meta_int.h"

/* --- validation --- */

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > 128) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              strchr("._@+=,-", *p)))
            return 0;
    return 1;
}

static int valid_secret(const char *s)
{
    size_t n = strlen(s);
    if (n < 8 || n > 128) return 0;
    for (const char *p = s; *p; p++)
        if (*p < 0x20 || *p > 0x7e) return 0;
    return 1;
}

static const char *const role_names[] = {"reader", "writer", "admin"};

const char *lh_role_name(int role)
{
    return role >= 0 && role <= LH_ROLE_ADMIN ? role_names[role] : "unknown";
}

int lh_role_parse(const char *s)
{
    for (int i = 0; s && i <= LH_ROLE_ADMIN; i++)
        if (!strcmp(s, role_names[i])) return i;
    return -1;
}

static entry_t *user_find(lh_meta_t *m, const char *ak, size_t *pos)
{
    return lh__meta_bsearch(m->users, m->nusers, sizeof *m->users, offsetof(entry_t, u.access_key),
                            ak, pos);
}

static int user_put(lh_meta_t *m, const entry_t *e)
{
    size_t pos;
    entry_t *have = user_find(m, e->u.access_key, &pos);
    if (have) {
        *have = *e;
        return 0;
    }
    entry_t *grown = lh__meta_insert(m->users, &m->nusers, &m->capusers, sizeof *e, pos, e);
    if (!grown) return LH_ENOMEM;
    m->users = grown;
    return 0;
}

int lh__meta_load_users(lh_meta_t *m, lh_err_t *err)
{
    sqlite3_stmt *st;
    int rc = 0;
    if (sqlite3_prepare_v2(m->db,
                           "SELECT access_key, secret_enc, role, scram, md5, created FROM users",
                           -1, &st, NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        entry_t e;
        memset(&e, 0, sizeof e);
        lh__meta_copy_text(e.u.access_key, sizeof e.u.access_key, sqlite3_column_text(st, 0));
        if (lh__meta_unseal(m->key, e.u.access_key, sqlite3_column_blob(st, 1),
                            (size_t)sqlite3_column_bytes(st, 1), e.u.secret_key,
                            sizeof e.u.secret_key)) {
            rc = lh_err_set(err, LH_ECORRUPT,
                            "cannot decrypt the secret of user %s: meta/secret.key does not match "
                            "the metadata database",
                            e.u.access_key);
            break;
        }
        e.u.role = lh_role_parse((const char *)sqlite3_column_text(st, 2));
        lh__meta_copy_text(e.scram, sizeof e.scram, sqlite3_column_text(st, 3));
        lh__meta_copy_text(e.md5, sizeof e.md5, sqlite3_column_text(st, 4));
        e.u.created = sqlite3_column_int64(st, 5);
        rc = user_put(m, &e) ? lh_err_set(err, LH_ENOMEM, "out of memory") : 0;
        lh_wipe(&e, sizeof e);
    }
    sqlite3_finalize(st);
    return rc;
}

/* --- users --- */

/* Fills e (access key, secret, role kept) with fresh derived hashes and the
 * sealed secret in blob. */
static int derive(lh_meta_t *m, entry_t *e, unsigned char *blob, size_t *bloblen, lh_err_t *err)
{
    unsigned char salt[16];
    if (lh_random_bytes(salt, sizeof salt) ||
        lh_meta_scram_verifier(e->u.secret_key, salt, sizeof salt, 4096, e->scram,
                               sizeof e->scram) ||
        lh__meta_seal(m->key, e->u.access_key, e->u.secret_key, blob, bloblen))
        return lh_err_set(err, LH_EIO, "cannot derive the hashes of a secret");
    lh_meta_md5_hash(e->u.access_key, e->u.secret_key, e->md5);
    return 0;
}

static int write_user(lh_meta_t *m, const entry_t *e, const unsigned char *blob, size_t bloblen,
                      int insert, lh_err_t *err)
{
    static const char *const sql[] = {
        "UPDATE users SET secret_enc=?2, role=?3, scram=?4, md5=?5 WHERE access_key=?1",
        "INSERT INTO users(access_key, secret_enc, role, scram, md5, created) "
        "VALUES(?1,?2,?3,?4,?5,?6)"};
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db, sql[insert], -1, &st, NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    sqlite3_bind_text(st, 1, e->u.access_key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, blob, (int)bloblen, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, lh_role_name(e->u.role), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->scram, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, e->md5, -1, SQLITE_STATIC);
    if (insert) sqlite3_bind_int64(st, 6, e->u.created);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step == SQLITE_CONSTRAINT)
        return lh_err_set(err, LH_EEXIST, "user %s already exists", e->u.access_key);
    if (step != SQLITE_DONE)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    return 0;
}

/* Derives e's hashes and writes its row (insert or update); holds m->mu. */
static int write_entry(lh_meta_t *m, entry_t *e, int insert, lh_err_t *err)
{
    unsigned char blob[LH__META_NONCE_LEN + 128 + LH__META_TAG_LEN];
    size_t bloblen = 0;
    int rc = derive(m, e, blob, &bloblen, err);
    if (rc == 0) rc = write_user(m, e, blob, bloblen, insert, err);
    return rc;
}

/* Puts e into the cache, and drops the cached tokens of its user when
 * drop_tokens is set. */
static int cache_entry(lh_meta_t *m, const entry_t *e, int drop_tokens, lh_err_t *err)
{
    pthread_rwlock_wrlock(&m->rw);
    int rc = user_put(m, e) ? lh_err_set(err, LH_ENOMEM, "out of memory") : 0;
    if (drop_tokens) lh__meta_tok_drop_owner(m, e->u.access_key);
    pthread_rwlock_unlock(&m->rw);
    return rc;
}

/* Stores e (insert or update) and then the cache; holds m->mu. */
static int store_user(lh_meta_t *m, entry_t *e, int insert, lh_err_t *err)
{
    int rc = write_entry(m, e, insert, err);
    return rc ? rc : cache_entry(m, e, 0, err);
}

static int check_input(const char *ak, const char *sk, lh_err_t *err)
{
    if (!ak || !valid_name(ak))
        return lh_err_set(
            err, LH_EINVAL,
            "bad user name '%s': use 3 to 128 characters of A-Z a-z 0-9 . _ @ + = , -",
            ak ? ak : "");
    if (sk && !valid_secret(sk))
        return lh_err_set(err, LH_EINVAL,
                          "bad secret key for %s: use 8 to 128 printable ASCII characters", ak);
    return 0;
}

static int lookup(lh_meta_t *m, const char *ak, entry_t *out)
{
    pthread_rwlock_rdlock(&m->rw);
    entry_t *e = user_find(m, ak, NULL);
    if (e) *out = *e;
    pthread_rwlock_unlock(&m->rw);
    return e ? 0 : LH_ENOENT;
}

int lh_meta_user_add(lh_meta_t *m, const char *access_key, const char *secret_key, int role,
                     lh_err_t *err)
{
    entry_t e;
    int rc = check_input(access_key, secret_key ? secret_key : "", err);
    if (rc) return rc;
    if (role < LH_ROLE_READER || role > LH_ROLE_ADMIN)
        return lh_err_set(err, LH_EINVAL, "bad role %d", role);
    pthread_mutex_lock(&m->mu);
    if (lookup(m, access_key, &e) == 0) {
        rc = lh_err_set(err, LH_EEXIST, "user %s already exists", access_key);
        goto done;
    }
    memset(&e, 0, sizeof e);
    snprintf(e.u.access_key, sizeof e.u.access_key, "%s", access_key);
    snprintf(e.u.secret_key, sizeof e.u.secret_key, "%s", secret_key);
    e.u.role = role;
    e.u.created = (int64_t)time(NULL);
    rc = store_user(m, &e, 1, err);
done:
    pthread_mutex_unlock(&m->mu);
    lh_wipe(&e, sizeof e);
    return rc;
}

int lh_meta_user_get(lh_meta_t *m, const char *access_key, lh_user_t *out)
{
    entry_t e;
    if (!access_key || lookup(m, access_key, &e) != 0) return LH_ENOENT;
    *out = e.u;
    lh_wipe(&e, sizeof e);
    return 0;
}

int lh_meta_user_pgauth(lh_meta_t *m, const char *access_key, char scram[LH_META_SCRAM_MAX],
                        char md5[LH_META_MD5_MAX])
{
    entry_t e;
    if (!access_key || lookup(m, access_key, &e) != 0) return LH_ENOENT;
    memcpy(scram, e.scram, sizeof e.scram);
    memcpy(md5, e.md5, sizeof e.md5);
    lh_wipe(&e, sizeof e);
    return 0;
}

/* Changes secret and/or role (role < 0 keeps it). */
static int update_user(lh_meta_t *m, const char *ak, const char *sk, int role, lh_err_t *err)
{
    entry_t e;
    int rc = check_input(ak, sk, err);
    if (rc) return rc;
    pthread_mutex_lock(&m->mu);
    if (lookup(m, ak, &e) != 0) {
        rc = lh_err_set(err, LH_ENOENT, "no user %s", ak);
        goto done;
    }
    if (sk) snprintf(e.u.secret_key, sizeof e.u.secret_key, "%s", sk);
    if (role >= 0) e.u.role = role;
    rc = store_user(m, &e, 0, err);
done:
    pthread_mutex_unlock(&m->mu);
    lh_wipe(&e, sizeof e);
    return rc;
}

int lh_meta_user_passwd(lh_meta_t *m, const char *access_key, const char *secret_key, lh_err_t *err)
{
    if (!secret_key) return lh_err_set(err, LH_EINVAL, "missing secret key");
    return update_user(m, access_key, secret_key, -1, err);
}

static int sql_do(lh_meta_t *m, const char *sql, lh_err_t *err)
{
    if (sqlite3_exec(m->db, sql, NULL, NULL, NULL) == SQLITE_OK) return 0;
    return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
}

/* Deletes every token of owner; *n counts them. Holds m->mu. */
static int delete_tokens(lh_meta_t *m, const char *owner, int *n, lh_err_t *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db, "DELETE FROM tokens WHERE owner=?", -1, &st, NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    *n = sqlite3_changes(m->db);
    return 0;
}

/* The new secret and the token deletions in one transaction; then the caches. */
static int secret_and_tokens(lh_meta_t *m, entry_t *e, int *revoked, lh_err_t *err)
{
    int rc = sql_do(m, "BEGIN IMMEDIATE", err);
    if (rc) return rc;
    rc = write_entry(m, e, 0, err);
    if (rc == 0) rc = delete_tokens(m, e->u.access_key, revoked, err);
    if (rc == 0) rc = sql_do(m, "COMMIT", err);
    if (rc) {
        sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    return cache_entry(m, e, 1, err);
}

int lh_meta_user_set_secret(lh_meta_t *m, const char *access_key, const char *secret_key,
                            int revoke_tokens, int *revoked, lh_err_t *err)
{
    entry_t e;
    int n = 0, rc;
    if (revoked) *revoked = 0;
    if (!secret_key) return lh_err_set(err, LH_EINVAL, "missing secret key");
    if (!revoke_tokens) return update_user(m, access_key, secret_key, -1, err);
    if ((rc = check_input(access_key, secret_key, err)) != 0) return rc;
    pthread_mutex_lock(&m->mu);
    if (lookup(m, access_key, &e) != 0) {
        rc = lh_err_set(err, LH_ENOENT, "no user %s", access_key);
    } else {
        snprintf(e.u.secret_key, sizeof e.u.secret_key, "%s", secret_key);
        rc = secret_and_tokens(m, &e, &n, err);
    }
    pthread_mutex_unlock(&m->mu);
    lh_wipe(&e, sizeof e);
    if (rc == 0 && revoked) *revoked = n;
    return rc;
}

int lh_meta_user_set_role(lh_meta_t *m, const char *access_key, int role, lh_err_t *err)
{
    if (role < LH_ROLE_READER || role > LH_ROLE_ADMIN)
        return lh_err_set(err, LH_EINVAL, "bad role %d", role);
    return update_user(m, access_key, NULL, role, err);
}

int lh_meta_user_rm(lh_meta_t *m, const char *access_key, lh_err_t *err)
{
    pthread_mutex_lock(&m->mu);
    int rc =
        lh__meta_delete_row(m, "DELETE FROM users WHERE access_key=?", access_key, "user", err);
    if (rc == 0) {
        pthread_rwlock_wrlock(&m->rw);
        size_t pos;
        if (user_find(m, access_key, &pos)) {
            lh_wipe(&m->users[pos], sizeof m->users[pos]);
            lh__meta_remove_at(m->users, &m->nusers, sizeof *m->users, pos);
        }
        lh__meta_tok_drop_owner(m, access_key); /* the database cascades */
        pthread_rwlock_unlock(&m->rw);
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

int lh_meta_user_list(lh_meta_t *m, int (*fn)(const lh_user_t *, void *), void *arg)
{
    pthread_rwlock_rdlock(&m->rw);
    size_t n = m->nusers;
    lh_user_t *copy = malloc((n ? n : 1) * sizeof *copy);
    for (size_t i = 0; copy && i < n; i++) {
        copy[i] = m->users[i].u;
        copy[i].secret_key[0] = '\0';
    }
    pthread_rwlock_unlock(&m->rw);
    if (!copy) return LH_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (fn(&copy[i], arg)) break;
    free(copy);
    return 0;
}

int lh_meta_user_check(lh_meta_t *m, const char *access_key, const char *secret_key, lh_user_t *out)
{
    entry_t e;
    if (!access_key || !secret_key || lookup(m, access_key, &e) != 0) {
        lh__meta_same_secret(secret_key ? secret_key : "",
                             "0000000000000000"); /* same work either way */
        return LH_ENOENT;
    }
    int ok = lh__meta_same_secret(secret_key, e.u.secret_key);
    if (ok && out) *out = e.u;
    lh_wipe(&e, sizeof e);
    return ok ? 0 : LH_EAUTH;
}

static int has_admin(lh_meta_t *m)
{
    int found = 0;
    pthread_rwlock_rdlock(&m->rw);
    for (size_t i = 0; i < m->nusers && !found; i++)
        found = m->users[i].u.role == LH_ROLE_ADMIN;
    pthread_rwlock_unlock(&m->rw);
    return found;
}

static int ensure_given(lh_meta_t *m, const char *ak, const char *sk, lh_err_t *err)
{
    lh_user_t u;
    if (lh_meta_user_get(m, ak, &u) != 0) return lh_meta_user_add(m, ak, sk, LH_ROLE_ADMIN, err);
    int same = lh__meta_same_secret(u.secret_key, sk) && u.role == LH_ROLE_ADMIN;
    lh_wipe(&u, sizeof u);
    if (same) return 0;
    return update_user(m, ak, sk, LH_ROLE_ADMIN, err);
}

int lh_meta_ensure_root(lh_meta_t *m, const char *ak, const char *sk, char *gen_ak, char *gen_sk,
                        int *generated, lh_err_t *err)
{
    if (generated) *generated = 0;
    int have_ak = ak && *ak, have_sk = sk && *sk;
    if (have_ak && have_sk) return ensure_given(m, ak, sk, err);
    if (have_ak || have_sk)
        return lh_err_set(err, LH_EINVAL,
                          "set both LAKEHOUSE_ACCESS_KEY and LAKEHOUSE_SECRET_KEY, or neither");
    if (has_admin(m)) return 0;
    if (!gen_ak || !gen_sk)
        return lh_err_set(err, LH_EINVAL, "no admin user and nowhere to return a generated one");
    int rc;
    if (lh_meta_gen_access_key(gen_ak) || lh_meta_gen_secret(gen_sk))
        return lh_err_set(err, LH_EIO, "cannot generate root credentials: no randomness");
    if ((rc = lh_meta_user_add(m, gen_ak, gen_sk, LH_ROLE_ADMIN, err))) return rc;
    if (generated) *generated = 1;
    return 0;
}
