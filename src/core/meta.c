/* The metadata database: <data-dir>/meta/lakehouse.db (SQLite, WAL,
 * synchronous=FULL) with numbered per-module migrations, and the one user
 * model kept in it. Secrets are sealed with AES-256-GCM under the 32-byte key
 * in meta/secret.key (the access key is the additional authenticated data, so
 * a ciphertext cannot be moved to another user); a PostgreSQL-style
 * SCRAM-SHA-256 verifier and md5 hash are derived whenever a secret is set.
 * Every user and token is also held in memory (sorted arrays under a rwlock),
 * so lookups on request paths never touch the disk; writers take the database
 * mutex first, then update the cache. */
#include "core/meta.h"
#include "core/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/meta_int.h"

/* --- migrations --- */

static const lh_migration_t core_migrations[] = {
    {"core", 1,
     "CREATE TABLE users(access_key TEXT PRIMARY KEY, secret_enc BLOB NOT NULL,"
     " role TEXT NOT NULL, scram TEXT NOT NULL, md5 TEXT NOT NULL, created INTEGER NOT NULL);"
     "CREATE TABLE tokens(id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE,"
     " owner TEXT NOT NULL REFERENCES users(access_key) ON DELETE CASCADE,"
     " name TEXT NOT NULL, created INTEGER NOT NULL);"
     "CREATE INDEX tokens_owner ON tokens(owner);"},
};

#define MAX_MODULES 32
typedef struct {
    const lh_migration_t *migs;
    int n;
} module_migs_t;
static module_migs_t registry[MAX_MODULES];
static int nregistry;

void lh_meta_register_migrations(const lh_migration_t *migs, int n)
{
    for (int i = 0; i < nregistry; i++)
        if (registry[i].migs == migs) return;
    if (nregistry < MAX_MODULES) registry[nregistry++] = (module_migs_t){migs, n};
}

static int exec(sqlite3 *db, const char *sql, lh_err_t *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
    int rc = lh_err_set(err, LH_EIO, "%s: %s", sqlite3_db_filename(db, "main"),
                        msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return rc;
}

static int applied_version(sqlite3 *db, const char *module, int *out, lh_err_t *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT COALESCE(MAX(version),0) FROM schema_migrations WHERE module=?",
                           -1, &st, NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "%s: %s", sqlite3_db_filename(db, "main"),
                          sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, module, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : LH_EIO;
    *out = rc == 0 ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return rc ? lh_err_set(err, rc, "%s: %s", sqlite3_db_filename(db, "main"), sqlite3_errmsg(db))
              : 0;
}

static int record_version(sqlite3 *db, const lh_migration_t *mg, lh_err_t *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO schema_migrations(module,version,applied) VALUES(?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "%s: %s", sqlite3_db_filename(db, "main"),
                          sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, mg->module, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, mg->version);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0
              : lh_err_set(err, LH_EIO, "%s: %s", sqlite3_db_filename(db, "main"),
                           sqlite3_errmsg(db));
}

/* Applies the migrations of one module newer than what the database has. */
static int migrate_module(sqlite3 *db, const lh_migration_t *migs, int n, lh_err_t *err)
{
    int have, rc;
    if (n <= 0) return 0;
    if ((rc = applied_version(db, migs[0].module, &have, err))) return rc;
    for (int i = 0; i < n; i++)
        if (migs[i].version != i + 1 || strcmp(migs[i].module, migs[0].module))
            return lh_err_set(err, LH_EINVAL, "migrations of %s must be numbered 1..%d in order",
                              migs[0].module, n);
    if (have > n)
        return lh_err_set(err, LH_ECORRUPT,
                          "%s has %s migration %d but this lakehouse knows only %d",
                          sqlite3_db_filename(db, "main"), migs[0].module, have, n);
    for (int i = have; i < n; i++) {
        lh_err_t e = {0};
        if ((rc = exec(db, migs[i].sql, &e)) || (rc = record_version(db, &migs[i], &e)))
            return lh_err_set(err, rc, "%s migration %d failed: %s", migs[i].module,
                              migs[i].version, e.msg);
    }
    return 0;
}

static int ensure_table(sqlite3 *db, lh_err_t *err)
{
    return exec(
        db,
        "CREATE TABLE IF NOT EXISTS schema_migrations(module TEXT NOT NULL,"
        " version INTEGER NOT NULL, applied INTEGER NOT NULL, PRIMARY KEY(module, version))",
        err);
}

/* A database made before the shared scheme counted its migrations in PRAGMA
 * user_version (the store's index did): those become recorded versions. */
static int adopt_user_version(sqlite3 *db, const lh_migration_t *migs, int n, lh_err_t *err)
{
    sqlite3_stmt *st;
    int have, ver = 0, rc;
    if ((rc = applied_version(db, migs[0].module, &have, err)) || have > 0) return rc;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "%s: %s", sqlite3_db_filename(db, "main"),
                          sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW) ver = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    for (int i = 0; rc == 0 && i < ver && i < n; i++)
        rc = record_version(db, &migs[i], err);
    return rc;
}

int lh_sqlite_migrate(sqlite3 *db, const lh_migration_t *migs, int n, lh_err_t *err)
{
    int rc = ensure_table(db, err);
    if (rc || (rc = exec(db, "BEGIN IMMEDIATE", err))) return rc;
    if ((rc = adopt_user_version(db, migs, n, err)) == 0) rc = migrate_module(db, migs, n, err);
    if (rc) {
        exec(db, "ROLLBACK", NULL);
        return rc;
    }
    return exec(db, "COMMIT", err);
}

static int migrate(sqlite3 *db, lh_err_t *err)
{
    int rc = ensure_table(db, err);
    if (rc || (rc = exec(db, "BEGIN IMMEDIATE", err))) return rc;
    rc = migrate_module(db, core_migrations,
                        (int)(sizeof core_migrations / sizeof core_migrations[0]), err);
    for (int i = 0; rc == 0 && i < nregistry; i++)
        rc = migrate_module(db, registry[i].migs, registry[i].n, err);
    if (rc) {
        exec(db, "ROLLBACK", NULL);
        return rc;
    }
    return exec(db, "COMMIT", err);
}

/* --- secret.key --- */

static int read_key(const char *path, unsigned char *key, lh_err_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT
                   ? LH_ENOENT
                   : lh_err_set(err, LH_EIO, "cannot open %s: %s", path, strerror(errno));
    unsigned char buf[LH__META_KEY_LEN + 1];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n != LH__META_KEY_LEN)
        return lh_err_set(err, LH_ECORRUPT, "%s is damaged: expected %d bytes", path,
                          LH__META_KEY_LEN);
    memcpy(key, buf, LH__META_KEY_LEN);
    lh_wipe(buf, sizeof buf);
    return 0;
}

/* Creates secret.key once: a temporary file, fsync, then link(2), which fails
 * when someone else created the key first (we then read theirs). */
static int create_key(const char *dir, const char *path, unsigned char *key, lh_err_t *err)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s/.secret.key.%d", dir, (int)getpid()) >= (int)sizeof tmp)
        return lh_err_set(err, LH_EINVAL, "path too long: %s", dir);
    if (lh_random_bytes(key, LH__META_KEY_LEN))
        return lh_err_set(err, LH_EIO, "cannot generate secret.key: no randomness");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return lh_err_set(err, LH_EIO, "cannot create %s: %s", tmp, strerror(errno));
    int ok = fchmod(fd, 0600) == 0 && write(fd, key, LH__META_KEY_LEN) == LH__META_KEY_LEN &&
             fsync(fd) == 0;
    close(fd);
    if (!ok || (link(tmp, path) != 0 && errno != EEXIST)) {
        int e = errno;
        unlink(tmp);
        return lh_err_set(err, LH_EIO, "cannot create %s: %s", path, strerror(e));
    }
    unlink(tmp);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return read_key(path, key, err); /* the winner's key */
}

static int load_key(lh_meta_t *m, const char *metadir, lh_err_t *err)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/secret.key", metadir) >= (int)sizeof path)
        return lh_err_set(err, LH_EINVAL, "path too long: %s", metadir);
    int rc = read_key(path, m->key, err);
    if (rc == LH_ENOENT) return create_key(metadir, path, m->key, err);
    return rc;
}

/* --- open / close --- */

static int open_db(lh_meta_t *m, const char *metadir, lh_err_t *err)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/lakehouse.db", metadir) >= (int)sizeof path)
        return lh_err_set(err, LH_EINVAL, "path too long: %s", metadir);
    if (sqlite3_open_v2(path, &m->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "cannot open %s: %s", path,
                          m->db ? sqlite3_errmsg(m->db) : "out of memory");
    sqlite3_busy_timeout(m->db, 5000);
    return exec(m->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                err);
}

int lh_meta_open(lh_meta_t **out, const char *data_dir, lh_err_t *err)
{
    char metadir[PATH_MAX];
    int rc;
    *out = NULL;
    if (snprintf(metadir, sizeof metadir, "%s/meta", data_dir) >= (int)sizeof metadir)
        return lh_err_set(err, LH_EINVAL, "path too long: %s", data_dir);
    if (mkdir(metadir, 0700) != 0 && errno != EEXIST)
        return lh_err_set(err, LH_EIO, "cannot create %s: %s", metadir, strerror(errno));
    lh_meta_t *m = calloc(1, sizeof *m);
    if (!m) return lh_err_set(err, LH_ENOMEM, "out of memory");
    pthread_mutex_init(&m->mu, NULL);
    pthread_rwlock_init(&m->rw, NULL);
    if ((rc = load_key(m, metadir, err)) || (rc = open_db(m, metadir, err)) ||
        (rc = migrate(m->db, err)) || (rc = lh__meta_load_users(m, err)) ||
        (rc = lh__meta_load_tokens(m, err)))
        goto fail;
    *out = m;
    return 0;
fail:
    lh_meta_close(m);
    return rc;
}

void lh_meta_close(lh_meta_t *m)
{
    if (!m) return;
    if (m->db) sqlite3_close_v2(m->db);
    if (m->users) lh_wipe(m->users, m->capusers * sizeof *m->users);
    free(m->users);
    free(m->toks);
    lh_wipe(m->key, sizeof m->key);
    pthread_rwlock_destroy(&m->rw);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

struct sqlite3 *lh_meta_db(lh_meta_t *m)
{
    return m->db;
}

void lh_meta_lock(lh_meta_t *m)
{
    pthread_mutex_lock(&m->mu);
}

void lh_meta_unlock(lh_meta_t *m)
{
    pthread_mutex_unlock(&m->mu);
}

void *lh__meta_bsearch(void *items, size_t n, size_t size, size_t key_off, const char *key,
                       size_t *pos)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        char *rec = (char *)items + mid * size;
        int c = strcmp(rec + key_off, key);
        if (c == 0) {
            if (pos) *pos = mid;
            return rec;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (pos) *pos = lo;
    return NULL;
}

void *lh__meta_insert(void *items, size_t *n, size_t *cap, size_t size, size_t pos,
                      const void *elem)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        void *grown = realloc(items, ncap * size);
        if (!grown) return NULL;
        items = grown;
        *cap = ncap;
    }
    char *base = items;
    memmove(base + (pos + 1) * size, base + pos * size, (*n - pos) * size);
    memcpy(base + pos * size, elem, size);
    (*n)++;
    return items;
}

int lh__meta_delete_row(lh_meta_t *m, const char *sql, const char *key, const char *what,
                        lh_err_t *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db, sql, -1, &st, NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    if (sqlite3_changes(m->db) == 0) return lh_err_set(err, LH_ENOENT, "no %s %s", what, key);
    return 0;
}

void lh__meta_remove_at(void *items, size_t *n, size_t size, size_t pos)
{
    char *base = items;
    memmove(base + pos * size, base + (pos + 1) * size, (*n - pos - 1) * size);
    (*n)--;
}
