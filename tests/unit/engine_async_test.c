/* Unit tests for the embedded store's non-blocking small writes
 * (lh_store_put_begin_mem + lh_store_put_commit_async, the committer thread
 * in engine_sync.c): a commit is readable once done reports it, conditions
 * and a missing bucket come back through done, a memory-only writer never
 * spills, hundreds of commits queued at once all complete (mixed with
 * writers that wait), and closing the store commits what is still queued,
 * durably (it is there after reopening). Each test runs in its own
 * temporary data directory. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/engine.h"

#include "store_fixture.h"

/* Completion record: how many ran, the last rc. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n, ok, last_rc;
    char last_msg[600];
    char last_vid[LH_STORE_VERSION_ID_SIZE];
} done_t;

#define DONE_INIT                                                                                  \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, "", ""                       \
    }

static void on_done(void *arg, int rc, const lh_err_t *err, const char *version_id)
{
    done_t *d = arg;
    pthread_mutex_lock(&d->mu);
    d->n++;
    d->ok += rc == 0;
    d->last_rc = rc;
    snprintf(d->last_msg, sizeof d->last_msg, "%s", rc && err ? err->msg : "");
    snprintf(d->last_vid, sizeof d->last_vid, "%s", version_id);
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

static void wait_n(done_t *d, int n)
{
    pthread_mutex_lock(&d->mu);
    while (d->n < n)
        pthread_cond_wait(&d->cv, &d->mu);
    pthread_mutex_unlock(&d->mu);
}

static int put_async(lh_store_t *st, const char *bucket, const char *key, const char *data,
                     const lh_store_put_cond_t *cond, done_t *d)
{
    lh_store_writer_t *w;
    lh_err_t e = {0};
    lh_store_meta_t m = {.attrs = (char *)"{\"x\":1}"};
    snprintf(m.etag, sizeof m.etag, "e-%s", data);
    int rc = lh_store_put_begin_mem(st, bucket, strlen(data), &w);
    if (rc) return rc;
    if ((rc = lh_store_put_write(w, data, strlen(data), &e))) {
        lh_store_put_abort(w);
        return rc;
    }
    return lh_store_put_commit_async(w, key, strlen(key), &m, cond, on_done, d);
}

static int read_key(lh_store_t *st, const char *key, char *out, size_t cap)
{
    lh_store_meta_t m;
    lh_buf_t b;
    lh_err_t e = {0};
    int fd;
    lh_buf_init(&b, 1 << 20);
    int rc = lh_store_get_mem(st, "b", key, strlen(key), &m, &fd, &b, &e);
    if (!rc) {
        snprintf(out, cap, "%.*s", (int)b.len, b.ptr ? b.ptr : "");
        if (fd >= 0) close(fd);
        lh_store_meta_clear(&m);
    }
    lh_buf_free(&b);
    return rc;
}

TEST(async_commit_readable_when_done)
{
    done_t d = DONE_INIT;
    char v[64];
    CHECK_EQ_INT(put_async(*stp, "b", "k", "hello", NULL, &d), 0);
    wait_n(&d, 1);
    CHECK_EQ_INT(d.last_rc, 0);
    CHECK_EQ_INT(read_key(*stp, "k", v, sizeof v), 0);
    CHECK_EQ_STR(v, "hello");
    CHECK_EQ_INT(put_async(*stp, "b", "k", "again", NULL, &d), 0);
    wait_n(&d, 2);
    CHECK_EQ_INT(read_key(*stp, "k", v, sizeof v), 0);
    CHECK_EQ_STR(v, "again");
    usleep(1000);
    CHECK_EQ_INT(d.n, 2);         /* exactly once each */
    CHECK_EQ_STR(d.last_vid, ""); /* unversioned: no version id to report */
}

/* In a bucket with versioning enabled, done reports the new version's id and
 * the version it replaced stays readable. */
TEST(async_commit_reports_version_id)
{
    done_t d = DONE_INIT;
    char first[LH_STORE_VERSION_ID_SIZE], v[64];
    lh_store_meta_t m;
    int fd;
    CHECK_EQ_INT(
        lh_store_bucket_set_int(*stp, "b", LH_BUCKET_VERSIONING, LH_VERSIONING_ENABLED, NULL), 0);
    CHECK_EQ_INT(put_async(*stp, "b", "k", "one", NULL, &d), 0);
    wait_n(&d, 1);
    CHECK_EQ_INT((int)strlen(d.last_vid), 32);
    snprintf(first, sizeof first, "%s", d.last_vid);
    CHECK_EQ_INT(put_async(*stp, "b", "k", "two", NULL, &d), 0);
    wait_n(&d, 2);
    CHECK(strcmp(first, d.last_vid) != 0);
    CHECK_EQ_INT(read_key(*stp, "k", v, sizeof v), 0);
    CHECK_EQ_STR(v, "two");
    CHECK_EQ_INT(lh_store_version_get(*stp, "b", "k", 1, first, &m, &fd, NULL), 0);
    CHECK_EQ_INT((int)read(fd, v, sizeof v), 3);
    close(fd);
    lh_store_meta_clear(&m);
}

TEST(async_conditions_and_missing_bucket_through_done)
{
    done_t d = DONE_INIT;
    char v[64];
    lh_store_put_cond_t inm = {.if_none_match_any = 1}, im = {.if_match = "e-first"},
                        bad = {.if_match = "e-nope"};
    CHECK_EQ_INT(put_async(*stp, "b", "k", "first", &inm, &d), 0);
    wait_n(&d, 1);
    CHECK_EQ_INT(d.last_rc, 0);
    CHECK_EQ_INT(put_async(*stp, "b", "k", "second", &inm, &d), 0);
    wait_n(&d, 2);
    CHECK_EQ_INT(d.last_rc, LH_EPRECOND);
    CHECK_EQ_INT(put_async(*stp, "b", "k", "third", &bad, &d), 0);
    wait_n(&d, 3);
    CHECK_EQ_INT(d.last_rc, LH_EPRECOND);
    CHECK_EQ_INT(put_async(*stp, "b", "k", "fourth", &im, &d), 0);
    wait_n(&d, 4);
    CHECK_EQ_INT(d.last_rc, 0);
    CHECK_EQ_INT(read_key(*stp, "k", v, sizeof v), 0);
    CHECK_EQ_STR(v, "fourth");
    CHECK_EQ_INT(put_async(*stp, "nobucket", "k", "x", NULL, &d), 0);
    wait_n(&d, 5);
    CHECK_EQ_INT(d.last_rc, LH_ENOENT);
}

TEST(async_memory_writer_never_spills)
{
    lh_store_writer_t *w;
    lh_err_t e = {0};
    char big[100];
    memset(big, 'x', sizeof big);
    CHECK_EQ_INT(lh_store_put_begin_mem(*stp, "b", LH_STORE_INLINE_MAX_DEFAULT + 1, &w),
                 LH_ETOOBIG);
    CHECK_EQ_INT(lh_store_set_inline_max(*stp, 50), 0);
    CHECK_EQ_INT(lh_store_put_begin_mem(*stp, "b", 51, &w), LH_ETOOBIG);
    CHECK_EQ_INT(lh_store_put_begin_mem(*stp, "b", 10, &w), 0);
    CHECK_EQ_INT(lh_store_put_write(w, big, 8, &e), 0);
    CHECK_EQ_INT(lh_store_put_write(w, big, 8, &e), LH_ETOOBIG);
    lh_store_put_abort(w);
    /* a file-backed writer cannot be committed asynchronously */
    lh_store_meta_t m = {.etag = "e"};
    CHECK_EQ_INT(lh_store_put_begin(*stp, "b", &w, &e), 0);
    CHECK_EQ_INT(lh_store_put_write(w, big, 100, &e), 0);
    CHECK_EQ_INT(lh_store_put_commit_async(w, "k", 1, &m, NULL, on_done, NULL), LH_EINVAL);
}

/* Writers that wait, beside the asynchronous ones. */
static void *sync_writer(void *arg)
{
    lh_store_t *st = arg;
    char key[32];
    for (int i = 0; i < 50; i++) {
        lh_store_writer_t *w;
        lh_err_t e = {0};
        lh_store_meta_t m = {.etag = "e-sync"};
        snprintf(key, sizeof key, "sync-%d", i);
        if (lh_store_put_begin(st, "b", &w, &e) || lh_store_put_write(w, "sync", 4, &e) ||
            lh_store_put_commit(w, key, strlen(key), &m, NULL, &e))
            return (void *)1;
    }
    return NULL;
}

TEST(async_hundreds_queued_at_once_with_waiting_writers)
{
    static done_t d = DONE_INIT;
    char key[32], val[32], v[64];
    pthread_t t[2];
    void *bad = NULL;
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, sync_writer, *stp);
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "a-%d", i);
        snprintf(val, sizeof val, "value-%d", i);
        CHECK_EQ_INT(put_async(*stp, "b", key, val, NULL, &d), 0);
    }
    wait_n(&d, 500);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], &bad);
        CHECK(bad == NULL);
    }
    CHECK_EQ_INT(d.ok, 500);
    CHECK_EQ_INT(read_key(*stp, "a-499", v, sizeof v), 0);
    CHECK_EQ_STR(v, "value-499");
    CHECK_EQ_INT(read_key(*stp, "sync-49", v, sizeof v), 0);
    CHECK_EQ_STR(v, "sync");
}

TEST(async_close_commits_what_is_queued)
{
    static done_t d = DONE_INIT;
    char key[32], v[64];
    lh_err_t e = {0};
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "q-%d", i);
        CHECK_EQ_INT(put_async(*stp, "b", key, "queued", NULL, &d), 0);
    }
    lh_store_close(*stp); /* returns after every queued commit is done */
    *stp = NULL;
    CHECK_EQ_INT(d.n, 100);
    CHECK_EQ_INT(d.ok, 100);
    CHECK_EQ_INT(lh_store_open(stp, dir, &e), 0);
    CHECK_EQ_INT(read_key(*stp, "q-0", v, sizeof v), 0);
    CHECK_EQ_STR(v, "queued");
    CHECK_EQ_INT(read_key(*stp, "q-99", v, sizeof v), 0);
}

static const lh_test_t tests[] = {
    {"async_commit_readable_when_done", async_commit_readable_when_done},
    {"async_commit_reports_version_id", async_commit_reports_version_id},
    {"async_conditions_and_missing_bucket_through_done",
     async_conditions_and_missing_bucket_through_done},
    {"async_memory_writer_never_spills", async_memory_writer_never_spills},
    {"async_hundreds_queued_at_once_with_waiting_writers",
     async_hundreds_queued_at_once_with_waiting_writers},
    {"async_close_commits_what_is_queued", async_close_commits_what_is_queued},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return lh_test_main(tests, argc, argv);
}
