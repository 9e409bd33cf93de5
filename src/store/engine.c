/* The embedded object store: opening and closing it (directories, schema
 * migrations, crash-leftover cleanup), the pool of SQLite connections with
 * their lazily prepared statements, and the bucket operations. Objects live
 * in engine_obj.c, listing in engine_list.c, multipart in engine_mpu.c and
 * the group commits in engine_sync.c. See src/store/README.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/meta.h"
#include "core/str.h"
#include "store/engine_int.h"

static const char *const sql_text[Q_COUNT] = {
    [Q_BUCKET_GET] =
        "SELECT name, owner, created_ns, public_read, policy, versioning, ownership, public_block"
        " FROM buckets WHERE name=?1",
    [Q_BUCKET_LIST] =
        "SELECT name, owner, created_ns, public_read, policy, versioning, ownership, public_block"
        " FROM buckets ORDER BY name",
    [Q_BUCKET_INSERT] = "INSERT INTO buckets(name, owner, created_ns, public_read, ownership,"
                        " public_block) VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT DO NOTHING",
    [Q_BUCKET_DELETE] = "DELETE FROM buckets WHERE name=?1",
    [Q_BUCKET_HAS_OBJ] = "SELECT 1 FROM objects WHERE bucket=?1 LIMIT 1",
    [Q_BUCKET_POLICY] = "UPDATE buckets SET policy=?2 WHERE name=?1",
    [Q_BUCKET_PUBLIC] = "UPDATE buckets SET public_read=?2 WHERE name=?1",
    [Q_BUCKET_VERSIONING] = "UPDATE buckets SET versioning=?2 WHERE name=?1",
    [Q_BUCKET_OWNERSHIP] = "UPDATE buckets SET ownership=?2 WHERE name=?1",
    [Q_BUCKET_PUBLIC_BLOCK] = "UPDATE buckets SET public_block=?2 WHERE name=?1",
    [Q_BUCKET_LIFECYCLE] = "UPDATE buckets SET lifecycle=?2 WHERE name=?1",
    [Q_BUCKET_LIFECYCLE_GET] = "SELECT lifecycle FROM buckets WHERE name=?1",
    [Q_BUCKET_EXISTS] = "SELECT 1 FROM buckets WHERE name=?1",
    [Q_BUCKET_VSTATE] = "SELECT versioning FROM buckets WHERE name=?1",
    [Q_BUCKET_HAS_VER] = "SELECT 1 FROM versions WHERE bucket=?1 LIMIT 1",
    [Q_BUCKET_OF_OWNER] =
        "SELECT name, owner, created_ns, public_read, policy, versioning, ownership, public_block"
        " FROM buckets WHERE owner=?1 ORDER BY name",
    [Q_BUCKET_REASSIGN] = "UPDATE buckets SET owner=?2 WHERE owner=?1",
    [Q_OBJ_GET] = "SELECT size, mtime_ns, etag, attrs, data_id, inline_data, version_id"
                  " FROM objects WHERE bucket=?1 AND key=?2",
    [Q_OBJ_CUR] =
        "SELECT etag, data_id, version_id, mtime_ns FROM objects WHERE bucket=?1 AND key=?2",
    [Q_OBJ_PUT] =
        "INSERT OR REPLACE INTO objects(bucket, key, size, mtime_ns, etag, attrs, data_id,"
        " inline_data, version_id) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    [Q_OBJ_DELETE] = "DELETE FROM objects WHERE bucket=?1 AND key=?2 RETURNING data_id",
    [Q_LIST_GE] = "SELECT key, size, mtime_ns, etag, attrs FROM objects WHERE bucket=?1 AND key>=?2"
                  " ORDER BY key",
    [Q_LIST_GT] = "SELECT key, size, mtime_ns, etag, attrs FROM objects WHERE bucket=?1 AND key>?2"
                  " ORDER BY key",
    [Q_UP_INSERT] =
        "INSERT INTO uploads(upload_id, bucket, key, attrs, created_ns) VALUES(?1,?2,?3,?4,?5)",
    [Q_UP_GET] = "SELECT key, attrs, created_ns FROM uploads WHERE upload_id=?1 AND bucket=?2",
    [Q_UP_DELETE] = "DELETE FROM uploads WHERE upload_id=?1",
    [Q_UP_LIST] = "SELECT upload_id, key, attrs, created_ns FROM uploads WHERE bucket=?1 AND"
                  " (key>?2 OR (key=?2 AND upload_id>?3)) ORDER BY key, upload_id",
    [Q_UP_OF_BUCKET] = "SELECT upload_id FROM uploads WHERE bucket=?1 LIMIT 1",
    [Q_PART_PUT] =
        "INSERT OR REPLACE INTO parts(upload_id, part_number, size, etag, attrs, data_id,"
        " mtime_ns) VALUES(?1,?2,?3,?4,?5,?6,?7)",
    [Q_PART_CUR] = "SELECT data_id, size FROM parts WHERE upload_id=?1 AND part_number=?2",
    [Q_PART_LIST] = "SELECT part_number, size, etag, attrs, mtime_ns FROM parts WHERE upload_id=?1"
                    " AND part_number>?2 ORDER BY part_number",
    [Q_PART_IDS] = "SELECT data_id FROM parts WHERE upload_id=?1",
    [Q_PART_DELETE_ALL] = "DELETE FROM parts WHERE upload_id=?1",
    [Q_REF_OBJ] = "SELECT 1 FROM objects WHERE data_id=?1 AND data_id<>'' LIMIT 1",
    [Q_REF_PART] = "SELECT 1 FROM parts WHERE data_id=?1 LIMIT 1",
    [Q_REF_VER] = "SELECT 1 FROM versions WHERE data_id=?1 AND data_id<>'' LIMIT 1",
    /* versions (engine_ver.c, engine_vlist.c): a key's noncurrent versions
     * and delete markers, newest first by seq (the current one is the
     * objects row, LH__SEQ_CURRENT in listings) */
    [Q_VER_SAVE] =
        "INSERT INTO versions(bucket, key, seq, version_id, size, mtime_ns, etag, attrs, data_id,"
        " inline_data, is_marker) SELECT bucket, key, (SELECT COALESCE(MAX(seq),0)+1 FROM versions"
        " WHERE bucket=?1 AND key=?2), version_id, size, mtime_ns, etag, attrs, data_id,"
        " inline_data, 0 FROM objects WHERE bucket=?1 AND key=?2",
    [Q_VER_MARKER] =
        "INSERT INTO versions(bucket, key, seq, version_id, size, mtime_ns, etag, attrs, data_id,"
        " inline_data, is_marker) VALUES(?1,?2,(SELECT COALESCE(MAX(seq),0)+1 FROM versions"
        " WHERE bucket=?1 AND key=?2),?3,0,?4,'',NULL,'',NULL,1)",
    [Q_VER_FIND] = "SELECT seq, data_id, is_marker, mtime_ns FROM versions"
                   " WHERE bucket=?1 AND key=?2 AND version_id=?3",
    [Q_VER_DELETE] = "DELETE FROM versions WHERE bucket=?1 AND key=?2 AND seq=?3",
    [Q_VER_TOP] = "SELECT seq, is_marker FROM versions WHERE bucket=?1 AND key=?2"
                  " ORDER BY seq DESC LIMIT 1",
    [Q_VER_PROMOTE] =
        "INSERT INTO objects(bucket, key, size, mtime_ns, etag, attrs, data_id, inline_data,"
        " version_id) SELECT bucket, key, size, mtime_ns, etag, attrs, data_id, inline_data,"
        " version_id FROM versions WHERE bucket=?1 AND key=?2 AND seq=?3",
    [Q_VER_GET] = "SELECT size, mtime_ns, etag, attrs, data_id, inline_data, version_id, 0"
                  " FROM objects WHERE bucket=?1 AND key=?2 AND version_id=?3 UNION ALL"
                  " SELECT size, mtime_ns, etag, attrs, data_id, inline_data, version_id,"
                  " is_marker FROM versions WHERE bucket=?1 AND key=?2 AND version_id=?3",
    [Q_VER_LATEST] = "SELECT size, mtime_ns, etag, attrs, data_id, inline_data, version_id, 0,"
                     " 9223372036854775807 AS seq FROM objects WHERE bucket=?1 AND key=?2"
                     " UNION ALL SELECT size, mtime_ns, etag, attrs, data_id, inline_data,"
                     " version_id, is_marker, seq FROM versions WHERE bucket=?1 AND key=?2"
                     " ORDER BY 9 DESC LIMIT 1",
    [Q_VLIST_GE] = "SELECT key, 9223372036854775807, size, mtime_ns, etag, attrs, version_id, 0"
                   " FROM objects WHERE bucket=?1 AND key>=?2 UNION ALL SELECT key, seq, size,"
                   " mtime_ns, etag, attrs, version_id, is_marker FROM versions"
                   " WHERE bucket=?1 AND key>=?2 ORDER BY 1, 2 DESC",
    [Q_VLIST_GT] = "SELECT key, 9223372036854775807, size, mtime_ns, etag, attrs, version_id, 0"
                   " FROM objects WHERE bucket=?1 AND key>?2 UNION ALL SELECT key, seq, size,"
                   " mtime_ns, etag, attrs, version_id, is_marker FROM versions"
                   " WHERE bucket=?1 AND key>?2 ORDER BY 1, 2 DESC",
    [Q_VLIST_KEY] = "SELECT key, seq, size, mtime_ns, etag, attrs, version_id, is_marker"
                    " FROM versions WHERE bucket=?1 AND key=?2 AND seq<?3 ORDER BY seq DESC",
    [Q_VLIST_POS] = "SELECT 9223372036854775807 FROM objects WHERE bucket=?1 AND key=?2 AND"
                    " version_id=?3 UNION ALL SELECT seq FROM versions WHERE bucket=?1 AND key=?2"
                    " AND version_id=?3",
    [Q_OBJ_ATTRS] = "SELECT attrs FROM objects WHERE bucket=?1 AND key=?2",
    [Q_OBJ_SET_ATTRS] = "UPDATE objects SET attrs=?3 WHERE bucket=?1 AND key=?2",
    [Q_DONE_PUT] = "INSERT OR REPLACE INTO completed(upload_id, bucket, key, etag, record,"
                   " completed_ns, version_id) VALUES(?1,?2,?3,?4,?5,?6,?7)",
    [Q_DONE_GET] = "SELECT key, etag, record, completed_ns, version_id FROM completed"
                   " WHERE upload_id=?1 AND bucket=?2 AND completed_ns>=?3",
    [Q_DONE_PRUNE] = "DELETE FROM completed WHERE upload_id IN (SELECT upload_id FROM completed"
                     " WHERE completed_ns<?1 ORDER BY completed_ns LIMIT 64)",
    [Q_DONE_OF_BUCKET] = "DELETE FROM completed WHERE bucket=?1",
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_SP] = "SAVEPOINT op",
    [Q_SP_ROLLBACK] = "ROLLBACK TO op",
    [Q_SP_RELEASE] = "RELEASE op",
};

/* The index schema, in the one migration scheme (core/meta.h); databases made
 * before it counted these in PRAGMA user_version and are adopted. */
static const lh_migration_t migrations[] = {
    {"store", 1,
     "CREATE TABLE buckets(name TEXT PRIMARY KEY, owner TEXT NOT NULL, created_ns INTEGER NOT NULL,"
     " public_read INTEGER NOT NULL DEFAULT 0, policy TEXT) WITHOUT ROWID;"
     "CREATE TABLE objects(bucket TEXT NOT NULL, key BLOB NOT NULL, size INTEGER NOT NULL,"
     " mtime_ns INTEGER NOT NULL, etag TEXT NOT NULL, attrs TEXT, data_id TEXT NOT NULL,"
     " PRIMARY KEY(bucket, key)) WITHOUT ROWID;"
     "CREATE INDEX objects_data ON objects(data_id);"
     "CREATE TABLE uploads(upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key BLOB NOT NULL,"
     " attrs TEXT, created_ns INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE INDEX uploads_key ON uploads(bucket, key, upload_id);"
     "CREATE TABLE parts(upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, size INTEGER NOT "
     "NULL,"
     " etag TEXT NOT NULL, attrs TEXT, data_id TEXT NOT NULL, mtime_ns INTEGER NOT NULL,"
     " PRIMARY KEY(upload_id, part_number)) WITHOUT ROWID;"
     "CREATE INDEX parts_data ON parts(data_id);"},
    /* 2: small objects inline (data_id '', bytes in inline_data); the
     * orphan-sweep index covers file-backed rows only */
    {"store", 2,
     "ALTER TABLE objects ADD COLUMN inline_data BLOB;"
     "DROP INDEX objects_data;"
     "CREATE INDEX objects_data ON objects(data_id) WHERE data_id<>'';"},
    /* 3: bucket settings beyond policy and canned ACL: versioning state,
     * object ownership, public access block bits, lifecycle rules */
    {"store", 3,
     "ALTER TABLE buckets ADD COLUMN versioning INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE buckets ADD COLUMN ownership INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE buckets ADD COLUMN public_block INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE buckets ADD COLUMN lifecycle TEXT;"},
    /* 4: completed multipart uploads, remembered for a day so that a retried
     * CompleteMultipartUpload gets the same answer */
    {"store", 4,
     "CREATE TABLE completed(upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key BLOB NOT NULL,"
     " etag TEXT NOT NULL, record TEXT NOT NULL, completed_ns INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE INDEX completed_time ON completed(completed_ns);"},
    /* 5: versions. The objects row stays the current version (with its id,
     * 'null' for every object written before); noncurrent versions and
     * delete markers live in versions, newest first per key by seq; a
     * completed upload remembers the version it made */
    {"store", 5,
     "ALTER TABLE objects ADD COLUMN version_id TEXT NOT NULL DEFAULT 'null';"
     "CREATE TABLE versions(bucket TEXT NOT NULL, key BLOB NOT NULL, seq INTEGER NOT NULL,"
     " version_id TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,"
     " etag TEXT NOT NULL, attrs TEXT, data_id TEXT NOT NULL, inline_data BLOB,"
     " is_marker INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(bucket, key, seq DESC)) WITHOUT ROWID;"
     "CREATE UNIQUE INDEX versions_id ON versions(bucket, key, version_id);"
     "CREATE INDEX versions_data ON versions(data_id) WHERE data_id<>'';"
     "ALTER TABLE completed ADD COLUMN version_id TEXT NOT NULL DEFAULT '';"},
};

#define MARKER "OPEN" /* present while the store is open: absent after a clean close */

int64_t lh__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void lh__random_hex(char *out, size_t nbytes)
{
    unsigned char b[32];
    if (nbytes > sizeof b) nbytes = sizeof b;
    size_t got = 0;
    while (got < nbytes) {
        ssize_t r = getrandom(b + got, nbytes - got, 0);
        if (r > 0)
            got += (size_t)r;
        else if (errno != EINTR)
            abort(); /* no entropy source: ids would collide */
    }
    lh_hex(b, nbytes, out);
}

int lh__sql_err(lh__conn_t *c, lh_err_t *err, const char *what)
{
    return lh_err_set(err, LH_EIO, "%s failed: %s", what, sqlite3_errmsg(c->db));
}

sqlite3_stmt *lh__store_stmt(lh__conn_t *c, int q, lh_err_t *err)
{
    if (!c->q[q]) {
        if (sqlite3_prepare_v3(c->db, sql_text[q], -1, SQLITE_PREPARE_PERSISTENT, &c->q[q], NULL) !=
            SQLITE_OK) {
            lh__sql_err(c, err, "prepare");
            return NULL;
        }
        return c->q[q];
    }
    sqlite3_reset(c->q[q]);
    sqlite3_clear_bindings(c->q[q]);
    return c->q[q];
}

static void conn_free(lh__conn_t *c)
{
    if (!c) return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(c->q[i]);
    sqlite3_close(c->db);
    free(c);
}

static int conn_open(lh_store_t *st, lh__conn_t **out, lh_err_t *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/index.db", st->root) >= (int)sizeof path)
        return lh_err_set(err, LH_ETOOBIG, "store path too long");
    lh__conn_t *c = calloc(1, sizeof *c);
    if (!c) return lh_err_set(err, LH_ENOMEM, "out of memory");
    c->st = st;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) goto fail;
    sqlite3_busy_timeout(c->db, 10000);
    if (sqlite3_exec(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
                     NULL) != SQLITE_OK)
        goto fail;
    *out = c;
    return 0;
fail:
    lh_err_set(err, LH_EIO, "cannot open %s: %s", path,
               c->db ? sqlite3_errmsg(c->db) : "no memory");
    conn_free(c);
    return LH_EIO;
}

int lh__conn_get(lh_store_t *st, lh__conn_t **out, lh_err_t *err)
{
    pthread_mutex_lock(&st->pool_mu);
    lh__conn_t *c = st->pool;
    if (c) st->pool = c->next;
    pthread_mutex_unlock(&st->pool_mu);
    if (c) {
        *out = c;
        return 0;
    }
    return conn_open(st, out, err);
}

void lh__conn_put(lh_store_t *st, lh__conn_t *c)
{
    if (!c) return;
    for (int i = 0; i < Q_COUNT; i++) /* end every read: no snapshot kept open */
        if (c->q[i]) sqlite3_reset(c->q[i]);
    pthread_mutex_lock(&st->pool_mu);
    c->next = st->pool;
    st->pool = c;
    pthread_mutex_unlock(&st->pool_mu);
}

int lh__bucket_check(lh__conn_t *c, const char *bucket, lh_err_t *err)
{
    sqlite3_stmt *s = lh__store_stmt(c, Q_BUCKET_EXISTS, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, bucket, -1, SQLITE_STATIC);
    int r = sqlite3_step(s);
    sqlite3_reset(s);
    if (r == SQLITE_ROW) return 0;
    if (r == SQLITE_DONE) return lh_err_set(err, LH_ENOENT, "no such bucket");
    return lh__sql_err(c, err, "bucket lookup");
}

int lh__bucket_versioning(lh__conn_t *c, const char *bucket, int *out, lh_err_t *err)
{
    sqlite3_stmt *s = lh__store_stmt(c, Q_BUCKET_VSTATE, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, bucket, -1, SQLITE_STATIC);
    int r = sqlite3_step(s);
    *out = r == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_reset(s);
    if (r == SQLITE_ROW) return 0;
    if (r == SQLITE_DONE) return lh_err_set(err, LH_ENOENT, "no such bucket");
    return lh__sql_err(c, err, "bucket lookup");
}

/* --- open / close --- */

static int migrate(lh__conn_t *c, lh_err_t *err)
{
    return lh_sqlite_migrate(c->db, migrations, (int)(sizeof migrations / sizeof migrations[0]),
                             err);
}

static int mkdir_at(int dirfd, const char *name, lh_err_t *err)
{
    if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
        return lh_err_set(err, LH_EIO, "cannot create %s: %s", name, strerror(errno));
    return 0;
}

int lh__fsync_dir_at(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

/* The index holds inline objects and policies: 0600, like the bodies. SQLite
 * would create it 0644 (less the umask) and gives its -wal and -shm the
 * database file's mode, so the file is made (or an older one restricted)
 * before the first connection opens it. */
static int make_index_private(lh_store_t *st, lh_err_t *err)
{
    static const char *const names[] = {"index.db-wal", "index.db-shm"};
    int fd = openat(st->root_fd, "index.db", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || fchmod(fd, 0600) < 0) {
        if (fd >= 0) close(fd);
        return lh_err_set(err, LH_EIO, "cannot create %s/index.db: %s", st->root, strerror(errno));
    }
    close(fd);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        fchmodat(st->root_fd, names[i], 0600, 0); /* absent after a clean close */
    return 0;
}

/* The store's directories are 0700 and its files 0600 (inside the data
 * directory, itself 0700). */
static int make_dirs(lh_store_t *st, const char *data_dir, lh_err_t *err)
{
    if (mkdir(data_dir, 0700) < 0 && errno != EEXIST)
        return lh_err_set(err, LH_EIO, "cannot create %s: %s", data_dir, strerror(errno));
    if (mkdir(st->root, 0700) < 0 && errno != EEXIST)
        return lh_err_set(err, LH_EIO, "cannot create %s: %s", st->root, strerror(errno));
    st->root_fd = open(st->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (st->root_fd < 0)
        return lh_err_set(err, LH_EIO, "cannot open %s: %s", st->root, strerror(errno));
    int rc = mkdir_at(st->root_fd, "tmp", err);
    if (!rc) rc = mkdir_at(st->root_fd, "data", err); /* data/<shard>/ on first use */
    if (rc) return rc;
    if (lh__fsync_dir_at(st->root_fd, "data") < 0 || fsync(st->root_fd) < 0 ||
        lh__fsync_dir_at(AT_FDCWD, data_dir) < 0)
        return lh_err_set(err, LH_EIO, "cannot sync %s: %s", st->root, strerror(errno));
    return 0;
}

/* Calls fn(st, dir, name, arg) for each entry of root/sub (not . and ..). */
static int each_entry(lh_store_t *st, const char *sub,
                      void (*fn)(lh_store_t *, int, const char *, void *), void *arg)
{
    int fd = openat(st->root_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) fn(st, dirfd(d), e->d_name, arg);
    closedir(d);
    return 0;
}

static void unlink_entry(lh_store_t *st, int dir, const char *name, void *arg)
{
    (void)st, (void)arg;
    unlinkat(dir, name, 0);
}

static int is_referenced(lh__conn_t *c, const char *id)
{
    static const int qs[] = {Q_REF_OBJ, Q_REF_PART, Q_REF_VER};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        sqlite3_stmt *s = lh__store_stmt(c, qs[i], NULL);
        if (!s) return 1; /* when in doubt, keep the file */
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        int r = sqlite3_step(s);
        sqlite3_reset(s);
        if (r != SQLITE_DONE) return 1;
    }
    return 0;
}

static void orphan_entry(lh_store_t *st, int dir, const char *name, void *arg)
{
    size_t *removed = arg;
    if (strlen(name) != LH__ID_LEN || strspn(name, "0123456789abcdef") != LH__ID_LEN)
        return; /* not a body of ours: leave it alone */
    if (!is_referenced(st->writer, name) && unlinkat(dir, name, 0) == 0) (*removed)++;
}

/* Removes bodies no index row references: renamed into data/ before a crash
 * kept their index commit from happening. Only after an unclean shutdown. */
static void remove_orphans(lh_store_t *st)
{
    size_t removed = 0;
    for (int i = 0; i < 256; i++) {
        char sub[16];
        snprintf(sub, sizeof sub, "data/%02x", i);
        each_entry(st, sub, orphan_entry, &removed);
    }
    if (removed) lh_info("store: removed %zu orphan bodies left by an unclean shutdown", removed);
}

static int set_marker(lh_store_t *st, lh_err_t *err)
{
    int unclean = faccessat(st->root_fd, MARKER, F_OK, 0) == 0;
    if (unclean) remove_orphans(st);
    int fd = openat(st->root_fd, MARKER, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || fsync(st->root_fd) < 0) {
        if (fd >= 0) close(fd);
        return lh_err_set(err, LH_EIO, "cannot create %s/%s: %s", st->root, MARKER,
                          strerror(errno));
    }
    close(fd);
    return 0;
}

int lh_store_open(lh_store_t **out, const char *data_dir, lh_err_t *err)
{
    lh_store_t *st = calloc(1, sizeof *st);
    size_t n = strlen(data_dir) + sizeof "/store";
    if (!st || !(st->root = malloc(n))) {
        free(st);
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    snprintf(st->root, n, "%s/store", data_dir);
    st->root_fd = -1;
    st->inline_max = LH_STORE_INLINE_MAX_DEFAULT;
    unsigned char seed;
    if (getrandom(&seed, 1, 0) == 1) /* start filling data/ at a random shard */
        st->s_seq = (uint64_t)seed * 1024;
    pthread_mutex_init(&st->pool_mu, NULL);
    pthread_mutex_init(&st->gmu, NULL);
    pthread_cond_init(&st->gcv, NULL);
    pthread_cond_init(&st->ccv, NULL);
    int rc = lh__cache_new(&st->cache) ? lh_err_set(err, LH_ENOMEM, "out of memory") : 0;
    if (!rc) rc = make_dirs(st, data_dir, err);
    if (rc) goto fail;
    each_entry(st, "tmp", unlink_entry, NULL);
    if ((rc = make_index_private(st, err)) || (rc = conn_open(st, &st->writer, err)) ||
        (rc = migrate(st->writer, err)) || (rc = set_marker(st, err)))
        goto fail;
    if ((rc = lh__committer_start(st))) {
        lh_err_set(err, rc, "cannot start the committer thread");
        goto fail;
    }
    *out = st;
    return 0;
fail:
    lh_store_close(st);
    return rc;
}

int lh_store_set_inline_max(lh_store_t *st, size_t bytes)
{
    if (bytes > LH_STORE_INLINE_MAX_LIMIT) return LH_ETOOBIG;
    __atomic_store_n(&st->inline_max, bytes, __ATOMIC_RELAXED);
    return 0;
}

void lh_store_close(lh_store_t *st)
{
    if (!st) return;
    lh__committer_stop(st); /* commits what is still queued */
    while (st->pool) {
        lh__conn_t *c = st->pool;
        st->pool = c->next;
        conn_free(c);
    }
    int clean = st->writer != NULL;
    conn_free(st->writer);
    if (clean && st->root_fd >= 0) unlinkat(st->root_fd, MARKER, 0);
    if (st->root_fd >= 0) close(st->root_fd);
    pthread_mutex_destroy(&st->pool_mu);
    pthread_mutex_destroy(&st->gmu);
    pthread_cond_destroy(&st->gcv);
    pthread_cond_destroy(&st->ccv);
    lh__cache_free(st->cache);
    free(st->root);
    free(st);
}

static char crash_at[32]; /* set once before the store serves */

void lh_store_set_crash_point(const char *point)
{
    snprintf(crash_at, sizeof crash_at, "%s", point ? point : "");
}

void lh_store_crash_point(const char *point)
{
#if defined(LH_TEST_HOOKS) && LH_TEST_HOOKS
    if (crash_at[0] && !strcmp(crash_at, point)) abort();
#else
    (void)point;
#endif
}
