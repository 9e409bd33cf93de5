/* Unit tests for the embedded store's calls behind issue 6's S3 behaviours:
 * rewriting an object's attrs in place (lh_store_update_attrs: body, etag and
 * mtime kept, the read cache entry dropped, missing keys and buckets), the
 * record of a completed multipart upload (kept with the completion, found
 * by upload id and bucket only, dropped with its bucket) and creating a
 * bucket with its settings in one call. Each test runs in its own temporary
 * data directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/engine.h"

#include "store_fixture.h"

static int put(lh_store_t *st, const char *key, const char *data, const char *attrs)
{
    lh_store_writer_t *w;
    lh_err_t e = {0};
    lh_store_meta_t m = {.etag = "etag-1", .attrs = (char *)attrs};
    int rc = lh_store_put_begin(st, "b", &w, &e);
    if (rc) return rc;
    if ((rc = lh_store_put_write(w, data, strlen(data), &e))) {
        lh_store_put_abort(w);
        return rc;
    }
    return lh_store_put_commit(w, key, strlen(key), &m, NULL, &e);
}

/* lh_store_update_attrs callback: arg's text, remembering what it was given. */
static char seen[256];
static char *replace_with(const char *attrs, void *arg)
{
    snprintf(seen, sizeof seen, "%s", attrs ? attrs : "(null)");
    return strdup(arg);
}

TEST(update_attrs_keeps_body_and_drops_cache)
{
    lh_err_t e = {0};
    lh_store_meta_t m = {0}, before = {0};
    lh_buf_t body;
    int fd = -1;
    CHECK_EQ_INT(put(st, "k", "the body", "{\"a\":1}"), 0);
    lh_buf_init(&body, 1 << 20);
    /* read twice: the second read is served from (and proves) the cache */
    CHECK_EQ_INT(lh_store_get_mem(st, "b", "k", 1, &before, &fd, &body, &e), 0);
    lh_buf_reset(&body);
    CHECK_EQ_INT(lh_store_cached_get(st, "b", "k", 1, &m, NULL), 0);
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(
        lh_store_update_attrs(st, "b", "k", 1, replace_with, (void *)"{\"acl\":\"x\"}", &e), 0);
    CHECK_EQ_STR(seen, "{\"a\":1}");
    CHECK_EQ_INT(lh_store_cached_get(st, "b", "k", 1, &m, NULL), LH_ENOENT); /* dropped */
    CHECK_EQ_INT(lh_store_get_mem(st, "b", "k", 1, &m, &fd, &body, &e), 0);
    CHECK_EQ_STR(m.attrs, "{\"acl\":\"x\"}");
    CHECK_EQ_STR(m.etag, "etag-1");
    CHECK(m.mtime_ns == before.mtime_ns);
    CHECK_EQ_INT(m.size, 8);
    CHECK(body.len == 8 && !memcmp(body.ptr, "the body", 8));
    lh_store_meta_clear(&m);
    lh_store_meta_clear(&before);
    lh_buf_free(&body);
}

TEST(update_attrs_missing_key_or_bucket)
{
    lh_err_t e = {0};
    CHECK_EQ_INT(lh_store_update_attrs(st, "b", "nope", 4, replace_with, (void *)"{}", &e),
                 LH_ENOENT);
    CHECK_EQ_STR(e.msg, "no such key");
    CHECK_EQ_INT(lh_store_update_attrs(st, "zz", "nope", 4, replace_with, (void *)"{}", &e),
                 LH_ENOENT);
    CHECK_EQ_STR(e.msg, "no such bucket");
    /* an object without attrs gets NULL */
    CHECK_EQ_INT(put(st, "bare", "x", NULL), 0);
    CHECK_EQ_INT(lh_store_update_attrs(st, "b", "bare", 4, replace_with, (void *)"{\"n\":2}", &e),
                 0);
    CHECK_EQ_STR(seen, "(null)");
}

/* Uploads one part and completes key's upload with record; returns its id in up. */
static int complete(lh_store_t *st, const char *key, const char *record, char *up)
{
    lh_err_t e = {0};
    lh_store_writer_t *w;
    lh_store_meta_t m = {.etag = "abc-1"};
    int parts[] = {1};
    int rc = lh_store_mpu_create(st, "b", key, strlen(key), NULL, up, &e);
    if (!rc) rc = lh_store_part_begin(st, "b", up, &w, &e);
    if (!rc && (rc = lh_store_put_write(w, "part", 4, &e))) lh_store_put_abort(w);
    if (!rc) rc = lh_store_part_commit(w, 1, "m1", NULL, &e);
    return rc ? rc : lh_store_mpu_complete(st, "b", up, parts, 1, &m, NULL, record, &e);
}

TEST(completed_upload_is_remembered)
{
    lh_err_t e = {0};
    lh_store_mpu_done_t d = {0};
    char up[80], up2[80];
    CHECK_EQ_INT(complete(st, "key\n1", "{\"parts\":\"d1\"}", up), 0);
    CHECK_EQ_INT(lh_store_mpu_done_get(st, "b", up, &d, &e), 0);
    CHECK_EQ_INT(d.key_len, 5);
    CHECK(!memcmp(d.key, "key\n1", 5));
    CHECK_EQ_STR(d.etag, "abc-1");
    CHECK_EQ_STR(d.record, "{\"parts\":\"d1\"}");
    CHECK(d.completed_ns > 0);
    lh_store_mpu_done_clear(&d);
    /* found only in its own bucket; unknown ids are not */
    CHECK_EQ_INT(lh_store_bucket_create(st, "c", "alice", 0, &e), 0);
    CHECK_EQ_INT(lh_store_mpu_done_get(st, "c", up, &d, &e), LH_ENOENT);
    CHECK_EQ_INT(lh_store_mpu_done_get(st, "b", "0000", &d, &e), LH_ENOENT);
    CHECK_EQ_STR(e.msg, "no such upload");
    /* no record asked for, none kept */
    CHECK_EQ_INT(complete(st, "k2", NULL, up2), 0);
    CHECK_EQ_INT(lh_store_mpu_done_get(st, "b", up2, &d, &e), LH_ENOENT);
    /* the records go with their bucket */
    CHECK_EQ_INT(lh_store_delete(st, "b", "key\n1", 5, &e), 0);
    CHECK_EQ_INT(lh_store_delete(st, "b", "k2", 2, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_delete(st, "b", &e), 0);
    CHECK_EQ_INT(lh_store_bucket_create(st, "b", "alice", 0, &e), 0);
    CHECK_EQ_INT(lh_store_mpu_done_get(st, "b", up, &d, &e), LH_ENOENT);
}

TEST(bucket_create_with_settings)
{
    lh_err_t e = {0};
    lh_store_bucket_t init = {
        .name = "s", .owner = "bob", .public_read = 1, .ownership = 3, .public_block = 17};
    lh_store_bucket_t got = {0};
    CHECK_EQ_INT(lh_store_bucket_create_with(st, &init, &e), 0);
    CHECK_EQ_INT(lh_store_bucket_get(st, "s", &got), 0);
    CHECK_EQ_STR(got.owner, "bob");
    CHECK_EQ_INT(got.public_read, 1);
    CHECK_EQ_INT(got.ownership, 3);
    CHECK_EQ_INT(got.public_block, 17);
    lh_store_bucket_clear(&got);
    CHECK_EQ_INT(lh_store_bucket_create_with(st, &init, &e), LH_EEXIST);
}

static const lh_test_t tests[] = {
    {"update_attrs_keeps_body_and_drops_cache", update_attrs_keeps_body_and_drops_cache},
    {"update_attrs_missing_key_or_bucket", update_attrs_missing_key_or_bucket},
    {"completed_upload_is_remembered", completed_upload_is_remembered},
    {"bucket_create_with_settings", bucket_create_with_settings},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
