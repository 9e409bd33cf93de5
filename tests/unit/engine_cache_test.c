/* Unit tests for the embedded store's read cache (src/store/engine_cache.c):
 * a read fills it and the next is served from memory; an overwrite, a
 * delete, a multipart completion, a bucket policy or ACL change and a bucket
 * delete drop what it held; file-backed bodies are never held; the size cap
 * holds; and under concurrent overwrites no reader ever sees a version older
 * than one already acknowledged (no timing assertions). Each test runs in its
 * own temporary data directory. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/engine.h"

#include "store_fixture.h"

/* Puts data under key with etag "e-<data>" (the first 60 bytes). */
static int put(lh_store_t *st, const char *key, const char *data)
{
    lh_store_writer_t *w;
    lh_err_t e = {0};
    lh_store_meta_t m = {.attrs = (char *)"{\"ct\":\"text/plain\"}"};
    snprintf(m.etag, sizeof m.etag, "e-%.60s", data);
    int rc = lh_store_put_begin(st, "b", &w, &e);
    if (rc) return rc;
    if ((rc = lh_store_put_write(w, data, strlen(data), &e))) {
        lh_store_put_abort(w);
        return rc;
    }
    return lh_store_put_commit(w, key, strlen(key), &m, NULL, &e);
}

/* Reads key through lh_store_get_mem into out (NUL-terminated). 0, or the
 * error; *from_file says whether the body came as an fd. */
static int get(lh_store_t *st, const char *key, char *out, size_t cap, int *from_file)
{
    lh_store_meta_t m;
    lh_buf_t b;
    lh_err_t e = {0};
    int fd = -1;
    lh_buf_init(&b, 1 << 20);
    int rc = lh_store_get_mem(st, "b", key, strlen(key), &m, &fd, &b, &e);
    if (!rc) {
        if (from_file) *from_file = fd >= 0;
        if (fd >= 0) {
            ssize_t n = pread(fd, out, cap - 1, 0);
            out[n > 0 ? n : 0] = 0;
            close(fd);
        } else {
            snprintf(out, cap, "%.*s", (int)b.len, b.ptr ? b.ptr : "");
        }
        char want[96];
        snprintf(want, sizeof want, "e-%.60s", out);
        if (strcmp(m.etag, want)) rc = LH_ECORRUPT; /* body and metadata of different versions */
        lh_store_meta_clear(&m);
    }
    lh_buf_free(&b);
    return rc;
}

/* The cached bytes of key (NUL-terminated in out): 0 or LH_ENOENT. */
static int cached(lh_store_t *st, const char *key, char *out, size_t cap)
{
    lh_store_meta_t m;
    lh_buf_t b;
    lh_buf_init(&b, 1 << 20);
    int rc = lh_store_cached_get(st, "b", key, strlen(key), &m, &b);
    if (!rc) {
        snprintf(out, cap, "%.*s", (int)b.len, b.ptr ? b.ptr : "");
        lh_store_meta_clear(&m);
    }
    lh_buf_free(&b);
    return rc;
}

TEST(cache_read_fills_then_hits)
{
    char v[64];
    lh_store_cache_stats_t s;
    CHECK_EQ_INT(put(st, "k", "one"), 0);
    CHECK_EQ_INT(cached(st, "k", v, sizeof v), LH_ENOENT); /* a write does not fill */
    CHECK_EQ_INT(get(st, "k", v, sizeof v, NULL), 0);
    CHECK_EQ_STR(v, "one");
    lh_store_cache_stats(st, &s);
    CHECK_EQ_INT(s.fills, 1);
    CHECK_EQ_INT(s.hits, 0);
    CHECK_EQ_INT(get(st, "k", v, sizeof v, NULL), 0); /* from memory now */
    CHECK_EQ_STR(v, "one");
    lh_store_cache_stats(st, &s);
    CHECK_EQ_INT(s.fills, 1);
    CHECK_EQ_INT(s.hits, 1);
}

TEST(cache_serves_bytes_and_metadata)
{
    char v[64];
    lh_store_meta_t m, h;
    lh_err_t e = {0};
    lh_buf_t b;
    CHECK_EQ_INT(put(st, "k", "hello"), 0);
    CHECK_EQ_INT(get(st, "k", v, sizeof v, NULL), 0);
    lh_buf_init(&b, 1 << 20);
    CHECK_EQ_INT(lh_store_cached_get(st, "b", "k", 1, &m, &b), 0);
    CHECK_EQ_INT(b.len, 5);
    CHECK(!memcmp(b.ptr, "hello", 5));
    CHECK_EQ_STR(m.etag, "e-hello");
    CHECK_EQ_INT(m.size, 5);
    CHECK_EQ_STR(m.attrs, "{\"ct\":\"text/plain\"}");
    CHECK_EQ_INT(lh_store_head(st, "b", "k", 1, &h, &e), 0);
    CHECK_EQ_INT(h.mtime_ns, m.mtime_ns);
    lh_store_meta_clear(&m);
    lh_store_meta_clear(&h);
    lh_buf_free(&b);
}

TEST(cache_overwrite_drops_entry)
{
    char v[64];
    CHECK_EQ_INT(put(st, "k", "one"), 0);
    CHECK_EQ_INT(get(st, "k", v, sizeof v, NULL), 0);
    CHECK_EQ_INT(cached(st, "k", v, sizeof v), 0);
    CHECK_EQ_STR(v, "one");
    CHECK_EQ_INT(put(st, "k", "two"), 0);
    CHECK_EQ_INT(cached(st, "k", v, sizeof v), LH_ENOENT);
    CHECK_EQ_INT(get(st, "k", v, sizeof v, NULL), 0);
    CHECK_EQ_STR(v, "two");
    CHECK_EQ_INT(cached(st, "k", v, sizeof v), 0);
    CHECK_EQ_STR(v, "two");
}

TEST(cache_delete_drops_entry)
{
    char v[64];
    lh_err_t e = {0};
    CHECK_EQ_INT(put(st, "k", "one"), 0);
    CHECK_EQ_INT(get(st, "k", v, sizeof v, NULL), 0);
    CHECK_EQ_INT(lh_store_delete(st, "b", "k", 1, &e), 0);
    CHECK_EQ_INT(cached(st, "k", v, sizeof v), LH_ENOENT);
    CHECK_EQ_INT(get(st, "k", v, sizeof v, NULL), LH_ENOENT);
    lh_store_meta_t m;
    CHECK_EQ_INT(lh_store_head(st, "b", "k", 1, &m, &e), LH_ENOENT);
}

TEST(cache_failed_condition_keeps_entry_correct)
{
    char v[64];
    lh_store_writer_t *w;
    lh_err_t e = {0};
    lh_store_meta_t m = {.etag = "e-two"};
    lh_store_put_cond_t cond = {.if_none_match_any = 1};
    CHECK_EQ_INT(put(st, "k", "one"), 0);
    CHECK_EQ_INT(get(st, "k", v, sizeof v, NULL), 0);
    CHECK_EQ_INT(lh_store_put_begin(st, "b", &w, &e), 0);
    CHECK_EQ_INT(lh_store_put_write(w, "two", 3, &e), 0);
    CHECK_EQ_INT(lh_store_put_commit(w, "k", 1, &m, &cond, &e), LH_EPRECOND);
    CHECK_EQ_INT(get(st, "k", v, sizeof v, NULL), 0);
    CHECK_EQ_STR(v, "one");
    if (cached(st, "k", v, sizeof v) == 0) CHECK_EQ_STR(v, "one");
}

TEST(cache_multipart_complete_drops_entry)
{
    char v[64], upload[64];
    lh_err_t e = {0};
    lh_store_writer_t *w;
    CHECK_EQ_INT(put(st, "k", "small"), 0);
    CHECK_EQ_INT(get(st, "k", v, sizeof v, NULL), 0);
    CHECK_EQ_INT(lh_store_mpu_create(st, "b", "k", 1, NULL, upload, &e), 0);
    CHECK_EQ_INT(lh_store_part_begin(st, "b", upload, &w, &e), 0);
    CHECK_EQ_INT(lh_store_put_write(w, "parted", 6, &e), 0);
    CHECK_EQ_INT(lh_store_part_commit(w, 1, "p1", NULL, &e), 0);
    int parts[] = {1};
    lh_store_meta_t m = {.etag = "e-parted"};
    CHECK_EQ_INT(lh_store_mpu_complete(st, "b", upload, parts, 1, &m, NULL, NULL, &e), 0);
    CHECK_EQ_INT(cached(st, "k", v, sizeof v), LH_ENOENT);
    int from_file = 0;
    CHECK_EQ_INT(get(st, "k", v, sizeof v, &from_file), 0);
    CHECK_EQ_STR(v, "parted");
    CHECK(from_file); /* completed uploads have body files: never cached */
    CHECK_EQ_INT(cached(st, "k", v, sizeof v), LH_ENOENT);
}

TEST(cache_holds_no_file_backed_body)
{
    char v[64];
    int from_file = 0;
    CHECK_EQ_INT(lh_store_set_inline_max(st, 0), 0);
    CHECK_EQ_INT(put(st, "k", "on disk"), 0);
    CHECK_EQ_INT(get(st, "k", v, sizeof v, &from_file), 0);
    CHECK(from_file);
    CHECK_EQ_STR(v, "on disk");
    CHECK_EQ_INT(cached(st, "k", v, sizeof v), LH_ENOENT);
}

TEST(cache_bucket_row_follows_policy_acl_and_delete)
{
    lh_store_bucket_t b;
    lh_err_t e = {0};
    CHECK_EQ_INT(lh_store_bucket_get(st, "b", &b), 0); /* fills */
    lh_store_bucket_clear(&b);
    CHECK_EQ_INT(lh_store_cached_bucket(st, "b", &b), 0);
    CHECK_EQ_STR(b.owner, "alice");
    CHECK(b.policy == NULL);
    CHECK_EQ_INT(b.public_read, 0);
    CHECK_EQ_INT(lh_store_bucket_set_policy(st, "b", "{\"Statement\":[]}", &e), 0);
    CHECK_EQ_INT(lh_store_cached_bucket(st, "b", &b), LH_ENOENT);
    CHECK_EQ_INT(lh_store_bucket_get(st, "b", &b), 0);
    CHECK_EQ_STR(b.policy, "{\"Statement\":[]}");
    lh_store_bucket_clear(&b);
    CHECK_EQ_INT(lh_store_cached_bucket(st, "b", &b), 0);
    CHECK_EQ_STR(b.policy, "{\"Statement\":[]}");
    lh_store_bucket_clear(&b);
    CHECK_EQ_INT(lh_store_bucket_set_public(st, "b", 1, &e), 0);
    CHECK_EQ_INT(lh_store_cached_bucket(st, "b", &b), LH_ENOENT);
    CHECK_EQ_INT(lh_store_bucket_get(st, "b", &b), 0);
    CHECK_EQ_INT(b.public_read, 1);
    lh_store_bucket_clear(&b);
    CHECK_EQ_INT(lh_store_bucket_delete(st, "b", &e), 0);
    CHECK_EQ_INT(lh_store_cached_bucket(st, "b", &b), LH_ENOENT);
    CHECK_EQ_INT(lh_store_bucket_get(st, "b", &b), LH_ENOENT);
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "bob", 0, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_get(st, "b", &b), 0);
    CHECK_EQ_STR(b.owner, "bob");
    lh_store_bucket_clear(&b);
}

TEST(cache_size_is_bounded_and_zero_disables)
{
    char key[32], val[2048], v[4096];
    lh_store_cache_stats_t s;
    memset(val, 'x', sizeof val - 1);
    val[sizeof val - 1] = 0;
    lh_store_set_cache_max(st, 64 << 10);
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "k%03d", i);
        CHECK_EQ_INT(put(st, key, val), 0);
        CHECK_EQ_INT(get(st, key, v, sizeof v, NULL), 0);
    }
    lh_store_cache_stats(st, &s);
    CHECK(s.bytes <= 64 << 10);
    CHECK(s.bytes > 0);
    CHECK_EQ_INT(cached(st, "k199", v, sizeof v), 0);         /* the most recent stays */
    CHECK_EQ_INT(cached(st, "k000", v, sizeof v), LH_ENOENT); /* the oldest went */
    lh_store_set_cache_max(st, 0);
    lh_store_cache_stats(st, &s);
    CHECK_EQ_INT(s.bytes, 0);
    CHECK_EQ_INT(get(st, "k199", v, sizeof v, NULL), 0);
    CHECK_EQ_INT(cached(st, "k199", v, sizeof v), LH_ENOENT);
}

/* One writer overwrites "k" with v1, v2, ... and publishes the last version
 * it was acknowledged for; readers read through the cache and check they
 * never see a version older than the one acknowledged before they began. */
typedef struct {
    lh_store_t *st;
    int stop, acked, stale, torn, reads;
} race_t;

static void *race_writer(void *arg)
{
    race_t *r = arg;
    char v[32];
    for (int i = 1; i <= 300; i++) {
        snprintf(v, sizeof v, "v%06d", i);
        if (put(r->st, "k", v) != 0) break;
        __atomic_store_n(&r->acked, i, __ATOMIC_SEQ_CST);
    }
    __atomic_store_n(&r->stop, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void *race_reader(void *arg)
{
    race_t *r = arg;
    char v[64];
    int n = 0;
    while (!__atomic_load_n(&r->stop, __ATOMIC_SEQ_CST)) {
        int before = __atomic_load_n(&r->acked, __ATOMIC_SEQ_CST);
        int rc = n++ % 2 ? cached(r->st, "k", v, sizeof v) : get(r->st, "k", v, sizeof v, NULL);
        if (rc == LH_ECORRUPT) __atomic_add_fetch(&r->torn, 1, __ATOMIC_SEQ_CST);
        if (rc != 0) continue;
        int seen = (int)strtol(v + 1, NULL, 10);
        if (seen < before) __atomic_add_fetch(&r->stale, 1, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&r->reads, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

TEST(cache_concurrent_overwrites_never_stale)
{
    race_t r = {.st = st};
    pthread_t w, rd[4];
    CHECK_EQ_INT(put(st, "k", "v000000"), 0);
    for (int i = 0; i < 4; i++)
        pthread_create(&rd[i], NULL, race_reader, &r);
    pthread_create(&w, NULL, race_writer, &r);
    pthread_join(w, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(rd[i], NULL);
    CHECK_EQ_INT(r.acked, 300);
    CHECK_EQ_INT(r.torn, 0);
    CHECK_EQ_INT(r.stale, 0);
    CHECK(r.reads > 0);
    char v[64];
    CHECK_EQ_INT(get(st, "k", v, sizeof v, NULL), 0);
    CHECK_EQ_STR(v, "v000300");
    if (cached(st, "k", v, sizeof v) == 0) CHECK_EQ_STR(v, "v000300");
}

static const lh_test_t tests[] = {
    {"cache_read_fills_then_hits", cache_read_fills_then_hits},
    {"cache_serves_bytes_and_metadata", cache_serves_bytes_and_metadata},
    {"cache_overwrite_drops_entry", cache_overwrite_drops_entry},
    {"cache_delete_drops_entry", cache_delete_drops_entry},
    {"cache_failed_condition_keeps_entry_correct", cache_failed_condition_keeps_entry_correct},
    {"cache_multipart_complete_drops_entry", cache_multipart_complete_drops_entry},
    {"cache_holds_no_file_backed_body", cache_holds_no_file_backed_body},
    {"cache_bucket_row_follows_policy_acl_and_delete",
     cache_bucket_row_follows_policy_acl_and_delete},
    {"cache_size_is_bounded_and_zero_disables", cache_size_is_bounded_and_zero_disables},
    {"cache_concurrent_overwrites_never_stale", cache_concurrent_overwrites_never_stale},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return lh_test_main(tests, argc, argv);
}
