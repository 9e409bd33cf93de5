/* Unit tests for the embedded object store (src/store/engine*.c): buckets,
 * put/get/head/delete, overwrite and conditional puts (file-backed and
 * inline), listing order and pagination with delimiters, concurrent writers,
 * multipart, reopen with crash-leftover cleanup, bounded memory while listing
 * 100k keys, and small objects kept inline in the index (the limit, spilling
 * mid-write, overwrites between inline and file bodies, reading an inline
 * body through pread and sendfile). Each test runs in its own temporary data
 * directory. */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/str.h"
#include "store/engine.h"
#include "store/engine_int.h"
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

/* Each test body runs between dir_make and dir_remove. */
#define TEST(name)                                                                                 \
    static void name##_body(lh_store_t *st, lh_store_t **stp);                                     \
    static void name(void)                                                                         \
    {                                                                                              \
        lh_store_t *st = NULL;                                                                     \
        lh_err_t e = {0};                                                                          \
        dir_make();                                                                                \
        if (lh_store_open(&st, dir, &e) == 0) {                                                    \
            name##_body(st, &st);                                                                  \
            lh_store_close(st);                                                                    \
        } else {                                                                                   \
            fprintf(stderr, "  open failed: %s\n", e.msg);                                         \
            lh_test_failed_ = 1;                                                                   \
        }                                                                                          \
        dir_remove();                                                                              \
    }                                                                                              \
    static void name##_body(lh_store_t *st, lh_store_t **stp)

static int put(lh_store_t *st, const char *bucket, const char *key, const char *data, size_t n,
               const char *etag, const char *attrs, const lh_store_put_cond_t *cond, lh_err_t *e)
{
    lh_store_writer_t *w;
    lh_store_meta_t m = {.attrs = (char *)attrs};
    snprintf(m.etag, sizeof m.etag, "%s", etag);
    int rc = lh_store_put_begin(st, bucket, &w, e);
    if (rc) return rc;
    if ((rc = lh_store_put_write(w, data, n, e))) {
        lh_store_put_abort(w);
        return rc;
    }
    return lh_store_put_commit(w, key, strlen(key), &m, cond, e);
}

#define PUTS(st, b, k, s) put(st, b, k, s, strlen(s), "e-" s, NULL, NULL, NULL)

/* Reads the whole body of key into buf (NUL-terminated); returns its length or -1. */
static long get_all(lh_store_t *st, const char *bucket, const char *key, char *buf, size_t cap,
                    lh_store_meta_t *m)
{
    int fd;
    lh_store_meta_t tmp;
    if (!m) m = &tmp;
    if (lh_store_get(st, bucket, key, strlen(key), m, &fd, NULL)) return -1;
    long n = (long)read(fd, buf, cap - 1);
    close(fd);
    if (m == &tmp) lh_store_meta_clear(m);
    if (n >= 0) buf[n] = 0;
    return n;
}

static int count_files(const char *sub)
{
    char path[256];
    int n = 0;
    for (int i = 0; i < 256; i++) {
        if (!strcmp(sub, "data"))
            snprintf(path, sizeof path, "%s/store/data/%02x", dir, i);
        else if (i == 0)
            snprintf(path, sizeof path, "%s/store/%s", dir, sub);
        else
            break;
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d)))
            n += de->d_name[0] != '.';
        if (d) closedir(d);
    }
    return n;
}

/* --- listing helper: entries joined as "k1,P:p/,k2" --- */
typedef struct collect {
    char out[8192];
    size_t len;
} collect_t;

static int collect_fn(const lh_store_list_entry_t *e, void *arg)
{
    collect_t *c = arg;
    int n = snprintf(c->out + c->len, sizeof c->out - c->len, "%s%s%.*s", c->len ? "," : "",
                     e->is_prefix ? "P:" : "", (int)e->key_len, e->key);
    if (n > 0 && (size_t)n < sizeof c->out - c->len) c->len += (size_t)n;
    return 0;
}

static int list_page(lh_store_t *st, const char *prefix, const char *delim, const char *after,
                     size_t after_len, int max, collect_t *c, int *trunc, char *marker,
                     size_t *mlen)
{
    lh_store_list_opts_t o = {prefix, strlen(prefix), delim, strlen(delim), after, after_len, max};
    return lh_store_list(st, "b", &o, collect_fn, c, trunc, marker, mlen, NULL);
}

/* Lists everything in pages of max, following next_marker. */
static int list_all(lh_store_t *st, const char *prefix, const char *delim, const char *after,
                    int max, collect_t *c)
{
    char marker[LH_STORE_KEY_MAX + 1];
    size_t mlen = after ? strlen(after) : 0;
    int trunc = 1, pages = 0;
    memset(c, 0, sizeof *c);
    if (after) memcpy(marker, after, mlen + 1);
    while (trunc && pages++ < 1000) {
        /* start_after and next_marker share one buffer, as a caller's token would */
        int rc = list_page(st, prefix, delim, marker, mlen, max, c, &trunc, marker, &mlen);
        if (rc) return rc;
    }
    return trunc ? -1 : 0;
}

static const char *const five[] = {"a/b/c", "a", "a/b", "a-b", "a/"};

static int put_five(lh_store_t *st)
{
    int rc = lh_store_bucket_create(st, "b", "alice", 0, NULL);
    for (int i = 0; !rc && i < 5; i++)
        rc = PUTS(st, "b", five[i], "x");
    return rc;
}

TEST(put_get_head_delete_roundtrip)
{
    lh_err_t e;
    lh_store_meta_t m;
    char buf[64];
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(put(st, "b", "dir/k", "hello", 5, "5d41", "{\"ct\":\"text/plain\"}", NULL, &e), 0);
    CHECK_EQ_INT(lh_store_head(st, "b", "dir/k", 5, &m, &e), 0);
    CHECK_EQ_INT(m.size, 5);
    CHECK_EQ_STR(m.etag, "5d41");
    CHECK_EQ_STR(m.attrs, "{\"ct\":\"text/plain\"}");
    CHECK(m.mtime_ns > 0);
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(get_all(st, "b", "dir/k", buf, sizeof buf, NULL), 5);
    CHECK_EQ_STR(buf, "hello");
    CHECK_EQ_INT(lh_store_delete(st, "b", "dir/k", 5, &e), 0);
    CHECK_EQ_INT(lh_store_head(st, "b", "dir/k", 5, &m, &e), LH_ENOENT);
    CHECK_EQ_STR(e.msg, "no such key");
    CHECK_EQ_INT(lh_store_head(st, "nob", "dir/k", 5, &m, &e), LH_ENOENT);
    CHECK_EQ_STR(e.msg, "no such bucket");
    CHECK_EQ_INT(lh_store_delete(st, "b", "dir/k", 5, &e), 0); /* missing key: fine */
    CHECK_EQ_INT(lh_store_delete(st, "nob", "dir/k", 5, &e), LH_ENOENT);
    lh_store_writer_t *w;
    CHECK_EQ_INT(lh_store_put_begin(st, "nob", &w, &e), LH_ENOENT);
    CHECK_EQ_INT(count_files("data"), 0);
    CHECK_EQ_INT(count_files("tmp"), 0);
}

TEST(put_binary_key_and_limits)
{
    lh_err_t e;
    lh_store_meta_t m;
    char key[LH_STORE_KEY_MAX + 2];
    memset(key, 'k', sizeof key);
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    key[LH_STORE_KEY_MAX] = 0;
    CHECK_EQ_INT(put(st, "b", key, "1", 1, "e", NULL, NULL, &e), 0);
    key[LH_STORE_KEY_MAX] = 'k';
    key[LH_STORE_KEY_MAX + 1] = 0;
    CHECK_EQ_INT(put(st, "b", key, "1", 1, "e", NULL, NULL, &e), LH_ETOOBIG);
    CHECK_EQ_INT(put(st, "b", "", "1", 1, "e", NULL, NULL, &e), LH_EINVAL);
    /* a key with NUL and ../ is just bytes in the index */
    lh_store_writer_t *w;
    lh_store_meta_t pm = {.etag = "z"};
    CHECK_EQ_INT(lh_store_put_begin(st, "b", &w, &e), 0);
    CHECK_EQ_INT(lh_store_put_write(w, "nul", 3, &e), 0);
    CHECK_EQ_INT(lh_store_put_commit(w, "../x\0/../../etc", 15, &pm, NULL, &e), 0);
    CHECK_EQ_INT(lh_store_head(st, "b", "../x\0/../../etc", 15, &m, &e), 0);
    CHECK_EQ_INT(m.size, 3);
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(lh_store_head(st, "b", "../x", 4, &m, &e), LH_ENOENT);
    CHECK_EQ_INT(count_files("data"), 0); /* both are small: inline, no body file */
    CHECK_EQ_INT(lh_store_set_inline_max(st, 0), 0);
    CHECK_EQ_INT(lh_store_put_begin(st, "b", &w, &e), 0);
    CHECK_EQ_INT(lh_store_put_write(w, "nul", 3, &e), 0);
    CHECK_EQ_INT(lh_store_put_commit(w, "../y\0/../../etc", 15, &pm, NULL, &e), 0);
    CHECK_EQ_INT(count_files("data"), 1);
}

/* files: 1 when small bodies get files (inlining off), 0 when inline. */
static void overwrite_case(lh_store_t *st, int files)
{
    lh_err_t e;
    char buf[64];
    lh_store_meta_t m;
    int fd;
    CHECK_EQ_INT(lh_store_set_inline_max(st, files ? 0 : LH_STORE_INLINE_MAX_DEFAULT), 0);
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(PUTS(st, "b", "k", "version-one"), 0);
    CHECK_EQ_INT(count_files("data"), files);
    CHECK_EQ_INT(lh_store_get(st, "b", "k", 1, &m, &fd, &e), 0); /* reader holds v1 open */
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(PUTS(st, "b", "k", "v2"), 0);
    CHECK_EQ_INT(count_files("data"), files); /* the old body is gone */
    CHECK_EQ_INT(get_all(st, "b", "k", buf, sizeof buf, &m), 2);
    CHECK_EQ_STR(buf, "v2");
    CHECK_EQ_STR(m.etag, "e-v2");
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(read(fd, buf, sizeof buf), 11); /* still readable through the fd */
    CHECK(!memcmp(buf, "version-one", 11));
    close(fd);
    CHECK_EQ_INT(lh_store_delete(st, "b", "k", 1, &e), 0);
    CHECK_EQ_INT(count_files("data"), 0);
    CHECK_EQ_INT(count_files("tmp"), 0);
}

TEST(overwrite_keeps_one_version)
{
    (void)stp;
    overwrite_case(st, 1);
}

TEST(overwrite_keeps_one_version_inline)
{
    (void)stp;
    overwrite_case(st, 0);
}

/* files: 1 when small bodies get files (inlining off), 0 when inline. */
static void conditional_case(lh_store_t *st, int files)
{
    lh_err_t e;
    lh_store_meta_t m;
    lh_store_put_cond_t inm = {.if_none_match_any = 1};
    CHECK_EQ_INT(lh_store_set_inline_max(st, files ? 0 : LH_STORE_INLINE_MAX_DEFAULT), 0);
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(put(st, "b", "k", "one", 3, "etag1", NULL, &inm, &e), 0);
    CHECK_EQ_INT(put(st, "b", "k", "two", 3, "etag2", NULL, &inm, &e), LH_EPRECOND);
    lh_store_put_cond_t im = {.if_match = "wrong"};
    CHECK_EQ_INT(put(st, "b", "k", "two", 3, "etag2", NULL, &im, &e), LH_EPRECOND);
    CHECK_EQ_INT(lh_store_head(st, "b", "k", 1, &m, &e), 0);
    CHECK_EQ_STR(m.etag, "etag1");
    lh_store_meta_clear(&m);
    im.if_match = "etag1";
    CHECK_EQ_INT(put(st, "b", "k", "two", 3, "etag2", NULL, &im, &e), 0);
    CHECK_EQ_INT(lh_store_head(st, "b", "k", 1, &m, &e), 0);
    CHECK_EQ_STR(m.etag, "etag2");
    lh_store_meta_clear(&m);
    im.if_match = "etag2";
    CHECK_EQ_INT(put(st, "b", "missing", "x", 1, "e", NULL, &im, &e), LH_EPRECOND);
    CHECK_EQ_INT(lh_store_head(st, "b", "missing", 7, &m, &e), LH_ENOENT);
    CHECK_EQ_INT(count_files("data"), files); /* failed puts leave no body */
    CHECK_EQ_INT(count_files("tmp"), 0);
    char buf[16];
    CHECK_EQ_INT(get_all(st, "b", "k", buf, sizeof buf, NULL), 3);
    CHECK_EQ_STR(buf, "two");
}

TEST(conditional_put)
{
    (void)stp;
    conditional_case(st, 1);
}

TEST(conditional_put_inline)
{
    (void)stp;
    conditional_case(st, 0);
}

TEST(list_byte_order_five_keys)
{
    collect_t c;
    CHECK_EQ_INT(put_five(st), 0);
    CHECK_EQ_INT(list_all(st, "", "", NULL, 1000, &c), 0);
    CHECK_EQ_STR(c.out, "a,a-b,a/,a/b,a/b/c");
    CHECK_EQ_INT(list_all(st, "", "/", NULL, 1000, &c), 0);
    CHECK_EQ_STR(c.out, "a,a-b,P:a/");
    CHECK_EQ_INT(list_all(st, "a/", "/", NULL, 1000, &c), 0);
    CHECK_EQ_STR(c.out, "a/,a/b,P:a/b/");
    CHECK_EQ_INT(list_all(st, "a/b", "/", NULL, 1000, &c), 0);
    CHECK_EQ_STR(c.out, "a/b,P:a/b/");
    CHECK_EQ_INT(list_all(st, "a/", "", NULL, 1000, &c), 0);
    CHECK_EQ_STR(c.out, "a/,a/b,a/b/c");
    CHECK_EQ_INT(list_all(st, "zz", "/", NULL, 1000, &c), 0);
    CHECK_EQ_STR(c.out, "");
    CHECK_EQ_INT(list_all(st, "", "-", NULL, 1000, &c), 0);
    CHECK_EQ_STR(c.out, "a,P:a-,a/,a/b,a/b/c");
    lh_err_t e;
    int trunc = 1;
    char marker[LH_STORE_KEY_MAX + 1];
    size_t mlen = 9;
    lh_store_list_opts_t o = {.max_keys = 0};
    CHECK_EQ_INT(lh_store_list(st, "b", &o, collect_fn, &c, &trunc, marker, &mlen, &e), 0);
    CHECK_EQ_INT(trunc, 0);
    CHECK_EQ_INT(mlen, 0);
    o.max_keys = 10;
    CHECK_EQ_INT(lh_store_list(st, "nob", &o, collect_fn, &c, &trunc, marker, &mlen, &e),
                 LH_ENOENT);
    CHECK_EQ_STR(e.msg, "no such bucket");
}

TEST(list_pagination_matches_one_page)
{
    static const char *const cases[][2] = {{"", ""}, {"", "/"}, {"a/", "/"}, {"a", "/"}, {"", "b"}};
    collect_t whole, paged;
    CHECK_EQ_INT(put_five(st), 0);
    CHECK_EQ_INT(PUTS(st, "b", "b/1", "x"), 0);
    CHECK_EQ_INT(PUTS(st, "b", "b/2/z", "x"), 0);
    CHECK_EQ_INT(PUTS(st, "b", "c", "x"), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_EQ_INT(list_all(st, cases[i][0], cases[i][1], NULL, 1000, &whole), 0);
        for (int max = 1; max <= 3; max++) {
            CHECK_EQ_INT(list_all(st, cases[i][0], cases[i][1], NULL, max, &paged), 0);
            CHECK_EQ_STR(paged.out, whole.out);
        }
    }
    /* exactly max entries: not truncated */
    collect_t c = {0};
    int trunc = 1;
    char marker[LH_STORE_KEY_MAX + 1];
    size_t mlen;
    CHECK_EQ_INT(list_page(st, "", "/", NULL, 0, 5, &c, &trunc, marker, &mlen), 0);
    CHECK_EQ_STR(c.out, "a,a-b,P:a/,P:b/,c");
    CHECK_EQ_INT(trunc, 0);
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(list_page(st, "", "/", NULL, 0, 3, &c, &trunc, marker, &mlen), 0);
    CHECK_EQ_INT(trunc, 1);
    CHECK_EQ_STR(marker, "a/");
    CHECK_EQ_INT(mlen, 2);
}

TEST(list_start_after)
{
    collect_t c;
    CHECK_EQ_INT(put_five(st), 0);
    CHECK_EQ_INT(list_all(st, "", "", "a-b", 1000, &c), 0);
    CHECK_EQ_STR(c.out, "a/,a/b,a/b/c");
    CHECK_EQ_INT(list_all(st, "", "", "a/b/c", 1000, &c), 0);
    CHECK_EQ_STR(c.out, "");
    CHECK_EQ_INT(list_all(st, "", "", "0", 1000, &c), 0); /* before every key */
    CHECK_EQ_STR(c.out, "a,a-b,a/,a/b,a/b/c");
    CHECK_EQ_INT(list_all(st, "", "/", "a", 1000, &c), 0);
    CHECK_EQ_STR(c.out, "a-b,P:a/");
    /* a marker inside a rolled-up prefix skips that prefix */
    CHECK_EQ_INT(list_all(st, "", "/", "a/b", 1000, &c), 0);
    CHECK_EQ_STR(c.out, "");
    CHECK_EQ_INT(list_all(st, "a/", "", "a", 1000, &c), 0); /* marker before the prefix */
    CHECK_EQ_STR(c.out, "a/,a/b,a/b/c");
}

TEST(list_delimiter_seek_nested)
{
    static const char *const keys[] = {"x/1/a",
                                       "x/1/b/c",
                                       "x/1/b/d",
                                       "x/2/a",
                                       "x/2",
                                       "x/3--q--r",
                                       "x/3--s",
                                       "y",
                                       "p\xff\xff/a",
                                       "p\xff\xff/b",
                                       "q\xff"
                                       "1",
                                       "q\xff"
                                       "2",
                                       "r"};
    collect_t c;
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, NULL), 0);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECK_EQ_INT(PUTS(st, "b", keys[i], "v"), 0);
    CHECK_EQ_INT(list_all(st, "x/", "/", NULL, 1000, &c), 0);
    CHECK_EQ_STR(c.out, "P:x/1/,x/2,P:x/2/,x/3--q--r,x/3--s");
    CHECK_EQ_INT(list_all(st, "x/1/", "/", NULL, 1, &c), 0);
    CHECK_EQ_STR(c.out, "x/1/a,P:x/1/b/");
    CHECK_EQ_INT(list_all(st, "x/", "--", NULL, 2, &c), 0);
    CHECK_EQ_STR(c.out, "x/1/a,x/1/b/c,x/1/b/d,x/2,x/2/a,P:x/3--");
    CHECK_EQ_INT(list_all(st, "", "/", NULL, 1, &c), 0);
    CHECK_EQ_STR(c.out, "P:p\xff\xff/,q\xff"
                        "1,q\xff"
                        "2,r,P:x/,y");
    CHECK_EQ_INT(list_all(st, "", "\xff", NULL, 1, &c), 0); /* seek must carry past 0xff */
    CHECK_EQ_STR(c.out, "P:p\xff,P:q\xff,r,x/1/a,x/1/b/c,x/1/b/d,x/2,x/2/a,x/3--q--r,x/3--s,y");
}

/* --- concurrency --- */
#define NTHREADS 8
#define NPUTS 50
#define NKEYS 10

/* The body of (thread, iteration): size and bytes derive from the tag. */
static size_t body_of(int tag, char *buf)
{
    size_t n = 100 + (size_t)(tag * 7919) % 20000;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('a' + (tag + (int)i) % 26);
    return n;
}

static void *put_thread(void *arg)
{
    lh_store_t *st = *(lh_store_t **)arg;
    static int next_thread;
    int t = __atomic_fetch_add(&next_thread, 1, __ATOMIC_SEQ_CST);
    char *buf = malloc(32768), key[16], etag[16];
    long fails = 0;
    for (int i = 0; i < NPUTS; i++) {
        int tag = t * NPUTS + i;
        size_t n = body_of(tag, buf);
        snprintf(key, sizeof key, "k%d", (t + i) % NKEYS);
        snprintf(etag, sizeof etag, "%d", tag);
        fails += put(st, "b", key, buf, n, etag, NULL, NULL, NULL) != 0;
    }
    free(buf);
    return (void *)fails;
}

#define CONC_INLINE_MAX 8192 /* bodies are 100..20099 bytes: both kinds race */

TEST(concurrent_puts_leave_complete_versions)
{
    pthread_t th[NTHREADS];
    int files = 0;
    CHECK_EQ_INT(lh_store_set_inline_max(st, CONC_INLINE_MAX), 0);
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, NULL), 0);
    for (int i = 0; i < NTHREADS; i++)
        CHECK_EQ_INT(pthread_create(&th[i], NULL, put_thread, &st), 0);
    for (int i = 0; i < NTHREADS; i++) {
        void *fails;
        pthread_join(th[i], &fails);
        CHECK_EQ_INT((long)fails, 0);
    }
    char *want = malloc(32768), *got = malloc(32768);
    for (int k = 0; k < NKEYS; k++) {
        char key[16];
        lh_store_meta_t m;
        snprintf(key, sizeof key, "k%d", k);
        long n = get_all(st, "b", key, got, 32768, &m);
        int64_t tag;
        CHECK_EQ_INT(lh_parse_i64(m.etag, &tag), 0);
        lh_store_meta_clear(&m);
        size_t wn = body_of((int)tag, want);
        CHECK_EQ_INT(n, (long)wn);
        CHECK(!memcmp(got, want, wn));
        files += wn > CONC_INLINE_MAX;
    }
    free(want);
    free(got);
    printf("  %d of %d final versions file-backed\n", files, NKEYS);
    CHECK_EQ_INT(count_files("data"), files); /* replaced bodies all unlinked */
    CHECK_EQ_INT(count_files("tmp"), 0);
}

/* --- multipart --- */

static int part(lh_store_t *st, const char *up, int n, const char *data, const char *etag)
{
    lh_store_writer_t *w;
    int rc = lh_store_part_begin(st, "b", up, &w, NULL);
    if (rc) return rc;
    if ((rc = lh_store_put_write(w, data, strlen(data), NULL))) {
        lh_store_put_abort(w);
        return rc;
    }
    return lh_store_part_commit(w, n, etag, "{\"crc\":1}", NULL);
}

static int count_uploads(const lh_store_mpu_t *u, void *arg)
{
    collect_t *c = arg;
    int n = snprintf(c->out + c->len, sizeof c->out - c->len, "%s%.*s", c->len ? "," : "",
                     (int)u->key_len, u->key);
    if (n > 0) c->len += (size_t)n;
    return 0;
}

TEST(multipart_complete_in_part_order)
{
    lh_err_t e;
    char up[80], buf[64];
    lh_store_mpu_t u;
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(lh_store_mpu_create(st, "b", "big", 3, "{\"ct\":\"x\"}", up, &e), 0);
    CHECK(strlen(up) >= 32 && strspn(up, "0123456789abcdef") == strlen(up));
    CHECK_EQ_INT(lh_store_mpu_get(st, "b", up, &u, &e), 0);
    CHECK_EQ_INT(u.key_len, 3);
    CHECK_EQ_STR(u.key, "big");
    CHECK_EQ_STR(u.attrs, "{\"ct\":\"x\"}");
    lh_store_mpu_clear(&u);
    CHECK_EQ_INT(part(st, up, 2, "-second", "m2"), 0);
    CHECK_EQ_INT(part(st, up, 1, "old", "m1"), 0);
    CHECK_EQ_INT(part(st, up, 1, "first", "m1b"), 0); /* replaces part 1 */
    CHECK_EQ_INT(part(st, up, 3, "unused", "m3"), 0);
    CHECK_EQ_INT(count_files("data"), 3);
    lh_store_part_t *p;
    int n, trunc;
    CHECK_EQ_INT(lh_store_mpu_parts(st, "b", up, 0, 0, &p, &n, &trunc, &e), 0);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(trunc, 0);
    CHECK_EQ_INT(p[0].part_number, 1);
    CHECK_EQ_STR(p[0].etag, "m1b");
    CHECK_EQ_INT(p[0].size, 5);
    CHECK_EQ_STR(p[0].attrs, "{\"crc\":1}");
    CHECK_EQ_INT(p[1].part_number, 2);
    lh_store_parts_free(p, n);
    CHECK_EQ_INT(lh_store_mpu_parts(st, "b", up, 1, 1, &p, &n, &trunc, &e), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(trunc, 1);
    CHECK_EQ_INT(p[0].part_number, 2);
    lh_store_parts_free(p, n);
    collect_t c = {0};
    CHECK_EQ_INT(lh_store_mpu_list(st, "b", "", 0, NULL, NULL, 1000, count_uploads, &c, &trunc, &e),
                 0);
    CHECK_EQ_STR(c.out, "big");
    int parts[] = {1, 2};
    lh_store_meta_t m = {.etag = "abc-2"};
    lh_store_put_cond_t inm = {.if_none_match_any = 1};
    CHECK_EQ_INT(lh_store_mpu_complete(st, "b", up, parts, 2, &m, &inm, NULL, &e), 0);
    CHECK_EQ_INT(get_all(st, "b", "big", buf, sizeof buf, &m), 12);
    CHECK_EQ_STR(buf, "first-second");
    CHECK_EQ_STR(m.etag, "abc-2");
    CHECK_EQ_STR(m.attrs, "{\"ct\":\"x\"}"); /* kept from create */
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(lh_store_mpu_get(st, "b", up, &u, &e), LH_ENOENT);
    CHECK_EQ_STR(e.msg, "no such upload");
    CHECK_EQ_INT(count_files("data"), 1); /* parts removed */
    CHECK_EQ_INT(count_files("tmp"), 0);
    /* a second upload to the same key with If-None-Match fails and stays */
    CHECK_EQ_INT(lh_store_mpu_create(st, "b", "big", 3, NULL, up, &e), 0);
    CHECK_EQ_INT(part(st, up, 1, "again", "m"), 0);
    snprintf(m.etag, sizeof m.etag, "x-1");
    CHECK_EQ_INT(lh_store_mpu_complete(st, "b", up, parts, 1, &m, &inm, NULL, &e), LH_EPRECOND);
    CHECK_EQ_INT(lh_store_mpu_get(st, "b", up, &u, &e), 0);
    lh_store_mpu_clear(&u);
    CHECK_EQ_INT(lh_store_mpu_complete(st, "b", up, parts, 2, &m, NULL, NULL, &e),
                 LH_EINVAL); /* no part 2 */
    CHECK_EQ_INT(count_files("data"), 2);
}

TEST(multipart_abort_and_unknown)
{
    lh_err_t e;
    char up[80], up2[80];
    lh_store_mpu_t u;
    lh_store_writer_t *w;
    int trunc;
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(lh_store_mpu_get(st, "b", "nosuchid", &u, &e), LH_ENOENT);
    CHECK_EQ_STR(e.msg, "no such upload");
    CHECK_EQ_INT(lh_store_mpu_get(st, "nob", "nosuchid", &u, &e), LH_ENOENT);
    CHECK_EQ_STR(e.msg, "no such bucket");
    CHECK_EQ_INT(lh_store_part_begin(st, "b", "nosuchid", &w, &e), LH_ENOENT);
    CHECK_EQ_INT(lh_store_mpu_create(st, "b", "k2", 2, NULL, up, &e), 0);
    CHECK_EQ_INT(lh_store_mpu_create(st, "b", "k1", 2, NULL, up2, &e), 0);
    CHECK_EQ_INT(part(st, up, 1, "aaa", "m"), 0);
    CHECK_EQ_INT(part(st, up, 0, "aaa", "m"), LH_EINVAL);
    CHECK_EQ_INT(count_files("data"), 1);
    collect_t c = {0};
    CHECK_EQ_INT(lh_store_mpu_list(st, "b", "", 0, NULL, NULL, 1, count_uploads, &c, &trunc, &e),
                 0);
    CHECK_EQ_STR(c.out, "k1");
    CHECK_EQ_INT(trunc, 1);
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(lh_store_mpu_list(st, "b", "", 0, "k1", NULL, 10, count_uploads, &c, &trunc, &e),
                 0);
    CHECK_EQ_STR(c.out, "k2");
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(lh_store_mpu_list(st, "b", "k2", 2, NULL, NULL, 10, count_uploads, &c, &trunc, &e),
                 0);
    CHECK_EQ_STR(c.out, "k2");
    CHECK_EQ_INT(trunc, 0);
    CHECK_EQ_INT(lh_store_mpu_abort(st, "b", up, &e), 0);
    CHECK_EQ_INT(count_files("data"), 0);
    CHECK_EQ_INT(lh_store_mpu_get(st, "b", up, &u, &e), LH_ENOENT);
    CHECK_EQ_INT(lh_store_mpu_abort(st, "b", up, &e), LH_ENOENT);
    CHECK_EQ_INT(lh_store_mpu_abort(st, "other", up2, &e), LH_ENOENT);
}

/* --- buckets --- */

static int bucket_names(const lh_store_bucket_t *b, void *arg)
{
    collect_t *c = arg;
    int n = snprintf(c->out + c->len, sizeof c->out - c->len, "%s%s:%s:%d", c->len ? "," : "",
                     b->name, b->owner, b->public_read);
    if (n > 0) c->len += (size_t)n;
    return 0;
}

TEST(buckets_create_list_delete)
{
    lh_err_t e;
    lh_store_bucket_t b;
    char up[80];
    CHECK_EQ_INT(lh_store_bucket_create(st, "zeta", "bob", 1, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_create(st, "alpha", "alice", 0, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_create(st, "alpha", "bob", 0, &e), LH_EEXIST);
    collect_t c = {0};
    CHECK_EQ_INT(lh_store_bucket_list(st, bucket_names, &c), 0);
    CHECK_EQ_STR(c.out, "alpha:alice:0,zeta:bob:1");
    CHECK_EQ_INT(lh_store_bucket_set_policy(st, "alpha", "{\"Statement\":[]}", &e), 0);
    CHECK_EQ_INT(lh_store_bucket_set_public(st, "alpha", 1, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_get(st, "alpha", &b), 0);
    CHECK_EQ_STR(b.owner, "alice");
    CHECK_EQ_STR(b.policy, "{\"Statement\":[]}");
    CHECK_EQ_INT(b.public_read, 1);
    CHECK(b.created_ns > 0);
    lh_store_bucket_clear(&b);
    CHECK_EQ_INT(lh_store_bucket_set_policy(st, "alpha", NULL, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_get(st, "alpha", &b), 0);
    CHECK(b.policy == NULL);
    CHECK_EQ_INT(b.versioning, LH_VERSIONING_OFF);
    CHECK_EQ_INT(lh_store_bucket_set_policy(st, "nob", NULL, &e), LH_ENOENT);
    CHECK_EQ_INT(PUTS(st, "alpha", "obj", "x"), 0);
    CHECK_EQ_INT(lh_store_mpu_create(st, "alpha", "up", 2, NULL, up, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_delete(st, "alpha", &e), LH_ENOTEMPTY);
    CHECK_EQ_INT(lh_store_delete(st, "alpha", "obj", 3, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_delete(st, "alpha", &e), 0); /* the upload goes with it */
    CHECK_EQ_INT(lh_store_bucket_get(st, "alpha", &b), LH_ENOENT);
    CHECK_EQ_INT(lh_store_bucket_delete(st, "alpha", &e), LH_ENOENT);
    CHECK_EQ_INT(lh_store_mpu_get(st, "alpha", up, &(lh_store_mpu_t){0}, &e), LH_ENOENT);
}

TEST(bucket_settings)
{
    lh_err_t e;
    lh_store_bucket_t b;
    char *rules;
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_get(st, "b", &b), 0); /* cached from here on */
    CHECK_EQ_INT(b.versioning + b.ownership + b.public_block, 0);
    CHECK_EQ_INT(lh_store_bucket_set_int(st, "b", LH_BUCKET_VERSIONING, LH_VERSIONING_ENABLED, &e),
                 0);
    CHECK_EQ_INT(lh_store_bucket_set_int(st, "b", LH_BUCKET_OWNERSHIP, 3, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_set_int(st, "b", LH_BUCKET_PUBLIC_BLOCK, 15, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_set_int(st, "b", (lh_store_bucket_field_t)99, 1, &e), LH_EINVAL);
    CHECK_EQ_INT(lh_store_bucket_set_int(st, "nob", LH_BUCKET_OWNERSHIP, 1, &e), LH_ENOENT);
    CHECK_EQ_INT(lh_store_bucket_get(st, "b", &b), 0); /* the update invalidated the cache */
    CHECK_EQ_INT(b.versioning, LH_VERSIONING_ENABLED);
    CHECK_EQ_INT(b.ownership, 3);
    CHECK_EQ_INT(b.public_block, 15);
    CHECK_EQ_INT(lh_store_bucket_get_lifecycle(st, "b", &rules), 0);
    CHECK(rules == NULL);
    CHECK_EQ_INT(lh_store_bucket_set_lifecycle(st, "b", "{\"Rules\":[]}", &e), 0);
    CHECK_EQ_INT(lh_store_bucket_get_lifecycle(st, "b", &rules), 0);
    CHECK_EQ_STR(rules, "{\"Rules\":[]}");
    free(rules);
    CHECK_EQ_INT(lh_store_bucket_set_lifecycle(st, "b", NULL, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_get_lifecycle(st, "b", &rules), 0);
    CHECK(rules == NULL);
    CHECK_EQ_INT(lh_store_bucket_get_lifecycle(st, "nob", &rules), LH_ENOENT);
    CHECK_EQ_INT(lh_store_bucket_set_lifecycle(st, "nob", NULL, &e), LH_ENOENT);
    lh_store_close(st); /* kept across a reopen */
    CHECK_EQ_INT(lh_store_open(stp, dir, &e), 0);
    st = *stp;
    CHECK_EQ_INT(lh_store_bucket_get(st, "b", &b), 0);
    CHECK_EQ_INT(b.versioning * 100 + b.ownership * 10 + b.public_block, 100 + 30 + 15);
}

TEST(reopen_keeps_objects_and_removes_leftovers)
{
    lh_err_t e;
    char buf[64], path[256];
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(PUTS(st, "b", "keep", "kept body"), 0); /* inline */
    static char big[LH_STORE_INLINE_MAX_DEFAULT + 1];
    memset(big, 'z', sizeof big);
    CHECK_EQ_INT(put(st, "b", "big", big, sizeof big, "e", NULL, NULL, &e), 0);
    lh_store_close(st);
    *stp = NULL;
    /* fake a crash: a tmp file, an unreferenced body, and the open marker */
    snprintf(path, sizeof path, "%s/store/tmp/half", dir);
    close(open(path, O_CREAT | O_WRONLY, 0644));
    snprintf(path, sizeof path, "%s/store/data/ab",
             dir); /* shard dirs come with their first body */
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/store/data/ab/ab000000000000000000000000000000", dir);
    close(open(path, O_CREAT | O_WRONLY, 0644));
    snprintf(path, sizeof path, "%s/store/OPEN", dir);
    close(open(path, O_CREAT | O_WRONLY, 0644));
    CHECK_EQ_INT(count_files("data"), 2);
    CHECK_EQ_INT(lh_store_open(stp, dir, &e), 0);
    st = *stp;
    CHECK_EQ_INT(count_files("tmp"), 0);
    CHECK_EQ_INT(count_files("data"), 1); /* the orphan went, big's body stayed */
    CHECK_EQ_INT(get_all(st, "b", "keep", buf, sizeof buf, NULL), 9);
    CHECK_EQ_STR(buf, "kept body");
    static char got[sizeof big + 1];
    CHECK_EQ_INT(get_all(st, "b", "big", got, sizeof got, NULL), (long)sizeof big);
    CHECK(!memcmp(got, big, sizeof big));
}

/* --- small objects inline in the index --- */

/* Names of the files under data/ (at most max), in no particular order. */
static int data_names(char (*names)[64], int max)
{
    char path[256];
    int n = 0;
    for (int i = 0; i < 256; i++) {
        snprintf(path, sizeof path, "%s/store/data/%02x", dir, i);
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d)))
            if (de->d_name[0] != '.' && n < max) snprintf(names[n++], 64, "%.63s", de->d_name);
        if (d) closedir(d);
    }
    return n;
}

static void fill(char *buf, size_t n, int seed)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)(seed * 131 + (int)(i * 7 % 251));
}

/* 0 when key's body is exactly want[0..n). */
static int body_is(lh_store_t *st, const char *key, const char *want, size_t n)
{
    static char got[LH_STORE_INLINE_MAX_DEFAULT * 2 + 2];
    long r = get_all(st, "b", key, got, sizeof got, NULL);
    return r == (long)n && !memcmp(got, want, n) ? 0 : -1;
}

static int list_size_fn(const lh_store_list_entry_t *e, void *arg)
{
    *(int64_t *)arg = e->meta ? e->meta->size : -1;
    return 0;
}

TEST(inline_small_roundtrip_no_file)
{
    lh_err_t e;
    lh_store_meta_t m;
    char body[4096], buf[64];
    fill(body, sizeof body, 1);
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(put(st, "b", "small", body, sizeof body, "e4k", "{\"a\":1}", NULL, &e), 0);
    CHECK_EQ_INT(count_files("data"), 0); /* no body file for it */
    CHECK_EQ_INT(count_files("tmp"), 0);
    CHECK_EQ_INT(lh_store_head(st, "b", "small", 5, &m, &e), 0);
    CHECK_EQ_INT(m.size, 4096);
    CHECK_EQ_STR(m.etag, "e4k");
    CHECK_EQ_STR(m.attrs, "{\"a\":1}");
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(body_is(st, "small", body, sizeof body), 0);
    int64_t listed = 0;
    int trunc;
    char marker[LH_STORE_KEY_MAX + 1];
    size_t mlen;
    lh_store_list_opts_t o = {.max_keys = 10};
    CHECK_EQ_INT(lh_store_list(st, "b", &o, list_size_fn, &listed, &trunc, marker, &mlen, &e), 0);
    CHECK_EQ_INT(listed, 4096);
    /* an empty object is inline too */
    CHECK_EQ_INT(put(st, "b", "empty", "", 0, "e0", NULL, NULL, &e), 0);
    CHECK_EQ_INT(lh_store_head(st, "b", "empty", 5, &m, &e), 0);
    CHECK_EQ_INT(m.size, 0);
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(get_all(st, "b", "empty", buf, sizeof buf, NULL), 0);
    CHECK_EQ_INT(count_files("data"), 0);
    CHECK_EQ_INT(lh_store_delete(st, "b", "small", 5, &e), 0);
    CHECK_EQ_INT(lh_store_delete(st, "b", "empty", 5, &e), 0);
    CHECK_EQ_INT(lh_store_head(st, "b", "small", 5, &m, &e), LH_ENOENT);
    CHECK_EQ_INT(count_files("data"), 0);
}

TEST(inline_limit_boundary)
{
    lh_err_t e;
    static char body[LH_STORE_INLINE_MAX_DEFAULT + 1];
    fill(body, sizeof body, 2);
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(put(st, "b", "at", body, LH_STORE_INLINE_MAX_DEFAULT, "e", NULL, NULL, &e), 0);
    CHECK_EQ_INT(count_files("data"), 0); /* exactly the limit: inline */
    CHECK_EQ_INT(put(st, "b", "over", body, sizeof body, "e", NULL, NULL, &e), 0);
    CHECK_EQ_INT(count_files("data"), 1); /* one byte more: a body file */
    CHECK_EQ_INT(count_files("tmp"), 0);
    CHECK_EQ_INT(body_is(st, "at", body, LH_STORE_INLINE_MAX_DEFAULT), 0);
    CHECK_EQ_INT(body_is(st, "over", body, sizeof body), 0);
    CHECK_EQ_INT(lh_store_delete(st, "b", "over", 4, &e), 0);
    CHECK_EQ_INT(count_files("data"), 0);
}

TEST(inline_spill_mid_write)
{
    lh_err_t e;
    lh_store_writer_t *w;
    static char body[100000];
    lh_store_meta_t m = {.etag = "spilled"};
    fill(body, sizeof body, 3);
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(lh_store_put_begin(st, "b", &w, &e), 0);
    int tmp_before = -1, tmp_after = -1;
    for (size_t off = 0; off < sizeof body; off += 1000) {
        CHECK_EQ_INT(lh_store_put_write(w, body + off, 1000, &e), 0);
        if (off + 1000 == 65000) tmp_before = count_files("tmp"); /* 65000 bytes: still in memory */
        if (off + 1000 == 66000)
            tmp_after = count_files("tmp"); /* past the limit: spilled to tmp/ */
    }
    CHECK_EQ_INT(tmp_before, 0);
    CHECK_EQ_INT(tmp_after, 1);
    CHECK_EQ_INT(lh_store_writer_size(w), (int64_t)sizeof body);
    CHECK_EQ_INT(lh_store_put_commit(w, "k", 1, &m, NULL, &e), 0);
    CHECK_EQ_INT(count_files("data"), 1);
    CHECK_EQ_INT(count_files("tmp"), 0);
    CHECK_EQ_INT(body_is(st, "k", body, sizeof body), 0);
    /* aborting a writer leaves nothing, in memory or spilled */
    CHECK_EQ_INT(lh_store_put_begin(st, "b", &w, &e), 0);
    CHECK_EQ_INT(lh_store_put_write(w, body, 10, &e), 0);
    lh_store_put_abort(w);
    CHECK_EQ_INT(lh_store_put_begin(st, "b", &w, &e), 0);
    CHECK_EQ_INT(lh_store_put_write(w, body, 10, &e), 0);
    CHECK_EQ_INT(lh_store_put_write(w, body, 70000, &e), 0); /* one write over the limit */
    CHECK_EQ_INT(count_files("tmp"), 1);
    lh_store_put_abort(w);
    CHECK_EQ_INT(count_files("tmp"), 0);
    CHECK_EQ_INT(count_files("data"), 1);
}

TEST(inline_overwrite_file_inline_file)
{
    lh_err_t e;
    static char big1[70000], big3[80000];
    char small[100], names[4][64], first[64], buf[128];
    lh_store_meta_t m;
    int fd;
    fill(big1, sizeof big1, 4);
    fill(big3, sizeof big3, 5);
    fill(small, sizeof small, 6);
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(put(st, "b", "k", big1, sizeof big1, "v1", NULL, NULL, &e), 0);
    CHECK_EQ_INT(data_names(names, 4), 1);
    snprintf(first, sizeof first, "%s", names[0]);
    CHECK_EQ_INT(lh_store_get(st, "b", "k", 1, &m, &fd, &e), 0); /* reader holds v1 */
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(put(st, "b", "k", small, sizeof small, "v2", NULL, NULL, &e), 0);
    CHECK_EQ_INT(count_files("data"), 0); /* file -> inline: v1's body unlinked */
    CHECK_EQ_INT(body_is(st, "k", small, sizeof small), 0);
    CHECK_EQ_INT(pread(fd, buf, sizeof buf, 69950), 50); /* v1 still readable */
    CHECK(!memcmp(buf, big1 + 69950, 50));
    close(fd);
    CHECK_EQ_INT(lh_store_get(st, "b", "k", 1, &m, &fd, &e), 0); /* reader holds v2 (inline) */
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(put(st, "b", "k", big3, sizeof big3, "v3", NULL, NULL, &e), 0);
    CHECK_EQ_INT(data_names(names, 4), 1); /* inline -> file: only v3's body */
    CHECK(strcmp(names[0], first) != 0);
    CHECK_EQ_INT(body_is(st, "k", big3, sizeof big3), 0);
    CHECK_EQ_INT(read(fd, buf, sizeof buf), (long)sizeof small);
    CHECK(!memcmp(buf, small, sizeof small));
    close(fd);
    CHECK_EQ_INT(put(st, "b", "k", small, 10, "v4", NULL, NULL, &e), 0);
    CHECK_EQ_INT(put(st, "b", "k", small, 20, "v5", NULL, NULL, &e), 0); /* inline -> inline */
    CHECK_EQ_INT(count_files("data"), 0);
    CHECK_EQ_INT(body_is(st, "k", small, 20), 0);
    CHECK_EQ_INT(lh_store_delete(st, "b", "k", 1, &e), 0);
    CHECK_EQ_INT(count_files("data"), 0);
    CHECK_EQ_INT(count_files("tmp"), 0);
}

/* Sends len bytes of fd from off into out with sendfile, reads them back
 * from in; 0 when they equal want. */
static int sendfile_check(int fd, int out, int in, off_t off, size_t len, const char *want)
{
    static char got[8192];
    size_t sent = 0, rd = 0;
    while (sent < len) {
        ssize_t r = sendfile(out, fd, &off, len - sent);
        if (r <= 0) return -1;
        sent += (size_t)r;
        while (rd < sent) { /* drain so the socket or pipe never fills */
            ssize_t n = read(in, got + rd, sent - rd);
            if (n <= 0) return -1;
            rd += (size_t)n;
        }
    }
    return rd == len && !memcmp(got, want, len) ? 0 : -1;
}

TEST(inline_get_fd_pread_and_sendfile)
{
    lh_err_t e;
    lh_store_meta_t m;
    char body[5000], buf[200];
    int fd, sv[2], pp[2];
    struct stat sb;
    fill(body, sizeof body, 7);
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(put(st, "b", "k", body, sizeof body, "e", NULL, NULL, &e), 0);
    CHECK_EQ_INT(count_files("data"), 0);
    CHECK_EQ_INT(lh_store_get(st, "b", "k", 1, &m, &fd, &e), 0);
    CHECK_EQ_INT(m.size, 5000);
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(fstat(fd, &sb), 0);
    CHECK(S_ISREG(sb.st_mode));
    CHECK_EQ_INT(sb.st_size, 5000);
    CHECK_EQ_INT(pread(fd, buf, 100, 1234), 100);
    CHECK(!memcmp(buf, body + 1234, 100));
    CHECK_EQ_INT(pread(fd, buf, sizeof buf, 4950), 50); /* short at the end */
    CHECK(!memcmp(buf, body + 4950, 50));
    CHECK_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ_INT(sendfile_check(fd, sv[0], sv[1], 100, 4900, body + 100), 0);
    CHECK_EQ_INT(pipe(pp), 0);
    CHECK_EQ_INT(sendfile_check(fd, pp[1], pp[0], 0, 5000, body), 0);
    CHECK_EQ_INT(read(fd, buf, 10), 10); /* the fd itself starts at offset 0 */
    CHECK(!memcmp(buf, body, 10));
    close(sv[0]);
    close(sv[1]);
    close(pp[0]);
    close(pp[1]);
    close(fd);
}

TEST(inline_disabled_by_zero)
{
    lh_err_t e;
    lh_store_meta_t m;
    CHECK_EQ_INT(lh_store_set_inline_max(st, LH_STORE_INLINE_MAX_LIMIT + 1), LH_ETOOBIG);
    CHECK_EQ_INT(lh_store_set_inline_max(st, 0), 0);
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(PUTS(st, "b", "f", "file body"), 0);
    CHECK_EQ_INT(count_files("data"), 1); /* inlining off: even 9 bytes get a file */
    lh_store_writer_t *w;                 /* a writer begun while off keeps its file */
    CHECK_EQ_INT(lh_store_put_begin(st, "b", &w, &e), 0);
    CHECK_EQ_INT(count_files("tmp"), 1);
    CHECK_EQ_INT(lh_store_set_inline_max(st, 16), 0);
    CHECK_EQ_INT(lh_store_put_write(w, "x", 1, &e), 0);
    m = (lh_store_meta_t){.etag = "w"};
    CHECK_EQ_INT(lh_store_put_commit(w, "w", 1, &m, NULL, &e), 0);
    CHECK_EQ_INT(count_files("data"), 2);
    CHECK_EQ_INT(PUTS(st, "b", "i", "sixteen bytes!!!"), 0); /* limit 16: inline */
    CHECK_EQ_INT(PUTS(st, "b", "j", "seventeen bytes!!"), 0);
    CHECK_EQ_INT(count_files("data"), 3);
    char buf[64];
    CHECK_EQ_INT(get_all(st, "b", "f", buf, sizeof buf, NULL), 9);
    CHECK_EQ_STR(buf, "file body");
    CHECK_EQ_INT(get_all(st, "b", "i", buf, sizeof buf, NULL), 16);
    CHECK_EQ_STR(buf, "sixteen bytes!!!");
    CHECK_EQ_INT(get_all(st, "b", "j", buf, sizeof buf, NULL), 17);
    CHECK_EQ_STR(buf, "seventeen bytes!!");
}

static void three_keys(int64_t i, char *key, size_t cap)
{
    snprintf(key, cap, "alias%lld", (long long)i);
}

TEST(bulk_alias_inline_and_file_sources)
{
    lh_err_t e;
    char buf[64];
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(PUTS(st, "b", "src", "inline source"), 0);
    CHECK_EQ_INT(lh__store_bulk_alias(st, "b", "src", 3, three_keys, &e), 0);
    CHECK_EQ_INT(get_all(st, "b", "alias2", buf, sizeof buf, NULL), 13);
    CHECK_EQ_STR(buf, "inline source");
    CHECK_EQ_INT(count_files("data"), 0);
    CHECK_EQ_INT(lh_store_set_inline_max(st, 0), 0);
    CHECK_EQ_INT(PUTS(st, "b", "src", "file source"), 0);
    CHECK_EQ_INT(lh__store_bulk_alias(st, "b", "src", 3, three_keys, &e), 0);
    CHECK_EQ_INT(get_all(st, "b", "alias1", buf, sizeof buf, NULL), 11);
    CHECK_EQ_STR(buf, "file source");
    CHECK_EQ_INT(count_files("data"), 1); /* one shared body */
}

/* A store whose index was made by the first schema (no inline column):
 * opening it migrates, keeps the old object and takes inline ones. */
TEST(migrate_v1_index_keeps_objects)
{
    lh_err_t e;
    char path[256], buf[64];
    static const char v1[] =
        "CREATE TABLE buckets(name TEXT PRIMARY KEY, owner TEXT NOT NULL, created_ns INTEGER NOT"
        " NULL, public_read INTEGER NOT NULL DEFAULT 0, policy TEXT) WITHOUT ROWID;"
        "CREATE TABLE objects(bucket TEXT NOT NULL, key BLOB NOT NULL, size INTEGER NOT NULL,"
        " mtime_ns INTEGER NOT NULL, etag TEXT NOT NULL, attrs TEXT, data_id TEXT NOT NULL,"
        " PRIMARY KEY(bucket, key)) WITHOUT ROWID;"
        "CREATE INDEX objects_data ON objects(data_id);"
        "CREATE TABLE uploads(upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key BLOB NOT NULL,"
        " attrs TEXT, created_ns INTEGER NOT NULL) WITHOUT ROWID;"
        "CREATE INDEX uploads_key ON uploads(bucket, key, upload_id);"
        "CREATE TABLE parts(upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, size INTEGER"
        " NOT NULL, etag TEXT NOT NULL, attrs TEXT, data_id TEXT NOT NULL, mtime_ns INTEGER NOT"
        " NULL, PRIMARY KEY(upload_id, part_number)) WITHOUT ROWID;"
        "CREATE INDEX parts_data ON parts(data_id);"
        "INSERT INTO buckets VALUES('b','alice',1,0,NULL);"
        "INSERT INTO objects VALUES('b',CAST('old' AS BLOB),7,1,'e',NULL,"
        "'ab0123456789abcdef0123456789abcd');"
        "PRAGMA user_version=1;";
    lh_store_close(st);
    *stp = NULL;
    dir_remove();
    dir_make();
    snprintf(path, sizeof path, "%s/store", dir);
    CHECK_EQ_INT(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/store/data", dir);
    CHECK_EQ_INT(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/store/data/ab", dir);
    CHECK_EQ_INT(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/store/data/ab/ab0123456789abcdef0123456789abcd", dir);
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    CHECK_EQ_INT(write(fd, "old one", 7), 7);
    close(fd);
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/store/index.db", dir);
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    snprintf(path, sizeof path, "%s/store/OPEN", dir); /* and the sweep runs */
    close(open(path, O_CREAT | O_WRONLY, 0644));
    CHECK_EQ_INT(lh_store_open(stp, dir, &e), 0);
    st = *stp;
    CHECK_EQ_INT(get_all(st, "b", "old", buf, sizeof buf, NULL), 7);
    CHECK_EQ_STR(buf, "old one");
    lh_store_bucket_t b;
    CHECK_EQ_INT(lh_store_bucket_get(st, "b", &b), 0); /* settings added by migration 3 */
    CHECK_EQ_STR(b.owner, "alice");
    CHECK_EQ_INT(b.versioning + b.ownership + b.public_block, 0);
    CHECK_EQ_INT(PUTS(st, "b", "new", "inline one"), 0);
    CHECK_EQ_INT(get_all(st, "b", "new", buf, sizeof buf, NULL), 10);
    CHECK_EQ_STR(buf, "inline one");
    CHECK_EQ_INT(count_files("data"), 1);
    lh_store_close(st);
    CHECK_EQ_INT(lh_store_open(stp, dir, &e), 0); /* reopen: schema 2 as is */
    st = *stp;
    CHECK_EQ_INT(get_all(st, "b", "new", buf, sizeof buf, NULL), 10);
}

/* A store whose index was made by the previous schema (3, as main had it
 * before versions: schema_migrations rows 1..3, bucket settings, inline and
 * file-backed objects): opening it migrates, and its objects become the
 * null versions of their keys. */
TEST(migrate_v3_index_objects_become_null_versions)
{
    lh_err_t e;
    char path[256], buf[64], vid[LH_STORE_VERSION_ID_SIZE];
    static const char v3[] =
        "CREATE TABLE schema_migrations(module TEXT NOT NULL, version INTEGER NOT NULL,"
        " applied INTEGER NOT NULL, PRIMARY KEY(module, version));"
        "INSERT INTO schema_migrations VALUES('store',1,1),('store',2,1),('store',3,1);"
        "CREATE TABLE buckets(name TEXT PRIMARY KEY, owner TEXT NOT NULL, created_ns INTEGER NOT"
        " NULL, public_read INTEGER NOT NULL DEFAULT 0, policy TEXT, versioning INTEGER NOT NULL"
        " DEFAULT 0, ownership INTEGER NOT NULL DEFAULT 0, public_block INTEGER NOT NULL DEFAULT"
        " 0, lifecycle TEXT) WITHOUT ROWID;"
        "CREATE TABLE objects(bucket TEXT NOT NULL, key BLOB NOT NULL, size INTEGER NOT NULL,"
        " mtime_ns INTEGER NOT NULL, etag TEXT NOT NULL, attrs TEXT, data_id TEXT NOT NULL,"
        " inline_data BLOB, PRIMARY KEY(bucket, key)) WITHOUT ROWID;"
        "CREATE INDEX objects_data ON objects(data_id) WHERE data_id<>'';"
        "CREATE TABLE uploads(upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key BLOB NOT NULL,"
        " attrs TEXT, created_ns INTEGER NOT NULL) WITHOUT ROWID;"
        "CREATE INDEX uploads_key ON uploads(bucket, key, upload_id);"
        "CREATE TABLE parts(upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, size INTEGER"
        " NOT NULL, etag TEXT NOT NULL, attrs TEXT, data_id TEXT NOT NULL, mtime_ns INTEGER NOT"
        " NULL, PRIMARY KEY(upload_id, part_number)) WITHOUT ROWID;"
        "CREATE INDEX parts_data ON parts(data_id);"
        "INSERT INTO buckets VALUES('b','alice',1,0,NULL,0,0,0,NULL);"
        "INSERT INTO objects VALUES('b',CAST('file' AS BLOB),7,1,'e1',NULL,"
        "'ab0123456789abcdef0123456789abcd',NULL);"
        "INSERT INTO objects VALUES('b',CAST('inl' AS BLOB),6,2,'e2','{}','',"
        "CAST('inline' AS BLOB));"
        "PRAGMA user_version=3;";
    lh_store_close(st);
    *stp = NULL;
    dir_remove();
    dir_make();
    snprintf(path, sizeof path, "%s/store", dir);
    CHECK_EQ_INT(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/store/data", dir);
    CHECK_EQ_INT(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/store/data/ab", dir);
    CHECK_EQ_INT(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/store/data/ab/ab0123456789abcdef0123456789abcd", dir);
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    CHECK_EQ_INT(write(fd, "in file", 7), 7);
    close(fd);
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/store/index.db", dir);
    CHECK_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, v3, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    snprintf(path, sizeof path, "%s/store/OPEN", dir); /* the orphan sweep runs too */
    close(open(path, O_CREAT | O_WRONLY, 0644));
    CHECK_EQ_INT(lh_store_open(stp, dir, &e), 0);
    st = *stp;
    lh_store_meta_t m;
    CHECK_EQ_INT(lh_store_head(st, "b", "file", 4, &m, &e), 0);
    CHECK_EQ_STR(m.version_id, "null");
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(lh_store_version_get(st, "b", "inl", 3, "null", &m, &fd, &e), 0);
    CHECK_EQ_INT((int)read(fd, buf, sizeof buf), 6);
    CHECK(!memcmp(buf, "inline", 6) && !m.delete_marker);
    close(fd);
    lh_store_meta_clear(&m);
    /* versioning on: a new PUT keeps the old object as the noncurrent null version */
    CHECK_EQ_INT(lh_store_bucket_set_int(st, "b", LH_BUCKET_VERSIONING, LH_VERSIONING_ENABLED, &e),
                 0);
    lh_store_writer_t *w;
    lh_store_meta_t nm = {.etag = "e3"};
    CHECK_EQ_INT(lh_store_put_begin(st, "b", &w, &e), 0);
    CHECK_EQ_INT(lh_store_put_write(w, "newer", 5, &e), 0);
    CHECK_EQ_INT(lh_store_put_commit(w, "file", 4, &nm, NULL, &e), 0);
    snprintf(vid, sizeof vid, "%s", nm.version_id);
    CHECK_EQ_INT((int)strlen(vid), 32);
    CHECK_EQ_INT(get_all(st, "b", "file", buf, sizeof buf, NULL), 5);
    CHECK_EQ_INT(lh_store_version_get(st, "b", "file", 4, "null", &m, &fd, &e), 0);
    CHECK_EQ_INT((int)read(fd, buf, sizeof buf), 7);
    CHECK(!memcmp(buf, "in file", 7));
    close(fd);
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(count_files("data"), 1); /* the old body, still referenced */
    lh_store_close(st);
    CHECK_EQ_INT(lh_store_open(stp, dir, &e), 0); /* reopen: the current schema as is */
    st = *stp;
    CHECK_EQ_INT(lh_store_version_get(st, "b", "file", 4, vid, &m, NULL, &e), 0);
    CHECK_EQ_STR(m.etag, "e3");
    lh_store_meta_clear(&m);
}

/* --- memory while listing a large bucket --- */

static void bulk_key(int64_t i, char *key, size_t cap)
{
    snprintf(key, cap, "d%03d/s%02d/f%07lld", (int)(i % 1000), (int)(i % 7), (long long)i);
}

static int count_entries(const lh_store_list_entry_t *e, void *arg)
{
    (void)e;
    (*(long *)arg)++;
    return 0;
}

/* Current resident set in KiB (ru_maxrss would keep the bulk load's peak). */
static long rss_kb(void)
{
    long pages = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f && fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
    if (f) fclose(f);
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

TEST(list_100k_keys_memory_bounded)
{
    lh_err_t e;
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(PUTS(st, "b", "src", "shared"), 0);
    CHECK_EQ_INT(lh__store_bulk_alias(st, "b", "src", 100000, bulk_key, &e), 0);
    long before = rss_kb(), peak = before;
    static const char *const delims[] = {"", "/"};
    long want[] = {100001, 0};
    for (int d = 0; d < 2; d++) {
        char marker[LH_STORE_KEY_MAX + 1];
        size_t mlen = 0;
        int trunc = 1;
        long n = 0;
        while (trunc) {
            lh_store_list_opts_t o = {"", 0, delims[d], strlen(delims[d]), marker, mlen, 1000};
            CHECK_EQ_INT(lh_store_list(st, "b", &o, count_entries, &n, &trunc, marker, &mlen, &e),
                         0);
            long now = rss_kb();
            peak = now > peak ? now : peak;
        }
        if (d == 0)
            CHECK_EQ_INT(n, want[0]);
        else
            CHECK_EQ_INT(n, 1001); /* d000/ .. d999/ and src */
    }
    long growth = peak - before;
    printf("  rss before %ld KiB, growth while listing %ld KiB\n", before, growth);
    CHECK(growth < 64 * 1024);
}

static const lh_test_t tests[] = {
    {"put_get_head_delete_roundtrip", put_get_head_delete_roundtrip},
    {"put_binary_key_and_limits", put_binary_key_and_limits},
    {"overwrite_keeps_one_version", overwrite_keeps_one_version},
    {"overwrite_keeps_one_version_inline", overwrite_keeps_one_version_inline},
    {"conditional_put", conditional_put},
    {"conditional_put_inline", conditional_put_inline},
    {"list_byte_order_five_keys", list_byte_order_five_keys},
    {"list_pagination_matches_one_page", list_pagination_matches_one_page},
    {"list_start_after", list_start_after},
    {"list_delimiter_seek_nested", list_delimiter_seek_nested},
    {"concurrent_puts_leave_complete_versions", concurrent_puts_leave_complete_versions},
    {"multipart_complete_in_part_order", multipart_complete_in_part_order},
    {"multipart_abort_and_unknown", multipart_abort_and_unknown},
    {"buckets_create_list_delete", buckets_create_list_delete},
    {"reopen_keeps_objects_and_removes_leftovers", reopen_keeps_objects_and_removes_leftovers},
    {"list_100k_keys_memory_bounded", list_100k_keys_memory_bounded},
    {"inline_small_roundtrip_no_file", inline_small_roundtrip_no_file},
    {"inline_limit_boundary", inline_limit_boundary},
    {"inline_spill_mid_write", inline_spill_mid_write},
    {"inline_overwrite_file_inline_file", inline_overwrite_file_inline_file},
    {"inline_get_fd_pread_and_sendfile", inline_get_fd_pread_and_sendfile},
    {"inline_disabled_by_zero", inline_disabled_by_zero},
    {"bulk_alias_inline_and_file_sources", bulk_alias_inline_and_file_sources},
    {"migrate_v1_index_keeps_objects", migrate_v1_index_keeps_objects},
    {"migrate_v3_index_objects_become_null_versions",
     migrate_v3_index_objects_become_null_versions},
    {"bucket_settings", bucket_settings},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
