/* The metadata database <data-dir>/meta/lakehouse.db (SQLite, WAL) shared by
 * every module, with numbered migrations, and the one user model: users
 * (access key = name, secret key = password, role), bearer tokens.
 * Secrets are stored encrypted (AES-256-GCM) with the key in
 * <data-dir>/meta/secret.key (0600), because SigV4 needs the secret itself;
 * a SCRAM-SHA-256 verifier and an md5 hash (PostgreSQL style) are derived when
 * a secret is set. Thread-safe: one connection behind a mutex, plus an
 * in-memory user cache so request paths never wait on disk. */
#ifndef LH_CORE_META_H
#define LH_CORE_META_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct lh_meta lh_meta_t;
struct sqlite3;

enum { LH_ROLE_READER = 0, LH_ROLE_WRITER = 1, LH_ROLE_ADMIN = 2 };

typedef struct lh_user {
    char access_key[129];
    char secret_key[129]; /* decrypted; empty in list results */
    int role;
    int64_t created; /* unix seconds */
} lh_user_t;

typedef struct lh_migration {
    const char *module; /* "core", "store", ... */
    int version;        /* 1, 2, ... per module, applied in order once */
    const char *sql;
} lh_migration_t;

/* Opens (creating) meta/lakehouse.db and secret.key under data_dir, applies
 * core migrations and then every migration registered with
 * lh_meta_register_migrations() before the call. Owned by the caller. */
int lh_meta_open(lh_meta_t **out, const char *data_dir, lh_err_t *err);
void lh_meta_close(lh_meta_t *m);
/* Registers a module's migrations (static array, n entries); call before open. */
void lh_meta_register_migrations(const lh_migration_t *migs, int n);
/* The same migration scheme for a module's own SQLite database (one under
 * <data-dir>/<module>/, for modules whose write rate would queue behind
 * others): applies the migrations of migs (one module, numbered 1..n) newer
 * than those recorded in the database's schema_migrations table, in one
 * transaction. A database whose module has no record yet but a PRAGMA
 * user_version k > 0 (the store's index before the shared scheme) counts
 * migrations 1..k as applied. Returns 0, LH_EINVAL (misnumbered), LH_ECORRUPT
 * (the database is newer than this binary) or LH_EIO (a failed statement),
 * with err naming the file and migration. */
int lh_sqlite_migrate(struct sqlite3 *db, const lh_migration_t *migs, int n, lh_err_t *err);
/* The underlying handle for modules that keep tables here; use with
 * lh_meta_lock/unlock around every use. */
struct sqlite3 *lh_meta_db(lh_meta_t *m);
void lh_meta_lock(lh_meta_t *m);
void lh_meta_unlock(lh_meta_t *m);

/* Users. Names: 3..128 chars of [A-Za-z0-9._@+=,-]; secrets 8..128 chars. */
int lh_meta_user_add(lh_meta_t *m, const char *access_key, const char *secret_key, int role,
                     lh_err_t *err); /* LH_EEXIST, LH_EINVAL */
/* Looks up by access key (from the cache). LH_ENOENT when unknown. */
int lh_meta_user_get(lh_meta_t *m, const char *access_key, lh_user_t *out);
/* Sets a new secret; the user's bearer tokens stay valid. 0, LH_ENOENT,
 * LH_EINVAL, LH_EIO. */
int lh_meta_user_passwd(lh_meta_t *m, const char *access_key, const char *secret_key,
                        lh_err_t *err);
/* lh_meta_user_passwd, and with revoke_tokens also deletes every bearer
 * token of the user in the same transaction (both or neither); *revoked
 * (may be NULL) counts the tokens. Errors as lh_meta_user_passwd. */
int lh_meta_user_set_secret(lh_meta_t *m, const char *access_key, const char *secret_key,
                            int revoke_tokens, int *revoked, lh_err_t *err);
int lh_meta_user_rm(lh_meta_t *m, const char *access_key, lh_err_t *err);
/* Calls fn for every user (secret_key left empty); stops when fn returns non-zero. */
int lh_meta_user_list(lh_meta_t *m, int (*fn)(const lh_user_t *, void *), void *arg);
/* Checks a name/secret pair in constant time; 0, LH_EAUTH or LH_ENOENT. */
int lh_meta_user_check(lh_meta_t *m, const char *access_key, const char *secret_key,
                       lh_user_t *out);
/* Ensures the root admin exists: with ak/sk given, creates or updates it;
 * with NULLs and no admin yet, generates a pair, stores it, and returns it in
 * gen_ak/gen_sk (both >= 41 bytes) with *generated = 1. */
int lh_meta_ensure_root(lh_meta_t *m, const char *ak, const char *sk, char *gen_ak, char *gen_sk,
                        int *generated, lh_err_t *err);
const char *lh_role_name(int role);
int lh_role_parse(const char *s); /* -1 when unknown */

/* Bearer tokens: stored as SHA-256 hashes, shown once. */
typedef struct lh_token {
    char id[17]; /* public id */
    char owner[129];
    char name[129];
    int64_t created;
} lh_token_t;
/* Creates a token for owner; out_secret (>= 64 bytes) receives "lh_<id>_<random>". */
int lh_meta_token_create(lh_meta_t *m, const char *owner, const char *name, lh_token_t *out,
                         char *out_secret, lh_err_t *err);
/* Resolves a presented bearer token to its owner user. LH_EAUTH when invalid. */
int lh_meta_token_check(lh_meta_t *m, const char *secret, lh_user_t *out);
int lh_meta_token_list(lh_meta_t *m, const char *owner /* NULL = all */,
                       int (*fn)(const lh_token_t *, void *), void *arg);
int lh_meta_token_revoke(lh_meta_t *m, const char *id, lh_err_t *err);
/* One token by id (from the cache). 0 or LH_ENOENT. */
int lh_meta_token_get(lh_meta_t *m, const char *id, lh_token_t *out);

/* --- additions for the PostgreSQL wire, the CLI and tests --- */
#define LH_META_SCRAM_MAX 192 /* "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>" + NUL */
#define LH_META_MD5_MAX 36    /* "md5" + 32 hex + NUL */
/* The stored SCRAM-SHA-256 verifier and md5 hash of a user (from the cache).
 * 0 or LH_ENOENT. */
int lh_meta_user_pgauth(lh_meta_t *m, const char *access_key, char scram[LH_META_SCRAM_MAX],
                        char md5[LH_META_MD5_MAX]);
/* Changes a user's role. 0, LH_ENOENT, LH_EINVAL, LH_EIO. */
int lh_meta_user_set_role(lh_meta_t *m, const char *access_key, int role, lh_err_t *err);
/* A PostgreSQL-format SCRAM-SHA-256 verifier for password with the given salt
 * (<= 32 bytes) and iteration count (no SASLprep: passwords are ASCII).
 * 0, LH_ETOOBIG (cap too small) or LH_EIO. */
int lh_meta_scram_verifier(const char *password, const unsigned char *salt, size_t saltlen,
                           int iterations, char *out, size_t cap);
/* PostgreSQL's md5 password hash: "md5" + md5hex(password + user). */
void lh_meta_md5_hash(const char *user, const char *password, char out[LH_META_MD5_MAX]);
/* Random credentials: 20 chars of [A-Z0-9] / 40 chars of [A-Za-z0-9], NUL-terminated.
 * 0 or LH_EIO. */
int lh_meta_gen_access_key(char out[21]);
int lh_meta_gen_secret(char out[41]);

#endif
