/* Object-store interface tests. One table of interface cases (put/get/range/
 * head/delete/list with delimiter/put_if_absent/multipart/error mapping) runs
 * against every back end:
 *   emb/<case>  the embedded store on a fresh mkdtemp data directory;
 *   s3/<case>   the S3 back end against our own server (server_fixture.h): main() starts
 *               <dir of this binary>/../lakehouse up on loopback ports with a
 *               temporary data dir, reads run/endpoints.json, and stops it
 *               with SIGTERM at the end (LH_OBJSTORE_TEST_ENDPOINT=http://..
 *               with LH_OBJSTORE_TEST_ACCESS_KEY/SECRET_KEY points it at
 *               another S3 instead).
 * vt/<case> tests drive objstore.c through a recording back end (a third
 * vtable), so argument checks and put_file's part splitting are tested
 * without either real back end.
 * Each half is compiled only when the modules it links against are in the
 * tree (engine.c + checksum.c; sigv4.c + checksum.c), so this file builds
 * before those branches are merged; main() says which halves are missing. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/str.h"
#include "store/engine.h"
#include "store/objstore.h"
#include "test.h"

#if __has_include("store/engine.c") && __has_include("core/checksum.c")
#define HAVE_EMBEDDED 1
#else
#define HAVE_EMBEDDED 0
#endif
#if __has_include("store/sigv4.c") && __has_include("core/checksum.c")
#define HAVE_REMOTE 1
#else
#define HAVE_REMOTE 0
#endif
#if HAVE_EMBEDDED || HAVE_REMOTE
#include "core/checksum.h"
#include "core/crypto.h"
#endif

/* ------------------------------------------------------------------ */
/* helpers */

#if HAVE_EMBEDDED || HAVE_REMOTE
static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
#endif

static char *pattern(size_t n, unsigned seed)
{
    char *p = malloc(n ? n : 1);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; p && i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (char)(x >> 16);
    }
    return p;
}

static int write_file(const char *path, const char *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return -1;
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    return close(fd);
}

/* ------------------------------------------------------------------ */
/* vt/: objstore.c through a recording back end */

typedef struct rec {
    int calls;
    char last_op[16];
    char content_type[128];
    int64_t put_fd_size;
    int nparts;
    int64_t part_sizes[8];
    uint64_t part_sums[8];
    int fail_part; /* part number that fails, 0 = none */
    int completed, aborted;
    char complete_etags[8][80];
    char if_match[80];
    char start_after[64];
    int max_keys;
} rec_t;

static rec_t R;

static uint64_t sum_bytes(const void *d, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = s * 31 + ((const unsigned char *)d)[i];
    return s;
}

static void rec_op(const char *op)
{
    R.calls++;
    snprintf(R.last_op, sizeof R.last_op, "%s", op);
}

static void rec_close(void *impl)
{
    (void)impl;
}
static int rec_bucket_create(void *impl, const char *b, lh_err_t *err)
{
    rec_op("bucket");
    return 0;
}
static int rec_get(void *impl, const char *b, const char *k, int64_t off, int64_t len,
                   int (*sink)(void *, const void *, size_t), void *arg, lh_objstore_meta_t *m,
                   lh_err_t *err)
{
    rec_op("get");
    char data[100];
    memset(data, 'g', sizeof data);
    return sink(arg, data, sizeof data);
}
static int rec_put(void *impl, const char *b, const char *k, const void *d, size_t n,
                   const char *ct, const lh_objstore_cond_t *cond, lh_objstore_meta_t *out,
                   lh_err_t *err)
{
    rec_op(!cond ? "put" : cond->if_none_match_star ? "put_if_absent" : "put_if_match");
    if (cond && cond->if_match) snprintf(R.if_match, sizeof R.if_match, "%s", cond->if_match);
    snprintf(R.content_type, sizeof R.content_type, "%s", ct);
    return 0;
}
static int rec_put_fd(void *impl, const char *b, const char *k, int fd, int64_t size,
                      const char *ct, lh_objstore_meta_t *out, lh_err_t *err)
{
    rec_op("put_fd");
    R.put_fd_size = size;
    return 0;
}
static int rec_head(void *impl, const char *b, const char *k, lh_objstore_meta_t *out,
                    lh_err_t *err)
{
    rec_op("head");
    return 0;
}
static int rec_del(void *impl, const char *b, const char *k, lh_err_t *err)
{
    rec_op("del");
    return 0;
}
static int rec_list(void *impl, const char *b, const char *p, const char *d, const char *sa,
                    int max_keys, int (*fn)(void *, const char *, int, const lh_objstore_meta_t *),
                    void *arg, lh_err_t *err)
{
    rec_op(d ? "list_delim" : "list");
    snprintf(R.start_after, sizeof R.start_after, "%s", sa);
    R.max_keys = max_keys;
    return 0;
}
static int rec_mpu_create(void *impl, const char *b, const char *k, const char *ct, char *id,
                          size_t cap, lh_err_t *err)
{
    rec_op("mpu_create");
    snprintf(id, cap, "upload-1");
    return 0;
}
static int rec_mpu_put_part(void *impl, const char *b, const char *k, const char *id, int pn,
                            const void *d, size_t n, char *etag, lh_err_t *err)
{
    rec_op("mpu_put_part");
    if (pn == R.fail_part) return lh_err_set(err, LH_EIO, "injected part failure");
    if (pn != R.nparts + 1 || pn > 8) return lh_err_set(err, LH_EINVAL, "parts out of order");
    R.part_sizes[R.nparts] = (int64_t)n;
    R.part_sums[R.nparts] = sum_bytes(d, n);
    R.nparts++;
    snprintf(etag, 80, "etag-%d", pn);
    return 0;
}
static int rec_mpu_complete(void *impl, const char *b, const char *k, const char *id,
                            const char *const *etags, int n, lh_objstore_meta_t *out, lh_err_t *err)
{
    rec_op("mpu_complete");
    R.completed = n;
    for (int i = 0; i < n && i < 8; i++)
        snprintf(R.complete_etags[i], 80, "%s", etags[i]);
    return 0;
}
static int rec_mpu_abort(void *impl, const char *b, const char *k, const char *id, lh_err_t *err)
{
    rec_op("mpu_abort");
    R.aborted = 1;
    return 0;
}

static const lh_objstore_ops_t rec_ops = {.kind = "rec",
                                          .close = rec_close,
                                          .bucket_create = rec_bucket_create,
                                          .get = rec_get,
                                          .put = rec_put,
                                          .put_fd = rec_put_fd,
                                          .head = rec_head,
                                          .del = rec_del,
                                          .list = rec_list,
                                          .mpu_create = rec_mpu_create,
                                          .mpu_put_part = rec_mpu_put_part,
                                          .mpu_complete = rec_mpu_complete,
                                          .mpu_abort = rec_mpu_abort};

static lh_objstore_t *rec_open(void)
{
    lh_objstore_t *os = NULL;
    memset(&R, 0, sizeof R);
    lh_err_t err = {0};
    if (lh_objstore_wrap(&os, &rec_ops, &R, &err) != 0) return NULL;
    return os;
}

static void vt_rejects_bad_arguments(void)
{
    lh_objstore_t *os = rec_open();
    CHECK(os);
    lh_err_t err = {0};
    char longkey[LH_STORE_KEY_MAX + 2];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = 0;
    CHECK_EQ_INT(lh_objstore_put(os, "b", "", "x", 1, NULL, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_put(os, "b", longkey, "x", 1, NULL, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_put(os, "", "k", "x", 1, NULL, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_head(os, "b", NULL, NULL, &err), LH_EINVAL);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_objstore_get_buf(os, "b", "k", 0, 0, &b, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_get_buf(os, "b", "k", -1, 5, &b, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_get_buf(os, "b", "k", 0, -2, &b, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_mpu_put_part(os, "b", "k", "u", 0, "x", 1, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_mpu_put_part(os, "b", "k", "u", 10001, "x", 1, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_mpu_complete(os, "b", "k", "u", NULL, 0, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(R.calls, 0);
    /* key of exactly 1024 bytes is fine */
    longkey[LH_STORE_KEY_MAX] = 0;
    CHECK_EQ_INT(lh_objstore_put(os, "b", longkey, "x", 1, NULL, NULL, &err), 0);
    CHECK_EQ_STR(R.last_op, "put");
    lh_buf_free(&b);
    lh_objstore_close(os);
}

static void vt_dispatches_and_defaults_content_type(void)
{
    lh_objstore_t *os = rec_open();
    CHECK(os);
    lh_err_t err = {0};
    CHECK_EQ_STR(lh_objstore_kind(os), "rec");
    CHECK_EQ_INT(lh_objstore_put(os, "b", "k", "x", 1, NULL, NULL, &err), 0);
    CHECK_EQ_STR(R.content_type, LH_OBJSTORE_DEFAULT_TYPE);
    CHECK_EQ_INT(lh_objstore_put_if_absent(os, "b", "k", "x", 1, "text/csv", NULL, &err), 0);
    CHECK_EQ_STR(R.last_op, "put_if_absent");
    CHECK_EQ_STR(R.content_type, "text/csv");
    CHECK_EQ_INT(lh_objstore_list(os, "b", NULL, "", NULL, NULL, &err), 0);
    CHECK_EQ_STR(R.last_op, "list"); /* an empty delimiter means none */
    CHECK_EQ_INT(lh_objstore_list(os, "b", "p/", "/", NULL, NULL, &err), 0);
    CHECK_EQ_STR(R.last_op, "list_delim");
    CHECK_EQ_INT(lh_objstore_delete(os, "b", "k", &err), 0);
    CHECK_EQ_STR(R.last_op, "del");
    lh_objstore_close(os);
}

static void vt_added_calls_check_and_dispatch(void)
{
    lh_objstore_t *os = rec_open();
    CHECK(os);
    lh_err_t err = {0};
    /* put_if_match: the etag goes down unquoted, the type defaulted */
    CHECK_EQ_INT(lh_objstore_put_if_match(os, "b", "k", "x", 1, "\"abc-2\"", NULL, &err), 0);
    CHECK_EQ_STR(R.last_op, "put_if_match");
    CHECK_EQ_STR(R.if_match, "abc-2");
    CHECK_EQ_STR(R.content_type, LH_OBJSTORE_DEFAULT_TYPE);
    int calls = R.calls;
    CHECK_EQ_INT(lh_objstore_put_if_match(os, "b", "k", "x", 1, "", NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_put_if_match(os, "b", "k", "x", 1, "\"\"", NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_put_if_match(os, "b", "k", "x", 1, "a\"b", NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_put_if_match(os, "b", "k", "x", 1, NULL, NULL, &err), LH_EINVAL);
    lh_objstore_cond_t both = {.if_none_match_star = 1, .if_match = "abc"};
    CHECK_EQ_INT(lh_objstore_put_cond(os, "b", "k", "x", 1, NULL, &both, NULL, &err), LH_EINVAL);
    lh_objstore_cond_t none = {0};
    CHECK_EQ_INT(R.calls, calls);
    CHECK_EQ_INT(lh_objstore_put_cond(os, "b", "k", "x", 1, NULL, &none, NULL, &err), 0);
    CHECK_EQ_STR(R.last_op, "put"); /* an empty condition is none */
    /* list_from passes StartAfter and MaxKeys; max_keys <= 0 means all */
    CHECK_EQ_INT(lh_objstore_list_from(os, "b", NULL, NULL, "k5", 3, NULL, NULL, &err), 0);
    CHECK_EQ_STR(R.start_after, "k5");
    CHECK_EQ_INT(R.max_keys, 3);
    CHECK_EQ_INT(lh_objstore_list_from(os, "b", NULL, NULL, NULL, -4, NULL, NULL, &err), 0);
    CHECK_EQ_STR(R.start_after, "");
    CHECK_EQ_INT(R.max_keys, 0);
    /* copy: onto itself refused; a back end without copy says so */
    calls = R.calls;
    CHECK_EQ_INT(lh_objstore_copy(os, "b", "k", "b", "k", NULL, &err), LH_EINVAL);
    CHECK(strstr(err.msg, "onto itself"));
    CHECK_EQ_INT(lh_objstore_copy(os, "b", "k", "b", "k2", NULL, &err), LH_EINVAL);
    CHECK(strstr(err.msg, "cannot copy"));
    CHECK_EQ_INT(lh_objstore_copy(os, "b", "", "b", "k2", NULL, &err), LH_EINVAL);
    /* delete_many without the op: one del per key; a bad key fails before any */
    const char *keys[3] = {"a", "b", "c"};
    CHECK_EQ_INT(lh_objstore_delete_many(os, "b", keys, 3, &err), 0);
    CHECK_EQ_INT(R.calls, calls + 3);
    CHECK_EQ_STR(R.last_op, "del");
    const char *bad[3] = {"a", "", "c"};
    CHECK_EQ_INT(lh_objstore_delete_many(os, "b", bad, 3, &err), LH_EINVAL);
    CHECK(strstr(err.msg, "#1"));
    CHECK_EQ_INT(lh_objstore_delete_many(os, "b", NULL, 0, &err), 0);
    CHECK_EQ_INT(R.calls, calls + 3);
    lh_objstore_close(os);
}

static void vt_get_buf_respects_cap(void)
{
    lh_objstore_t *os = rec_open();
    CHECK(os);
    lh_err_t err = {0};
    lh_buf_t b;
    lh_buf_init(&b, 10);
    CHECK_EQ_INT(lh_objstore_get_buf(os, "b", "k", 0, -1, &b, NULL, &err), LH_ETOOBIG);
    lh_buf_free(&b);
    lh_buf_init(&b, 1000);
    CHECK_EQ_INT(lh_objstore_get_buf(os, "b", "k", 0, -1, &b, NULL, &err), 0);
    CHECK_EQ_INT(b.len, 100);
    lh_buf_free(&b);
    lh_objstore_close(os);
}

static int tmp_file(char *path, size_t cap, size_t n, char **data)
{
    snprintf(path, cap, "/tmp/lh-os-file-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    close(fd);
    *data = pattern(n, 7);
    return *data ? write_file(path, *data, n) : -1;
}

static void vt_put_file_small_is_one_request(void)
{
    lh_objstore_t *os = rec_open();
    CHECK(os);
    char path[64], *data = NULL;
    CHECK_EQ_INT(tmp_file(path, sizeof path, 1000, &data), 0);
    lh_err_t err = {0};
    int rc = lh_objstore_put_file(os, "b", "k", path, NULL, NULL, &err);
    unlink(path);
    free(data);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_STR(R.last_op, "put_fd");
    CHECK_EQ_INT(R.put_fd_size, 1000);
    CHECK_EQ_INT(R.nparts, 0);
    CHECK_EQ_INT(lh_objstore_put_file(os, "b", "k", "/nonexistent/x", NULL, NULL, &err), LH_EIO);
    lh_objstore_close(os);
}

static void vt_put_file_up_to_the_threshold_is_one_request(void)
{
    lh_objstore_t *os = rec_open();
    CHECK(os);
    size_t n = 2 * LH_OBJSTORE_PART_SIZE + 5; /* under the default 64 MiB */
    char path[64], *data = NULL;
    CHECK_EQ_INT(tmp_file(path, sizeof path, n, &data), 0);
    lh_err_t err = {0};
    int rc = lh_objstore_put_file(os, "b", "k", path, NULL, NULL, &err);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_STR(R.last_op, "put_fd");
    CHECK_EQ_INT(R.put_fd_size, (int64_t)n);
    CHECK_EQ_INT(R.nparts, 0);
    /* the same file over a threshold set lower goes in parts */
    lh_objstore_set_mpu_threshold(os, LH_OBJSTORE_PART_SIZE);
    CHECK_EQ_INT(lh_objstore_put_file(os, "b", "k", path, NULL, NULL, &err), 0);
    CHECK_EQ_INT(R.nparts, 3);
    unlink(path);
    free(data);
    lh_objstore_close(os);
}

static void vt_put_file_splits_into_8mib_parts(void)
{
    lh_objstore_t *os = rec_open();
    CHECK(os);
    lh_objstore_set_mpu_threshold(os, LH_OBJSTORE_PART_SIZE);
    size_t n = 2 * LH_OBJSTORE_PART_SIZE + 5;
    char path[64], *data = NULL;
    CHECK_EQ_INT(tmp_file(path, sizeof path, n, &data), 0);
    lh_err_t err = {0};
    int rc = lh_objstore_put_file(os, "b", "k", path, NULL, NULL, &err);
    unlink(path);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(R.nparts, 3);
    CHECK_EQ_INT(R.part_sizes[0], (int64_t)LH_OBJSTORE_PART_SIZE);
    CHECK_EQ_INT(R.part_sizes[1], (int64_t)LH_OBJSTORE_PART_SIZE);
    CHECK_EQ_INT(R.part_sizes[2], 5);
    CHECK(R.part_sums[0] == sum_bytes(data, LH_OBJSTORE_PART_SIZE));
    CHECK(R.part_sums[1] == sum_bytes(data + LH_OBJSTORE_PART_SIZE, LH_OBJSTORE_PART_SIZE));
    CHECK(R.part_sums[2] == sum_bytes(data + 2 * LH_OBJSTORE_PART_SIZE, 5));
    CHECK_EQ_INT(R.completed, 3);
    CHECK_EQ_STR(R.complete_etags[0], "etag-1");
    CHECK_EQ_STR(R.complete_etags[2], "etag-3");
    CHECK_EQ_INT(R.aborted, 0);
    free(data);
    lh_objstore_close(os);
}

static void vt_put_file_aborts_on_failure(void)
{
    lh_objstore_t *os = rec_open();
    CHECK(os);
    R.fail_part = 2;
    lh_objstore_set_mpu_threshold(os, LH_OBJSTORE_PART_SIZE);
    size_t n = 2 * LH_OBJSTORE_PART_SIZE;
    char path[64], *data = NULL;
    CHECK_EQ_INT(tmp_file(path, sizeof path, n, &data), 0);
    lh_err_t err = {0};
    int rc = lh_objstore_put_file(os, "b", "k", path, NULL, NULL, &err);
    unlink(path);
    free(data);
    CHECK_EQ_INT(rc, LH_EIO);
    CHECK_EQ_STR(err.msg, "injected part failure");
    CHECK_EQ_INT(R.aborted, 1);
    CHECK_EQ_INT(R.completed, 0);
    lh_objstore_close(os);
}

/* ------------------------------------------------------------------ */
/* the interface cases, for every real back end */

#if HAVE_EMBEDDED || HAVE_REMOTE

typedef struct listed {
    int n;
    char keys[64][128];
    int is_prefix[64];
    int64_t sizes[64];
    int stop_at; /* return 7 at this entry (1-based), 0 = never */
} listed_t;

static int collect(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *m)
{
    listed_t *l = arg;
    if (l->n < 64) {
        snprintf(l->keys[l->n], sizeof l->keys[0], "%s", key);
        l->is_prefix[l->n] = is_prefix;
        l->sizes[l->n] = m ? m->size : -1;
    }
    l->n++;
    return l->stop_at && l->n == l->stop_at ? 7 : 0;
}

static void hex_md5(const void *d, size_t n, char *out)
{
    unsigned char raw[16];
    lh_md5(d, n, raw);
    lh_hex(raw, 16, out);
}

static void c_put_get_roundtrip(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    lh_objstore_meta_t m;
    CHECK_EQ_INT(lh_objstore_put(os, bk, "hello.txt", "hello world", 11, "text/plain", &m, &err),
                 0);
    CHECK_EQ_STR(m.etag, "5eb63bbbe01eeed093cb22bb8f5acdc3"); /* md5("hello world") */
    CHECK_EQ_INT(m.size, 11);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_objstore_meta_t g;
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "hello.txt", 0, -1, &b, &g, &err), 0);
    CHECK_EQ_INT(b.len, 11);
    CHECK(memcmp(b.ptr, "hello world", 11) == 0);
    CHECK_EQ_INT(g.size, 11);
    CHECK_EQ_STR(g.etag, "5eb63bbbe01eeed093cb22bb8f5acdc3");
    CHECK_EQ_STR(g.content_type, "text/plain");
    CHECK(g.mtime > 1600000000);
    lh_buf_free(&b);
    /* empty object */
    CHECK_EQ_INT(lh_objstore_put(os, bk, "empty", "", 0, NULL, &m, &err), 0);
    CHECK_EQ_STR(m.etag, "d41d8cd98f00b204e9800998ecf8427e");
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "empty", 0, -1, &b, &g, &err), 0);
    CHECK_EQ_INT(b.len, 0);
    CHECK_EQ_INT(g.size, 0);
    lh_buf_free(&b);
}

static void c_get_range(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    char *d = pattern(1000, 3);
    CHECK(d);
    CHECK_EQ_INT(lh_objstore_put(os, bk, "r", d, 1000, NULL, NULL, &err), 0);
    static const struct {
        int64_t off, len, want_off, want_len;
    } cases[] = {{10, 20, 10, 20},
                 {990, 100, 990, 10},
                 {500, -1, 500, 500},
                 {999, 1, 999, 1},
                 {0, 1000, 0, 1000}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lh_buf_t b;
        lh_buf_init(&b, 0);
        lh_objstore_meta_t m;
        CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "r", cases[i].off, cases[i].len, &b, &m, &err), 0);
        CHECK_EQ_INT(b.len, cases[i].want_len);
        CHECK(memcmp(b.ptr, d + cases[i].want_off, b.len) == 0);
        CHECK_EQ_INT(m.size, 1000);
        lh_buf_free(&b);
    }
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "r", 1000, 1, &b, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "r", 5000, -1, &b, NULL, &err), LH_EINVAL);
    lh_buf_free(&b);
    free(d);
}

static void c_missing_is_enoent(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "nope", 0, -1, &b, NULL, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_objstore_head(os, bk, "nope", NULL, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_objstore_get_buf(os, "no-such-bucket-x", "k", 0, -1, &b, NULL, &err),
                 LH_ENOENT);
    CHECK_EQ_INT(lh_objstore_put(os, "no-such-bucket-x", "k", "x", 1, NULL, NULL, &err), LH_ENOENT);
    listed_t l = {0};
    CHECK_EQ_INT(lh_objstore_list(os, "no-such-bucket-x", NULL, NULL, collect, &l, &err),
                 LH_ENOENT);
    CHECK_EQ_INT(lh_objstore_delete(os, "no-such-bucket-x", "k", &err), LH_ENOENT);
    /* one's own bucket again: S3 in us-east-1 (our server's default region)
     * answers 200, so a remote back end cannot tell; the embedded one can */
    int rc = lh_objstore_bucket_create(os, bk, &err);
    CHECK(rc == LH_EEXIST || (rc == 0 && !strcmp(lh_objstore_kind(os), "s3")));
    lh_buf_free(&b);
}

static void c_head_meta(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    lh_objstore_meta_t m;
    char want[33];
    hex_md5("0123456789", 10, want);
    CHECK_EQ_INT(lh_objstore_put(os, bk, "h", "0123456789", 10, "application/json", NULL, &err), 0);
    CHECK_EQ_INT(lh_objstore_head(os, bk, "h", &m, &err), 0);
    CHECK_EQ_INT(m.size, 10);
    CHECK_EQ_STR(m.etag, want);
    CHECK_EQ_STR(m.content_type, "application/json");
    CHECK(m.mtime > 1600000000);
}

static void c_overwrite_and_delete(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_objstore_put(os, bk, "o", "first", 5, NULL, NULL, &err), 0);
    CHECK_EQ_INT(lh_objstore_put(os, bk, "o", "second!", 7, NULL, NULL, &err), 0);
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "o", 0, -1, &b, NULL, &err), 0);
    CHECK_EQ_INT(b.len, 7);
    CHECK(memcmp(b.ptr, "second!", 7) == 0);
    CHECK_EQ_INT(lh_objstore_delete(os, bk, "o", &err), 0);
    CHECK_EQ_INT(lh_objstore_head(os, bk, "o", NULL, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_objstore_delete(os, bk, "o", &err), 0); /* missing key: not an error */
    lh_buf_free(&b);
}

static void c_list_with_delimiter(lh_objstore_t *os, const char *bk)
{
    static const char *const keys[] = {"zz", "dir/y", "a.txt", "dir/sub/z", "e/f", "dir/x"};
    lh_err_t err = {0};
    for (size_t i = 0; i < 6; i++)
        CHECK_EQ_INT(lh_objstore_put(os, bk, keys[i], keys[i], strlen(keys[i]), NULL, NULL, &err),
                     0);
    listed_t l = {0};
    CHECK_EQ_INT(lh_objstore_list(os, bk, NULL, "/", collect, &l, &err), 0);
    CHECK_EQ_INT(l.n, 4);
    CHECK_EQ_STR(l.keys[0], "a.txt");
    CHECK_EQ_INT(l.is_prefix[0], 0);
    CHECK_EQ_INT(l.sizes[0], 5);
    CHECK_EQ_STR(l.keys[1], "dir/");
    CHECK_EQ_INT(l.is_prefix[1], 1);
    CHECK_EQ_STR(l.keys[2], "e/");
    CHECK_EQ_INT(l.is_prefix[2], 1);
    CHECK_EQ_STR(l.keys[3], "zz");
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(lh_objstore_list(os, bk, "dir/", "/", collect, &l, &err), 0);
    CHECK_EQ_INT(l.n, 3);
    CHECK_EQ_STR(l.keys[0], "dir/sub/");
    CHECK_EQ_INT(l.is_prefix[0], 1);
    CHECK_EQ_STR(l.keys[1], "dir/x");
    CHECK_EQ_STR(l.keys[2], "dir/y");
    CHECK_EQ_INT(l.sizes[2], 5);
    memset(&l, 0, sizeof l);
    CHECK_EQ_INT(lh_objstore_list(os, bk, NULL, NULL, collect, &l, &err), 0);
    CHECK_EQ_INT(l.n, 6);
    CHECK_EQ_STR(l.keys[0], "a.txt");
    CHECK_EQ_STR(l.keys[1], "dir/sub/z");
    CHECK_EQ_STR(l.keys[4], "e/f");
    memset(&l, 0, sizeof l);
    l.stop_at = 2;
    CHECK_EQ_INT(lh_objstore_list(os, bk, NULL, NULL, collect, &l, &err), 7);
    CHECK_EQ_INT(l.n, 2);
}

typedef struct order {
    int n, bad;
    char last[64];
} order_t;

static int check_order(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *m)
{
    order_t *o = arg;
    char want[64];
    snprintf(want, sizeof want, "p/k%05d", o->n);
    if (strcmp(key, want) != 0 || is_prefix || !m || m->size != 1) o->bad++;
    o->n++;
    return 0;
}

static void c_list_many_pages(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    int n = 2100; /* three pages of 1000 */
    for (int i = 0; i < n; i++) {
        char k[64];
        snprintf(k, sizeof k, "p/k%05d", i);
        CHECK_EQ_INT(lh_objstore_put(os, bk, k, "x", 1, NULL, NULL, &err), 0);
    }
    order_t o = {0};
    CHECK_EQ_INT(lh_objstore_list(os, bk, "p/", NULL, check_order, &o, &err), 0);
    CHECK_EQ_INT(o.n, n);
    CHECK_EQ_INT(o.bad, 0);
    listed_t l = {0};
    CHECK_EQ_INT(lh_objstore_list(os, bk, NULL, "/", collect, &l, &err), 0);
    CHECK_EQ_INT(l.n, 1);
    CHECK_EQ_STR(l.keys[0], "p/");
}

static void c_put_if_absent(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    lh_objstore_meta_t m;
    CHECK_EQ_INT(lh_objstore_put_if_absent(os, bk, "_delta_log/0.json", "v1", 2, NULL, &m, &err),
                 0);
    CHECK_EQ_INT(m.size, 2);
    CHECK_EQ_INT(lh_objstore_put_if_absent(os, bk, "_delta_log/0.json", "v2", 2, NULL, NULL, &err),
                 LH_EPRECOND);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "_delta_log/0.json", 0, -1, &b, NULL, &err), 0);
    CHECK_EQ_INT(b.len, 2);
    CHECK(memcmp(b.ptr, "v1", 2) == 0);
    lh_buf_free(&b);
}

static void c_odd_keys_roundtrip(lh_objstore_t *os, const char *bk)
{
    static const char *const keys[] = {"a b/c+d%e~f=g&h", "utf8/\xc3\xbc\xe2\x82\xac.txt",
                                       "x/<&>\"'.json", "q?x=1#frag", "sp ace/ /end "};
    lh_err_t err = {0};
    for (size_t i = 0; i < 5; i++) {
        CHECK_EQ_INT(lh_objstore_put(os, bk, keys[i], keys[i], strlen(keys[i]), NULL, NULL, &err),
                     0);
        lh_buf_t b;
        lh_buf_init(&b, 0);
        CHECK_EQ_INT(lh_objstore_get_buf(os, bk, keys[i], 0, -1, &b, NULL, &err), 0);
        CHECK_EQ_INT(b.len, strlen(keys[i]));
        lh_buf_free(&b);
    }
    listed_t l = {0};
    CHECK_EQ_INT(lh_objstore_list(os, bk, NULL, NULL, collect, &l, &err), 0);
    CHECK_EQ_INT(l.n, 5);
    for (int i = 0; i < 5; i++) {
        int found = 0;
        for (int j = 0; j < 5; j++)
            found |= strcmp(l.keys[i], keys[j]) == 0;
        CHECK(found);
    }
    for (int i = 1; i < 5; i++)
        CHECK(strcmp(l.keys[i - 1], l.keys[i]) < 0);
}

static void c_multipart(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    char id[LH_OBJSTORE_UPLOAD_ID_MAX], e1[80], e2[80];
    size_t n1 = (size_t)LH_OBJSTORE_MIN_PART, n2 = 100;
    char *d = pattern(n1 + n2, 11);
    CHECK(d);
    CHECK_EQ_INT(
        lh_objstore_mpu_create(os, bk, "big.bin", "application/x-parquet", id, sizeof id, &err), 0);
    CHECK(id[0]);
    /* parts may arrive out of order */
    CHECK_EQ_INT(lh_objstore_mpu_put_part(os, bk, "big.bin", id, 2, d + n1, n2, e2, &err), 0);
    CHECK_EQ_INT(lh_objstore_mpu_put_part(os, bk, "big.bin", id, 1, d, n1, e1, &err), 0);
    char w1[33], w2[33];
    hex_md5(d, n1, w1);
    hex_md5(d + n1, n2, w2);
    CHECK_EQ_STR(e1, w1);
    CHECK_EQ_STR(e2, w2);
    const char *etags[2] = {e1, e2};
    lh_objstore_meta_t m;
    CHECK_EQ_INT(lh_objstore_mpu_complete(os, bk, "big.bin", id, etags, 2, &m, &err), 0);
    /* multipart etag: md5 of the raw part md5s, "-2" */
    unsigned char raw[32];
    lh_md5(d, n1, raw);
    lh_md5(d + n1, n2, raw + 16);
    char hx[33], want[48];
    hex_md5(raw, 32, hx);
    snprintf(want, sizeof want, "%s-2", hx);
    CHECK_EQ_STR(m.etag, want);
    CHECK_EQ_INT(m.size, (int64_t)(n1 + n2));
    lh_objstore_meta_t h;
    CHECK_EQ_INT(lh_objstore_head(os, bk, "big.bin", &h, &err), 0);
    CHECK_EQ_STR(h.etag, want);
    CHECK_EQ_INT(h.size, (int64_t)(n1 + n2));
    CHECK_EQ_STR(h.content_type, "application/x-parquet");
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "big.bin", (int64_t)n1 - 50, 100, &b, NULL, &err), 0);
    CHECK_EQ_INT(b.len, 100);
    CHECK(memcmp(b.ptr, d + n1 - 50, 100) == 0);
    lh_buf_free(&b);
    free(d);
}

static void c_multipart_refusals(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    char id[LH_OBJSTORE_UPLOAD_ID_MAX], e1[80], e2[80];
    CHECK_EQ_INT(lh_objstore_mpu_create(os, bk, "m", NULL, id, sizeof id, &err), 0);
    CHECK_EQ_INT(lh_objstore_mpu_put_part(os, bk, "m", id, 1, "small", 5, e1, &err), 0);
    CHECK_EQ_INT(lh_objstore_mpu_put_part(os, bk, "m", id, 2, "small", 5, e2, &err), 0);
    const char *etags[2] = {e1, e2};
    /* first part under 5 MiB */
    CHECK_EQ_INT(lh_objstore_mpu_complete(os, bk, "m", id, etags, 2, NULL, &err), LH_EINVAL);
    /* wrong etag */
    const char *bad[1] = {"00000000000000000000000000000000"};
    CHECK_EQ_INT(lh_objstore_mpu_complete(os, bk, "m", id, bad, 1, NULL, &err), LH_EINVAL);
    /* missing part */
    const char *three[3] = {e1, e2, e2};
    CHECK_EQ_INT(lh_objstore_mpu_complete(os, bk, "m", id, three, 3, NULL, &err), LH_EINVAL);
    /* one small part alone is fine */
    CHECK_EQ_INT(lh_objstore_mpu_complete(os, bk, "m", id, etags, 1, NULL, &err), 0);
    CHECK_EQ_INT(lh_objstore_head(os, bk, "m", NULL, &err), 0);
    /* abort removes an upload */
    CHECK_EQ_INT(lh_objstore_mpu_create(os, bk, "m2", NULL, id, sizeof id, &err), 0);
    CHECK_EQ_INT(lh_objstore_mpu_abort(os, bk, "m2", id, &err), 0);
    int prc = lh_objstore_mpu_put_part(os, bk, "m2", id, 1, "x", 1, e1, &err);
    if (prc != LH_ENOENT) fprintf(stderr, "  put_part after abort: %s\n", err.msg);
    CHECK_EQ_INT(prc, LH_ENOENT);
    CHECK_EQ_INT(lh_objstore_mpu_complete(os, bk, "m2", id, etags, 1, NULL, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_objstore_head(os, bk, "m2", NULL, &err), LH_ENOENT);
}

static void c_put_file(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    lh_objstore_set_mpu_threshold(os, LH_OBJSTORE_PART_SIZE); /* parts, as a bigger file */
    size_t n = 2 * LH_OBJSTORE_PART_SIZE + 1234;
    char path[64], *d = NULL;
    CHECK_EQ_INT(tmp_file(path, sizeof path, n, &d), 0);
    lh_objstore_meta_t m;
    int rc = lh_objstore_put_file(os, bk, "file.bin", path, "text/csv", &m, &err);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(m.size, (int64_t)n);
    CHECK(strlen(m.etag) > 3 && strcmp(m.etag + strlen(m.etag) - 2, "-3") == 0);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_objstore_get_buf(os, bk, "file.bin", 0, -1, &b, &m, &err), 0);
    CHECK_EQ_INT(b.len, n);
    CHECK(memcmp(b.ptr, d, n) == 0);
    CHECK_EQ_STR(m.content_type, "text/csv");
    lh_buf_free(&b);
    /* a small file is one request with a plain md5 etag */
    CHECK_EQ_INT(write_file(path, d, 4096), 0);
    CHECK_EQ_INT(lh_objstore_put_file(os, bk, "small.bin", path, NULL, &m, &err), 0);
    unlink(path);
    char want[33];
    hex_md5(d, 4096, want);
    CHECK_EQ_STR(m.etag, want);
    CHECK_EQ_INT(lh_objstore_head(os, bk, "small.bin", &m, &err), 0);
    CHECK_EQ_STR(m.etag, want);
    CHECK_EQ_INT(m.size, 4096);
    free(d);
}

static void c_sink_stop(lh_objstore_t *os, const char *bk);

#include "objstore_cases.h"

#define CASES(X)                                                                                   \
    CASES_ADDED(X)                                                                                 \
    X(put_get_roundtrip)                                                                           \
    X(get_range)                                                                                   \
    X(missing_is_enoent)                                                                           \
    X(head_meta)                                                                                   \
    X(overwrite_and_delete)                                                                        \
    X(list_with_delimiter)                                                                         \
    X(list_many_pages)                                                                             \
    X(put_if_absent)                                                                               \
    X(odd_keys_roundtrip)                                                                          \
    X(multipart)                                                                                   \
    X(multipart_refusals)                                                                          \
    X(put_file)                                                                                    \
    X(sink_stop)

static int stop_sink(void *arg, const void *data, size_t n)
{
    (void)data;
    *(size_t *)arg += n;
    return 42;
}

static void c_sink_stop(lh_objstore_t *os, const char *bk)
{
    lh_err_t err = {0};
    char *d = pattern(1 << 20, 5);
    CHECK(d);
    CHECK_EQ_INT(lh_objstore_put(os, bk, "s", d, 1 << 20, NULL, NULL, &err), 0);
    size_t got = 0;
    CHECK_EQ_INT(lh_objstore_get(os, bk, "s", 0, -1, stop_sink, &got, NULL, &err), 42);
    CHECK(got > 0 && got < (1u << 20));
    /* the handle still works after an aborted transfer */
    lh_objstore_meta_t m;
    CHECK_EQ_INT(lh_objstore_head(os, bk, "s", &m, &err), 0);
    CHECK_EQ_INT(m.size, 1 << 20);
    free(d);
}

#endif /* HAVE_EMBEDDED || HAVE_REMOTE */

/* ------------------------------------------------------------------ */
/* emb/: the embedded back end */

#if HAVE_EMBEDDED
static void run_embedded(void (*fn)(lh_objstore_t *, const char *))
{
    char dir[] = "/tmp/lh-os-emb-XXXXXX";
    CHECK(mkdtemp(dir));
    lh_store_t *st = NULL;
    lh_objstore_t *os = NULL;
    lh_err_t err = {0};
    int rc = lh_store_open(&st, dir, &err);
    if (rc == 0) rc = lh_objstore_open_embedded(&os, st, getenv("LAKEHOUSE_ACCESS_KEY"), &err);
    if (rc == 0) rc = lh_objstore_bucket_create(os, "lake", &err);
    if (rc) fprintf(stderr, "  embedded setup: %s\n", err.msg);
    if (rc == 0) {
        CHECK_EQ_STR(lh_objstore_kind(os), "embedded");
        fn(os, "lake");
    }
    lh_objstore_close(os);
    lh_store_close(st);
    rm_rf(dir);
    CHECK_EQ_INT(rc, 0);
}
#define EMB_FN(name)                                                                               \
    static void emb_##name(void)                                                                   \
    {                                                                                              \
        run_embedded(c_##name);                                                                    \
    }
CASES(EMB_FN)
#endif

/* ------------------------------------------------------------------ */
/* s3/: the S3 back end against our own server */

#if HAVE_REMOTE
#include "server_fixture.h"

static void run_remote_named(void (*fn)(lh_objstore_t *, const char *), const char *name)
{
    if (g_remote_error[0]) {
        fprintf(stderr, "  remote half cannot run: %s\n", g_remote_error);
        CHECK(!g_remote_error[0]);
    }
    lh_objstore_t *os = NULL;
    lh_err_t err = {0};
    char bucket[64];
    snprintf(bucket, sizeof bucket, "t-%s-%ld", name, (long)getpid());
    for (char *p = bucket; *p; p++)
        *p = *p == '_' ? '-' : *p;
    int rc = open_s3(&os, g_endpoint, "us-east-1", g_ak, g_sk, 1, &err);
    if (rc == 0) rc = lh_objstore_bucket_create(os, bucket, &err);
    if (rc) fprintf(stderr, "  remote setup against %s: %s\n", g_endpoint, err.msg);
    if (rc == 0) {
        CHECK_EQ_STR(lh_objstore_kind(os), "s3");
        fn(os, bucket);
    }
    lh_objstore_close(os);
    CHECK_EQ_INT(rc, 0);
}
#define S3_FN(name)                                                                                \
    static void s3_##name(void)                                                                    \
    {                                                                                              \
        run_remote_named(c_##name, #name);                                                         \
    }
CASES(S3_FN)

static void s3_wrong_secret_is_eauth(void)
{
    CHECK(!g_remote_error[0]);
    lh_objstore_t *os = NULL;
    lh_err_t err = {0};
    CHECK_EQ_INT(open_s3(&os, g_endpoint, NULL, g_ak, "not-the-secret", 1, &err), 0);
    int rc = lh_objstore_head(os, "lake", "k", NULL, &err);
    lh_objstore_close(os);
    CHECK(rc == LH_EAUTH || rc == LH_EPERM);
    CHECK(strstr(err.msg, "SignatureDoesNotMatch") || strstr(err.msg, "AccessDenied") ||
          strstr(err.msg, "http 403"));
}

static void s3_unknown_key_is_refused(void)
{
    CHECK(!g_remote_error[0]);
    lh_objstore_t *os = NULL;
    lh_err_t err = {0};
    CHECK_EQ_INT(open_s3(&os, g_endpoint, NULL, "nosuchuser", "x", 1, &err), 0);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    int rc = lh_objstore_get_buf(os, "lake", "k", 0, -1, &b, NULL, &err);
    lh_buf_free(&b);
    lh_objstore_close(os);
    CHECK(rc == LH_EAUTH || rc == LH_EPERM);
}

static void s3_connection_refused_is_eio(void)
{
    /* port 1: nobody listens there */
    lh_objstore_t *os = NULL;
    lh_err_t err = {0};
    CHECK_EQ_INT(open_s3(&os, "http://127.0.0.1:1", NULL, "a", "b", 1, &err), 0);
    int rc = lh_objstore_head(os, "b", "k", NULL, &err);
    lh_objstore_close(os);
    CHECK_EQ_INT(rc, LH_EIO);
    CHECK(strstr(err.msg, "127.0.0.1:1") != NULL);
}

/* A canned-reply HTTP server in a child process: answers each request with
 * the next reply of a list (keep-alive) and appends each request line to a
 * log, so the S3 back end's parsing, error mapping and retries are tested
 * byte for byte without a real server. */
typedef struct canned {
    pid_t pid;
    int port;
    char log[64];
} canned_t;

static void canned_serve(int ls, const char *const *replies, int n, const char *log)
{
    int next = 0;
    while (next < n) {
        int c = accept(ls, NULL, NULL);
        if (c < 0) _exit(1);
        char buf[65536];
        size_t have = 0;
        for (;;) {
            char *end = memmem(buf, have, "\r\n\r\n", 4);
            if (!end) {
                ssize_t r = read(c, buf + have, sizeof buf - have);
                if (r <= 0) break;
                have += (size_t)r;
                continue;
            }
            size_t hlen = (size_t)(end - buf) + 4, blen = 0;
            char *cl = strcasestr(buf, "content-length:");
            if (cl && cl < end) blen = (size_t)strtoul(cl + 15, NULL, 10);
            while (have < hlen + blen) {
                ssize_t r = read(c, buf + have, sizeof buf - have);
                if (r <= 0) _exit(1);
                have += (size_t)r;
            }
            FILE *f = fopen(log, "a");
            if (f) {
                fprintf(f, "%.*s\n", (int)strcspn(buf, "\r"), buf);
                fclose(f);
            }
            const char *rep =
                next < n ? replies[next++] : "HTTP/1.1 500 X\r\nContent-Length: 0\r\n\r\n";
            if (write(c, rep, strlen(rep)) < 0) break;
            memmove(buf, buf + hlen + blen, have - hlen - blen);
            have -= hlen + blen;
        }
        close(c);
    }
    _exit(0);
}

static int canned_start(canned_t *cs, const char *const *replies, int n)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 8) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0)
        return -1;
    cs->port = ntohs(a.sin_port);
    snprintf(cs->log, sizeof cs->log, "/tmp/lh-os-canned-%d.log", (int)getpid());
    unlink(cs->log);
    cs->pid = fork();
    if (cs->pid == 0) canned_serve(ls, replies, n, cs->log);
    close(ls);
    return cs->pid > 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    char tmp[4096];
    FILE *f = fopen(path, "r");
    size_t n;
    while (f && (n = fread(tmp, 1, sizeof tmp, f)) > 0)
        lh_buf_append(&b, tmp, n);
    if (f) fclose(f);
    lh_buf_append(&b, "", 0);
    return b.ptr;
}

/* Stops the server; returns its request log (caller frees) and removes it. */
static char *canned_stop(canned_t *cs)
{
    kill(cs->pid, SIGKILL);
    waitpid(cs->pid, NULL, 0);
    char *log = slurp(cs->log);
    unlink(cs->log);
    return log;
}

static int canned_open(canned_t *cs, lh_objstore_t **os)
{
    char ep[64];
    lh_err_t err = {0};
    snprintf(ep, sizeof ep, "http://127.0.0.1:%d", cs->port);
    return open_s3(os, ep, NULL, "ak", "sk", 1, &err);
}

static void s3_errors_map_to_codes(void)
{
    static const struct {
        const char *status, *code;
        int want;
    } cases[] = {
        {"404 Not Found", "NoSuchKey", LH_ENOENT},
        {"404 Not Found", "NoSuchBucket", LH_ENOENT},
        {"412 Precondition Failed", "PreconditionFailed", LH_EPRECOND},
        {"403 Forbidden", "SignatureDoesNotMatch", LH_EAUTH},
        {"403 Forbidden", "InvalidAccessKeyId", LH_EAUTH},
        {"403 Forbidden", "AccessDenied", LH_EPERM},
        {"416 Requested Range Not Satisfiable", "InvalidRange", LH_EINVAL},
        {"400 Bad Request", "EntityTooSmall", LH_EINVAL},
        {"409 Conflict", "BucketAlreadyOwnedByYou", LH_EEXIST},
        {"501 Not Implemented", "NotImplemented", LH_EIO},
    };
    size_t n = sizeof cases / sizeof cases[0];
    char bufs[10][512];
    const char *replies[10];
    for (size_t i = 0; i < n; i++) {
        char body[256];
        int bl = snprintf(body, sizeof body,
                          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
                          "<Message>msg &amp; more</Message></Error>",
                          cases[i].code);
        snprintf(bufs[i], sizeof bufs[i],
                 "HTTP/1.1 %s\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n%s",
                 cases[i].status, bl, body);
        replies[i] = bufs[i];
    }
    canned_t cs;
    CHECK_EQ_INT(canned_start(&cs, replies, (int)n), 0);
    lh_objstore_t *os = NULL;
    CHECK_EQ_INT(canned_open(&cs, &os), 0);
    lh_err_t err = {0};
    int rc = 0;
    size_t i;
    for (i = 0; i < n && rc == 0; i++) {
        /* put_if_absent: not retried, so one reply per call even for 5xx */
        int got = lh_objstore_put_if_absent(os, "b", "k", "x", 1, NULL, NULL, &err);
        if (got != cases[i].want || !strstr(err.msg, cases[i].code) ||
            !strstr(err.msg, "msg & more"))
            rc = 1;
    }
    lh_objstore_close(os);
    free(canned_stop(&cs));
    if (rc) fprintf(stderr, "  case %zu (%s): %s\n", i - 1, cases[i - 1].code, err.msg);
    CHECK_EQ_INT(rc, 0);
}

static void s3_retries_5xx_for_idempotent_requests(void)
{
    static const char *const replies[] = {
        "HTTP/1.1 503 Slow Down\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nETag: \"abc\"\r\nContent-Length: 2\r\n\r\nhi",
        /* put_if_absent: 500 is ambiguous, not retried */
        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
        /* ... but 503 is */
        "HTTP/1.1 503 Slow Down\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nETag: \"def\"\r\nContent-Length: 0\r\n\r\n",
    };
    canned_t cs;
    CHECK_EQ_INT(canned_start(&cs, replies, 6), 0);
    lh_objstore_t *os = NULL;
    CHECK_EQ_INT(canned_open(&cs, &os), 0);
    lh_err_t err = {0};
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_objstore_meta_t m;
    int rc1 = lh_objstore_get_buf(os, "b", "k", 0, -1, &b, &m, &err);
    int rc2 = lh_objstore_put_if_absent(os, "b", "k", "x", 1, NULL, NULL, &err);
    int rc3 = lh_objstore_put_if_absent(os, "b", "k", "x", 1, NULL, &m, &err);
    lh_objstore_close(os);
    free(canned_stop(&cs));
    CHECK_EQ_INT(rc1, 0);
    CHECK_EQ_INT(b.len, 2);
    CHECK(memcmp(b.ptr, "hi", 2) == 0);
    CHECK_EQ_INT(rc2, LH_EIO);
    CHECK_EQ_INT(rc3, 0);
    CHECK_EQ_STR(m.etag, "def");
    lh_buf_free(&b);
}

static void s3_list_merges_pages_and_decodes(void)
{
    static const char page1[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
        "<Prefix></Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter>"
        "<EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
        "<Contents><Key>a+b%26c</Key><LastModified>2024-01-02T03:04:05.000Z</LastModified>"
        "<ETag>&quot;0123&quot;</ETag><Size>17</Size><StorageClass>STANDARD</StorageClass>"
        "</Contents><Contents><Key>z</Key><Size>1</Size><ETag>\"e\"</ETag></Contents>"
        "<CommonPrefixes><Prefix>m%2F</Prefix></CommonPrefixes>"
        "<NextContinuationToken>tok+/1=</NextContinuationToken></ListBucketResult>";
    static const char page2[] =
        "<ListBucketResult><IsTruncated>false</IsTruncated><KeyCount>1</KeyCount>"
        "<Contents><Key>zz&lt;</Key><Size>2</Size></Contents></ListBucketResult>";
    char r1[2048], r2[1024];
    snprintf(r1, sizeof r1, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(page1),
             page1);
    snprintf(r2, sizeof r2, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(page2),
             page2);
    const char *replies[2] = {r1, r2};
    canned_t cs;
    CHECK_EQ_INT(canned_start(&cs, replies, 2), 0);
    lh_objstore_t *os = NULL;
    CHECK_EQ_INT(canned_open(&cs, &os), 0);
    lh_err_t err = {0};
    listed_t l = {0};
    int rc = lh_objstore_list(os, "b", "", "/", collect, &l, &err);
    lh_objstore_close(os);
    char *log = canned_stop(&cs);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(l.n, 4);
    CHECK_EQ_STR(l.keys[0], "a b&c");
    CHECK_EQ_INT(l.sizes[0], 17);
    CHECK_EQ_STR(l.keys[1], "m/");
    CHECK_EQ_INT(l.is_prefix[1], 1);
    CHECK_EQ_STR(l.keys[2], "z");
    CHECK_EQ_STR(l.keys[3], "zz<");
    CHECK(strstr(log, "GET /b?delimiter=%2F&encoding-type=url&list-type=2&max-keys=1000 "));
    CHECK(strstr(log, "GET /b?continuation-token=tok%2B%2F1%3D&delimiter=%2F&"));
    free(log);
}

/* A page over core/xml.h's 1 MiB text limit (long keys) is fetched again
 * with max-keys=250 instead of failing the listing. */
static void s3_list_refetches_oversized_page(void)
{
    size_t klen = (size_t)1100 * 1024;
    lh_buf_t big;
    lh_buf_init(&big, 0);
    lh_buf_printf(&big, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
                  klen + strlen("<ListBucketResult><Contents><Key></Key></Contents>"
                                "</ListBucketResult>"));
    lh_buf_puts(&big, "<ListBucketResult><Contents><Key>");
    for (size_t i = 0; i < klen; i++)
        lh_buf_append(&big, "k", 1);
    lh_buf_puts(&big, "</Key></Contents></ListBucketResult>");
    static const char page[] = "<ListBucketResult><IsTruncated>false</IsTruncated>"
                               "<Contents><Key>x</Key><Size>3</Size></Contents></ListBucketResult>";
    char r2[512];
    snprintf(r2, sizeof r2, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(page), page);
    const char *replies[2] = {big.ptr, r2};
    canned_t cs;
    CHECK_EQ_INT(canned_start(&cs, replies, 2), 0);
    lh_objstore_t *os = NULL;
    CHECK_EQ_INT(canned_open(&cs, &os), 0);
    lh_err_t err = {0};
    listed_t l = {0};
    int rc = lh_objstore_list(os, "b", "", NULL, collect, &l, &err);
    lh_objstore_close(os);
    char *log = canned_stop(&cs);
    lh_buf_free(&big);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(l.n, 1);
    CHECK_EQ_STR(l.keys[0], "x");
    CHECK_EQ_INT(l.sizes[0], 3);
    const char *first = strstr(log, "GET /b?encoding-type=url&list-type=2&max-keys=1000 ");
    const char *second = strstr(log, "GET /b?encoding-type=url&list-type=2&max-keys=250 ");
    CHECK(first && second && first < second);
    free(log);
}

/* One canned 200 whose body is an <Error> document (S3 may fail inside a
 * 200): call(os, err) must fail with LH_EIO naming want_msg, and the request
 * line must start with want_req. */
static void error_inside_200(int (*call)(lh_objstore_t *, lh_err_t *), const char *want_msg,
                             const char *want_req)
{
    static const char body[] = "<?xml version=\"1.0\"?>\n<Error><Code>InternalError</Code>"
                               "<Message>try again</Message></Error>";
    char rep[512];
    snprintf(rep, sizeof rep, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(body),
             body);
    const char *replies[1] = {rep};
    canned_t cs;
    CHECK_EQ_INT(canned_start(&cs, replies, 1), 0);
    lh_objstore_t *os = NULL;
    CHECK_EQ_INT(canned_open(&cs, &os), 0);
    lh_err_t err = {0};
    int rc = call(os, &err);
    lh_objstore_close(os);
    char *log = canned_stop(&cs);
    CHECK_EQ_INT(rc, LH_EIO);
    CHECK(strstr(err.msg, want_msg));
    CHECK(strstr(log, want_req));
    free(log);
}

static int complete_call(lh_objstore_t *os, lh_err_t *err)
{
    const char *etags[1] = {"abc"};
    return lh_objstore_mpu_complete(os, "b", "k", "u/1", etags, 1, NULL, err);
}

static void s3_complete_error_inside_200(void)
{
    error_inside_200(complete_call, "InternalError: try again", "POST /b/k?uploadId=u%2F1 ");
}

#include "objstore_remote_cases.h"

static void s3_open_rejects_bad_endpoints(void)
{
    lh_objstore_t *os = NULL;
    lh_err_t err = {0};
    CHECK_EQ_INT(open_s3(&os, "ftp://x", NULL, "a", "b", 1, &err), LH_EINVAL);
    CHECK_EQ_INT(open_s3(&os, "http://", NULL, "a", "b", 1, &err), LH_EINVAL);
    CHECK_EQ_INT(open_s3(&os, "http://h/prefix", NULL, "a", "b", 1, &err), LH_EINVAL);
    CHECK_EQ_INT(open_s3(&os, "http://u:p@h", NULL, "a", "b", 1, &err), LH_EINVAL);
    CHECK_EQ_INT(open_s3(&os, "https://h:8443/", NULL, "a", "b", 0, &err), 0);
    CHECK_EQ_STR(lh_objstore_kind(os), "s3");
    lh_objstore_close(os);
}

/* The lake from the lake.* keys: no endpoint is no lake; keys are required;
 * then an S3 back end. */
static void lake_from_config(void)
{
    lh_objstore_t *os = NULL;
    lh_config_t *cfg;
    lh_err_t err = {0};
    int argc = 0;
    const char *vars[] = {"AWS_ENDPOINT_URL",      "LAKEHOUSE_S3_ENDPOINT", "AWS_ACCESS_KEY_ID",
                          "AWS_SECRET_ACCESS_KEY", "LAKEHOUSE_ACCESS_KEY",  "LAKEHOUSE_SECRET_KEY"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    CHECK_EQ_INT(lh_config_register(lh_objstore_lake_keys, lh_objstore_nlake_keys), 0);
    CHECK_EQ_INT(lh_config_load(&cfg, &argc, NULL, &err), 0);
    CHECK_EQ_INT(lh_objstore_open_lake(&os, cfg, &err), LH_ENOENT);
    CHECK(strstr(err.msg, "lake.endpoint") != NULL);
    lh_config_free(cfg);
    setenv("LAKEHOUSE_S3_ENDPOINT", "http://127.0.0.1:9000", 1);
    CHECK_EQ_INT(lh_config_load(&cfg, &argc, NULL, &err), 0);
    CHECK_EQ_INT(lh_objstore_open_lake(&os, cfg, &err), LH_EINVAL);
    CHECK(strstr(err.msg, "credentials") != NULL);
    lh_config_free(cfg);
    setenv("AWS_ACCESS_KEY_ID", "a", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "b", 1);
    CHECK_EQ_INT(lh_config_load(&cfg, &argc, NULL, &err), 0);
    CHECK_EQ_INT(lh_objstore_open_lake(&os, cfg, &err), 0);
    CHECK_EQ_STR(lh_objstore_kind(os), "s3");
    lh_objstore_close(os);
    lh_config_free(cfg);
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

#endif

/* ------------------------------------------------------------------ */

#define EMB_ENTRY(name) {"emb/" #name, emb_##name},
#define S3_ENTRY(name) {"s3/" #name, s3_##name},

static const lh_test_t tests[] = {
    {"vt/rejects_bad_arguments", vt_rejects_bad_arguments},
    {"vt/dispatches_and_defaults_content_type", vt_dispatches_and_defaults_content_type},
    {"vt/get_buf_respects_cap", vt_get_buf_respects_cap},
    {"vt/added_calls_check_and_dispatch", vt_added_calls_check_and_dispatch},
    {"vt/put_file_small_is_one_request", vt_put_file_small_is_one_request},
    {"vt/put_file_up_to_the_threshold_is_one_request",
     vt_put_file_up_to_the_threshold_is_one_request},
    {"vt/put_file_splits_into_8mib_parts", vt_put_file_splits_into_8mib_parts},
    {"vt/put_file_aborts_on_failure", vt_put_file_aborts_on_failure},
#if HAVE_EMBEDDED
    CASES(EMB_ENTRY)
#endif
#if HAVE_REMOTE
        {"s3/open_rejects_bad_endpoints", s3_open_rejects_bad_endpoints},
    {"s3/lake_from_config", lake_from_config},
    {"s3/connection_refused_is_eio", s3_connection_refused_is_eio},
    {"s3/errors_map_to_codes", s3_errors_map_to_codes},
    {"s3/retries_5xx_for_idempotent_requests", s3_retries_5xx_for_idempotent_requests},
    {"s3/list_merges_pages_and_decodes", s3_list_merges_pages_and_decodes},
    {"s3/list_refetches_oversized_page", s3_list_refetches_oversized_page},
    {"s3/complete_error_inside_200", s3_complete_error_inside_200},
    REMOTE_CASES_ADDED CASES(S3_ENTRY){"s3/wrong_secret_is_eauth", s3_wrong_secret_is_eauth},
    {"s3/unknown_key_is_refused", s3_unknown_key_is_refused},
#endif
    {NULL, NULL},
};

int main(int argc, char **argv)
{
#if !HAVE_EMBEDDED
    printf("note: emb/ half not built: src/store/engine.c or checksum.c not in this tree\n");
#endif
#if HAVE_REMOTE
    return remote_test_main(tests, argc, argv);
#else
    printf("note: s3/ half not built: src/store/sigv4.c or checksum.c not in this tree\n");
    return lh_test_main(tests, argc, argv);
#endif
}
