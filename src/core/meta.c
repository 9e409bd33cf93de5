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

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/str.h"

#define KEY_LEN 32
#define NONCE_LEN 12
#define TAG_LEN 16

typedef struct {
    lh_user_t u;
    char scram[LH_META_SCRAM_MAX];
    char md5[LH_META_MD5_MAX];
} entry_t;

typedef struct {
    lh_token_t t;
    char hash[65];
} tok_t;

struct lh_meta {
    sqlite3 *db;
    pthread_mutex_t mu;    /* the connection; writers */
    pthread_rwlock_t rw;   /* the caches below */
    unsigned char key[KEY_LEN];
    entry_t *users;        /* sorted by access key */
    size_t nusers, capusers;
    tok_t *toks;           /* sorted by id */
    size_t ntoks, captoks;
};

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
        if (registry[i].migs == migs)
            return;
    if (nregistry < MAX_MODULES)
        registry[nregistry++] = (module_migs_t){migs, n};
}

static int exec(sqlite3 *db, const char *sql, lh_err_t *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    int rc = lh_err_set(err, LH_EIO, "metadata database: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return rc;
}

static int applied_version(sqlite3 *db, const char *module, int *out, lh_err_t *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(version),0) FROM schema_migrations WHERE module=?",
                           -1, &st, NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, module, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : LH_EIO;
    *out = rc == 0 ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return rc ? lh_err_set(err, rc, "metadata database: %s", sqlite3_errmsg(db)) : 0;
}

static int record_version(sqlite3 *db, const lh_migration_t *mg, lh_err_t *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO schema_migrations(module,version,applied) VALUES(?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, mg->module, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, mg->version);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
    int ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    return ok ? 0 : lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(db));
}

/* Applies the migrations of one module newer than what the database has. */
static int migrate_module(sqlite3 *db, const lh_migration_t *migs, int n, lh_err_t *err)
{
    int have, rc;
    if (n <= 0)
        return 0;
    if ((rc = applied_version(db, migs[0].module, &have, err)))
        return rc;
    for (int i = 0; i < n; i++)
        if (migs[i].version != i + 1 || strcmp(migs[i].module, migs[0].module))
            return lh_err_set(err, LH_EINVAL, "migrations of %s must be numbered 1..%d in order",
                              migs[0].module, n);
    if (have > n)
        return lh_err_set(err, LH_ECORRUPT,
                          "metadata database has %s migration %d but this lakehouse knows only %d",
                          migs[0].module, have, n);
    for (int i = have; i < n; i++) {
        lh_err_t e = {0};
        if ((rc = exec(db, migs[i].sql, &e)) || (rc = record_version(db, &migs[i], &e)))
            return lh_err_set(err, rc, "%s migration %d failed: %s", migs[i].module,
                              migs[i].version, e.msg);
    }
    return 0;
}

static int migrate(sqlite3 *db, lh_err_t *err)
{
    int rc = exec(db,
                  "CREATE TABLE IF NOT EXISTS schema_migrations(module TEXT NOT NULL,"
                  " version INTEGER NOT NULL, applied INTEGER NOT NULL, PRIMARY KEY(module, version))",
                  err);
    if (rc || (rc = exec(db, "BEGIN IMMEDIATE", err)))
        return rc;
    rc = migrate_module(db, core_migrations, (int)(sizeof core_migrations / sizeof core_migrations[0]),
                        err);
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
        return errno == ENOENT ? LH_ENOENT : lh_err_set(err, LH_EIO, "cannot open %s: %s", path, strerror(errno));
    unsigned char buf[KEY_LEN + 1];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n != KEY_LEN)
        return lh_err_set(err, LH_ECORRUPT, "%s is damaged: expected %d bytes", path, KEY_LEN);
    memcpy(key, buf, KEY_LEN);
    OPENSSL_cleanse(buf, sizeof buf);
    return 0;
}

/* Creates secret.key once: a temporary file, fsync, then link(2), which fails
 * when someone else created the key first (we then read theirs). */
static int create_key(const char *dir, const char *path, unsigned char *key, lh_err_t *err)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s/.secret.key.%d", dir, (int)getpid()) >= (int)sizeof tmp)
        return lh_err_set(err, LH_EINVAL, "path too long: %s", dir);
    if (RAND_bytes(key, KEY_LEN) != 1)
        return lh_err_set(err, LH_EIO, "cannot generate secret.key: no randomness");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return lh_err_set(err, LH_EIO, "cannot create %s: %s", tmp, strerror(errno));
    int ok = fchmod(fd, 0600) == 0 && write(fd, key, KEY_LEN) == KEY_LEN && fsync(fd) == 0;
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
    if (rc == LH_ENOENT)
        return create_key(metadir, path, m->key, err);
    return rc;
}

/* --- crypto helpers --- */

static int seal(const unsigned char *key, const char *ak, const char *sk, unsigned char *out,
                size_t *outlen)
{
    size_t n = strlen(sk);
    int len, ok = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c || RAND_bytes(out, NONCE_LEN) != 1)
        goto done;
    ok = EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
         EVP_EncryptInit_ex(c, NULL, NULL, key, out) == 1 &&
         EVP_EncryptUpdate(c, NULL, &len, (const unsigned char *)ak, (int)strlen(ak)) == 1 &&
         EVP_EncryptUpdate(c, out + NONCE_LEN, &len, (const unsigned char *)sk, (int)n) == 1 &&
         EVP_EncryptFinal_ex(c, out + NONCE_LEN + len, &len) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + NONCE_LEN + n) == 1;
    *outlen = NONCE_LEN + n + TAG_LEN;
done:
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : LH_EIO;
}

static int unseal(const unsigned char *key, const char *ak, const unsigned char *in, size_t inlen,
                  char *out, size_t cap)
{
    if (inlen < NONCE_LEN + TAG_LEN || inlen - NONCE_LEN - TAG_LEN >= cap)
        return LH_ECORRUPT;
    int n = (int)(inlen - NONCE_LEN - TAG_LEN), len, ok;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c)
        return LH_ENOMEM;
    ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
         EVP_DecryptInit_ex(c, NULL, NULL, key, in) == 1 &&
         EVP_DecryptUpdate(c, NULL, &len, (const unsigned char *)ak, (int)strlen(ak)) == 1 &&
         EVP_DecryptUpdate(c, (unsigned char *)out, &len, in + NONCE_LEN, n) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, (void *)(in + NONCE_LEN + n)) == 1 &&
         EVP_DecryptFinal_ex(c, (unsigned char *)out + len, &len) == 1;
    EVP_CIPHER_CTX_free(c);
    out[ok ? n : 0] = '\0';
    return ok ? 0 : LH_ECORRUPT;
}

int lh_meta_scram_verifier(const char *password, const unsigned char *salt, size_t saltlen,
                           int iterations, char *out, size_t cap)
{
    unsigned char salted[32], client[32], stored[32], server[32];
    unsigned int len = 32;
    char salt64[64], stored64[64], server64[64];
    if (saltlen > 32 ||
        PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)saltlen, iterations,
                          EVP_sha256(), 32, salted) != 1 ||
        !HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Client Key", 10, client, &len) ||
        !HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Server Key", 10, server, &len))
        return LH_EIO;
    SHA256(client, 32, stored);
    lh_base64_encode(salt, saltlen, salt64);
    lh_base64_encode(stored, 32, stored64);
    lh_base64_encode(server, 32, server64);
    OPENSSL_cleanse(salted, sizeof salted);
    int n = snprintf(out, cap, "SCRAM-SHA-256$%d:%s$%s:%s", iterations, salt64, stored64, server64);
    return n > 0 && (size_t)n < cap ? 0 : LH_ETOOBIG;
}

void lh_meta_md5_hash(const char *user, const char *password, char out[LH_META_MD5_MAX])
{
    unsigned char d[16];
    unsigned int len = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    out[0] = '\0';
    if (!c)
        return;
    if (EVP_DigestInit_ex(c, EVP_md5(), NULL) == 1 &&
        EVP_DigestUpdate(c, password, strlen(password)) == 1 &&
        EVP_DigestUpdate(c, user, strlen(user)) == 1 && EVP_DigestFinal_ex(c, d, &len) == 1) {
        memcpy(out, "md5", 3);
        lh_hex(d, 16, out + 3);
    }
    EVP_MD_CTX_free(c);
}

static int rand_chars(char *out, size_t n, const char *alphabet)
{
    size_t k = strlen(alphabet), limit = 256 - 256 % k, i = 0;
    unsigned char buf[64];
    while (i < n) {
        if (RAND_bytes(buf, sizeof buf) != 1)
            return LH_EIO;
        for (size_t j = 0; j < sizeof buf && i < n; j++)
            if (buf[j] < limit) /* rejection sampling: no modulo bias */
                out[i++] = alphabet[buf[j] % k];
    }
    out[n] = '\0';
    return 0;
}

static const char upper_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

int lh_meta_gen_access_key(char out[21])
{
    return rand_chars(out, 20, upper_digits);
}

int lh_meta_gen_secret(char out[41])
{
    return rand_chars(out, 40, alnum);
}

/* --- validation --- */

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > 128)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              strchr("._@+=,-", *p)))
            return 0;
    return 1;
}

static int valid_secret(const char *s)
{
    size_t n = strlen(s);
    if (n < 8 || n > 128)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return 0;
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
        if (!strcmp(s, role_names[i]))
            return i;
    return -1;
}

/* --- the caches (callers hold the right lock) --- */

static entry_t *user_find(lh_meta_t *m, const char *ak, size_t *pos)
{
    size_t lo = 0, hi = m->nusers;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(m->users[mid].u.access_key, ak);
        if (c == 0) {
            if (pos)
                *pos = mid;
            return &m->users[mid];
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (pos)
        *pos = lo;
    return NULL;
}

static int user_put(lh_meta_t *m, const entry_t *e)
{
    size_t pos;
    entry_t *have = user_find(m, e->u.access_key, &pos);
    if (have) {
        *have = *e;
        return 0;
    }
    if (m->nusers == m->capusers) {
        size_t cap = m->capusers ? m->capusers * 2 : 16;
        entry_t *n = realloc(m->users, cap * sizeof *n);
        if (!n)
            return LH_ENOMEM;
        m->users = n;
        m->capusers = cap;
    }
    memmove(&m->users[pos + 1], &m->users[pos], (m->nusers - pos) * sizeof *m->users);
    m->users[pos] = *e;
    m->nusers++;
    return 0;
}

static tok_t *tok_find(lh_meta_t *m, const char *id, size_t *pos)
{
    size_t lo = 0, hi = m->ntoks;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(m->toks[mid].t.id, id);
        if (c == 0) {
            if (pos)
                *pos = mid;
            return &m->toks[mid];
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (pos)
        *pos = lo;
    return NULL;
}

static int tok_put(lh_meta_t *m, const tok_t *t)
{
    size_t pos;
    if (tok_find(m, t->t.id, &pos))
        return LH_EEXIST;
    if (m->ntoks == m->captoks) {
        size_t cap = m->captoks ? m->captoks * 2 : 16;
        tok_t *n = realloc(m->toks, cap * sizeof *n);
        if (!n)
            return LH_ENOMEM;
        m->toks = n;
        m->captoks = cap;
    }
    memmove(&m->toks[pos + 1], &m->toks[pos], (m->ntoks - pos) * sizeof *m->toks);
    m->toks[pos] = *t;
    m->ntoks++;
    return 0;
}

static void tok_drop_owner(lh_meta_t *m, const char *owner)
{
    size_t out = 0;
    for (size_t i = 0; i < m->ntoks; i++)
        if (strcmp(m->toks[i].t.owner, owner))
            m->toks[out++] = m->toks[i];
    m->ntoks = out;
}

static void copy_text(char *dst, size_t cap, const unsigned char *s)
{
    snprintf(dst, cap, "%s", s ? (const char *)s : "");
}

static int load_users(lh_meta_t *m, lh_err_t *err)
{
    sqlite3_stmt *st;
    int rc = 0;
    if (sqlite3_prepare_v2(m->db, "SELECT access_key, secret_enc, role, scram, md5, created FROM users",
                           -1, &st, NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        entry_t e;
        memset(&e, 0, sizeof e);
        copy_text(e.u.access_key, sizeof e.u.access_key, sqlite3_column_text(st, 0));
        if (unseal(m->key, e.u.access_key, sqlite3_column_blob(st, 1),
                   (size_t)sqlite3_column_bytes(st, 1), e.u.secret_key, sizeof e.u.secret_key)) {
            rc = lh_err_set(err, LH_ECORRUPT,
                            "cannot decrypt the secret of user %s: meta/secret.key does not match "
                            "the metadata database", e.u.access_key);
            break;
        }
        e.u.role = lh_role_parse((const char *)sqlite3_column_text(st, 2));
        copy_text(e.scram, sizeof e.scram, sqlite3_column_text(st, 3));
        copy_text(e.md5, sizeof e.md5, sqlite3_column_text(st, 4));
        e.u.created = sqlite3_column_int64(st, 5);
        rc = user_put(m, &e) ? lh_err_set(err, LH_ENOMEM, "out of memory") : 0;
        OPENSSL_cleanse(&e, sizeof e);
    }
    sqlite3_finalize(st);
    return rc;
}

static int load_tokens(lh_meta_t *m, lh_err_t *err)
{
    sqlite3_stmt *st;
    int rc = 0;
    if (sqlite3_prepare_v2(m->db, "SELECT id, hash, owner, name, created FROM tokens", -1, &st,
                           NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        tok_t t;
        memset(&t, 0, sizeof t);
        copy_text(t.t.id, sizeof t.t.id, sqlite3_column_text(st, 0));
        copy_text(t.hash, sizeof t.hash, sqlite3_column_text(st, 1));
        copy_text(t.t.owner, sizeof t.t.owner, sqlite3_column_text(st, 2));
        copy_text(t.t.name, sizeof t.t.name, sqlite3_column_text(st, 3));
        t.t.created = sqlite3_column_int64(st, 4);
        rc = tok_put(m, &t) == LH_ENOMEM ? lh_err_set(err, LH_ENOMEM, "out of memory") : 0;
    }
    sqlite3_finalize(st);
    return rc;
}

/* --- open / close --- */

static int open_db(lh_meta_t *m, const char *metadir, lh_err_t *err)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/lakehouse.db", metadir) >= (int)sizeof path)
        return lh_err_set(err, LH_EINVAL, "path too long: %s", metadir);
    if (sqlite3_open_v2(path, &m->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "cannot open %s: %s", path,
                          m->db ? sqlite3_errmsg(m->db) : "out of memory");
    sqlite3_busy_timeout(m->db, 5000);
    return exec(m->db,
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err);
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
    if (!m)
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    pthread_mutex_init(&m->mu, NULL);
    pthread_rwlock_init(&m->rw, NULL);
    if ((rc = load_key(m, metadir, err)) || (rc = open_db(m, metadir, err)) ||
        (rc = migrate(m->db, err)) || (rc = load_users(m, err)) || (rc = load_tokens(m, err)))
        goto fail;
    *out = m;
    return 0;
fail:
    lh_meta_close(m);
    return rc;
}

void lh_meta_close(lh_meta_t *m)
{
    if (!m)
        return;
    if (m->db)
        sqlite3_close_v2(m->db);
    if (m->users)
        OPENSSL_cleanse(m->users, m->capusers * sizeof *m->users);
    free(m->users);
    free(m->toks);
    OPENSSL_cleanse(m->key, sizeof m->key);
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

/* --- users --- */

/* Fills e (access key, secret, role kept) with fresh derived hashes and the
 * sealed secret in blob. */
static int derive(lh_meta_t *m, entry_t *e, unsigned char *blob, size_t *bloblen, lh_err_t *err)
{
    unsigned char salt[16];
    if (RAND_bytes(salt, sizeof salt) != 1 ||
        lh_meta_scram_verifier(e->u.secret_key, salt, sizeof salt, 4096, e->scram, sizeof e->scram) ||
        seal(m->key, e->u.access_key, e->u.secret_key, blob, bloblen))
        return lh_err_set(err, LH_EIO, "cannot derive the hashes of a secret");
    lh_meta_md5_hash(e->u.access_key, e->u.secret_key, e->md5);
    return 0;
}

static int write_user(lh_meta_t *m, const entry_t *e, const unsigned char *blob, size_t bloblen,
                      int insert, lh_err_t *err)
{
    static const char *const sql[] = {
        "UPDATE users SET secret_enc=?2, role=?3, scram=?4, md5=?5 WHERE access_key=?1",
        "INSERT INTO users(access_key, secret_enc, role, scram, md5, created) VALUES(?1,?2,?3,?4,?5,?6)"};
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db, sql[insert], -1, &st, NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    sqlite3_bind_text(st, 1, e->u.access_key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, blob, (int)bloblen, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, lh_role_name(e->u.role), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->scram, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, e->md5, -1, SQLITE_STATIC);
    if (insert)
        sqlite3_bind_int64(st, 6, e->u.created);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step == SQLITE_CONSTRAINT)
        return lh_err_set(err, LH_EEXIST, "user %s already exists", e->u.access_key);
    if (step != SQLITE_DONE)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    return 0;
}

/* Stores e (insert or update) and then the cache; holds m->mu. */
static int store_user(lh_meta_t *m, entry_t *e, int insert, lh_err_t *err)
{
    unsigned char blob[NONCE_LEN + 128 + TAG_LEN];
    size_t bloblen = 0;
    int rc = derive(m, e, blob, &bloblen, err);
    if (rc == 0)
        rc = write_user(m, e, blob, bloblen, insert, err);
    if (rc == 0) {
        pthread_rwlock_wrlock(&m->rw);
        rc = user_put(m, e) ? lh_err_set(err, LH_ENOMEM, "out of memory") : 0;
        pthread_rwlock_unlock(&m->rw);
    }
    return rc;
}

static int check_input(const char *ak, const char *sk, lh_err_t *err)
{
    if (!ak || !valid_name(ak))
        return lh_err_set(err, LH_EINVAL,
                          "bad user name '%s': use 3 to 128 characters of A-Z a-z 0-9 . _ @ + = , -",
                          ak ? ak : "");
    if (sk && !valid_secret(sk))
        return lh_err_set(err, LH_EINVAL, "bad secret key for %s: use 8 to 128 printable ASCII characters", ak);
    return 0;
}

static int lookup(lh_meta_t *m, const char *ak, entry_t *out)
{
    pthread_rwlock_rdlock(&m->rw);
    entry_t *e = user_find(m, ak, NULL);
    if (e)
        *out = *e;
    pthread_rwlock_unlock(&m->rw);
    return e ? 0 : LH_ENOENT;
}

int lh_meta_user_add(lh_meta_t *m, const char *access_key, const char *secret_key, int role,
                     lh_err_t *err)
{
    entry_t e;
    int rc = check_input(access_key, secret_key ? secret_key : "", err);
    if (rc)
        return rc;
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
    OPENSSL_cleanse(&e, sizeof e);
    return rc;
}

int lh_meta_user_get(lh_meta_t *m, const char *access_key, lh_user_t *out)
{
    entry_t e;
    if (!access_key || lookup(m, access_key, &e) != 0)
        return LH_ENOENT;
    *out = e.u;
    OPENSSL_cleanse(&e, sizeof e);
    return 0;
}

int lh_meta_user_pgauth(lh_meta_t *m, const char *access_key, char scram[LH_META_SCRAM_MAX],
                        char md5[LH_META_MD5_MAX])
{
    entry_t e;
    if (!access_key || lookup(m, access_key, &e) != 0)
        return LH_ENOENT;
    memcpy(scram, e.scram, sizeof e.scram);
    memcpy(md5, e.md5, sizeof e.md5);
    OPENSSL_cleanse(&e, sizeof e);
    return 0;
}

/* Changes secret and/or role (role < 0 keeps it). */
static int update_user(lh_meta_t *m, const char *ak, const char *sk, int role, lh_err_t *err)
{
    entry_t e;
    int rc = check_input(ak, sk, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&m->mu);
    if (lookup(m, ak, &e) != 0) {
        rc = lh_err_set(err, LH_ENOENT, "no user %s", ak);
        goto done;
    }
    if (sk)
        snprintf(e.u.secret_key, sizeof e.u.secret_key, "%s", sk);
    if (role >= 0)
        e.u.role = role;
    rc = store_user(m, &e, 0, err);
done:
    pthread_mutex_unlock(&m->mu);
    OPENSSL_cleanse(&e, sizeof e);
    return rc;
}

int lh_meta_user_passwd(lh_meta_t *m, const char *access_key, const char *secret_key,
                        lh_err_t *err)
{
    if (!secret_key)
        return lh_err_set(err, LH_EINVAL, "missing secret key");
    return update_user(m, access_key, secret_key, -1, err);
}

int lh_meta_user_set_role(lh_meta_t *m, const char *access_key, int role, lh_err_t *err)
{
    if (role < LH_ROLE_READER || role > LH_ROLE_ADMIN)
        return lh_err_set(err, LH_EINVAL, "bad role %d", role);
    return update_user(m, access_key, NULL, role, err);
}

int lh_meta_user_rm(lh_meta_t *m, const char *access_key, lh_err_t *err)
{
    sqlite3_stmt *st;
    int rc = 0;
    pthread_mutex_lock(&m->mu);
    if (sqlite3_prepare_v2(m->db, "DELETE FROM users WHERE access_key=?", -1, &st, NULL) != SQLITE_OK) {
        rc = lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
        goto done;
    }
    sqlite3_bind_text(st, 1, access_key, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        rc = lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
        goto done;
    }
    if (sqlite3_changes(m->db) == 0) {
        rc = lh_err_set(err, LH_ENOENT, "no user %s", access_key);
        goto done;
    }
    pthread_rwlock_wrlock(&m->rw);
    size_t pos;
    if (user_find(m, access_key, &pos)) {
        OPENSSL_cleanse(&m->users[pos], sizeof m->users[pos]);
        memmove(&m->users[pos], &m->users[pos + 1], (m->nusers - pos - 1) * sizeof *m->users);
        m->nusers--;
    }
    tok_drop_owner(m, access_key); /* the database cascades */
    pthread_rwlock_unlock(&m->rw);
done:
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
    if (!copy)
        return LH_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (fn(&copy[i], arg))
            break;
    free(copy);
    return 0;
}

/* Compares SHA-256 digests so neither content nor length leaks through time. */
static int same_secret(const char *a, const char *b)
{
    unsigned char da[32], db[32];
    SHA256((const unsigned char *)a, strlen(a), da);
    SHA256((const unsigned char *)b, strlen(b), db);
    return CRYPTO_memcmp(da, db, 32) == 0;
}

int lh_meta_user_check(lh_meta_t *m, const char *access_key, const char *secret_key,
                       lh_user_t *out)
{
    entry_t e;
    if (!access_key || !secret_key || lookup(m, access_key, &e) != 0) {
        same_secret(secret_key ? secret_key : "", "0000000000000000"); /* same work either way */
        return LH_ENOENT;
    }
    int ok = same_secret(secret_key, e.u.secret_key);
    if (ok && out)
        *out = e.u;
    OPENSSL_cleanse(&e, sizeof e);
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
    if (lh_meta_user_get(m, ak, &u) != 0)
        return lh_meta_user_add(m, ak, sk, LH_ROLE_ADMIN, err);
    int same = same_secret(u.secret_key, sk) && u.role == LH_ROLE_ADMIN;
    OPENSSL_cleanse(&u, sizeof u);
    if (same)
        return 0;
    return update_user(m, ak, sk, LH_ROLE_ADMIN, err);
}

int lh_meta_ensure_root(lh_meta_t *m, const char *ak, const char *sk, char *gen_ak, char *gen_sk,
                        int *generated, lh_err_t *err)
{
    if (generated)
        *generated = 0;
    int have_ak = ak && *ak, have_sk = sk && *sk;
    if (have_ak && have_sk)
        return ensure_given(m, ak, sk, err);
    if (have_ak || have_sk)
        return lh_err_set(err, LH_EINVAL,
                          "set both LAKEHOUSE_ACCESS_KEY and LAKEHOUSE_SECRET_KEY, or neither");
    if (has_admin(m))
        return 0;
    if (!gen_ak || !gen_sk)
        return lh_err_set(err, LH_EINVAL, "no admin user and nowhere to return a generated one");
    int rc;
    if (lh_meta_gen_access_key(gen_ak) || lh_meta_gen_secret(gen_sk))
        return lh_err_set(err, LH_EIO, "cannot generate root credentials: no randomness");
    if ((rc = lh_meta_user_add(m, gen_ak, gen_sk, LH_ROLE_ADMIN, err)))
        return rc;
    if (generated)
        *generated = 1;
    return 0;
}

/* --- tokens --- */

static void token_hash(const char *secret, char out[65])
{
    unsigned char d[32];
    SHA256((const unsigned char *)secret, strlen(secret), d);
    lh_hex(d, 32, out);
}

static int insert_token(lh_meta_t *m, const tok_t *t, lh_err_t *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db, "INSERT INTO tokens(id, hash, owner, name, created) VALUES(?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    sqlite3_bind_text(st, 1, t->t.id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, t->hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, t->t.owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, t->t.name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, t->t.created);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step == SQLITE_CONSTRAINT)
        return lh_err_set(err, LH_ENOENT, "no user %s", t->t.owner);
    return step == SQLITE_DONE ? 0 : lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
}

static int valid_token_name(const char *s)
{
    if (strlen(s) > 128)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
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
    if (!name)
        name = "";
    if (!valid_token_name(name))
        return lh_err_set(err, LH_EINVAL, "bad token name: at most 128 printable characters");
    if (!owner || lh_meta_user_get(m, owner, &u) != 0)
        return lh_err_set(err, LH_ENOENT, "no user %s", owner ? owner : "");
    memset(&t, 0, sizeof t);
    if (RAND_bytes(idb, sizeof idb) != 1 || rand_chars(rnd, 32, alnum))
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
    OPENSSL_cleanse(rnd, sizeof rnd);
    if (rc) {
        out_secret[0] = '\0';
        return rc;
    }
    if (out)
        *out = t.t;
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
    int ok = t && CRYPTO_memcmp(t->hash, hash, 64) == 0;
    if (ok)
        memcpy(owner, t->t.owner, sizeof owner);
    pthread_rwlock_unlock(&m->rw);
    if (!ok)
        return LH_EAUTH;
    lh_user_t u;
    if (lh_meta_user_get(m, owner, &u) != 0)
        return LH_EAUTH;
    if (out)
        *out = u;
    OPENSSL_cleanse(&u, sizeof u);
    return 0;
}

int lh_meta_token_list(lh_meta_t *m, const char *owner, int (*fn)(const lh_token_t *, void *),
                       void *arg)
{
    pthread_rwlock_rdlock(&m->rw);
    size_t n = 0;
    lh_token_t *copy = malloc((m->ntoks ? m->ntoks : 1) * sizeof *copy);
    for (size_t i = 0; copy && i < m->ntoks; i++)
        if (!owner || !strcmp(owner, m->toks[i].t.owner))
            copy[n++] = m->toks[i].t;
    pthread_rwlock_unlock(&m->rw);
    if (!copy)
        return LH_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (fn(&copy[i], arg))
            break;
    free(copy);
    return 0;
}

int lh_meta_token_get(lh_meta_t *m, const char *id, lh_token_t *out)
{
    pthread_rwlock_rdlock(&m->rw);
    tok_t *t = tok_find(m, id, NULL);
    if (t && out)
        *out = t->t;
    pthread_rwlock_unlock(&m->rw);
    return t ? 0 : LH_ENOENT;
}

int lh_meta_token_revoke(lh_meta_t *m, const char *id, lh_err_t *err)
{
    sqlite3_stmt *st;
    int rc = 0;
    pthread_mutex_lock(&m->mu);
    if (sqlite3_prepare_v2(m->db, "DELETE FROM tokens WHERE id=?", -1, &st, NULL) != SQLITE_OK) {
        rc = lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
        goto done;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE)
        rc = lh_err_set(err, LH_EIO, "metadata database: %s", sqlite3_errmsg(m->db));
    else if (sqlite3_changes(m->db) == 0)
        rc = lh_err_set(err, LH_ENOENT, "no token %s", id);
    if (rc)
        goto done;
    pthread_rwlock_wrlock(&m->rw);
    size_t pos;
    if (tok_find(m, id, &pos)) {
        memmove(&m->toks[pos], &m->toks[pos + 1], (m->ntoks - pos - 1) * sizeof *m->toks);
        m->ntoks--;
    }
    pthread_rwlock_unlock(&m->rw);
done:
    pthread_mutex_unlock(&m->mu);
    return rc;
}
