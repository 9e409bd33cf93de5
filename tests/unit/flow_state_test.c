/* The orchestrator's state store on a real SQLite file: every function,
 * every field through a write and a read, the unique rules (LH_EEXIST),
 * LH_ENOENT, paging with totals, ordering, transactions, reopening, two
 * handles on one file, a database newer than the binary, and 10,000 task
 * instances written in one transaction (the time goes to stderr). */
#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>

#include "flow/schedule.h"
#include "flow/state.h"
#include "test.h"
#include "tmpdir.h"

#define OK(call)                                                                                   \
    do {                                                                                           \
        lh_err_t e_ = {0};                                                                         \
        int rc_ = (call);                                                                          \
        if (rc_ != 0) {                                                                            \
            fprintf(stderr, "  %s:%d: %s -> %d: %s\n", __FILE__, __LINE__, #call, rc_, e_.msg);    \
            lh_test_failed_ = 1;                                                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)
#define E (&e_) /* the error of the enclosing OK() */

static lh_flow_state_t *open_in(const char *dir)
{
    lh_flow_state_t *s = NULL;
    lh_err_t err = {0};
    if (lh_flow_state_open(&s, dir, &err)) {
        fprintf(stderr, "  open %s: %s\n", dir, err.msg);
        abort();
    }
    return s;
}

static lh_flow_run_rec_t mkrun(const char *dag, const char *run, int type, int64_t date)
{
    lh_flow_run_rec_t r;
    memset(&r, 0, sizeof r);
    snprintf(r.dag_id, sizeof r.dag_id, "%s", dag);
    snprintf(r.run_id, sizeof r.run_id, "%s", run);
    r.run_type = type;
    r.state = LH_FLOW_RS_RUNNING;
    r.logical_date = date;
    r.interval_start = date;
    r.interval_end = date + 3600;
    r.conf = (char *)"{\"x\":1}";
    r.queued_us = date * 1000000 + 1;
    r.start_us = date * 1000000 + 2;
    r.end_us = date * 1000000 + 3;
    r.backfill_id = type == LH_FLOW_RUN_BACKFILL ? 7 : 0;
    return r;
}

static lh_flow_ti_rec_t mkti(const char *dag, const char *run, const char *task, int n)
{
    lh_flow_ti_rec_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.dag_id, sizeof t.dag_id, "%s", dag);
    snprintf(t.run_id, sizeof t.run_id, "%s", run);
    snprintf(t.task_id, sizeof t.task_id, "%s", task);
    t.state = n % (LH_FLOW_TS_SKIPPED + 1);
    t.try_number = n % 5;
    t.max_tries = 4;
    t.ready_us = 1000 + n;
    t.start_us = 2000 + n;
    t.end_us = 3000 + 2 * n;
    t.next_try_us = 4000 + n;
    t.first_poke_us = 5000 + n;
    t.pid = 100 + n;
    t.pid_start = 600000 + n;
    t.exit_code = n % 4 - 1;
    t.failure = n % 4;
    snprintf(t.pool, sizeof t.pool, "pool%d", n % 3);
    t.priority_weight = n % 7;
    t.extra_tries = n % 2;
    return t;
}

#define SAME(f)                                                                                    \
    do {                                                                                           \
        if (a->f != b->f) {                                                                        \
            fprintf(stderr, "  field " #f ": %lld != %lld\n", (long long)a->f, (long long)b->f);   \
            return 0;                                                                              \
        }                                                                                          \
    } while (0)
#define SAME_S(f)                                                                                  \
    do {                                                                                           \
        if (strcmp(a->f, b->f)) {                                                                  \
            fprintf(stderr, "  field " #f ": '%s' != '%s'\n", a->f, b->f);                         \
            return 0;                                                                              \
        }                                                                                          \
    } while (0)

static int run_eq(const lh_flow_run_rec_t *a, const lh_flow_run_rec_t *b)
{
    SAME_S(dag_id);
    SAME_S(run_id);
    SAME(run_type);
    SAME(state);
    SAME(logical_date);
    SAME(interval_start);
    SAME(interval_end);
    SAME_S(conf);
    SAME(queued_us);
    SAME(start_us);
    SAME(end_us);
    SAME(backfill_id);
    return 1;
}

static int ti_eq(const lh_flow_ti_rec_t *a, const lh_flow_ti_rec_t *b)
{
    SAME_S(dag_id);
    SAME_S(run_id);
    SAME_S(task_id);
    SAME(state);
    SAME(try_number);
    SAME(max_tries);
    SAME(ready_us);
    SAME(start_us);
    SAME(end_us);
    SAME(next_try_us);
    SAME(first_poke_us);
    SAME(pid);
    SAME(pid_start);
    SAME(exit_code);
    SAME(failure);
    SAME_S(pool);
    SAME(priority_weight);
    SAME(extra_tries);
    return 1;
}

static void test_names(void)
{
    CHECK_EQ_INT(lh_flow_state_index(lh_flow_run_state_names, "failed"), LH_FLOW_RS_FAILED);
    CHECK(lh_flow_run_state_names[LH_FLOW_RS_FAILED + 1] == NULL);
    CHECK_EQ_STR(lh_flow_ti_state_names[LH_FLOW_TS_UP_FOR_RESCHEDULE], "up_for_reschedule");
    CHECK(lh_flow_ti_state_names[LH_FLOW_TS_SKIPPED + 1] == NULL);
    for (int i = 0; lh_flow_ti_state_names[i]; i++)
        CHECK_EQ_INT(lh_flow_state_index(lh_flow_ti_state_names, lh_flow_ti_state_names[i]), i);
    CHECK_EQ_STR(lh_flow_failure_names[LH_FLOW_FAIL_NONE], "");
    CHECK_EQ_INT(lh_flow_state_index(lh_flow_failure_names, "resource"), LH_FLOW_FAIL_RESOURCE);
    CHECK(lh_flow_failure_names[LH_FLOW_FAIL_EXECUTION + 1] == NULL);
    CHECK_EQ_INT(lh_flow_state_index(lh_flow_ti_state_names, "deferred"), -1);
    CHECK_EQ_INT(lh_flow_state_index(lh_flow_ti_state_names, NULL), -1);
    CHECK_EQ_INT(lh_flow_state_index(lh_flow_run_state_names, "SUCCESS"), -1);
}

static void test_open_makes_private_file(void)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s/flow", lh_test_tmpdir());
    lh_flow_state_t *s = open_in(dir);
    char path[300];
    snprintf(path, sizeof path, "%s/flow.db", dir);
    struct stat st;
    CHECK(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    lh_flow_state_close(s);
    lh_flow_state_t *bad = NULL;
    lh_err_t err = {0};
    CHECK_EQ_INT(lh_flow_state_open(&bad, "/nonexistent/a/b", &err), LH_EIO);
    CHECK(bad == NULL && strstr(err.msg, "/nonexistent/a/b"));
}

static int dag_count(const lh_flow_dag_rec_t *d, void *arg)
{
    char *seen = arg;
    size_t n = strlen(seen);
    snprintf(seen + n, 64 - n, "%s%s", d->dag_id, d->fileloc);
    return strcmp(d->dag_id, "b") == 0 ? 42 : 0;
}

static void test_dag_roundtrip(void)
{
    lh_flow_state_t *s = open_in(lh_test_tmpdir());
    lh_flow_dag_rec_t d = {.paused = 1,
                           .fileloc = (char *)"/dags/c.yaml",
                           .last_parsed_us = 11,
                           .has_errors = 1,
                           .last_scheduled_logical = 1700000000,
                           .last_scheduled_end = 1700003600};
    snprintf(d.dag_id, sizeof d.dag_id, "c");
    OK(lh_flow_state_dag_put(s, &d, E));
    lh_flow_dag_rec_t got;
    OK(lh_flow_state_dag_get(s, "c", &got, E));
    CHECK_EQ_STR(got.fileloc, "/dags/c.yaml");
    CHECK(got.paused == 1 && got.has_errors == 1 && got.last_parsed_us == 11);
    CHECK(got.last_scheduled_logical == 1700000000 && got.last_scheduled_end == 1700003600);
    lh_flow_dag_rec_clear(&got);
    d = (lh_flow_dag_rec_t){.fileloc = NULL, .last_parsed_us = 12};
    snprintf(d.dag_id, sizeof d.dag_id, "c");
    OK(lh_flow_state_dag_put(s, &d, E)); /* every field written again */
    OK(lh_flow_state_dag_get(s, "c", &got, E));
    CHECK_EQ_STR(got.fileloc, "");
    CHECK(got.paused == 0 && got.has_errors == 0 && got.last_parsed_us == 12);
    CHECK(got.last_scheduled_logical == 0 && got.last_scheduled_end == 0);
    lh_flow_dag_rec_clear(&got);
    CHECK(got.fileloc == NULL);
    lh_err_t err = {0};
    CHECK_EQ_INT(lh_flow_state_dag_get(s, "nope", &got, &err), LH_ENOENT);
    CHECK(strstr(err.msg, "nope") != NULL);
    d.fileloc = (char *)"/f";
    snprintf(d.dag_id, sizeof d.dag_id, "b");
    OK(lh_flow_state_dag_put(s, &d, E));
    snprintf(d.dag_id, sizeof d.dag_id, "a");
    OK(lh_flow_state_dag_put(s, &d, E));
    char seen[64] = "";
    CHECK_EQ_INT(lh_flow_state_dag_each(s, dag_count, seen, &err), 42); /* stops at b */
    CHECK_EQ_STR(seen, "a/fb/f");
    lh_flow_state_close(s);
}

static void test_run_roundtrip(void)
{
    lh_flow_state_t *s = open_in(lh_test_tmpdir());
    lh_flow_run_rec_t r = mkrun("d", "scheduled__x", LH_FLOW_RUN_BACKFILL, 1700000000), got;
    OK(lh_flow_state_run_insert(s, &r, E));
    OK(lh_flow_state_run_get(s, "d", "scheduled__x", &got, E));
    CHECK(run_eq(&got, &r));
    lh_flow_run_rec_clear(&got);
    r.state = LH_FLOW_RS_FAILED;
    r.run_type = LH_FLOW_RUN_MANUAL;
    r.logical_date = r.interval_start = 5;
    r.interval_end = 6;
    r.conf = NULL; /* stored as {} */
    r.queued_us = 7, r.start_us = 8, r.end_us = 9, r.backfill_id = 10;
    OK(lh_flow_state_run_update(s, &r, E));
    OK(lh_flow_state_run_get(s, "d", "scheduled__x", &got, E));
    r.conf = (char *)"{}";
    CHECK(run_eq(&got, &r));
    lh_flow_run_rec_clear(&got);
    CHECK(got.conf == NULL);
    lh_err_t err = {0};
    snprintf(r.run_id, sizeof r.run_id, "other");
    CHECK_EQ_INT(lh_flow_state_run_update(s, &r, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_flow_state_run_get(s, "d", "other", &got, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_flow_state_run_get(s, "e", "scheduled__x", &got, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_flow_state_run_delete(s, "d", "other", &err), LH_ENOENT);
    lh_flow_state_close(s);
}

static void test_run_unique_rules(void)
{
    lh_flow_state_t *s = open_in(lh_test_tmpdir());
    lh_err_t err = {0};
    lh_flow_run_rec_t r = mkrun("d", "s1", LH_FLOW_RUN_SCHEDULED, 100), got;
    OK(lh_flow_state_run_insert(s, &r, E));
    r.logical_date = 200; /* same run id, another date */
    CHECK_EQ_INT(lh_flow_state_run_insert(s, &r, &err), LH_EEXIST);
    CHECK(strstr(err.msg, "s1") != NULL);
    lh_flow_run_rec_t b = mkrun("d", "b1", LH_FLOW_RUN_BACKFILL, 100);
    CHECK_EQ_INT(lh_flow_state_run_insert(s, &b, &err), LH_EEXIST);
    CHECK(strstr(err.msg, "logical date 100") != NULL);
    lh_flow_run_rec_t m1 = mkrun("d", "m1", LH_FLOW_RUN_MANUAL, 100);
    lh_flow_run_rec_t m2 = mkrun("d", "m2", LH_FLOW_RUN_MANUAL, 100);
    OK(lh_flow_state_run_insert(s, &m1, E)); /* manual runs may share a date */
    OK(lh_flow_state_run_insert(s, &m2, E));
    lh_flow_run_rec_t o = mkrun("other", "s1", LH_FLOW_RUN_SCHEDULED, 100);
    OK(lh_flow_state_run_insert(s, &o, E)); /* another dag */
    b.logical_date = 300;
    OK(lh_flow_state_run_insert(s, &b, E));
    m1.run_type = LH_FLOW_RUN_SCHEDULED; /* an update cannot break the rule either */
    CHECK_EQ_INT(lh_flow_state_run_update(s, &m1, &err), LH_EEXIST);
    b.logical_date = 100;
    CHECK_EQ_INT(lh_flow_state_run_update(s, &b, &err), LH_EEXIST);
    OK(lh_flow_state_run_by_date(s, "d", 100, &got, E));
    CHECK_EQ_STR(got.run_id, "s1");
    lh_flow_run_rec_clear(&got);
    OK(lh_flow_state_run_by_date(s, "d", 300, &got, E));
    CHECK_EQ_STR(got.run_id, "b1");
    lh_flow_run_rec_clear(&got);
    OK(lh_flow_state_run_delete(s, "d", "s1", E)); /* the date is free again */
    CHECK_EQ_INT(lh_flow_state_run_by_date(s, "d", 100, &got, &err), LH_ENOENT); /* manuals */
    OK(lh_flow_state_run_update(s, &m1, E));
    lh_flow_state_close(s);
}

static int count_ti(const lh_flow_ti_rec_t *t, void *arg)
{
    (void)t;
    ++*(int *)arg;
    return 0;
}

static int count_try(const lh_flow_try_rec_t *t, void *arg)
{
    (void)t;
    ++*(int *)arg;
    return 0;
}

static void test_ti_roundtrip_and_delete_cascade(void)
{
    lh_flow_state_t *s = open_in(lh_test_tmpdir());
    lh_err_t err = {0};
    lh_flow_ti_rec_t t = mkti("d", "r1", "t", 7), got;
    CHECK_EQ_INT(lh_flow_state_ti_put(s, &t, &err), LH_ENOENT); /* no such run */
    lh_flow_run_rec_t r1 = mkrun("d", "r1", LH_FLOW_RUN_MANUAL, 1);
    lh_flow_run_rec_t r2 = mkrun("d", "r2", LH_FLOW_RUN_MANUAL, 1);
    OK(lh_flow_state_run_insert(s, &r1, E));
    OK(lh_flow_state_run_insert(s, &r2, E));
    OK(lh_flow_state_ti_put(s, &t, E));
    OK(lh_flow_state_ti_get(s, "d", "r1", "t", &got, E));
    CHECK(ti_eq(&got, &t));
    lh_flow_ti_rec_t u = mkti("d", "r1", "t", 18); /* every field changes */
    OK(lh_flow_state_ti_put(s, &u, E));
    OK(lh_flow_state_ti_get(s, "d", "r1", "t", &got, E));
    CHECK(ti_eq(&got, &u));
    CHECK_EQ_INT(lh_flow_state_ti_get(s, "d", "r1", "u", &got, &err), LH_ENOENT);
    lh_flow_ti_rec_t t2 = mkti("d", "r2", "t", 1);
    OK(lh_flow_state_ti_put(s, &t2, E));
    lh_flow_try_rec_t tr = {.try_number = 1, .state = LH_FLOW_TS_FAILED, .exit_code = 1};
    snprintf(tr.dag_id, sizeof tr.dag_id, "d");
    snprintf(tr.run_id, sizeof tr.run_id, "r1");
    snprintf(tr.task_id, sizeof tr.task_id, "t");
    OK(lh_flow_state_try_put(s, &tr, E));
    OK(lh_flow_state_run_delete(s, "d", "r1", E));
    CHECK_EQ_INT(lh_flow_state_ti_get(s, "d", "r1", "t", &got, &err), LH_ENOENT);
    int n = 0;
    OK(lh_flow_state_try_each(s, "d", "r1", "t", count_try, &n, E));
    CHECK_EQ_INT(n, 0);
    lh_flow_query_t q = {.state = -1};
    OK(lh_flow_state_ti_each(s, &q, count_ti, &n, NULL, E));
    CHECK_EQ_INT(n, 1); /* r2's stays */
    lh_flow_state_close(s);
}

static int collect_try(const lh_flow_try_rec_t *t, void *arg)
{
    lh_flow_try_rec_t *out = arg;
    out[t->try_number] = *t;
    char *order = (char *)&out[0].reason;
    size_t n = strlen(order);
    order[n] = (char)('0' + t->try_number);
    order[n + 1] = 0;
    return 0;
}

static void test_tries(void)
{
    lh_flow_state_t *s = open_in(lh_test_tmpdir());
    lh_err_t err = {0};
    lh_flow_run_rec_t r = mkrun("d", "r", LH_FLOW_RUN_MANUAL, 1);
    lh_flow_ti_rec_t t = mkti("d", "r", "t", 1);
    lh_flow_try_rec_t tr;
    memset(&tr, 0, sizeof tr);
    snprintf(tr.dag_id, sizeof tr.dag_id, "d");
    snprintf(tr.run_id, sizeof tr.run_id, "r");
    snprintf(tr.task_id, sizeof tr.task_id, "t");
    CHECK_EQ_INT(lh_flow_state_try_put(s, &tr, &err), LH_ENOENT); /* no such task instance */
    OK(lh_flow_state_run_insert(s, &r, E));
    OK(lh_flow_state_ti_put(s, &t, E));
    static const int order[] = {3, 1, 2};
    for (int i = 0; i < 3; i++) {
        tr.try_number = order[i];
        tr.state = order[i] == 3 ? LH_FLOW_TS_SUCCESS : LH_FLOW_TS_UP_FOR_RETRY;
        tr.start_us = 10 * order[i], tr.end_us = 10 * order[i] + 5;
        tr.exit_code = order[i] == 3 ? 0 : 3;
        tr.failure = order[i] == 3 ? LH_FLOW_FAIL_NONE : LH_FLOW_FAIL_RESOURCE;
        snprintf(tr.reason, sizeof tr.reason, order[i] == 3 ? "exit 0" : "signal 9");
        OK(lh_flow_state_try_put(s, &tr, E));
    }
    tr.try_number = 2; /* a second record of try 2 replaces the first */
    tr.state = LH_FLOW_TS_FAILED, tr.failure = LH_FLOW_FAIL_EXECUTION, tr.exit_code = 1;
    snprintf(tr.reason, sizeof tr.reason, "lost");
    OK(lh_flow_state_try_put(s, &tr, E));
    lh_flow_try_rec_t got[4];
    memset(got, 0, sizeof got);
    OK(lh_flow_state_try_each(s, "d", "r", "t", collect_try, got, E));
    CHECK_EQ_STR(got[0].reason, "123"); /* try order */
    CHECK(got[1].state == LH_FLOW_TS_UP_FOR_RETRY && got[1].failure == LH_FLOW_FAIL_RESOURCE);
    CHECK(got[1].start_us == 10 && got[1].end_us == 15 && got[1].exit_code == 3);
    CHECK_EQ_STR(got[1].reason, "signal 9");
    CHECK(got[2].state == LH_FLOW_TS_FAILED && got[2].failure == LH_FLOW_FAIL_EXECUTION);
    CHECK_EQ_STR(got[2].reason, "lost");
    CHECK(got[3].state == LH_FLOW_TS_SUCCESS && got[3].exit_code == 0);
    CHECK_EQ_STR(got[3].task_id, "t");
    lh_flow_state_close(s);
}

typedef struct seen {
    char ids[1024];
    int n;
} seen_t;

static int seen_run(const lh_flow_run_rec_t *r, void *arg)
{
    seen_t *v = arg;
    size_t len = strlen(v->ids);
    snprintf(v->ids + len, sizeof v->ids - len, "%s%s", len ? "," : "", r->run_id);
    return ++v->n == 100 ? 7 : 0;
}

/* Lists runs by q into ids; returns the total. */
static int64_t list_runs(lh_flow_state_t *s, lh_flow_query_t q, seen_t *v, int *rc)
{
    int64_t total = -1;
    lh_err_t err = {0};
    memset(v, 0, sizeof *v);
    *rc = lh_flow_state_run_each(s, &q, seen_run, v, &total, &err);
    return total;
}

static void test_run_each_pages_and_orders(void)
{
    lh_flow_state_t *s = open_in(lh_test_tmpdir());
    for (int i = 0; i < 30; i++) {
        char id[32];
        snprintf(id, sizeof id, "r%02d", i);
        lh_flow_run_rec_t r = mkrun(i % 3 ? "a" : "b", id, LH_FLOW_RUN_SCHEDULED, 1000 - i);
        r.state = i % 2 ? LH_FLOW_RS_SUCCESS : LH_FLOW_RS_RUNNING;
        r.start_us = i % 5, r.end_us = -i;
        OK(lh_flow_state_run_insert(s, &r, E));
    }
    seen_t v;
    int rc;
    lh_flow_query_t q = {.dag_id = "b", .state = -1};
    CHECK_EQ_INT(list_runs(s, q, &v, &rc), 10);
    CHECK_EQ_STR(v.ids, "r27,r24,r21,r18,r15,r12,r09,r06,r03,r00"); /* logical_date ascending */
    q = (lh_flow_query_t){.dag_id = "a", .state = LH_FLOW_RS_SUCCESS, .limit = 3, .offset = 2};
    CHECK_EQ_INT(list_runs(s, q, &v, &rc), 10);
    CHECK_EQ_STR(v.ids, "r23,r19,r17");
    q = (lh_flow_query_t){.state = -1, .order_by = "run_id", .desc = 1, .limit = 4};
    CHECK_EQ_INT(list_runs(s, q, &v, &rc), 30);
    CHECK_EQ_STR(v.ids, "r29,r28,r27,r26");
    q = (lh_flow_query_t){.state = -1, .order_by = "start_date", .limit = 7};
    list_runs(s, q, &v, &rc);
    CHECK_EQ_STR(v.ids, "r05,r10,r20,r25,r00,r15,r01"); /* ties by dag (a before b), run id */
    q = (lh_flow_query_t){.dag_id = "a", .state = -1, .order_by = "end_date", .limit = 2};
    list_runs(s, q, &v, &rc);
    CHECK_EQ_STR(v.ids, "r29,r28");
    q = (lh_flow_query_t){.dag_id = "a", .state = -1, .order_by = "logical_date", .offset = 50};
    CHECK_EQ_INT(list_runs(s, q, &v, &rc), 20);
    CHECK(rc == 0 && v.n == 0);
    q = (lh_flow_query_t){.run_id = "r07", .state = -1};
    CHECK_EQ_INT(list_runs(s, q, &v, &rc), 1);
    CHECK_EQ_STR(v.ids, "r07");
    q = (lh_flow_query_t){.state = -1, .order_by = "logical_date; DROP TABLE dag_run"};
    list_runs(s, q, &v, &rc);
    CHECK_EQ_INT(rc, LH_EINVAL);
    q = (lh_flow_query_t){.state = -1, .order_by = "priority_weight"}; /* a TI column */
    list_runs(s, q, &v, &rc);
    CHECK_EQ_INT(rc, LH_EINVAL);
    q = (lh_flow_query_t){.task_id = "t", .state = -1};
    list_runs(s, q, &v, &rc);
    CHECK_EQ_INT(rc, LH_EINVAL);
    q = (lh_flow_query_t){.state = 9};
    list_runs(s, q, &v, &rc);
    CHECK_EQ_INT(rc, LH_EINVAL);
    q = (lh_flow_query_t){.state = -1, .limit = -1};
    list_runs(s, q, &v, &rc);
    CHECK_EQ_INT(rc, LH_EINVAL);
    q = (lh_flow_query_t){.state = -1};
    CHECK_EQ_INT(list_runs(s, q, &v, &rc), 30); /* the table is still there */
    lh_flow_state_close(s);
}

static int seen_ti(const lh_flow_ti_rec_t *t, void *arg)
{
    seen_t *v = arg;
    size_t len = strlen(v->ids);
    snprintf(v->ids + len, sizeof v->ids - len, "%s%s", len ? "," : "", t->task_id);
    v->n++;
    return 0;
}

static void test_ti_each_filters_and_orders(void)
{
    lh_flow_state_t *s = open_in(lh_test_tmpdir());
    const char *runs[] = {"r1", "r2"};
    for (int r = 0; r < 2; r++) {
        lh_flow_run_rec_t run = mkrun("d", runs[r], LH_FLOW_RUN_MANUAL, 1);
        OK(lh_flow_state_run_insert(s, &run, E));
        for (int i = 0; i < 10; i++) {
            char id[16];
            snprintf(id, sizeof id, "t%d", i);
            lh_flow_ti_rec_t t = mkti("d", runs[r], id, i + r);
            OK(lh_flow_state_ti_put(s, &t, E));
        }
    }
    seen_t v = {0};
    int64_t total = 0;
    lh_flow_query_t q = {.dag_id = "d", .run_id = "r2", .state = -1, .limit = 4, .offset = 3};
    OK(lh_flow_state_ti_each(s, &q, seen_ti, &v, &total, E));
    CHECK_EQ_INT(total, 10);
    CHECK_EQ_STR(v.ids, "t3,t4,t5,t6");
    memset(&v, 0, sizeof v);
    q = (lh_flow_query_t){.run_id = "r1", .state = LH_FLOW_TS_FAILED};
    OK(lh_flow_state_ti_each(s, &q, seen_ti, &v, &total, E));
    CHECK_EQ_INT(total, 1);
    CHECK_EQ_STR(v.ids, "t5");
    memset(&v, 0, sizeof v);
    q = (lh_flow_query_t){.task_id = "t4", .state = -1};
    OK(lh_flow_state_ti_each(s, &q, seen_ti, &v, &total, E));
    CHECK_EQ_INT(total, 2);
    memset(&v, 0, sizeof v);
    q = (lh_flow_query_t){.run_id = "r1", .state = -1, .order_by = "priority_weight", .desc = 1};
    OK(lh_flow_state_ti_each(s, &q, seen_ti, &v, NULL, E));
    CHECK_EQ_STR(v.ids, "t6,t5,t4,t3,t9,t2,t8,t1,t7,t0"); /* weights i % 7, ties by id desc */
    memset(&v, 0, sizeof v);
    q = (lh_flow_query_t){.run_id = "r1", .state = -1, .order_by = "state", .limit = 3};
    OK(lh_flow_state_ti_each(s, &q, seen_ti, &v, NULL, E));
    CHECK_EQ_STR(v.ids, "t5,t0,t2"); /* failed, none, queued: by name */
    memset(&v, 0, sizeof v);
    q = (lh_flow_query_t){.run_id = "r1", .state = -1, .order_by = "end_date", .desc = 1};
    OK(lh_flow_state_ti_each(s, &q, seen_ti, &v, NULL, E));
    CHECK_EQ_STR(v.ids, "t9,t8,t7,t6,t5,t4,t3,t2,t1,t0");
    memset(&v, 0, sizeof v);
    q = (lh_flow_query_t){.run_id = "r2", .state = -1, .order_by = "start_date", .limit = 2};
    OK(lh_flow_state_ti_each(s, &q, seen_ti, &v, NULL, E));
    CHECK_EQ_STR(v.ids, "t0,t1");
    lh_err_t err = {0};
    q = (lh_flow_query_t){.state = -1, .order_by = "logical_date"}; /* a run column */
    CHECK_EQ_INT(lh_flow_state_ti_each(s, &q, seen_ti, &v, NULL, &err), LH_EINVAL);
    CHECK(strstr(err.msg, "logical_date") != NULL);
    q = (lh_flow_query_t){.state = LH_FLOW_TS_SKIPPED + 1};
    CHECK_EQ_INT(lh_flow_state_ti_each(s, &q, seen_ti, &v, NULL, &err), LH_EINVAL);
    lh_flow_state_close(s);
}

static void test_transactions(void)
{
    lh_flow_state_t *s = open_in(lh_test_tmpdir());
    lh_err_t err = {0};
    CHECK_EQ_INT(lh_flow_state_commit(s, &err), LH_EINVAL); /* none open */
    lh_flow_state_rollback(s);                              /* none open: nothing */
    OK(lh_flow_state_begin(s, E));
    CHECK_EQ_INT(lh_flow_state_begin(s, &err), LH_EINVAL);
    lh_flow_dag_rec_t d = {.dag_id = "d"};
    lh_flow_run_rec_t r = mkrun("d", "r", LH_FLOW_RUN_SCHEDULED, 1), got;
    lh_flow_ti_rec_t t = mkti("d", "r", "t", 1);
    OK(lh_flow_state_dag_put(s, &d, E));
    OK(lh_flow_state_run_insert(s, &r, E));
    OK(lh_flow_state_ti_put(s, &t, E));
    lh_flow_state_rollback(s);
    lh_flow_dag_rec_t gd;
    lh_flow_ti_rec_t gt;
    CHECK_EQ_INT(lh_flow_state_dag_get(s, "d", &gd, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_flow_state_run_get(s, "d", "r", &got, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_flow_state_ti_get(s, "d", "r", "t", &gt, &err), LH_ENOENT);
    OK(lh_flow_state_begin(s, E)); /* a failed write leaves the transaction usable */
    OK(lh_flow_state_run_insert(s, &r, E));
    CHECK_EQ_INT(lh_flow_state_run_insert(s, &r, &err), LH_EEXIST);
    OK(lh_flow_state_ti_put(s, &t, E));
    OK(lh_flow_state_commit(s, E));
    OK(lh_flow_state_ti_get(s, "d", "r", "t", &gt, E));
    CHECK(ti_eq(&gt, &t));
    lh_flow_state_close(s);
}

static void test_reopen_keeps_everything(void)
{
    const char *dir = lh_test_tmpdir();
    lh_flow_state_t *s = open_in(dir);
    lh_flow_dag_rec_t d = {.dag_id = "d", .paused = 1, .fileloc = (char *)"/x.yaml"}, gd;
    lh_flow_run_rec_t r = mkrun("d", "r", LH_FLOW_RUN_SCHEDULED, 99), got;
    lh_flow_ti_rec_t t = mkti("d", "r", "t", 9), gt;
    lh_flow_try_rec_t tr = {.dag_id = "d", .run_id = "r", .task_id = "t", .try_number = 1};
    OK(lh_flow_state_dag_put(s, &d, E));
    OK(lh_flow_state_run_insert(s, &r, E));
    OK(lh_flow_state_ti_put(s, &t, E));
    OK(lh_flow_state_try_put(s, &tr, E));
    lh_flow_state_close(s);
    s = open_in(dir);
    OK(lh_flow_state_dag_get(s, "d", &gd, E));
    CHECK(gd.paused == 1);
    CHECK_EQ_STR(gd.fileloc, "/x.yaml");
    lh_flow_dag_rec_clear(&gd);
    OK(lh_flow_state_run_by_date(s, "d", 99, &got, E));
    CHECK(run_eq(&got, &r));
    lh_flow_run_rec_clear(&got);
    OK(lh_flow_state_ti_get(s, "d", "r", "t", &gt, E));
    CHECK(ti_eq(&gt, &t));
    lh_flow_try_rec_t tries[2];
    memset(tries, 0, sizeof tries);
    OK(lh_flow_state_try_each(s, "d", "r", "t", collect_try, tries, E));
    CHECK_EQ_STR(tries[0].reason, "1");
    lh_flow_state_close(s);
}

static void test_two_handles(void)
{
    const char *dir = lh_test_tmpdir();
    lh_flow_state_t *w = open_in(dir), *rd = open_in(dir);
    lh_err_t err = {0};
    lh_flow_run_rec_t r = mkrun("d", "r", LH_FLOW_RUN_MANUAL, 1), got;
    lh_flow_ti_rec_t t = mkti("d", "r", "t", 3), gt;
    OK(lh_flow_state_begin(w, E));
    OK(lh_flow_state_run_insert(w, &r, E));
    OK(lh_flow_state_ti_put(w, &t, E));
    CHECK_EQ_INT(lh_flow_state_run_get(rd, "d", "r", &got, &err), LH_ENOENT); /* not yet */
    OK(lh_flow_state_commit(w, E));
    OK(lh_flow_state_run_get(rd, "d", "r", &got, E));
    CHECK(run_eq(&got, &r));
    lh_flow_run_rec_clear(&got);
    t.state = LH_FLOW_TS_SUCCESS; /* a later write without a transaction */
    OK(lh_flow_state_ti_put(w, &t, E));
    OK(lh_flow_state_ti_get(rd, "d", "r", "t", &gt, E));
    CHECK(ti_eq(&gt, &t));
    lh_flow_state_close(w);
    lh_flow_state_close(rd);
}

typedef struct second_writer {
    const char *dir;
    int rc;
    char msg[512];
} second_writer_t;

static void *write_second(void *arg)
{
    second_writer_t *w = arg;
    lh_flow_state_t *s = open_in(w->dir);
    lh_err_t err = {0};
    lh_flow_run_rec_t r = mkrun("d", "second", LH_FLOW_RUN_MANUAL, 2);
    w->rc = lh_flow_state_begin(s, &err);
    if (w->rc == 0) w->rc = lh_flow_state_run_insert(s, &r, &err);
    if (w->rc == 0) w->rc = lh_flow_state_commit(s, &err);
    snprintf(w->msg, sizeof w->msg, "%s", err.msg);
    lh_flow_state_close(s);
    return NULL;
}

/* A second writer waits for the first one's transaction (the busy timeout)
 * rather than failing with "database is locked". */
static void test_second_writer_waits(void)
{
    const char *dir = lh_test_tmpdir();
    lh_flow_state_t *s = open_in(dir);
    second_writer_t w = {.dir = dir, .rc = -100};
    lh_flow_run_rec_t r = mkrun("d", "first", LH_FLOW_RUN_MANUAL, 1), got;
    OK(lh_flow_state_begin(s, E));
    pthread_t th;
    CHECK(pthread_create(&th, NULL, write_second, &w) == 0);
    usleep(200 * 1000); /* let it reach the lock (the test holds either way) */
    OK(lh_flow_state_run_insert(s, &r, E));
    OK(lh_flow_state_commit(s, E));
    pthread_join(th, NULL);
    if (w.rc) fprintf(stderr, "  second writer: %s\n", w.msg);
    CHECK_EQ_INT(w.rc, 0);
    OK(lh_flow_state_run_get(s, "d", "second", &got, E));
    lh_flow_run_rec_clear(&got);
    OK(lh_flow_state_run_get(s, "d", "first", &got, E));
    lh_flow_run_rec_clear(&got);
    lh_flow_state_close(s);
}

static void test_newer_database_refused(void)
{
    const char *dir = lh_test_tmpdir();
    lh_flow_state_close(open_in(dir));
    char path[300];
    snprintf(path, sizeof path, "%s/flow.db", dir);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES('flow', 99, 0)", NULL, NULL,
                       NULL) == SQLITE_OK);
    sqlite3_close(db);
    lh_flow_state_t *s = NULL;
    lh_err_t err = {0};
    CHECK_EQ_INT(lh_flow_state_open(&s, dir, &err), LH_ECORRUPT);
    CHECK(s == NULL && strstr(err.msg, "flow.db") != NULL);
    FILE *f = fopen(path, "w"); /* not a database at all */
    CHECK(f != NULL);
    for (int i = 0; i < 200; i++)
        fputs("this is not an sqlite database. ", f);
    fclose(f);
    CHECK_EQ_INT(lh_flow_state_open(&s, dir, &err), LH_ECORRUPT);
}

/* A row the binary cannot read (a state name it does not know, written by
 * something else) is LH_ECORRUPT naming the file, never a wrong enum. */
static void test_unknown_name_in_database(void)
{
    const char *dir = lh_test_tmpdir();
    lh_flow_state_t *s = open_in(dir);
    lh_flow_run_rec_t r = mkrun("d", "r", LH_FLOW_RUN_MANUAL, 1), got;
    lh_flow_ti_rec_t t = mkti("d", "r", "t", 1), gt;
    OK(lh_flow_state_run_insert(s, &r, E));
    OK(lh_flow_state_ti_put(s, &t, E));
    char path[300];
    snprintf(path, sizeof path, "%s/flow.db", dir);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "UPDATE task_instance SET state='deferred'", NULL, NULL, NULL) ==
          SQLITE_OK);
    CHECK(sqlite3_exec(db, "UPDATE dag_run SET run_type='asset_triggered'", NULL, NULL, NULL) ==
          SQLITE_OK);
    sqlite3_close(db);
    lh_err_t err = {0};
    CHECK_EQ_INT(lh_flow_state_ti_get(s, "d", "r", "t", &gt, &err), LH_ECORRUPT);
    CHECK(strstr(err.msg, "deferred") && strstr(err.msg, "flow.db"));
    lh_flow_query_t q = {.state = -1};
    CHECK_EQ_INT(lh_flow_state_ti_each(s, &q, count_ti, NULL, NULL, &err), LH_ECORRUPT);
    CHECK_EQ_INT(lh_flow_state_run_get(s, "d", "r", &got, &err), LH_ECORRUPT);
    CHECK(got.conf == NULL); /* nothing to free */
    lh_flow_state_close(s);
}

static void test_bad_input(void)
{
    lh_flow_state_t *s = open_in(lh_test_tmpdir());
    lh_err_t err = {0};
    lh_flow_run_rec_t r = mkrun("", "r", LH_FLOW_RUN_MANUAL, 1), got;
    CHECK_EQ_INT(lh_flow_state_run_insert(s, &r, &err), LH_EINVAL);
    r = mkrun("d", "r", 3, 1);
    CHECK_EQ_INT(lh_flow_state_run_insert(s, &r, &err), LH_EINVAL);
    r = mkrun("d", "r", LH_FLOW_RUN_MANUAL, 1);
    memset(r.run_id, 'x', sizeof r.run_id); /* not terminated */
    CHECK_EQ_INT(lh_flow_state_run_insert(s, &r, &err), LH_EINVAL);
    r = mkrun("d", "r", LH_FLOW_RUN_MANUAL, 1);
    r.state = -1;
    CHECK_EQ_INT(lh_flow_state_run_insert(s, &r, &err), LH_EINVAL);
    lh_flow_run_rec_t bare = {.dag_id = "d", .run_id = "r"}; /* conf NULL, states 0 */
    OK(lh_flow_state_run_insert(s, &bare, E));
    lh_flow_ti_rec_t t = mkti("d", "r", "t", 1);
    t.failure = 4;
    CHECK_EQ_INT(lh_flow_state_ti_put(s, &t, &err), LH_EINVAL);
    t = mkti("d", "r", "t", 1);
    t.state = 10;
    CHECK_EQ_INT(lh_flow_state_ti_put(s, &t, &err), LH_EINVAL);
    t = mkti("d", "r", "", 1);
    CHECK_EQ_INT(lh_flow_state_ti_put(s, &t, &err), LH_EINVAL);
    char longid[300];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = 0;
    CHECK_EQ_INT(lh_flow_state_run_get(s, longid, "r", &got, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_flow_state_run_get(s, "d", NULL, &got, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_flow_state_try_each(s, "d", "r", NULL, NULL, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_flow_state_run_each(s, NULL, seen_run, NULL, NULL, &err), LH_EINVAL);
    lh_flow_query_t all = {.state = -1};
    CHECK_EQ_INT(lh_flow_state_ti_each(s, &all, NULL, NULL, NULL, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_flow_state_dag_each(s, NULL, NULL, &err), LH_EINVAL);
    lh_flow_state_close(s);
}

/* A callback may list again on the same handle (the REST API lists the TIs
 * of each run it lists). */
static int nested(const lh_flow_run_rec_t *r, void *arg)
{
    lh_flow_state_t *s = arg;
    seen_t v = {0};
    lh_flow_query_t q = {.dag_id = r->dag_id, .state = -1};
    int64_t total = 0;
    lh_err_t err = {0};
    int rc = lh_flow_state_run_each(s, &q, seen_run, &v, &total, &err);
    return rc ? rc : (total == 2 && v.n == 2 ? 0 : 99);
}

static void test_nested_listing(void)
{
    lh_flow_state_t *s = open_in(lh_test_tmpdir());
    lh_flow_run_rec_t a = mkrun("d", "a", LH_FLOW_RUN_MANUAL, 1);
    lh_flow_run_rec_t b = mkrun("d", "b", LH_FLOW_RUN_MANUAL, 2);
    OK(lh_flow_state_run_insert(s, &a, E));
    OK(lh_flow_state_run_insert(s, &b, E));
    lh_flow_query_t q = {.dag_id = "d", .state = -1};
    OK(lh_flow_state_run_each(s, &q, nested, s, NULL, E));
    lh_flow_state_close(s);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct bulk {
    int n, bad;
} bulk_t;

static int check_bulk(const lh_flow_ti_rec_t *t, void *arg)
{
    bulk_t *b = arg;
    char id[16];
    snprintf(id, sizeof id, "task%05d", b->n);
    lh_flow_ti_rec_t want = mkti("bulk", "r", id, b->n);
    if (!ti_eq(t, &want)) b->bad++;
    b->n++;
    return 0;
}

static void test_ten_thousand_tis(void)
{
    enum { N = 10000 };
    lh_flow_state_t *s = open_in(lh_test_tmpdir());
    lh_flow_run_rec_t r = mkrun("bulk", "r", LH_FLOW_RUN_SCHEDULED, 1);
    OK(lh_flow_state_run_insert(s, &r, E));
    double t0 = now_s();
    OK(lh_flow_state_begin(s, E));
    for (int i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof id, "task%05d", i);
        lh_flow_ti_rec_t t = mkti("bulk", "r", id, i);
        OK(lh_flow_state_ti_put(s, &t, E));
    }
    OK(lh_flow_state_commit(s, E));
    double t1 = now_s();
    bulk_t b = {0};
    int64_t total = 0;
    lh_flow_query_t q = {.dag_id = "bulk", .run_id = "r", .state = -1};
    OK(lh_flow_state_ti_each(s, &q, check_bulk, &b, &total, E));
    double t2 = now_s();
    CHECK_EQ_INT(total, N);
    CHECK_EQ_INT(b.n, N);
    CHECK_EQ_INT(b.bad, 0);
    OK(lh_flow_state_begin(s, E)); /* a second pass: every TI changes state */
    for (int i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof id, "task%05d", i);
        lh_flow_ti_rec_t t = mkti("bulk", "r", id, i);
        t.state = LH_FLOW_TS_SUCCESS;
        OK(lh_flow_state_ti_put(s, &t, E));
    }
    OK(lh_flow_state_commit(s, E));
    double t3 = now_s();
    q.state = LH_FLOW_TS_SUCCESS;
    q.limit = 1;
    OK(lh_flow_state_ti_each(s, &q, count_ti, &b.bad, &total, E));
    CHECK_EQ_INT(total, N);
    fprintf(stderr,
            "  %d task instances in one transaction: insert %.1f ms, read back %.1f ms,"
            " update %.1f ms\n",
            N, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3);
    lh_flow_state_close(s);
}

static const lh_test_t tests[] = {
    {"names tables and index", test_names},
    {"open creates a private flow.db", test_open_makes_private_file},
    {"dag put, get, each: every field", test_dag_roundtrip},
    {"run insert, update, get: every field, ENOENT", test_run_roundtrip},
    {"run unique rules: run id, automated logical date", test_run_unique_rules},
    {"task instances: every field; delete cascades", test_ti_roundtrip_and_delete_cascade},
    {"tries: every field, try order, replace", test_tries},
    {"run_each: filters, paging, totals, orders", test_run_each_pages_and_orders},
    {"ti_each: filters, paging, totals, orders", test_ti_each_filters_and_orders},
    {"transactions: rollback leaves nothing", test_transactions},
    {"reopen keeps everything", test_reopen_keeps_everything},
    {"two handles: reader sees committed rows", test_two_handles},
    {"a second writer waits for the first", test_second_writer_waits},
    {"a newer or foreign database is refused", test_newer_database_refused},
    {"an unknown name in the database is LH_ECORRUPT", test_unknown_name_in_database},
    {"bad input is LH_EINVAL", test_bad_input},
    {"a callback lists again on the same handle", test_nested_listing},
    {"10000 task instances in one transaction", test_ten_thousand_tis},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
