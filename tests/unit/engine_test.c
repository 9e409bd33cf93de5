/* Unit tests for the embedded object store (src/store/engine*.c): buckets,
 * put/get/head/delete, overwrite and conditional puts, listing order and
 * pagination with delimiters, concurrent writers, multipart, reopen with
 * crash-leftover cleanup, and bounded memory while listing 100k keys. Each
 * test runs in its own temporary data directory. */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/str.h"
#include "store/engine.h"
#include "store/engine_int.h"
#include "test.h"

static char dir[64];

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb, (void)flag, (void)f;
    return remove(p);
}

static void dir_make(void)
{
    snprintf(dir, sizeof dir, "/tmp/lh-engine-XXXXXX");
    if (!mkdtemp(dir))
        abort();
}

static void dir_remove(void)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Each test body runs between dir_make and dir_remove. */
#define TEST(name)                                                                          \
    static void name##_body(lh_store_t *st, lh_store_t **stp);                              \
    static void name(void)                                                                  \
    {                                                                                       \
        lh_store_t *st = NULL;                                                              \
        lh_err_t e = {0};                                                                   \
        dir_make();                                                                         \
        if (lh_store_open(&st, dir, &e) == 0) {                                             \
            name##_body(st, &st);                                                           \
            lh_store_close(st);                                                             \
        } else {                                                                            \
            fprintf(stderr, "  open failed: %s\n", e.msg);                                  \
            lh_test_failed_ = 1;                                                            \
        }                                                                                   \
        dir_remove();                                                                       \
    }                                                                                       \
    static void name##_body(lh_store_t *st, lh_store_t **stp)

static int put(lh_store_t *st, const char *bucket, const char *key, const char *data, size_t n,
               const char *etag, const char *attrs, const lh_put_cond_t *cond, lh_err_t *e)
{
    lh_store_writer_t *w;
    lh_obj_meta_t m = {.attrs = (char *)attrs};
    snprintf(m.etag, sizeof m.etag, "%s", etag);
    int rc = lh_store_put_begin(st, bucket, &w, e);
    if (rc)
        return rc;
    if ((rc = lh_store_put_write(w, data, n, e))) {
        lh_store_put_abort(w);
        return rc;
    }
    return lh_store_put_commit(w, key, strlen(key), &m, cond, e);
}

#define PUTS(st, b, k, s) put(st, b, k, s, strlen(s), "e-" s, NULL, NULL, NULL)

/* Reads the whole body of key into buf (NUL-terminated); returns its length or -1. */
static long get_all(lh_store_t *st, const char *bucket, const char *key, char *buf, size_t cap,
                    lh_obj_meta_t *m)
{
    int fd;
    lh_obj_meta_t tmp;
    if (!m)
        m = &tmp;
    if (lh_store_get(st, bucket, key, strlen(key), m, &fd, NULL))
        return -1;
    long n = (long)read(fd, buf, cap - 1);
    close(fd);
    if (m == &tmp)
        lh_obj_meta_clear(m);
    if (n >= 0)
        buf[n] = 0;
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
        if (d)
            closedir(d);
    }
    return n;
}

/* --- listing helper: entries joined as "k1,P:p/,k2" --- */
typedef struct collect {
    char out[8192];
    size_t len;
} collect_t;

static int collect_fn(const lh_list_entry_t *e, void *arg)
{
    collect_t *c = arg;
    int n = snprintf(c->out + c->len, sizeof c->out - c->len, "%s%s%.*s", c->len ? "," : "",
                     e->is_prefix ? "P:" : "", (int)e->key_len, e->key);
    if (n > 0 && (size_t)n < sizeof c->out - c->len)
        c->len += (size_t)n;
    return 0;
}

static int list_page(lh_store_t *st, const char *prefix, const char *delim, const char *after,
                     size_t after_len, int max, collect_t *c, int *trunc, char *marker, size_t *mlen)
{
    lh_list_opts_t o = {prefix, strlen(prefix), delim, strlen(delim), after, after_len, max};
    return lh_store_list(st, "b", &o, collect_fn, c, trunc, marker, mlen, NULL);
}

/* Lists everything in pages of max, following next_marker. */
static int list_all(lh_store_t *st, const char *prefix, const char *delim, const char *after,
                    int max, collect_t *c)
{
    char marker[LH_KEY_MAX + 1];
    size_t mlen = after ? strlen(after) : 0;
    int trunc = 1, pages = 0;
    memset(c, 0, sizeof *c);
    if (after)
        memcpy(marker, after, mlen + 1);
    while (trunc && pages++ < 1000) {
        /* start_after and next_marker share one buffer, as a caller's token would */
        int rc = list_page(st, prefix, delim, marker, mlen, max, c, &trunc, marker, &mlen);
        if (rc)
            return rc;
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
    lh_obj_meta_t m;
    char buf[64];
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(put(st, "b", "dir/k", "hello", 5, "5d41", "{\"ct\":\"text/plain\"}", NULL, &e), 0);
    CHECK_EQ_INT(lh_store_head(st, "b", "dir/k", 5, &m, &e), 0);
    CHECK_EQ_INT(m.size, 5);
    CHECK_EQ_STR(m.etag, "5d41");
    CHECK_EQ_STR(m.attrs, "{\"ct\":\"text/plain\"}");
    CHECK(m.mtime_ns > 0);
    lh_obj_meta_clear(&m);
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
    lh_obj_meta_t m;
    char key[LH_KEY_MAX + 2];
    memset(key, 'k', sizeof key);
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    key[LH_KEY_MAX] = 0;
    CHECK_EQ_INT(put(st, "b", key, "1", 1, "e", NULL, NULL, &e), 0);
    key[LH_KEY_MAX] = 'k';
    key[LH_KEY_MAX + 1] = 0;
    CHECK_EQ_INT(put(st, "b", key, "1", 1, "e", NULL, NULL, &e), LH_ETOOBIG);
    CHECK_EQ_INT(put(st, "b", "", "1", 1, "e", NULL, NULL, &e), LH_EINVAL);
    /* a key with NUL and ../ is just bytes in the index */
    lh_store_writer_t *w;
    lh_obj_meta_t pm = {.etag = "z"};
    CHECK_EQ_INT(lh_store_put_begin(st, "b", &w, &e), 0);
    CHECK_EQ_INT(lh_store_put_write(w, "nul", 3, &e), 0);
    CHECK_EQ_INT(lh_store_put_commit(w, "../x\0/../../etc", 15, &pm, NULL, &e), 0);
    CHECK_EQ_INT(lh_store_head(st, "b", "../x\0/../../etc", 15, &m, &e), 0);
    CHECK_EQ_INT(m.size, 3);
    lh_obj_meta_clear(&m);
    CHECK_EQ_INT(lh_store_head(st, "b", "../x", 4, &m, &e), LH_ENOENT);
    CHECK_EQ_INT(count_files("data"), 2);
}

TEST(overwrite_keeps_one_version)
{
    lh_err_t e;
    char buf[64];
    lh_obj_meta_t m;
    int fd;
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(PUTS(st, "b", "k", "version-one"), 0);
    CHECK_EQ_INT(count_files("data"), 1);
    CHECK_EQ_INT(lh_store_get(st, "b", "k", 1, &m, &fd, &e), 0); /* reader holds v1 open */
    lh_obj_meta_clear(&m);
    CHECK_EQ_INT(PUTS(st, "b", "k", "v2"), 0);
    CHECK_EQ_INT(count_files("data"), 1); /* the old body is gone */
    CHECK_EQ_INT(get_all(st, "b", "k", buf, sizeof buf, &m), 2);
    CHECK_EQ_STR(buf, "v2");
    CHECK_EQ_STR(m.etag, "e-v2");
    lh_obj_meta_clear(&m);
    CHECK_EQ_INT(read(fd, buf, sizeof buf), 11); /* still readable through the fd */
    CHECK(!memcmp(buf, "version-one", 11));
    close(fd);
    CHECK_EQ_INT(lh_store_delete(st, "b", "k", 1, &e), 0);
    CHECK_EQ_INT(count_files("data"), 0);
}

TEST(conditional_put)
{
    lh_err_t e;
    lh_obj_meta_t m;
    lh_put_cond_t inm = {.if_none_match_any = 1};
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(put(st, "b", "k", "one", 3, "etag1", NULL, &inm, &e), 0);
    CHECK_EQ_INT(put(st, "b", "k", "two", 3, "etag2", NULL, &inm, &e), LH_EPRECOND);
    lh_put_cond_t im = {.if_match = "wrong"};
    CHECK_EQ_INT(put(st, "b", "k", "two", 3, "etag2", NULL, &im, &e), LH_EPRECOND);
    CHECK_EQ_INT(lh_store_head(st, "b", "k", 1, &m, &e), 0);
    CHECK_EQ_STR(m.etag, "etag1");
    lh_obj_meta_clear(&m);
    im.if_match = "etag1";
    CHECK_EQ_INT(put(st, "b", "k", "two", 3, "etag2", NULL, &im, &e), 0);
    CHECK_EQ_INT(lh_store_head(st, "b", "k", 1, &m, &e), 0);
    CHECK_EQ_STR(m.etag, "etag2");
    lh_obj_meta_clear(&m);
    im.if_match = "etag2";
    CHECK_EQ_INT(put(st, "b", "missing", "x", 1, "e", NULL, &im, &e), LH_EPRECOND);
    CHECK_EQ_INT(count_files("data"), 1); /* failed puts leave no body */
    CHECK_EQ_INT(count_files("tmp"), 0);
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
    char marker[LH_KEY_MAX + 1];
    size_t mlen = 9;
    lh_list_opts_t o = {.max_keys = 0};
    CHECK_EQ_INT(lh_store_list(st, "b", &o, collect_fn, &c, &trunc, marker, &mlen, &e), 0);
    CHECK_EQ_INT(trunc, 0);
    CHECK_EQ_INT(mlen, 0);
    o.max_keys = 10;
    CHECK_EQ_INT(lh_store_list(st, "nob", &o, collect_fn, &c, &trunc, marker, &mlen, &e), LH_ENOENT);
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
    char marker[LH_KEY_MAX + 1];
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
    static const char *const keys[] = {"x/1/a", "x/1/b/c", "x/1/b/d", "x/2/a", "x/2", "x/3--q--r",
                                       "x/3--s", "y", "p\xff\xff/a", "p\xff\xff/b", "q\xff" "1",
                                       "q\xff" "2", "r"};
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
    CHECK_EQ_STR(c.out, "P:p\xff\xff/,q\xff" "1,q\xff" "2,r,P:x/,y");
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

TEST(concurrent_puts_leave_complete_versions)
{
    pthread_t th[NTHREADS];
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
        lh_obj_meta_t m;
        snprintf(key, sizeof key, "k%d", k);
        long n = get_all(st, "b", key, got, 32768, &m);
        int64_t tag;
        CHECK_EQ_INT(lh_parse_i64(m.etag, &tag), 0);
        lh_obj_meta_clear(&m);
        size_t wn = body_of((int)tag, want);
        CHECK_EQ_INT(n, (long)wn);
        CHECK(!memcmp(got, want, wn));
    }
    free(want);
    free(got);
    CHECK_EQ_INT(count_files("data"), NKEYS);
    CHECK_EQ_INT(count_files("tmp"), 0);
}

/* --- multipart --- */

static int part(lh_store_t *st, const char *up, int n, const char *data, const char *etag)
{
    lh_store_writer_t *w;
    int rc = lh_store_part_begin(st, "b", up, &w, NULL);
    if (rc)
        return rc;
    if ((rc = lh_store_put_write(w, data, strlen(data), NULL))) {
        lh_store_put_abort(w);
        return rc;
    }
    return lh_store_part_commit(w, n, etag, "{\"crc\":1}", NULL);
}

static int count_uploads(const lh_mpu_info_t *u, void *arg)
{
    collect_t *c = arg;
    int n = snprintf(c->out + c->len, sizeof c->out - c->len, "%s%.*s", c->len ? "," : "",
                     (int)u->key_len, u->key);
    if (n > 0)
        c->len += (size_t)n;
    return 0;
}

TEST(multipart_complete_in_part_order)
{
    lh_err_t e;
    char up[80], buf[64];
    lh_mpu_info_t u;
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(lh_store_mpu_create(st, "b", "big", 3, "{\"ct\":\"x\"}", up, &e), 0);
    CHECK(strlen(up) >= 32 && strspn(up, "0123456789abcdef") == strlen(up));
    CHECK_EQ_INT(lh_store_mpu_get(st, "b", up, &u, &e), 0);
    CHECK_EQ_INT(u.key_len, 3);
    CHECK_EQ_STR(u.key, "big");
    CHECK_EQ_STR(u.attrs, "{\"ct\":\"x\"}");
    lh_mpu_info_clear(&u);
    CHECK_EQ_INT(part(st, up, 2, "-second", "m2"), 0);
    CHECK_EQ_INT(part(st, up, 1, "old", "m1"), 0);
    CHECK_EQ_INT(part(st, up, 1, "first", "m1b"), 0); /* replaces part 1 */
    CHECK_EQ_INT(part(st, up, 3, "unused", "m3"), 0);
    CHECK_EQ_INT(count_files("data"), 3);
    lh_part_info_t *p;
    int n, trunc;
    CHECK_EQ_INT(lh_store_mpu_parts(st, "b", up, 0, 0, &p, &n, &trunc, &e), 0);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(trunc, 0);
    CHECK_EQ_INT(p[0].part_number, 1);
    CHECK_EQ_STR(p[0].etag, "m1b");
    CHECK_EQ_INT(p[0].size, 5);
    CHECK_EQ_STR(p[0].attrs, "{\"crc\":1}");
    CHECK_EQ_INT(p[1].part_number, 2);
    lh_part_infos_free(p, n);
    CHECK_EQ_INT(lh_store_mpu_parts(st, "b", up, 1, 1, &p, &n, &trunc, &e), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(trunc, 1);
    CHECK_EQ_INT(p[0].part_number, 2);
    lh_part_infos_free(p, n);
    collect_t c = {0};
    CHECK_EQ_INT(lh_store_mpu_list(st, "b", "", 0, NULL, NULL, 1000, count_uploads, &c, &trunc, &e), 0);
    CHECK_EQ_STR(c.out, "big");
    int parts[] = {1, 2};
    lh_obj_meta_t m = {.etag = "abc-2"};
    lh_put_cond_t inm = {.if_none_match_any = 1};
    CHECK_EQ_INT(lh_store_mpu_complete(st, "b", up, parts, 2, &m, &inm, &e), 0);
    CHECK_EQ_INT(get_all(st, "b", "big", buf, sizeof buf, &m), 12);
    CHECK_EQ_STR(buf, "first-second");
    CHECK_EQ_STR(m.etag, "abc-2");
    CHECK_EQ_STR(m.attrs, "{\"ct\":\"x\"}"); /* kept from create */
    lh_obj_meta_clear(&m);
    CHECK_EQ_INT(lh_store_mpu_get(st, "b", up, &u, &e), LH_ENOENT);
    CHECK_EQ_STR(e.msg, "no such upload");
    CHECK_EQ_INT(count_files("data"), 1); /* parts removed */
    CHECK_EQ_INT(count_files("tmp"), 0);
    /* a second upload to the same key with If-None-Match fails and stays */
    CHECK_EQ_INT(lh_store_mpu_create(st, "b", "big", 3, NULL, up, &e), 0);
    CHECK_EQ_INT(part(st, up, 1, "again", "m"), 0);
    snprintf(m.etag, sizeof m.etag, "x-1");
    CHECK_EQ_INT(lh_store_mpu_complete(st, "b", up, parts, 1, &m, &inm, &e), LH_EPRECOND);
    CHECK_EQ_INT(lh_store_mpu_get(st, "b", up, &u, &e), 0);
    lh_mpu_info_clear(&u);
    CHECK_EQ_INT(lh_store_mpu_complete(st, "b", up, parts, 2, &m, NULL, &e), LH_EINVAL); /* no part 2 */
    CHECK_EQ_INT(count_files("data"), 2);
}

TEST(multipart_abort_and_unknown)
{
    lh_err_t e;
    char up[80], up2[80];
    lh_mpu_info_t u;
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
    CHECK_EQ_INT(lh_store_mpu_list(st, "b", "", 0, NULL, NULL, 1, count_uploads, &c, &trunc, &e), 0);
    CHECK_EQ_STR(c.out, "k1");
    CHECK_EQ_INT(trunc, 1);
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(lh_store_mpu_list(st, "b", "", 0, "k1", NULL, 10, count_uploads, &c, &trunc, &e), 0);
    CHECK_EQ_STR(c.out, "k2");
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(lh_store_mpu_list(st, "b", "k2", 2, NULL, NULL, 10, count_uploads, &c, &trunc, &e), 0);
    CHECK_EQ_STR(c.out, "k2");
    CHECK_EQ_INT(trunc, 0);
    CHECK_EQ_INT(lh_store_mpu_abort(st, "b", up, &e), 0);
    CHECK_EQ_INT(count_files("data"), 0);
    CHECK_EQ_INT(lh_store_mpu_get(st, "b", up, &u, &e), LH_ENOENT);
    CHECK_EQ_INT(lh_store_mpu_abort(st, "b", up, &e), LH_ENOENT);
    CHECK_EQ_INT(lh_store_mpu_abort(st, "other", up2, &e), LH_ENOENT);
}

/* --- buckets --- */

static int bucket_names(const lh_bucket_info_t *b, void *arg)
{
    collect_t *c = arg;
    int n = snprintf(c->out + c->len, sizeof c->out - c->len, "%s%s:%s:%d", c->len ? "," : "",
                     b->name, b->owner, b->public_read);
    if (n > 0)
        c->len += (size_t)n;
    return 0;
}

TEST(buckets_create_list_delete)
{
    lh_err_t e;
    lh_bucket_info_t b;
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
    lh_bucket_info_clear(&b);
    CHECK_EQ_INT(lh_store_bucket_set_policy(st, "alpha", NULL, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_get(st, "alpha", &b), 0);
    CHECK(b.policy == NULL);
    CHECK_EQ_INT(lh_store_bucket_set_policy(st, "nob", NULL, &e), LH_ENOENT);
    CHECK_EQ_INT(PUTS(st, "alpha", "obj", "x"), 0);
    CHECK_EQ_INT(lh_store_mpu_create(st, "alpha", "up", 2, NULL, up, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_delete(st, "alpha", &e), LH_ENOTEMPTY);
    CHECK_EQ_INT(lh_store_delete(st, "alpha", "obj", 3, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_delete(st, "alpha", &e), 0); /* the upload goes with it */
    CHECK_EQ_INT(lh_store_bucket_get(st, "alpha", &b), LH_ENOENT);
    CHECK_EQ_INT(lh_store_bucket_delete(st, "alpha", &e), LH_ENOENT);
    CHECK_EQ_INT(lh_store_mpu_get(st, "alpha", up, &(lh_mpu_info_t){0}, &e), LH_ENOENT);
}

TEST(reopen_keeps_objects_and_removes_leftovers)
{
    lh_err_t e;
    char buf[64], path[256];
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(PUTS(st, "b", "keep", "kept body"), 0);
    lh_store_close(st);
    *stp = NULL;
    /* fake a crash: a tmp file, an unreferenced body, and the open marker */
    snprintf(path, sizeof path, "%s/store/tmp/half", dir);
    close(open(path, O_CREAT | O_WRONLY, 0644));
    snprintf(path, sizeof path, "%s/store/data/ab/ab000000000000000000000000000000", dir);
    close(open(path, O_CREAT | O_WRONLY, 0644));
    snprintf(path, sizeof path, "%s/store/OPEN", dir);
    close(open(path, O_CREAT | O_WRONLY, 0644));
    CHECK_EQ_INT(count_files("data"), 2);
    CHECK_EQ_INT(lh_store_open(stp, dir, &e), 0);
    st = *stp;
    CHECK_EQ_INT(count_files("tmp"), 0);
    CHECK_EQ_INT(count_files("data"), 1);
    CHECK_EQ_INT(get_all(st, "b", "keep", buf, sizeof buf, NULL), 9);
    CHECK_EQ_STR(buf, "kept body");
}

/* --- memory while listing a large bucket --- */

static void bulk_key(int64_t i, char *key, size_t cap)
{
    snprintf(key, cap, "d%03d/s%02d/f%07lld", (int)(i % 1000), (int)(i % 7), (long long)i);
}

static int count_entries(const lh_list_entry_t *e, void *arg)
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
    if (f && fscanf(f, "%ld %ld", &pages, &res) != 2)
        res = 0;
    if (f)
        fclose(f);
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
        char marker[LH_KEY_MAX + 1];
        size_t mlen = 0;
        int trunc = 1;
        long n = 0;
        while (trunc) {
            lh_list_opts_t o = {"", 0, delims[d], strlen(delims[d]), marker, mlen, 1000};
            CHECK_EQ_INT(lh_store_list(st, "b", &o, count_entries, &n, &trunc, marker, &mlen, &e), 0);
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
    {"conditional_put", conditional_put},
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
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
