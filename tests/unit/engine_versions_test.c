/* Unit tests for versions in the embedded store (engine_ver.c,
 * engine_vlist.c): version ids on writes, reading any version, delete
 * markers, removing a version for good (the next newest becomes current),
 * the suspended state's null version, conditional deletes (lifecycle),
 * listing versions with key and version-id markers and delimiters, the read
 * cache across version changes, bodies freed exactly when their version
 * goes (and kept by the orphan sweep while it lives), and DeleteBucket
 * refused while versions remain. Each test runs in its own data directory
 * with a bucket "b". */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/engine.h"

#include "store_fixture.h"

#define BIG (LH_STORE_INLINE_MAX_DEFAULT + 100) /* gets a body file */

/* Puts body (n bytes of c, or the string s when n is 0); the version id the
 * store reports goes to vid (may be NULL). */
static int put(lh_store_t *st, const char *key, const char *s, size_t n, char *vid)
{
    static char big[BIG];
    lh_store_writer_t *w;
    lh_store_meta_t m = {0};
    const char *data = s;
    if (n) {
        memset(big, s[0], n);
        data = big;
    } else {
        n = strlen(s);
    }
    snprintf(m.etag, sizeof m.etag, "e-%c%zu", s[0], n);
    int rc = lh_store_put_begin(st, "b", &w, NULL);
    if (rc) return rc;
    if ((rc = lh_store_put_write(w, data, n, NULL))) {
        lh_store_put_abort(w);
        return rc;
    }
    rc = lh_store_put_commit(w, key, strlen(key), &m, NULL, NULL);
    if (!rc && vid) snprintf(vid, LH_STORE_VERSION_ID_SIZE, "%s", m.version_id);
    return rc;
}

/* The body of a version (vid NULL: the current one through lh_store_get)
 * into buf; its length, or a negative error. */
static long read_version(lh_store_t *st, const char *key, const char *vid, char *buf, size_t cap)
{
    lh_store_meta_t m;
    int fd, rc;
    rc = vid ? lh_store_version_get(st, "b", key, strlen(key), vid, &m, &fd, NULL)
             : lh_store_get(st, "b", key, strlen(key), &m, &fd, NULL);
    if (rc) return rc;
    long n = fd >= 0 ? (long)read(fd, buf, cap - 1) : -1000; /* -1000: a delete marker */
    if (fd >= 0) close(fd);
    lh_store_meta_clear(&m);
    if (n >= 0) buf[n] = 0;
    return n;
}

static int del(lh_store_t *st, const char *key, const char *vid, lh_store_del_t *out)
{
    lh_store_del_t d = {.version_id = vid};
    int rc = lh_store_delete_version(st, "b", key, strlen(key), &d, NULL);
    if (out) *out = d;
    return rc;
}

static int enable(lh_store_t *st, int state)
{
    return lh_store_bucket_set_int(st, "b", LH_BUCKET_VERSIONING, state, NULL);
}

static int count_bodies(void)
{
    char path[256];
    int n = 0;
    for (int i = 0; i < 256; i++) {
        snprintf(path, sizeof path, "%s/store/data/%02x", dir, i);
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d)))
            n += de->d_name[0] != '.';
        if (d) closedir(d);
    }
    return n;
}

/* --- listing helper: "key:vid:L|N:M|V" joined by "," ("P:prefix" for common
 * prefixes), versions of one page --- */
typedef struct vcollect {
    char out[8192];
    size_t len;
} vcollect_t;

static int vcollect_fn(const lh_store_version_entry_t *e, void *arg)
{
    vcollect_t *c = arg;
    int n = e->is_prefix ? snprintf(c->out + c->len, sizeof c->out - c->len, "%sP:%.*s",
                                    c->len ? "," : "", (int)e->key_len, e->key)
                         : snprintf(c->out + c->len, sizeof c->out - c->len, "%s%.*s:%.4s:%c%c",
                                    c->len ? "," : "", (int)e->key_len, e->key, e->meta->version_id,
                                    e->is_latest ? 'L' : 'N', e->meta->delete_marker ? 'M' : 'V');
    if (n > 0 && (size_t)n < sizeof c->out - c->len) c->len += (size_t)n;
    return 0;
}

/* Lists every version in pages of max (following both markers) into c. */
static int vlist_all(lh_store_t *st, const char *prefix, const char *delim, int max, vcollect_t *c,
                     int *pages)
{
    char key[LH_STORE_KEY_MAX + 1] = "", vid[LH_STORE_VERSION_ID_SIZE] = "";
    size_t klen = 0;
    int trunc = 1;
    memset(c, 0, sizeof *c);
    *pages = 0;
    while (trunc && (*pages)++ < 1000) {
        lh_store_list_opts_t o = {prefix, strlen(prefix), delim, strlen(delim), key, klen, max};
        int rc =
            lh_store_list_versions(st, "b", &o, vid, vcollect_fn, c, &trunc, key, &klen, vid, NULL);
        if (rc) return rc;
    }
    return trunc ? -1 : 0;
}

TEST(enabled_puts_keep_every_version)
{
    char v1[LH_STORE_VERSION_ID_SIZE], v2[LH_STORE_VERSION_ID_SIZE], nv[LH_STORE_VERSION_ID_SIZE];
    char buf[BIG + 1];
    CHECK_EQ_INT(put(st, "k", "before", 0, nv), 0);
    CHECK_EQ_STR(nv, ""); /* unversioned: nothing to report */
    CHECK_EQ_INT(enable(st, LH_VERSIONING_ENABLED), 0);
    CHECK_EQ_INT(put(st, "k", "a", BIG, v1), 0);
    CHECK_EQ_INT(put(st, "k", "second", 0, v2), 0);
    CHECK(lh_store_version_id_valid(v1) && lh_store_version_id_valid(v2) && strcmp(v1, v2));
    CHECK_EQ_INT((int)strlen(v1), 32);
    CHECK_EQ_INT(read_version(st, "k", NULL, buf, sizeof buf), 6);
    CHECK_EQ_STR(buf, "second");
    CHECK_EQ_INT(read_version(st, "k", v1, buf, sizeof buf), BIG);
    CHECK_EQ_INT(read_version(st, "k", "null", buf, sizeof buf), 6);
    CHECK_EQ_STR(buf, "before"); /* written before versioning: the null version */
    CHECK_EQ_INT(read_version(st, "k", v2, buf, sizeof buf), 6);
    CHECK_EQ_INT(read_version(st, "k", "0123456789abcdef0123456789abcdef", buf, sizeof buf),
                 LH_ENOENT);
    CHECK_EQ_INT(read_version(st, "k", "not-an-id", buf, sizeof buf), LH_EINVAL);
    lh_store_meta_t m;
    CHECK_EQ_INT(lh_store_head(st, "b", "k", 1, &m, NULL), 0);
    CHECK_EQ_STR(m.version_id, v2);
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(count_bodies(), 1); /* v1's, kept as noncurrent */
}

TEST(delete_marker_then_remove_versions)
{
    char v1[LH_STORE_VERSION_ID_SIZE], v2[LH_STORE_VERSION_ID_SIZE], buf[BIG + 1];
    lh_store_del_t d, d2;
    lh_store_meta_t m;
    lh_err_t e = {0};
    CHECK_EQ_INT(enable(st, LH_VERSIONING_ENABLED), 0);
    CHECK_EQ_INT(put(st, "k", "a", BIG, v1), 0);
    CHECK_EQ_INT(put(st, "k", "b", BIG, v2), 0);
    CHECK_EQ_INT(del(st, "k", NULL, &d), 0);
    CHECK(d.delete_marker && lh_store_version_id_valid(d.version_id_out));
    CHECK(strcmp(d.version_id_out, "null") != 0);
    CHECK_EQ_INT(lh_store_head(st, "b", "k", 1, &m, &e), LH_ENOENT);
    CHECK_EQ_INT(lh_store_version_get(st, "b", "k", 1, NULL, &m, NULL, NULL), 0);
    CHECK(m.delete_marker);
    CHECK_EQ_STR(m.version_id, d.version_id_out);
    lh_store_meta_clear(&m);
    CHECK_EQ_INT(read_version(st, "k", d.version_id_out, buf, sizeof buf), -1000);
    CHECK_EQ_INT(del(st, "k", NULL, &d2), 0); /* another marker on top */
    CHECK(d2.delete_marker && strcmp(d2.version_id_out, d.version_id_out));
    CHECK_EQ_INT(count_bodies(), 2);
    /* removing the latest marker leaves the older marker latest */
    CHECK_EQ_INT(del(st, "k", d2.version_id_out, &d2), 0);
    CHECK(d2.delete_marker);
    CHECK_EQ_INT(read_version(st, "k", NULL, buf, sizeof buf), LH_ENOENT);
    /* and removing that one makes v2 current again */
    CHECK_EQ_INT(del(st, "k", d.version_id_out, NULL), 0);
    CHECK_EQ_INT(read_version(st, "k", NULL, buf, sizeof buf), BIG);
    CHECK_EQ_INT(buf[0], 'b');
    /* removing the current version promotes v1; its body file goes */
    CHECK_EQ_INT(del(st, "k", v2, &d), 0);
    CHECK(!d.delete_marker);
    CHECK_EQ_STR(d.version_id_out, v2);
    CHECK_EQ_INT(read_version(st, "k", NULL, buf, sizeof buf), BIG);
    CHECK_EQ_INT(buf[0], 'a');
    CHECK_EQ_INT(count_bodies(), 1);
    /* a missing version is not an error; a malformed one is */
    CHECK_EQ_INT(del(st, "k", v2, NULL), 0);
    CHECK_EQ_INT(del(st, "k", "xyz", NULL), LH_EINVAL);
    CHECK_EQ_INT(del(st, "k", v1, NULL), 0);
    CHECK_EQ_INT(read_version(st, "k", NULL, buf, sizeof buf), LH_ENOENT);
    CHECK_EQ_INT(count_bodies(), 0);
    CHECK_EQ_INT(lh_store_bucket_delete(st, "b", NULL), 0); /* nothing left */
}

TEST(suspended_writes_replace_the_null_version)
{
    char v1[LH_STORE_VERSION_ID_SIZE], vid[LH_STORE_VERSION_ID_SIZE], buf[BIG + 1];
    vcollect_t c;
    int pages;
    lh_store_del_t d;
    CHECK_EQ_INT(put(st, "k", "n", BIG, NULL), 0); /* null, before versioning */
    CHECK_EQ_INT(enable(st, LH_VERSIONING_ENABLED), 0);
    CHECK_EQ_INT(put(st, "k", "v", BIG, v1), 0);
    CHECK_EQ_INT(enable(st, LH_VERSIONING_SUSPENDED), 0);
    CHECK_EQ_INT(put(st, "k", "s", BIG, vid), 0);
    CHECK_EQ_STR(vid, "null"); /* replaced the noncurrent null version */
    CHECK_EQ_INT(count_bodies(), 2);
    CHECK_EQ_INT(vlist_all(st, "", "", 1000, &c, &pages), 0);
    CHECK(!strncmp(c.out, "k:null:LV,k:", 12) && !strcmp(c.out + 16, ":NV"));
    CHECK_EQ_INT(put(st, "k", "t", BIG, vid), 0); /* replaces the current null version */
    CHECK_EQ_INT(read_version(st, "k", "null", buf, sizeof buf), BIG);
    CHECK_EQ_INT(buf[0], 't');
    CHECK_EQ_INT(count_bodies(), 2);
    CHECK_EQ_INT(del(st, "k", NULL, &d), 0); /* a null delete marker replaces it */
    CHECK(d.delete_marker);
    CHECK_EQ_STR(d.version_id_out, "null");
    CHECK_EQ_INT(count_bodies(), 1);
    CHECK_EQ_INT(read_version(st, "k", v1, buf, sizeof buf), BIG);
    CHECK_EQ_INT(buf[0], 'v');
    CHECK_EQ_INT(lh_store_bucket_delete(st, "b", NULL), LH_ENOTEMPTY);
}

TEST(list_versions_order_markers_and_pages)
{
    char va[3][LH_STORE_VERSION_ID_SIZE], want[8192], one[8192];
    vcollect_t c;
    int pages;
    CHECK_EQ_INT(put(st, "a", "0", 0, NULL), 0);
    CHECK_EQ_INT(put(st, "d/x", "0", 0, NULL), 0);
    CHECK_EQ_INT(enable(st, LH_VERSIONING_ENABLED), 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(put(st, "a", "1", 0, va[i]), 0);
    CHECK_EQ_INT(put(st, "c", "2", 0, NULL), 0);
    CHECK_EQ_INT(del(st, "c", NULL, NULL), 0);
    CHECK_EQ_INT(put(st, "d/y", "3", 0, NULL), 0);
    CHECK_EQ_INT(del(st, "e", NULL, NULL), 0); /* a marker with nothing under it */
    snprintf(want, sizeof want, "a:%.4s:LV,a:%.4s:NV,a:%.4s:NV,a:null:NV,c:", va[2], va[1], va[0]);
    CHECK_EQ_INT(vlist_all(st, "", "", 1000, &c, &pages), 0);
    CHECK_EQ_INT(pages, 1);
    CHECK(!strncmp(c.out, want, strlen(want)));
    snprintf(one, sizeof one, "%s", c.out);
    CHECK(strstr(one, "LM,c:") && strstr(one, "NV,d/x:null:LV,d/y:"));
    CHECK(strstr(one, ",e:") && !strcmp(one + strlen(one) - 2, "LM"));
    for (int max = 1; max <= 4; max++) { /* pages of any size give the same listing */
        CHECK_EQ_INT(vlist_all(st, "", "", max, &c, &pages), 0);
        CHECK_EQ_STR(c.out, one);
        CHECK_EQ_INT(pages, (9 + max - 1) / max); /* 9 entries */
    }
    for (int max = 1; max <= 3; max++) {
        CHECK_EQ_INT(vlist_all(st, "", "/", max, &c, &pages), 0);
        CHECK(strstr(c.out, "P:d/") && !strstr(c.out, "d/x"));
        CHECK_EQ_INT(vlist_all(st, "d/", "/", max, &c, &pages), 0);
        CHECK(!strncmp(c.out, "d/x:null:LV,d/y:", 16) && !strchr(c.out + 16, ','));
    }
}

TEST(conditional_deletes_for_lifecycle)
{
    char v1[LH_STORE_VERSION_ID_SIZE], v2[LH_STORE_VERSION_ID_SIZE], buf[64];
    lh_store_meta_t m;
    CHECK_EQ_INT(enable(st, LH_VERSIONING_ENABLED), 0);
    CHECK_EQ_INT(put(st, "k", "one", 0, v1), 0);
    CHECK_EQ_INT(put(st, "k", "two", 0, v2), 0);
    CHECK_EQ_INT(lh_store_head(st, "b", "k", 1, &m, NULL), 0);
    lh_store_del_t cur_only = {.version_id = v2, .noncurrent_only = 1};
    CHECK_EQ_INT(lh_store_delete_version(st, "b", "k", 1, &cur_only, NULL), LH_EPRECOND);
    lh_store_del_t stale = {.if_mtime_ns = m.mtime_ns - 1};
    CHECK_EQ_INT(lh_store_delete_version(st, "b", "k", 1, &stale, NULL), LH_EPRECOND);
    lh_store_del_t fresh = {.if_mtime_ns = m.mtime_ns};
    CHECK_EQ_INT(lh_store_delete_version(st, "b", "k", 1, &fresh, NULL), 0);
    CHECK(fresh.delete_marker);
    lh_store_del_t latest = {.version_id = fresh.version_id_out, .noncurrent_only = 1};
    CHECK_EQ_INT(lh_store_delete_version(st, "b", "k", 1, &latest, NULL), LH_EPRECOND);
    lh_store_del_t old = {.version_id = v1, .noncurrent_only = 1};
    CHECK_EQ_INT(lh_store_delete_version(st, "b", "k", 1, &old, NULL), 0);
    CHECK_EQ_INT(read_version(st, "k", v1, buf, sizeof buf), LH_ENOENT);
    CHECK_EQ_INT(read_version(st, "k", v2, buf, sizeof buf), 3);
    lh_store_meta_clear(&m);
}

/* Every change of the current version drops its read-cache entry. */
TEST(read_cache_follows_the_current_version)
{
    char v1[LH_STORE_VERSION_ID_SIZE], v2[LH_STORE_VERSION_ID_SIZE];
    lh_store_meta_t m;
    lh_buf_t b;
    int fd;
    lh_buf_init(&b, 1 << 20);
    CHECK_EQ_INT(enable(st, LH_VERSIONING_ENABLED), 0);
    CHECK_EQ_INT(put(st, "k", "one", 0, v1), 0);
    CHECK_EQ_INT(put(st, "k", "two", 0, v2), 0);
    CHECK_EQ_INT(lh_store_get_mem(st, "b", "k", 1, &m, &fd, &b, NULL), 0); /* fills */
    lh_store_meta_clear(&m);
    lh_buf_reset(&b);
    CHECK_EQ_INT(lh_store_cached_get(st, "b", "k", 1, &m, &b), 0);
    CHECK_EQ_STR(m.version_id, v2);
    lh_store_meta_clear(&m);
    lh_buf_reset(&b);
    CHECK_EQ_INT(del(st, "k", v2, NULL), 0); /* v1 becomes current */
    CHECK_EQ_INT(lh_store_cached_get(st, "b", "k", 1, &m, &b), LH_ENOENT);
    CHECK_EQ_INT(lh_store_get_mem(st, "b", "k", 1, &m, &fd, &b, NULL), 0);
    CHECK_EQ_INT((int)b.len, 3);
    CHECK(!memcmp(b.ptr, "one", 3));
    CHECK_EQ_STR(m.version_id, v1);
    lh_store_meta_clear(&m);
    lh_buf_reset(&b);
    CHECK_EQ_INT(del(st, "k", NULL, NULL), 0); /* a delete marker */
    CHECK_EQ_INT(lh_store_cached_get(st, "b", "k", 1, &m, &b), LH_ENOENT);
    CHECK_EQ_INT(lh_store_get_mem(st, "b", "k", 1, &m, &fd, &b, NULL), LH_ENOENT);
    lh_buf_free(&b);
}

/* Bodies of noncurrent versions survive the orphan sweep after a crash. */
TEST(orphan_sweep_keeps_noncurrent_bodies)
{
    char v1[LH_STORE_VERSION_ID_SIZE], buf[BIG + 1], path[256];
    lh_store_del_t d;
    CHECK_EQ_INT(enable(st, LH_VERSIONING_ENABLED), 0);
    CHECK_EQ_INT(put(st, "k", "a", BIG, v1), 0);
    CHECK_EQ_INT(put(st, "k", "b", BIG, NULL), 0);
    CHECK_EQ_INT(del(st, "k", NULL, &d), 0);
    lh_store_close(st);
    *stp = NULL;
    snprintf(path, sizeof path, "%s/store/OPEN", dir); /* as after a crash */
    close(open(path, O_CREAT | O_WRONLY, 0644));
    CHECK_EQ_INT(lh_store_open(stp, dir, NULL), 0);
    st = *stp;
    CHECK_EQ_INT(count_bodies(), 2);
    CHECK_EQ_INT(read_version(st, "k", v1, buf, sizeof buf), BIG);
    CHECK_EQ_INT(buf[0], 'a');
}

static const lh_test_t tests[] = {
    {"enabled_puts_keep_every_version", enabled_puts_keep_every_version},
    {"delete_marker_then_remove_versions", delete_marker_then_remove_versions},
    {"suspended_writes_replace_the_null_version", suspended_writes_replace_the_null_version},
    {"list_versions_order_markers_and_pages", list_versions_order_markers_and_pages},
    {"conditional_deletes_for_lifecycle", conditional_deletes_for_lifecycle},
    {"read_cache_follows_the_current_version", read_cache_follows_the_current_version},
    {"orphan_sweep_keeps_noncurrent_bodies", orphan_sweep_keeps_noncurrent_bodies},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
