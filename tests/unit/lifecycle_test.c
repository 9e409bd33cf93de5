/* Unit tests for lifecycle rules and the sweep (src/store/lifecycle_*.c):
 * parsing checks and the JSON round trip, S3's day counting (creation plus
 * days, rounded up to midnight UTC), and the sweep over a real store with a
 * chosen "now": expiration in unversioned and versioned buckets, noncurrent
 * versions over many listing pages of one key (the page's last entry is
 * removed only after the next page is listed), lone delete markers over many
 * pages, uploads aborted by age and prefix, disabled rules, and a stop
 * request honoured. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "store/engine.h"
#include "store/lifecycle.h"

#define DAY_NS (86400LL * 1000000000LL)

#include "store_fixture.h"

#define DOC(rules)                                                                                 \
    "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" rules             \
    "</LifecycleConfiguration>"

/* Parses doc: the error code, or "ok" (then *json is set when json given). */
static const char *parse(const char *doc, char **json)
{
    const char *code = NULL;
    char msg[256], *j = NULL;
    int rc = lh_lifecycle_parse(doc, strlen(doc), &j, &code, msg, sizeof msg);
    if (json)
        *json = j;
    else
        free(j);
    return rc ? code : "ok";
}

static void rules_parse_and_render(void)
{
    char *json;
    lh_buf_t b;
    CHECK_EQ_STR(parse(DOC("<Rule><ID>a</ID><Filter><Prefix>bronze/</Prefix></Filter>"
                           "<Status>Enabled</Status><Expiration><Days>30</Days></Expiration>"
                           "<NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays>"
                           "</NoncurrentVersionExpiration></Rule>"
                           "<Rule><Prefix>x/</Prefix><Status>Disabled</Status><Expiration>"
                           "<Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>"),
                       &json),
                 "ok");
    lh_buf_init(&b, 1 << 20);
    CHECK_EQ_INT(lh_lifecycle_render(json, &b), 0);
    lh_buf_puts(&b, "");
    CHECK(strstr(b.ptr, "<Rule><ID>a</ID><Filter><Prefix>bronze/</Prefix></Filter><Status>"
                        "Enabled</Status><Expiration><Days>30</Days></Expiration>"));
    CHECK(strstr(b.ptr, "<Prefix>x/</Prefix><Status>Disabled</Status><Expiration><Date>"
                        "2030-01-01T00:00:00.000Z</Date>"));
    lh_buf_free(&b);
    free(json);
    CHECK_EQ_INT(lh_lifecycle_render("{\"x\":1}", &b), LH_EINVAL);
    static const char *const bad[][2] = {
        {DOC("<Rule><Filter><Tag><Key>a</Key><Value>b</Value></Tag></Filter><Status>Enabled"
             "</Status><Expiration><Days>1</Days></Expiration></Rule>"),
         "NotImplemented"},
        {DOC("<Rule><Filter/><Status>Enabled</Status><Transition><Days>1</Days><StorageClass>"
             "GLACIER</StorageClass></Transition></Rule>"),
         "NotImplemented"},
        {DOC("<Rule><Filter/><Status>Enabled</Status><Expiration><Days>-1</Days></Expiration>"
             "</Rule>"),
         "InvalidArgument"},
        {DOC("<Rule><Filter/><Status>Enabled</Status></Rule>"), "InvalidRequest"},
        {DOC("<Rule><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T10:00:00Z"
             "</Date></Expiration></Rule>"),
         "InvalidArgument"},
        {DOC("<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days><Days>2</Days>"
             "</Expiration></Rule>"),
         "MalformedXML"},
        {DOC("<Rule><Filter/><Filter/><Status>Enabled</Status><Expiration><Days>1</Days>"
             "</Expiration></Rule>"),
         "MalformedXML"},
        {DOC("<Rule><ID>x</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days>"
             "</Expiration></Rule><Rule><ID>x</ID><Filter/><Status>Enabled</Status>"
             "<Expiration><Days>2</Days></Expiration></Rule>"),
         "InvalidArgument"},
        {DOC(""), "MalformedXML"},
        {"<Nope/>", "MalformedXML"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strcmp(parse(bad[i][0], NULL), bad[i][1])) {
            fprintf(stderr, "  case %zu: %s, expected %s\n", i, parse(bad[i][0], NULL), bad[i][1]);
            CHECK(0);
        }
}

/* --- the sweep --- */

static int set_rules(lh_store_t *st, const char *doc)
{
    char *json;
    if (strcmp(parse(doc, &json), "ok")) return -1;
    int rc = lh_store_bucket_set_lifecycle(st, "b", json, NULL);
    free(json);
    return rc;
}

static int put(lh_store_t *st, const char *key, const char *body)
{
    lh_store_writer_t *w;
    lh_store_meta_t m = {.etag = "e"};
    int rc = lh_store_put_begin(st, "b", &w, NULL);
    if (!rc && (rc = lh_store_put_write(w, body, strlen(body), NULL))) lh_store_put_abort(w);
    return rc ? rc : lh_store_put_commit(w, key, strlen(key), &m, NULL, NULL);
}

/* Many small writes at once through the committer thread (few transactions). */
typedef struct batch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, failed;
} batch_t;

static void batch_done(void *arg, int rc, const lh_err_t *err, const char *vid)
{
    batch_t *b = arg;
    (void)err, (void)vid;
    pthread_mutex_lock(&b->mu);
    b->done++;
    b->failed += rc != 0;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

static int put_many(lh_store_t *st, int n, void (*keyfn)(int i, char *key))
{
    batch_t b = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    for (int i = 0; i < n; i++) {
        lh_store_writer_t *w;
        lh_store_meta_t m = {.etag = "e"};
        char key[64];
        keyfn(i, key);
        if (lh_store_put_begin_mem(st, "b", 1, &w) || lh_store_put_write(w, "x", 1, NULL) ||
            lh_store_put_commit_async(w, key, strlen(key), &m, NULL, batch_done, &b))
            return -1;
    }
    pthread_mutex_lock(&b.mu);
    while (b.done < n)
        pthread_cond_wait(&b.cv, &b.mu);
    pthread_mutex_unlock(&b.mu);
    return b.failed ? -1 : 0;
}

static int count_fn(const lh_store_version_entry_t *e, void *arg)
{
    int *c = arg;
    c[e->meta->delete_marker]++;
    return 0;
}

/* Versions and markers of the bucket: counts[0] versions, counts[1] markers. */
static void count_versions(lh_store_t *st, int *counts)
{
    char key[LH_STORE_KEY_MAX + 1] = "", vid[LH_STORE_VERSION_ID_SIZE] = "";
    size_t klen = 0;
    int trunc = 1;
    counts[0] = counts[1] = 0;
    while (trunc) {
        lh_store_list_opts_t o = {.start_after = key, .start_after_len = klen, .max_keys = 1000};
        if (lh_store_list_versions(st, "b", &o, vid, count_fn, counts, &trunc, key, &klen, vid,
                                   NULL))
            break;
    }
}

static int64_t mtime_of(lh_store_t *st, const char *key)
{
    lh_store_meta_t m;
    if (lh_store_head(st, "b", key, strlen(key), &m, NULL)) return -1;
    lh_store_meta_clear(&m);
    return m.mtime_ns;
}

static int sweep(lh_store_t *st, int64_t now, lh_lifecycle_stats_t *s)
{
    memset(s, 0, sizeof *s);
    return lh_lifecycle_sweep(st, now, NULL, NULL, s, NULL);
}

TEST(sweep_expires_by_age_rounded_to_midnight)
{
    lh_lifecycle_stats_t s;
    CHECK_EQ_INT(put(st, "bronze/a", "a"), 0);
    CHECK_EQ_INT(put(st, "silver/b", "b"), 0);
    CHECK_EQ_INT(set_rules(st, DOC("<Rule><Filter><Prefix>bronze/</Prefix></Filter><Status>Enabled"
                                   "</Status><Expiration><Days>3</Days></Expiration></Rule>")),
                 0);
    int64_t t = mtime_of(st, "bronze/a");
    int64_t due = (t + 3 * DAY_NS + DAY_NS - 1) / DAY_NS * DAY_NS; /* the midnight after */
    CHECK(due - t > 3 * DAY_NS - DAY_NS && due - t <= 4 * DAY_NS);
    CHECK_EQ_INT(sweep(st, due - 1, &s), 0);
    CHECK_EQ_INT((int)s.expired, 0);
    CHECK_EQ_INT(mtime_of(st, "bronze/a") == t, 1);
    CHECK_EQ_INT(sweep(st, due, &s), 0);
    CHECK_EQ_INT((int)s.expired, 1);
    CHECK_EQ_INT((int)s.buckets, 1);
    CHECK_EQ_INT(mtime_of(st, "bronze/a"), -1);
    CHECK(mtime_of(st, "silver/b") > 0);
}

TEST(sweep_versioned_expiration_adds_one_marker)
{
    lh_lifecycle_stats_t s;
    int c[2];
    CHECK_EQ_INT(
        lh_store_bucket_set_int(st, "b", LH_BUCKET_VERSIONING, LH_VERSIONING_ENABLED, NULL), 0);
    CHECK_EQ_INT(put(st, "k", "v1"), 0);
    CHECK_EQ_INT(set_rules(st, DOC("<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1"
                                   "</Days></Expiration></Rule><Rule><ID>off</ID><Filter/>"
                                   "<Status>Disabled</Status><NoncurrentVersionExpiration>"
                                   "<NoncurrentDays>1</NoncurrentDays>"
                                   "</NoncurrentVersionExpiration></Rule>")),
                 0);
    int64_t later = mtime_of(st, "k") + 10 * DAY_NS;
    CHECK_EQ_INT(sweep(st, later, &s), 0);
    CHECK_EQ_INT((int)s.expired, 1);
    CHECK_EQ_INT(sweep(st, later, &s), 0); /* the marker is not expired again */
    CHECK_EQ_INT((int)(s.expired + s.versions_removed), 0);
    count_versions(st, c);
    CHECK_EQ_INT(c[0] * 10 + c[1], 11); /* the disabled rule kept the version */
}

static void one_key(int i, char *key)
{
    (void)i;
    snprintf(key, 64, "k");
}

/* 1500 versions of one key: the listing resumes inside the key twice. */
TEST(sweep_noncurrent_versions_over_many_pages)
{
    lh_lifecycle_stats_t s;
    int c[2];
    CHECK_EQ_INT(
        lh_store_bucket_set_int(st, "b", LH_BUCKET_VERSIONING, LH_VERSIONING_ENABLED, NULL), 0);
    CHECK_EQ_INT(put_many(st, 1500, one_key), 0);
    CHECK_EQ_INT(set_rules(st, DOC("<Rule><Filter/><Status>Enabled</Status>"
                                   "<NoncurrentVersionExpiration><NoncurrentDays>2"
                                   "</NoncurrentDays></NoncurrentVersionExpiration></Rule>")),
                 0);
    int64_t t = mtime_of(st, "k");
    CHECK_EQ_INT(sweep(st, t + DAY_NS, &s), 0); /* too early */
    CHECK_EQ_INT((int)s.versions_removed, 0);
    CHECK_EQ_INT(sweep(st, t + 3 * DAY_NS, &s), 0);
    CHECK_EQ_INT((int)s.versions_removed, 1499);
    count_versions(st, c);
    CHECK_EQ_INT(c[0] * 10 + c[1], 10);
    CHECK_EQ_INT(mtime_of(st, "k"), t); /* the current one stays */
}

static void many_keys(int i, char *key)
{
    snprintf(key, 64, "m/%05d", i);
}

/* 1200 keys whose only version is a delete marker, and one with a version under it. */
TEST(sweep_lone_markers_over_many_pages)
{
    lh_lifecycle_stats_t s;
    int c[2];
    char key[64];
    CHECK_EQ_INT(
        lh_store_bucket_set_int(st, "b", LH_BUCKET_VERSIONING, LH_VERSIONING_SUSPENDED, NULL), 0);
    CHECK_EQ_INT(put_many(st, 1200, many_keys), 0);
    for (int i = 0; i < 1200; i++) { /* suspended: each marker replaces the null version */
        many_keys(i, key);
        CHECK_EQ_INT(lh_store_delete(st, "b", key, strlen(key), NULL), 0);
    }
    CHECK_EQ_INT(
        lh_store_bucket_set_int(st, "b", LH_BUCKET_VERSIONING, LH_VERSIONING_ENABLED, NULL), 0);
    CHECK_EQ_INT(put(st, "z", "kept"), 0);
    CHECK_EQ_INT(lh_store_delete(st, "b", "z", 1, NULL), 0);
    count_versions(st, c);
    CHECK_EQ_INT(c[0] * 10000 + c[1], 10000 + 1201);
    CHECK_EQ_INT(set_rules(st, DOC("<Rule><Filter/><Status>Enabled</Status><Expiration>"
                                   "<ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>"
                                   "</Expiration></Rule>")),
                 0);
    CHECK_EQ_INT(sweep(st, 1, &s), 0);
    CHECK_EQ_INT((int)s.versions_removed, 1200);
    count_versions(st, c);
    CHECK_EQ_INT(c[0] * 10 + c[1], 11);
}

TEST(sweep_aborts_old_uploads_under_the_prefix)
{
    lh_lifecycle_stats_t s;
    char up1[64], up2[64];
    lh_store_mpu_t u;
    CHECK_EQ_INT(lh_store_mpu_create(st, "b", "tmp/x", 5, NULL, up1, NULL), 0);
    CHECK_EQ_INT(lh_store_mpu_create(st, "b", "keep/x", 6, NULL, up2, NULL), 0);
    CHECK_EQ_INT(lh_store_mpu_get(st, "b", up1, &u, NULL), 0);
    int64_t t = u.created_ns;
    lh_store_mpu_clear(&u);
    CHECK_EQ_INT(set_rules(st, DOC("<Rule><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled"
                                   "</Status><AbortIncompleteMultipartUpload>"
                                   "<DaysAfterInitiation>1</DaysAfterInitiation>"
                                   "</AbortIncompleteMultipartUpload></Rule>")),
                 0);
    CHECK_EQ_INT(sweep(st, t, &s), 0);
    CHECK_EQ_INT((int)s.uploads_aborted, 0);
    CHECK_EQ_INT(sweep(st, t + 2 * DAY_NS, &s), 0);
    CHECK_EQ_INT((int)s.uploads_aborted, 1);
    CHECK_EQ_INT(lh_store_mpu_get(st, "b", up1, &u, NULL), LH_ENOENT);
    CHECK_EQ_INT(lh_store_mpu_get(st, "b", up2, &u, NULL), 0);
    lh_store_mpu_clear(&u);
}

static int stop_now(void *arg)
{
    (void)arg;
    return 1;
}

TEST(sweep_stops_when_asked)
{
    lh_lifecycle_stats_t s = {0};
    CHECK_EQ_INT(put(st, "a", "a"), 0);
    CHECK_EQ_INT(set_rules(st, DOC("<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1"
                                   "</Days></Expiration></Rule>")),
                 0);
    CHECK_EQ_INT(lh_lifecycle_sweep(st, INT64_MAX / 2, stop_now, NULL, &s, NULL), 0);
    CHECK_EQ_INT((int)s.expired, 0);
    CHECK(mtime_of(st, "a") > 0);
}

static const lh_test_t tests[] = {
    {"rules_parse_and_render", rules_parse_and_render},
    {"sweep_expires_by_age_rounded_to_midnight", sweep_expires_by_age_rounded_to_midnight},
    {"sweep_versioned_expiration_adds_one_marker", sweep_versioned_expiration_adds_one_marker},
    {"sweep_noncurrent_versions_over_many_pages", sweep_noncurrent_versions_over_many_pages},
    {"sweep_lone_markers_over_many_pages", sweep_lone_markers_over_many_pages},
    {"sweep_aborts_old_uploads_under_the_prefix", sweep_aborts_old_uploads_under_the_prefix},
    {"sweep_stops_when_asked", sweep_stops_when_asked},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
