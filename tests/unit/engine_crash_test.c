/* Crash tests for the embedded store. With LH_TEST_HOOKS (the ASan build), a
 * child process puts an object with the crash point set to each crash
 * point and dies by abort(); the parent reopens the store and checks the key
 * holds the old version (or nothing) before the index commit and the complete
 * new one after it, and that tmp/ and orphan bodies were cleaned. Every point
 * runs with a new version small enough to be inline and one big enough for a
 * body file, over no old version, an old one of the same kind and one of the
 * other kind. A second test kills a child with SIGKILL in the middle of a
 * concurrent PUT storm (bodies on both sides of the inline limit) and checks
 * every acknowledged object byte for byte. With versioning enabled, a crash
 * at each point of a PUT, a delete marker, removing an old version and
 * removing the current one leaves the key's versions exactly as before or
 * after, with a body file for each file-backed version left. In builds
 * without the hooks the crash-point tests only check that the hook is a
 * no-op. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "store/engine.h"
#include "test.h"
#include "tmpdir.h"

static char dir[128];

static void dir_make(void)
{
    snprintf(dir, sizeof dir, "%s", lh_test_tmpdir());
}

static void dir_remove(void)
{
    lh_test_rmtree(dir);
}

static int count_files(const char *sub)
{
    char path[256];
    int n = 0, dirs = strcmp(sub, "data") ? 1 : 256;
    for (int i = 0; i < dirs; i++) {
        if (dirs == 256)
            snprintf(path, sizeof path, "%s/store/data/%02x", dir, i);
        else
            snprintf(path, sizeof path, "%s/store/%s", dir, sub);
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d)))
            n += de->d_name[0] != '.';
        if (d) closedir(d);
    }
    return n;
}

#define MAX_BODY (1 << 17)

/* Body of a version: size (1..MAX_BODY-1) and bytes derive from tag. */
static size_t body_of(unsigned tag, char *buf)
{
    size_t n = 1 + (size_t)(tag * 2654435761u) % (MAX_BODY - 1);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)(tag * 31 + i * 7);
    return n;
}

static int put(lh_store_t *st, const char *key, const char *data, size_t n, const char *etag)
{
    lh_store_writer_t *w;
    lh_store_meta_t m = {0};
    snprintf(m.etag, sizeof m.etag, "%s", etag);
    int rc = lh_store_put_begin(st, "b", &w, NULL);
    if (rc) return rc;
    if ((rc = lh_store_put_write(w, data, n, NULL))) {
        lh_store_put_abort(w);
        return rc;
    }
    return lh_store_put_commit(w, key, strlen(key), &m, NULL, NULL);
}

/* 0 when key holds exactly the version named by its etag (a decimal tag). */
static int check_version(lh_store_t *st, const char *key, long *tag_out)
{
    static char want[MAX_BODY], got[MAX_BODY + 1];
    lh_store_meta_t m;
    int fd;
    int rc = lh_store_get(st, "b", key, strlen(key), &m, &fd, NULL);
    if (rc) return rc;
    char *end;
    long tag = strtol(m.etag, &end, 10);
    size_t n = body_of((unsigned)tag, want);
    ssize_t r = 0, got_n = 0;
    while ((r = read(fd, got + got_n, sizeof got - (size_t)got_n)) > 0)
        got_n += r;
    close(fd);
    int bad = *end || m.size != (int64_t)n || got_n != (ssize_t)n || memcmp(got, want, n);
    lh_store_meta_clear(&m);
    if (tag_out) *tag_out = tag;
    return bad ? LH_ECORRUPT : 0;
}

#if defined(LH_TEST_HOOKS) && LH_TEST_HOOKS

/* Whether a version's body is over the inline limit (gets a body file). */
static int is_big(unsigned tag)
{
    static char buf[MAX_BODY];
    return body_of(tag, buf) > LH_STORE_INLINE_MAX_DEFAULT;
}

/* The first tag from `from` on whose body is big (or small). */
static unsigned tag_sized(unsigned from, int big)
{
    while (is_big(from) != big)
        from++;
    return from;
}

static const char *const points[] = {"after_write", "after_fsync", "after_rename", "after_dirsync",
                                     "after_index"};

static void child_put(const char *point, unsigned tag)
{
    static char buf[MAX_BODY];
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    lh_store_set_crash_point(point);
    lh_store_t *st;
    if (lh_store_open(&st, dir, NULL)) _exit(3);
    size_t n = body_of(tag, buf);
    char etag[16];
    snprintf(etag, sizeof etag, "%u", tag);
    put(st, "k", buf, n, etag);
    _exit(4); /* the crash point was not reached */
}

/* One crash at point while putting a new version (big: over the inline
 * limit); old: 0 no older version, 1 an older one of the same kind, 2 of the
 * other kind. */
static int crash_once(const char *point, int big, int old)
{
    static char buf[MAX_BODY];
    lh_store_t *st;
    int ok = 0;
    long old_tag = old ? (long)tag_sized(1, old == 1 ? big : !big) : 0;
    long new_tag = (long)tag_sized(1000, big);
    dir_make();
    if (lh_store_open(&st, dir, NULL) || lh_store_bucket_create(st, "b", "alice", 0, NULL))
        goto out;
    char etag[16];
    snprintf(etag, sizeof etag, "%ld", old_tag);
    if (old && put(st, "k", buf, body_of((unsigned)old_tag, buf), etag)) goto out;
    lh_store_close(st);
    pid_t pid = fork();
    if (pid == 0) child_put(point, (unsigned)new_tag);
    int status;
    waitpid(pid, &status, 0);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) {
        fprintf(stderr, "  %s: child did not abort (status %d)\n", point, status);
        goto out;
    }
    if (lh_store_open(&st, dir, NULL)) goto out;
    long tag = 0;
    int rc = check_version(st, "k", &tag);
    long want = !strcmp(point, "after_index") ? new_tag : old_tag;
    if (want == 0)
        ok = rc == LH_ENOENT;
    else
        ok = rc == 0 && tag == want;
    if (!ok)
        fprintf(stderr, "  %s big=%d old=%d: rc %d tag %ld, expected tag %ld\n", point, big, old,
                rc, tag, want);
    /* a body file only for a file-backed survivor; no tmp leftovers, no orphans */
    int files = want ? is_big((unsigned)want) : 0;
    ok = ok && count_files("tmp") == 0 && count_files("data") == files;
    if (!ok)
        fprintf(stderr, "  %s big=%d old=%d: tmp %d data %d (expected %d)\n", point, big, old,
                count_files("tmp"), count_files("data"), files);
out:
    lh_store_close(st);
    dir_remove();
    return ok;
}

/* --- versions: a crash leaves every version as before or as after --- */

static int vlist_fn(const lh_store_version_entry_t *e, void *arg)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s%s%s", n ? "," : "", e->meta->delete_marker ? "M" : e->meta->etag,
             e->is_latest ? "*" : "");
    return 0;
}

/* Key k's versions newest first: etags (M for a delete marker), "*" on the
 * latest. */
static void versions_of_k(lh_store_t *st, char *out)
{
    int trunc;
    char next[LH_STORE_KEY_MAX + 1], nv[LH_STORE_VERSION_ID_SIZE];
    size_t nlen;
    lh_store_list_opts_t o = {.max_keys = 1000};
    out[0] = 0;
    if (lh_store_list_versions(st, "b", &o, NULL, vlist_fn, out, &trunc, next, &nlen, nv, NULL))
        snprintf(out, 512, "list failed");
}

typedef enum { V_PUT, V_MARKER, V_DROP_OLD, V_DROP_CURRENT } vop_t;

/* The child: one versioned operation with the crash point set. */
static void child_versioned(const char *point, vop_t op, unsigned tag, const char *vid)
{
    static char buf[MAX_BODY];
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    lh_store_set_crash_point(point);
    lh_store_t *st;
    if (lh_store_open(&st, dir, NULL)) _exit(3);
    char etag[16];
    snprintf(etag, sizeof etag, "%u", tag);
    lh_store_del_t d = {.version_id = op == V_MARKER ? NULL : vid};
    if (op == V_PUT)
        put(st, "k", buf, body_of(tag, buf), etag);
    else
        lh_store_delete_version(st, "b", "k", 1, &d, NULL);
    _exit(4);
}

/* k holds versions 11 (big, oldest) and 12 (small, current); a crash at
 * point during op leaves exactly the versions before it or after it, and a
 * body file for each big version left. */
static int crash_versioned(const char *point, vop_t op, int after)
{
    static char buf[MAX_BODY];
    static const char *const want[][2] = {
        [V_PUT] = {"T12*,T11", "T13*,T12,T11"},
        [V_MARKER] = {"T12*,T11", "M*,T12,T11"},
        [V_DROP_OLD] = {"T12*,T11", "T12*"},
        [V_DROP_CURRENT] = {"T12*,T11", "T11*"},
    };
    lh_store_t *st = NULL;
    char vids[2][LH_STORE_VERSION_ID_SIZE], got[512], expect[64];
    unsigned tags[3] = {tag_sized(1, 1), tag_sized(1, 0), tag_sized(2000, op == V_PUT)};
    int ok = 0;
    dir_make();
    if (lh_store_open(&st, dir, NULL) || lh_store_bucket_create(st, "b", "alice", 0, NULL) ||
        lh_store_bucket_set_int(st, "b", LH_BUCKET_VERSIONING, LH_VERSIONING_ENABLED, NULL))
        goto out;
    for (int i = 0; i < 2; i++) {
        lh_store_writer_t *w;
        lh_store_meta_t m = {0};
        snprintf(m.etag, sizeof m.etag, "%u", tags[i]);
        if (lh_store_put_begin(st, "b", &w, NULL) ||
            lh_store_put_write(w, buf, body_of(tags[i], buf), NULL) ||
            lh_store_put_commit(w, "k", 1, &m, NULL, NULL))
            goto out;
        snprintf(vids[i], sizeof vids[i], "%s", m.version_id);
    }
    lh_store_close(st);
    st = NULL;
    pid_t pid = fork();
    if (pid == 0) child_versioned(point, op, tags[2], vids[op == V_DROP_CURRENT]);
    int status;
    waitpid(pid, &status, 0);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) {
        fprintf(stderr, "  %s op %d: child did not abort (status %d)\n", point, op, status);
        goto out;
    }
    if (lh_store_open(&st, dir, NULL)) goto out;
    versions_of_k(st, got);
    /* T11, T12, T13 stand for the tags */
    char tmpl[64], *t = tmpl;
    snprintf(tmpl, sizeof tmpl, "%s", want[op][after]);
    expect[0] = 0;
    for (char *tok = strtok_r(t, ",", &t); tok; tok = strtok_r(NULL, ",", &t)) {
        size_t n = strlen(expect);
        if (tok[0] == 'M')
            snprintf(expect + n, sizeof expect - n, "%s%s", n ? "," : "", tok);
        else
            snprintf(expect + n, sizeof expect - n, "%s%u%s", n ? "," : "", tags[tok[2] - '1'],
                     tok[3] == '*' ? "*" : "");
    }
    int files = 0;
    for (int i = 0; i < 3; i++) {
        char tag[16];
        snprintf(tag, sizeof tag, "%u", tags[i]);
        files += is_big(tags[i]) && strstr(got, tag) != NULL;
    }
    ok = !strcmp(got, expect) && count_files("tmp") == 0 && count_files("data") == files;
    if (!ok)
        fprintf(stderr, "  %s op %d: versions %s (expected %s), data %d (expected %d)\n", point, op,
                got, expect, count_files("data"), files);
out:
    lh_store_close(st);
    dir_remove();
    return ok;
}

static void versioned_crash_points_keep_every_version(void)
{
    static const char *const del_points[] = {"before_delete_index", "after_delete_index"};
    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
        CHECK(crash_versioned(points[i], V_PUT, !strcmp(points[i], "after_index")));
    for (vop_t op = V_MARKER; op <= V_DROP_CURRENT; op++)
        for (int i = 0; i < 2; i++)
            CHECK(crash_versioned(del_points[i], op, i));
}

static void crash_points_leave_complete_or_absent(void)
{
    CHECK(!is_big(tag_sized(1, 0)) && is_big(tag_sized(1, 1)));
    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
        for (int big = 0; big < 2; big++)
            for (int old = 0; old < 3; old++)
                CHECK(crash_once(points[i], big, old));
}

#else

static void crash_points_leave_complete_or_absent(void)
{
    printf("  crash points are compiled out here (no LH_TEST_HOOKS): checked in the ASan build\n");
    lh_store_set_crash_point("after_write");
    lh_store_crash_point("after_write"); /* must return */
    lh_store_set_crash_point(NULL);
    CHECK(1);
}

static void versioned_crash_points_keep_every_version(void)
{
    CHECK(1); /* needs LH_TEST_HOOKS */
}

#endif

/* --- SIGKILL during a PUT storm --- */
#define STORM_THREADS 4

typedef struct storm {
    lh_store_t *st;
    int t, pipe_fd;
} storm_t;

/* Each thread puts unique keys t<T>-<i> (tag T*100000+i) and overwrites "hot";
 * a key is written to the pipe only once its PUT was acknowledged. */
static void *storm_thread(void *arg)
{
    storm_t *s = arg;
    char *buf = malloc(MAX_BODY), key[16] = {0}, etag[32];
    for (unsigned i = 0;; i++) {
        unsigned tag = (unsigned)s->t * 100000u + i;
        size_t n = body_of(tag, buf);
        snprintf(key, sizeof key, "t%d-%06u", s->t % 10, i % 1000000);
        snprintf(etag, sizeof etag, "%u", tag);
        if (put(s->st, i % 4 == 3 ? "hot" : key, buf, n, etag)) _exit(5);
        if (i % 4 != 3) {
            if (write(s->pipe_fd, key, sizeof key) != sizeof key) _exit(6);
        }
    }
    return NULL;
}

static void storm_child(int pipe_fd)
{
    lh_store_t *st;
    pthread_t th[STORM_THREADS];
    storm_t s[STORM_THREADS];
    if (lh_store_open(&st, dir, NULL)) _exit(3);
    for (int t = 0; t < STORM_THREADS; t++) {
        s[t] = (storm_t){st, t, pipe_fd};
        pthread_create(&th[t], NULL, storm_thread, &s[t]);
    }
    pthread_join(th[0], NULL);
    _exit(0);
}

typedef struct counts {
    int listed, files; /* files: entries over the inline limit */
} counts_t;

static int count_fn(const lh_store_list_entry_t *e, void *arg)
{
    counts_t *c = arg;
    c->listed++;
    c->files += e->meta->size > LH_STORE_INLINE_MAX_DEFAULT;
    return 0;
}

#define MAX_ACKED 100000

/* 0 when every acknowledged key holds its own version, "hot" a complete one. */
static int check_acked(lh_store_t *st, char (*keys)[16], int nkeys)
{
    for (int i = 0; i < nkeys; i++) {
        int t;
        unsigned seq;
        long tag;
        if (sscanf(keys[i], "t%d-%u", &t, &seq) != 2 || check_version(st, keys[i], &tag) ||
            tag != (long)t * 100000 + seq) {
            fprintf(stderr, "  acknowledged %s lost or damaged\n", keys[i]);
            return -1;
        }
    }
    int rc = check_version(st, "hot", NULL);
    return rc == 0 || rc == LH_ENOENT ? 0 : -1;
}

static void sigkill_storm_keeps_acknowledged(void)
{
    lh_store_t *st = NULL;
    int p[2], nkeys = 0, trunc = 1;
    counts_t cnt = {0};
    char(*keys)[16] = malloc(sizeof *keys * MAX_ACKED);
    dir_make();
    CHECK(keys);
    CHECK_EQ_INT(lh_store_open(&st, dir, NULL), 0);
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, NULL), 0);
    lh_store_close(st);
    st = NULL;
    CHECK_EQ_INT(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        storm_child(p[1]);
    }
    close(p[1]);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    int kill_at = 20 + rand() % 150; /* a random moment, counted in acknowledgements */
    while (nkeys < kill_at && read(p[0], keys[nkeys], 16) == 16)
        nkeys++;
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    /* records already in the pipe were acknowledged before the kill */
    while (nkeys < MAX_ACKED && read(p[0], keys[nkeys], 16) == 16)
        nkeys++;
    close(p[0]);
    printf("  killed after %d acknowledged puts\n", nkeys);
    CHECK_EQ_INT(lh_store_open(&st, dir, NULL), 0);
    CHECK_EQ_INT(check_acked(st, keys, nkeys), 0);
    char marker[LH_STORE_KEY_MAX + 1];
    size_t mlen = 0;
    while (trunc) {
        lh_store_list_opts_t o = {.start_after = marker, .start_after_len = mlen, .max_keys = 1000};
        CHECK_EQ_INT(lh_store_list(st, "b", &o, count_fn, &cnt, &trunc, marker, &mlen, NULL), 0);
    }
    printf("  %d objects listed, %d file-backed, %d inline\n", cnt.listed, cnt.files,
           cnt.listed - cnt.files);
    CHECK(cnt.listed >= nkeys);
    CHECK(cnt.files > 0 && cnt.files < cnt.listed); /* both kinds were in flight */
    CHECK_EQ_INT(count_files("tmp"), 0);
    CHECK_EQ_INT(count_files("data"), cnt.files); /* no orphan bodies */
    lh_store_close(st);
    free(keys);
    dir_remove();
}

static const lh_test_t tests[] = {
    {"crash_points_leave_complete_or_absent", crash_points_leave_complete_or_absent},
    {"versioned_crash_points_keep_every_version", versioned_crash_points_keep_every_version},
    {"sigkill_storm_keeps_acknowledged", sigkill_storm_keeps_acknowledged},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
