/* Bearer tokens "lh_<id>_<secret>": only the SHA-256 of the whole token is
 * stored; the cache (sorted by id) resolves a presented token to its owner
 * without touching the disk. */
#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/meta_int.h"
#include "core/str.h"

static tok_t *tok_find(lh_meta_t *m, const char *id, size_t *pos)
{
    return lh__meta_bsearch(m->toks, m->ntoks, sizeof *m->toks, offsetof(tok_t, t.id), id, pos);
}

static int tok_put(lh_meta_t *m, const tok_t *t)
{
    size_t pos;
    if (tok_find(m, t->t.id, &pos)) return LH_EEXIST;
    tok_t *grown = lh__meta_insert(m->toks, &m->ntoks, &m->captoks, sizeof *t, pos, t);
    if (!grown) return LH_ENOMEM;
    m->toks = grown;
    return 0;
}

void lh__meta_tok_drop_owner(lh_meta_t *m, const char *owner)
{
    size_t out = 0;
    for (size_t i = 0; i < m->ntoks; i++)
        if (strcmp(m->toks[i].t.owner, owner)) m->toks[out++] = m->toks[i];
    m->ntoks = out;
}

int lh__meta_load_tokens(lh_meta_t *m, lh_err_t *err)
{
    sqlite3_stmt *st;
    int rc = 0;
    if (sqlite3_prepare_v2(m->db, "SELECT id, hash, owner, name, created FROM tokens", -1, &st,
                           NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        tok_t t;
        memset(&t, 0, sizeof t);
        lh__meta_copy_text(t.t.id, sizeof t.t.id, sqlite3_column_text(st, 0));
        lh__meta_copy_text(t.hash, sizeof t.hash, sqlite3_column_text(st, 1));
        lh__meta_copy_text(t.t.owner, sizeof t.t.owner, sqlite3_column_text(st, 2));
        lh__meta_copy_text(t.t.name, sizeof t.t.name, sqlite3_column_text(st, 3));
        t.t.created = sqlite3_column_int64(st, 4);
        rc = tok_put(m, &t) == LH_ENOMEM ? lh_err_set(err, LH_ENOMEM, "out of memory") : 0;
    }
    sqlite3_finalize(st);
    return rc;
}

/* --- tokens --- */

static void token_hash(const char *secret, char out[65])
{
    unsigned char d[32];
    lh_sha256(secret, strlen(secret), d);
    lh_hex(d, 32, out);
}

static int insert_token(lh_meta_t *m, const tok_t *t, lh_err_t *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db,
                           "INSERT INTO tokens(id, hash, owner, name, created) VALUES(?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    sqlite3_bind_text(st, 1, t->t.id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, t->hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, t->t.owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, t->t.name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, t->t.created);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step == SQLITE_CONSTRAINT) return lh_err_set(err, LH_ENOENT, "no user %s", t->t.owner);
    return step == SQLITE_DONE
               ? 0
               : lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
}

static int valid_token_name(const char *s)
{
    if (strlen(s) > 128) return 0;
    for (const char *p = s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return 0;
    return 1;
}

int lh_meta_token_create(lh_meta_t *m, const char *owner, const char *name, lh_token_t *out,
                         char *out_secret, lh_err_t *err)
{
    tok_t t;
    unsigned char idb[8];
    char rnd[33];
    int rc;
    lh_user_t u;
    if (!name) name = "";
    if (!valid_token_name(name))
        return lh_err_set(err, LH_EINVAL, "bad token name: at most 128 printable characters");
    if (!owner || lh_meta_user_get(m, owner, &u) != 0)
        return lh_err_set(err, LH_ENOENT, "no user %s", owner ? owner : "");
    memset(&t, 0, sizeof t);
    if (lh_random_bytes(idb, sizeof idb) || lh__meta_rand_chars(rnd, 32, LH__META_ALNUM))
        return lh_err_set(err, LH_EIO, "cannot generate a token: no randomness");
    lh_hex(idb, sizeof idb, t.t.id);
    snprintf(t.t.owner, sizeof t.t.owner, "%s", owner);
    snprintf(t.t.name, sizeof t.t.name, "%s", name);
    t.t.created = (int64_t)time(NULL);
    snprintf(out_secret, 64, "lh_%s_%s", t.t.id, rnd);
    token_hash(out_secret, t.hash);
    pthread_mutex_lock(&m->mu);
    rc = insert_token(m, &t, err);
    if (rc == 0) {
        pthread_rwlock_wrlock(&m->rw);
        rc = tok_put(m, &t) ? lh_err_set(err, LH_ENOMEM, "out of memory") : 0;
        pthread_rwlock_unlock(&m->rw);
    }
    pthread_mutex_unlock(&m->mu);
    lh_wipe(rnd, sizeof rnd);
    if (rc) {
        out_secret[0] = '\0';
        return rc;
    }
    if (out) *out = t.t;
    return 0;
}

int lh_meta_token_check(lh_meta_t *m, const char *secret, lh_user_t *out)
{
    char id[17], hash[65];
    if (!secret || strncmp(secret, "lh_", 3) || strlen(secret) < 3 + 16 + 2 || secret[19] != '_')
        return LH_EAUTH;
    memcpy(id, secret + 3, 16);
    id[16] = '\0';
    token_hash(secret, hash);
    char owner[129] = "";
    pthread_rwlock_rdlock(&m->rw);
    tok_t *t = tok_find(m, id, NULL);
    int ok = t && lh_ct_equal(t->hash, hash, 64);
    if (ok) memcpy(owner, t->t.owner, sizeof owner);
    pthread_rwlock_unlock(&m->rw);
    if (!ok) return LH_EAUTH;
    lh_user_t u;
    if (lh_meta_user_get(m, owner, &u) != 0) return LH_EAUTH;
    if (out) *out = u;
    lh_wipe(&u, sizeof u);
    return 0;
}

int lh_meta_token_list(lh_meta_t *m, const char *owner, int (*fn)(const lh_token_t *, void *),
                       void *arg)
{
    pthread_rwlock_rdlock(&m->rw);
    size_t n = 0;
    lh_token_t *copy = malloc((m->ntoks ? m->ntoks : 1) * sizeof *copy);
    for (size_t i = 0; copy && i < m->ntoks; i++)
        if (!owner || !strcmp(owner, m->toks[i].t.owner)) copy[n++] = m->toks[i].t;
    pthread_rwlock_unlock(&m->rw);
    if (!copy) return LH_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (fn(&copy[i], arg)) break;
    free(copy);
    return 0;
}

int lh_meta_token_get(lh_meta_t *m, const char *id, lh_token_t *out)
{
    pthread_rwlock_rdlock(&m->rw);
    tok_t *t = tok_find(m, id, NULL);
    if (t && out) *out = t->t;
    pthread_rwlock_unlock(&m->rw);
    return t ? 0 : LH_ENOENT;
}

int lh_meta_token_revoke(lh_meta_t *m, const char *id, lh_err_t *err)
{
    pthread_mutex_lock(&m->mu);
    int rc = lh__meta_delete_row(m, "DELETE FROM tokens WHERE id=?", id, "token", err);
    if (rc == 0) {
        pthread_rwlock_wrlock(&m->rw);
        size_t pos;
        if (tok_find(m, id, &pos)) lh__meta_remove_at(m->toks, &m->ntoks, sizeof *m->toks, pos);
        pthread_rwlock_unlock(&m->rw);
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}
