/* Unit tests for the metadata database: migrations applied once across
 * reopens, users (add/get/passwd/rm/list/check), secrets encrypted at rest
 * (never in plain text in any file of meta/), secret.key, the SCRAM-SHA-256
 * verifier against RFC 7677's worked example, PostgreSQL's md5 hash, tokens
 * and the root bootstrap. */
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/meta.h"
#include "core/str.h"
#include "test.h"
#include "tmpdir.h"

static lh_meta_t *open_meta(const char *dir)
{
    lh_meta_t *m = NULL;
    lh_err_t err = {0};
    if (lh_meta_open(&m, dir, &err) != 0) fprintf(stderr, "  open: %s\n", err.msg);
    return m;
}

static int count(lh_meta_t *m, const char *sql)
{
    sqlite3_stmt *st;
    int n = -1;
    lh_meta_lock(m);
    if (sqlite3_prepare_v2(lh_meta_db(m), sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    lh_meta_unlock(m);
    return n;
}

static const lh_migration_t test_migs[] = {
    {"testmod", 1, "CREATE TABLE t1(x INTEGER)"},
    {"testmod", 2, "INSERT INTO t1 VALUES (42)"},
};

static void migrations_apply_once(void)
{
    const char *dir = lh_test_tmpdir();
    lh_meta_t *m = open_meta(dir);
    CHECK(m);
    CHECK_EQ_INT(count(m, "SELECT COUNT(*) FROM schema_migrations WHERE module='core'"), 1);
    CHECK_EQ_INT(count(m, "SELECT COUNT(*) FROM pragma_journal_mode WHERE journal_mode='wal'"), 1);
    CHECK_EQ_INT(count(m, "PRAGMA synchronous"), 2); /* FULL */
    lh_meta_close(m);
    lh_meta_register_migrations(test_migs, 2);
    for (int i = 0; i < 3; i++) {
        m = open_meta(dir);
        CHECK(m);
        CHECK_EQ_INT(count(m, "SELECT COUNT(*) FROM schema_migrations"), 3);
        CHECK_EQ_INT(count(m, "SELECT COUNT(*) FROM t1"), 1); /* the insert ran once */
        CHECK_EQ_INT(count(m, "PRAGMA foreign_keys"), 1);
        lh_meta_close(m);
    }
}

static int db_count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* A module's own database uses the same scheme: applied once, a newer
 * database is refused, and a PRAGMA user_version count is adopted. */
static void own_database_same_scheme(void)
{
    char path[512];
    sqlite3 *db;
    lh_err_t err = {0};
    static const lh_migration_t three[] = {
        {"own", 1, "CREATE TABLE a(x INTEGER)"},
        {"own", 2, "INSERT INTO a VALUES (1)"},
        {"own", 3, "INSERT INTO a VALUES (2)"},
    };
    snprintf(path, sizeof path, "%s/own.db", lh_test_tmpdir());
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(lh_sqlite_migrate(db, three, 2, &err), 0);
    CHECK_EQ_INT(lh_sqlite_migrate(db, three, 2, &err), 0); /* nothing new */
    CHECK_EQ_INT(db_count(db, "SELECT COUNT(*) FROM a"), 1);
    CHECK_EQ_INT(lh_sqlite_migrate(db, three, 3, &err), 0);
    CHECK_EQ_INT(db_count(db, "SELECT SUM(x) FROM a"), 3);
    CHECK_EQ_INT(db_count(db, "SELECT MAX(version) FROM schema_migrations WHERE module='own'"), 3);
    CHECK_EQ_INT(lh_sqlite_migrate(db, three, 1, &err), LH_ECORRUPT);
    CHECK(strstr(err.msg, "own migration 3") != NULL);
    sqlite3_close(db);
    /* made before the shared scheme: user_version 2 means 1 and 2 are in */
    snprintf(path, sizeof path, "%s/legacy.db", lh_test_tmpdir());
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db,
                              "CREATE TABLE a(x INTEGER); INSERT INTO a VALUES (1);"
                              "PRAGMA user_version=2;",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    CHECK_EQ_INT(lh_sqlite_migrate(db, three, 3, &err), 0);
    CHECK_EQ_INT(db_count(db, "SELECT SUM(x) FROM a"), 3); /* only migration 3 ran */
    CHECK_EQ_INT(db_count(db, "SELECT COUNT(*) FROM schema_migrations WHERE module='own'"), 3);
    sqlite3_close(db);
}

static int names(const lh_user_t *u, void *arg)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s:%s:%s;", u->access_key, lh_role_name(u->role),
             u->secret_key[0] ? "SECRET" : "");
    return 0;
}

static void users_add_get_passwd_rm(void)
{
    const char *dir = lh_test_tmpdir();
    lh_meta_t *m = open_meta(dir);
    lh_err_t err = {0};
    lh_user_t u;
    char list[512] = "";
    CHECK(m);
    CHECK_EQ_INT(lh_meta_user_add(m, "alice", "alice-secret-1", LH_ROLE_WRITER, &err), 0);
    CHECK_EQ_INT(lh_meta_user_add(m, "bob@example.com", "bob-secret-12", LH_ROLE_READER, &err), 0);
    CHECK_EQ_INT(lh_meta_user_add(m, "alice", "other-secret", LH_ROLE_READER, &err), LH_EEXIST);
    CHECK_EQ_INT(lh_meta_user_add(m, "al", "alice-secret-1", LH_ROLE_READER, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_meta_user_add(m, "a/b/c", "alice-secret-1", LH_ROLE_READER, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_meta_user_add(m, "carol", "short", LH_ROLE_READER, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_meta_user_add(m, "carol", "carol-secret", 7, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_meta_user_get(m, "alice", &u), 0);
    CHECK_EQ_STR(u.secret_key, "alice-secret-1");
    CHECK_EQ_INT(u.role, LH_ROLE_WRITER);
    CHECK(u.created > 0);
    CHECK_EQ_INT(lh_meta_user_get(m, "nobody", &u), LH_ENOENT);
    lh_meta_user_list(m, names, list);
    CHECK_EQ_STR(list, "alice:writer:;bob@example.com:reader:;");

    CHECK_EQ_INT(lh_meta_user_passwd(m, "alice", "alice-secret-2", &err), 0);
    CHECK_EQ_INT(lh_meta_user_passwd(m, "nobody", "alice-secret-2", &err), LH_ENOENT);
    CHECK_EQ_INT(lh_meta_user_check(m, "alice", "alice-secret-2", &u), 0);
    CHECK_EQ_INT(lh_meta_user_check(m, "alice", "alice-secret-1", NULL), LH_EAUTH);
    CHECK_EQ_INT(lh_meta_user_check(m, "nobody", "alice-secret-2", NULL), LH_ENOENT);
    CHECK_EQ_INT(lh_meta_user_set_role(m, "bob@example.com", LH_ROLE_ADMIN, &err), 0);
    CHECK_EQ_INT(lh_meta_user_rm(m, "alice", &err), 0);
    CHECK_EQ_INT(lh_meta_user_rm(m, "alice", &err), LH_ENOENT);
    lh_meta_close(m);

    m = open_meta(dir); /* the cache is rebuilt from disk */
    CHECK(m);
    CHECK_EQ_INT(lh_meta_user_get(m, "alice", &u), LH_ENOENT);
    CHECK_EQ_INT(lh_meta_user_get(m, "bob@example.com", &u), 0);
    CHECK_EQ_STR(u.secret_key, "bob-secret-12");
    CHECK_EQ_INT(u.role, LH_ROLE_ADMIN);
    lh_meta_close(m);
}

/* 1 when needle occurs in any file under dir. */
static int found_in_files(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    while (d && !found && (e = readdir(d))) {
        char p[512];
        static char buf[1 << 20];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        int fd = open(p, O_RDONLY);
        if (fd < 0) continue;
        ssize_t n = read(fd, buf, sizeof buf);
        close(fd);
        found = n > 0 && memmem(buf, (size_t)n, needle, strlen(needle)) != NULL;
    }
    if (d) closedir(d);
    return found;
}

static void secrets_encrypted_at_rest(void)
{
    const char *dir = lh_test_tmpdir();
    char metadir[300], keyp[320];
    lh_err_t err = {0};
    lh_user_t u;
    snprintf(metadir, sizeof metadir, "%s/meta", dir);
    lh_meta_t *m = open_meta(dir);
    CHECK(m);
    CHECK_EQ_INT(lh_meta_user_add(m, "dora", "Plain-Text-Secret-XYZ", LH_ROLE_READER, &err), 0);
    /* the name is stored in clear (the check below is meaningful), the secret is not */
    CHECK(found_in_files(metadir, "dora"));
    CHECK(!found_in_files(metadir, "Plain-Text-Secret-XYZ"));
    lh_meta_close(m);
    CHECK(!found_in_files(metadir, "Plain-Text-Secret-XYZ"));

    struct stat st;
    snprintf(keyp, sizeof keyp, "%s/secret.key", metadir);
    CHECK_EQ_INT(stat(keyp, &st), 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    CHECK_EQ_INT(st.st_size, 32);

    m = open_meta(dir); /* round trip through decryption */
    CHECK(m);
    CHECK_EQ_INT(lh_meta_user_get(m, "dora", &u), 0);
    CHECK_EQ_STR(u.secret_key, "Plain-Text-Secret-XYZ");
    lh_meta_close(m);

    /* another key cannot decrypt: open refuses instead of serving garbage */
    FILE *f = fopen(keyp, "r+");
    CHECK(f);
    fputs("0123456789abcdef0123456789abcdef", f);
    fclose(f);
    m = NULL;
    CHECK_EQ_INT(lh_meta_open(&m, dir, &err), LH_ECORRUPT);
    CHECK(m == NULL);
    CHECK(strstr(err.msg, "dora"));
}

static void b64d(const char *s, unsigned char *out, size_t cap, long *n)
{
    *n = lh_base64_decode(s, strlen(s), out, cap);
}

/* RFC 7677 section 3: user "user", password "pencil", salt
 * W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations. The verifier's ServerKey must
 * produce the RFC's server signature, and its StoredKey must accept the RFC's
 * client proof, over the RFC's AuthMessage. */
static void scram_matches_rfc7677(void)
{
    const char *am =
        "n=user,r=rOprNGfwEbeRWgbNEkqO,"
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
        "i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    unsigned char salt[32], stored[40], server[40], proof[40], sig[32], ck[32], h[32];
    char v[LH_META_SCRAM_MAX], b64[64];
    long n;
    unsigned int len = 32;
    b64d("W22ZaJ0SNY7soEsUEjb6gQ==", salt, sizeof salt, &n);
    CHECK_EQ_INT(n, 16);
    CHECK_EQ_INT(lh_meta_scram_verifier("pencil", salt, 16, 4096, v, sizeof v), 0);
    CHECK(!strncmp(v, "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$", 44));
    char *colon = strrchr(v, ':');
    CHECK(colon);
    *colon = '\0';
    b64d(strrchr(v, '$') + 1, stored, sizeof stored, &n);
    CHECK_EQ_INT(n, 32);
    b64d(colon + 1, server, sizeof server, &n);
    CHECK_EQ_INT(n, 32);
    HMAC(EVP_sha256(), server, 32, (const unsigned char *)am, strlen(am), sig, &len);
    lh_base64_encode(sig, 32, b64);
    CHECK_EQ_STR(b64, "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    b64d("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", proof, sizeof proof, &n);
    CHECK_EQ_INT(n, 32);
    HMAC(EVP_sha256(), stored, 32, (const unsigned char *)am, strlen(am), sig, &len);
    for (int i = 0; i < 32; i++)
        ck[i] = proof[i] ^ sig[i];
    SHA256(ck, 32, h);
    CHECK(memcmp(h, stored, 32) == 0);
}

static void md5_and_stored_verifiers(void)
{
    char md5[LH_META_MD5_MAX], scram[LH_META_SCRAM_MAX], again[LH_META_SCRAM_MAX];
    unsigned char salt[32];
    lh_err_t err = {0};
    lh_meta_md5_hash("user", "pencil", md5);
    CHECK_EQ_STR(md5, "md520c46e3762c864548e296b33c3406aa9"); /* python hashlib */

    lh_meta_t *m = open_meta(lh_test_tmpdir());
    CHECK(m);
    CHECK_EQ_INT(lh_meta_user_add(m, "user", "pencil-pencil", LH_ROLE_READER, &err), 0);
    CHECK_EQ_INT(lh_meta_user_pgauth(m, "user", scram, md5), 0);
    lh_meta_md5_hash("user", "pencil-pencil", again);
    CHECK_EQ_STR(md5, again);
    /* the stored verifier is the one its own salt gives */
    CHECK(!strncmp(scram, "SCRAM-SHA-256$4096:", 19));
    char *salt_b64 = scram + 19, *dollar = strchr(salt_b64, '$');
    CHECK(dollar);
    long n = lh_base64_decode(salt_b64, (size_t)(dollar - salt_b64), salt, sizeof salt);
    CHECK_EQ_INT(n, 16);
    CHECK_EQ_INT(lh_meta_scram_verifier("pencil-pencil", salt, 16, 4096, again, sizeof again), 0);
    CHECK_EQ_STR(scram, again);
    /* a new secret gets a new salt */
    CHECK_EQ_INT(lh_meta_user_passwd(m, "user", "pencil-pencil", &err), 0);
    CHECK_EQ_INT(lh_meta_user_pgauth(m, "user", again, md5), 0);
    CHECK(strcmp(scram, again) != 0);
    CHECK_EQ_INT(lh_meta_user_pgauth(m, "nobody", scram, md5), LH_ENOENT);
    lh_meta_close(m);
}

static int count_tokens(const lh_token_t *t, void *arg)
{
    (void)t;
    (*(int *)arg)++;
    return 0;
}

static void tokens_create_check_revoke(void)
{
    const char *dir = lh_test_tmpdir();
    lh_meta_t *m = open_meta(dir);
    lh_err_t err = {0};
    lh_token_t t, t2;
    lh_user_t u;
    char secret[64], secret2[64], tampered[64];
    int n = 0;
    CHECK(m);
    CHECK_EQ_INT(lh_meta_user_add(m, "erin", "erin-secret-1", LH_ROLE_WRITER, &err), 0);
    CHECK_EQ_INT(lh_meta_user_add(m, "fred", "fred-secret-1", LH_ROLE_READER, &err), 0);
    CHECK_EQ_INT(lh_meta_token_create(m, "erin", "ci", &t, secret, &err), 0);
    CHECK_EQ_INT(lh_meta_token_create(m, "fred", NULL, &t2, secret2, &err), 0);
    CHECK_EQ_INT(lh_meta_token_create(m, "nobody", "x", NULL, secret2, &err), LH_ENOENT);
    CHECK_EQ_INT(strlen(t.id), 16);
    CHECK(!strncmp(secret, "lh_", 3) && !strncmp(secret + 3, t.id, 16) && secret[19] == '_');
    CHECK_EQ_STR(t.owner, "erin");
    CHECK_EQ_STR(t.name, "ci");
    CHECK_EQ_INT(lh_meta_token_check(m, secret, &u), 0);
    CHECK_EQ_STR(u.access_key, "erin");
    CHECK_EQ_INT(u.role, LH_ROLE_WRITER);
    snprintf(tampered, sizeof tampered, "%s", secret);
    tampered[strlen(tampered) - 1] ^= 1;
    CHECK_EQ_INT(lh_meta_token_check(m, tampered, &u), LH_EAUTH);
    CHECK_EQ_INT(lh_meta_token_check(m, "lh_short", &u), LH_EAUTH);
    CHECK_EQ_INT(lh_meta_token_check(m, "", &u), LH_EAUTH);
    /* only the hash is stored */
    char metadir[300];
    snprintf(metadir, sizeof metadir, "%s/meta", dir);
    lh_meta_close(m);
    CHECK(!found_in_files(metadir, secret + 20));
    m = open_meta(dir);
    CHECK(m);
    CHECK_EQ_INT(lh_meta_token_check(m, secret, &u), 0); /* survives a reopen */
    lh_meta_token_list(m, NULL, count_tokens, &n);
    CHECK_EQ_INT(n, 2);
    n = 0;
    lh_meta_token_list(m, "erin", count_tokens, &n);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(lh_meta_token_get(m, t.id, &t2), 0);
    CHECK_EQ_STR(t2.owner, "erin");
    CHECK_EQ_INT(lh_meta_token_revoke(m, t.id, &err), 0);
    CHECK_EQ_INT(lh_meta_token_revoke(m, t.id, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_meta_token_check(m, secret, &u), LH_EAUTH);
    /* removing a user removes its tokens */
    CHECK_EQ_INT(lh_meta_user_rm(m, "fred", &err), 0);
    n = 0;
    lh_meta_token_list(m, NULL, count_tokens, &n);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(count(m, "SELECT COUNT(*) FROM tokens"), 0);
    lh_meta_close(m);
}

/* A new secret keeps the tokens; with revoke_tokens they go in the same
 * transaction (in the database and in the cache). */
static void passwd_keeps_or_revokes_tokens(void)
{
    const char *dir = lh_test_tmpdir();
    lh_meta_t *m = open_meta(dir);
    lh_err_t err = {0};
    lh_token_t t;
    lh_user_t u;
    char s1[64], s2[64], s3[64];
    int revoked = -1;
    CHECK(m);
    CHECK_EQ_INT(lh_meta_user_add(m, "gail", "gail-secret-1", LH_ROLE_WRITER, &err), 0);
    CHECK_EQ_INT(lh_meta_user_add(m, "hank", "hank-secret-1", LH_ROLE_WRITER, &err), 0);
    CHECK_EQ_INT(lh_meta_token_create(m, "gail", "a", &t, s1, &err), 0);
    CHECK_EQ_INT(lh_meta_token_create(m, "gail", "b", &t, s2, &err), 0);
    CHECK_EQ_INT(lh_meta_token_create(m, "hank", "c", &t, s3, &err), 0);
    CHECK_EQ_INT(lh_meta_user_set_secret(m, "gail", "gail-secret-2", 0, &revoked, &err), 0);
    CHECK_EQ_INT(revoked, 0);
    CHECK_EQ_INT(lh_meta_token_check(m, s1, &u), 0); /* kept */
    CHECK_EQ_INT(lh_meta_user_set_secret(m, "gail", "gail-secret-3", 1, &revoked, &err), 0);
    CHECK_EQ_INT(revoked, 2);
    CHECK_EQ_INT(lh_meta_token_check(m, s1, &u), LH_EAUTH);
    CHECK_EQ_INT(lh_meta_token_check(m, s2, &u), LH_EAUTH);
    CHECK_EQ_INT(lh_meta_token_check(m, s3, &u), 0); /* another user's stays */
    CHECK_EQ_INT(lh_meta_user_check(m, "gail", "gail-secret-3", NULL), 0);
    CHECK_EQ_INT(lh_meta_user_set_secret(m, "nobody", "gail-secret-3", 1, &revoked, &err),
                 LH_ENOENT);
    CHECK_EQ_INT(lh_meta_user_set_secret(m, "gail", "short", 1, &revoked, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_meta_user_check(m, "gail", "gail-secret-3", NULL), 0);
    lh_meta_close(m);
    m = open_meta(dir); /* and on disk */
    CHECK(m);
    CHECK_EQ_INT(count(m, "SELECT COUNT(*) FROM tokens"), 1);
    CHECK_EQ_INT(lh_meta_user_check(m, "gail", "gail-secret-3", NULL), 0);
    lh_meta_close(m);
}

static int all_of(const char *s, const char *set)
{
    return strspn(s, set) == strlen(s);
}

static void ensure_root_generates_once(void)
{
    const char *dir = lh_test_tmpdir();
    lh_meta_t *m = open_meta(dir);
    lh_err_t err = {0};
    lh_user_t u;
    char ak[64], sk[64], ak2[64] = "", sk2[64] = "";
    int gen = -1;
    CHECK(m);
    CHECK_EQ_INT(lh_meta_ensure_root(m, NULL, NULL, ak, sk, &gen, &err), 0);
    CHECK_EQ_INT(gen, 1);
    CHECK_EQ_INT(strlen(ak), 20);
    CHECK_EQ_INT(strlen(sk), 40);
    CHECK(all_of(ak, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"));
    CHECK(all_of(sk, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"));
    CHECK_EQ_INT(lh_meta_user_check(m, ak, sk, &u), 0);
    CHECK_EQ_INT(u.role, LH_ROLE_ADMIN);
    lh_meta_close(m);
    m = open_meta(dir);
    CHECK(m);
    CHECK_EQ_INT(lh_meta_ensure_root(m, NULL, NULL, ak2, sk2, &gen, &err), 0);
    CHECK_EQ_INT(gen, 0); /* an admin exists: nothing generated */
    CHECK_EQ_STR(ak2, "");
    CHECK_EQ_INT(lh_meta_ensure_root(m, "rootuser", NULL, ak2, sk2, &gen, &err), LH_EINVAL);
    lh_meta_close(m);
}

static void ensure_root_from_environment(void)
{
    lh_meta_t *m = open_meta(lh_test_tmpdir());
    lh_err_t err = {0};
    lh_user_t u;
    int gen = -1;
    CHECK(m);
    CHECK_EQ_INT(lh_meta_user_add(m, "rootuser", "reader-secret", LH_ROLE_READER, &err), 0);
    CHECK_EQ_INT(lh_meta_ensure_root(m, "rootuser", "root-secret-1", NULL, NULL, &gen, &err), 0);
    CHECK_EQ_INT(gen, 0);
    CHECK_EQ_INT(lh_meta_user_check(m, "rootuser", "root-secret-1", &u), 0);
    CHECK_EQ_INT(u.role, LH_ROLE_ADMIN); /* promoted */
    CHECK_EQ_INT(lh_meta_ensure_root(m, "rootuser", "root-secret-2", NULL, NULL, &gen, &err), 0);
    CHECK_EQ_INT(lh_meta_user_check(m, "rootuser", "root-secret-2", NULL), 0);
    CHECK_EQ_INT(lh_meta_ensure_root(m, "newroot", "new-root-secret", NULL, NULL, &gen, &err), 0);
    CHECK_EQ_INT(lh_meta_user_get(m, "newroot", &u), 0);
    CHECK_EQ_INT(u.role, LH_ROLE_ADMIN);
    CHECK_EQ_INT(lh_meta_ensure_root(m, "x", "bad", NULL, NULL, &gen, &err), LH_EINVAL);
    lh_meta_close(m);
}

static void roles_parse_and_name(void)
{
    CHECK_EQ_INT(lh_role_parse("admin"), LH_ROLE_ADMIN);
    CHECK_EQ_INT(lh_role_parse("writer"), LH_ROLE_WRITER);
    CHECK_EQ_INT(lh_role_parse("reader"), LH_ROLE_READER);
    CHECK_EQ_INT(lh_role_parse("root"), -1);
    CHECK_EQ_INT(lh_role_parse(NULL), -1);
    CHECK_EQ_STR(lh_role_name(LH_ROLE_WRITER), "writer");
}

static const lh_test_t tests[] = {
    {"migrations_apply_once", migrations_apply_once},
    {"own_database_same_scheme", own_database_same_scheme},
    {"users_add_get_passwd_rm", users_add_get_passwd_rm},
    {"secrets_encrypted_at_rest", secrets_encrypted_at_rest},
    {"scram_matches_rfc7677", scram_matches_rfc7677},
    {"md5_and_stored_verifiers", md5_and_stored_verifiers},
    {"tokens_create_check_revoke", tokens_create_check_revoke},
    {"passwd_keeps_or_revokes_tokens", passwd_keeps_or_revokes_tokens},
    {"ensure_root_generates_once", ensure_root_generates_once},
    {"ensure_root_from_environment", ensure_root_from_environment},
    {"roles_parse_and_name", roles_parse_and_name},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
