/* The SQL engine's C API (src/sql/sql.h): scripts, results in batches,
 * prepared statements with bound parameters, errors with their class and
 * position, and cancelling a running query from another thread. */
#include <pthread.h>
#include <time.h>

#include "sql/sql.h"
#include "test.h"
#include "tmpdir.h"

typedef struct {
    lh_sql_db_t *db;
    lh_sql_session_t *s;
} env_t;

static int open_env(env_t *e)
{
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    if (lh_sql_db_open(&e->db, &err)) return -1;
    return lh_sql_session_open(e->db, &e->s, &err);
}

static void close_env(env_t *e)
{
    lh_sql_session_close(e->s);
    lh_sql_db_close(e->db);
}

/* The first row's values of r as text, joined by '|'. */
static int first_row(lh_sql_result_t *r, char *out, size_t cap)
{
    lh_batch_t *b;
    lh_sql_error_t err;
    if (lh_sql_result_next(r, &b, &err) || !b || !b->count) return -1;
    lh_buf_t t;
    lh_buf_init(&t, 0);
    for (uint32_t c = 0; c < b->ncols; c++) {
        if (c) lh_buf_puts(&t, "|");
        if (!lh_vector_is_valid(&b->cols[c], 0))
            lh_buf_puts(&t, "NULL");
        else
            lh_vector_text(&b->cols[c], 0, &t);
    }
    snprintf(out, cap, "%s", t.ptr ? t.ptr : "");
    lh_buf_free(&t);
    return 0;
}

static void test_script_runs_every_statement_and_returns_the_last(void)
{
    env_t e;
    CHECK(!open_env(&e));
    lh_sql_error_t err;
    lh_sql_result_t *r = NULL;
    const char *q = "CREATE TABLE t AS SELECT range AS i FROM range(5000); "
                    "INSERT INTO t VALUES (10000); SELECT count(*), sum(i) FROM t";
    CHECK_EQ_INT(lh_sql_run(e.s, q, strlen(q), NULL, NULL, &r, &err), 0);
    CHECK_EQ_INT(lh_sql_result_ncols(r), 2);
    CHECK_EQ_STR(lh_sql_result_tag(r), "SELECT");
    CHECK(lh_sql_result_col_type(r, 0)->id == LH_TYPE_BIGINT);
    char row[128];
    CHECK(!first_row(r, row, sizeof row));
    CHECK_EQ_STR(row, "5001|12507500");
    lh_sql_result_free(r);
    close_env(&e);
}

static void test_prepared_statement_binds_values_per_execution(void)
{
    env_t e;
    CHECK(!open_env(&e));
    lh_sql_error_t err;
    lh_sql_stmt_t *st;
    const char *q = "SELECT $1::INTEGER + 1 AS x, $2 AS s, $3 > DATE '2026-01-01' AS d";
    CHECK_EQ_INT(lh_sql_prepare(e.s, q, strlen(q), &st, &err), 0);
    CHECK_EQ_INT(lh_sql_stmt_nparams(st), 3);
    lh_value_t a = lh_value_int(LH_TYPE_INTEGER, 41), b = lh_value_varchar("hi", 2),
               d = lh_value_varchar("2026-11-26", 10);
    CHECK(!lh_sql_stmt_bind(st, 1, &a) && !lh_sql_stmt_bind(st, 2, &b) &&
          !lh_sql_stmt_bind(st, 3, &d));
    CHECK_EQ_INT(lh_sql_stmt_bind(st, 4, &a), LH_EINVAL);
    lh_sql_result_t *r;
    CHECK_EQ_INT(lh_sql_stmt_execute(st, &r, &err), 0);
    char row[128];
    CHECK(!first_row(r, row, sizeof row));
    CHECK_EQ_STR(row, "42|hi|true");
    lh_sql_result_free(r);
    a = lh_value_int(LH_TYPE_INTEGER, 1); /* the same statement again, other values */
    d = lh_value_varchar("2025-01-01", 10);
    CHECK(!lh_sql_stmt_bind(st, 1, &a) && !lh_sql_stmt_bind(st, 3, &d));
    CHECK_EQ_INT(lh_sql_stmt_execute(st, &r, &err), 0);
    CHECK(!first_row(r, row, sizeof row));
    CHECK_EQ_STR(row, "2|hi|false");
    lh_sql_result_free(r);
    lh_sql_stmt_free(st);
    close_env(&e);
}

static void test_prepare_reports_errors_with_class_and_position(void)
{
    env_t e;
    CHECK(!open_env(&e));
    lh_sql_error_t err;
    lh_sql_stmt_t *st = NULL;
    CHECK_EQ_INT(lh_sql_prepare(e.s, "SELECT 1 FROM nope", 18, &st, &err), LH_EINVAL);
    CHECK(st == NULL);
    CHECK_EQ_INT(err.cls, LH_SQL_ECATALOG);
    CHECK_EQ_INT(err.pos, 14);
    CHECK_EQ_INT(lh_sql_err_exit_status((lh_sql_err_class_t)err.cls), 2);
    CHECK_EQ_INT(lh_sql_prepare(e.s, "SELEC 1", 7, &st, &err), LH_EINVAL);
    CHECK_EQ_INT(err.cls, LH_SQL_EPARSE);
    CHECK_EQ_STR(lh_sql_err_sqlstate((lh_sql_err_class_t)err.cls), "42601");
    CHECK_EQ_INT(lh_sql_prepare(e.s, "SELECT 1; SELECT 2", 18, &st, &err), LH_EINVAL);
    /* an unbound parameter fails at execution */
    CHECK_EQ_INT(lh_sql_prepare(e.s, "SELECT $1 + 1", 13, &st, &err), 0);
    lh_sql_result_t *r = NULL;
    CHECK_EQ_INT(lh_sql_stmt_execute(st, &r, &err), LH_EINVAL);
    CHECK_EQ_INT(err.cls, LH_SQL_EINPUT);
    CHECK(strstr(err.e.msg, "$1") != NULL);
    lh_sql_stmt_free(st);
    close_env(&e);
}

static void *cancel_later(void *arg)
{
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    lh_sql_cancel(arg);
    return NULL;
}

static void test_cancel_stops_a_running_query(void)
{
    env_t e;
    CHECK(!open_env(&e));
    lh_sql_error_t err;
    lh_sql_result_t *r = NULL;
    const char *q = "SELECT count(*) FROM range(4000000000000)";
    CHECK_EQ_INT(lh_sql_run(e.s, q, strlen(q), NULL, NULL, &r, &err), 0);
    pthread_t th;
    CHECK(!pthread_create(&th, NULL, cancel_later, e.s));
    lh_batch_t *b;
    int rc = lh_sql_result_next(r, &b, &err);
    pthread_join(th, NULL);
    CHECK_EQ_INT(rc, LH_ECANCELED);
    CHECK_EQ_INT(err.cls, LH_SQL_EINTERRUPT);
    lh_sql_result_free(r);
    /* the session goes on */
    CHECK_EQ_INT(lh_sql_run(e.s, "SELECT 1", 8, NULL, NULL, &r, &err), 0);
    char row[32];
    CHECK(!first_row(r, row, sizeof row));
    CHECK_EQ_STR(row, "1");
    lh_sql_result_free(r);
    close_env(&e);
}

static void test_memory_limit_fails_the_query_with_exit_status_3(void)
{
    env_t e;
    CHECK(!open_env(&e));
    lh_sql_db_set_memory_limit(e.db, 2 << 20);
    lh_sql_error_t err;
    lh_sql_result_t *r = NULL;
    const char *q = "SELECT range % 200000 AS k, count(*) FROM range(1000000) GROUP BY 1";
    CHECK_EQ_INT(lh_sql_run(e.s, q, strlen(q), NULL, NULL, &r, &err), 0);
    lh_batch_t *b;
    CHECK(lh_sql_result_next(r, &b, &err) != 0);
    CHECK_EQ_INT(err.cls, LH_SQL_EOOM);
    CHECK_EQ_INT(lh_sql_err_exit_status((lh_sql_err_class_t)err.cls), 3);
    lh_sql_result_free(r);
    close_env(&e);
}

/* Runs q to its end (every statement, the last one's rows pulled): 0, or
 * the error's class. */
static int run_all(env_t *e, const char *q)
{
    lh_sql_error_t err;
    lh_sql_result_t *r = NULL;
    int rc = lh_sql_run(e->s, q, strlen(q), NULL, NULL, &r, &err);
    lh_batch_t *b = NULL;
    while (!rc && !(rc = lh_sql_result_next(r, &b, &err)) && b)
        ;
    lh_sql_result_free(r);
    return rc ? (int)err.cls : 0;
}

static void test_memory_tables_count_against_the_limit_until_dropped(void)
{
    env_t e;
    CHECK(!open_env(&e));
    /* 1M BIGINT rows hold about 9.2 MB (values and validity) */
    lh_sql_db_set_memory_limit(e.db, 16 << 20);
    CHECK_EQ_INT(run_all(&e, "CREATE TABLE t1 AS SELECT range AS i FROM range(1000000)"), 0);
    CHECK_EQ_INT(run_all(&e, "CREATE TABLE t2 AS SELECT range AS i FROM range(1000000)"),
                 LH_SQL_EOOM);
    CHECK_EQ_INT(run_all(&e, "SELECT count(*) FROM t2"), LH_SQL_ECATALOG); /* not created */
    CHECK_EQ_INT(run_all(&e, "DROP TABLE t1"), 0);
    CHECK_EQ_INT(run_all(&e, "CREATE TABLE t2 AS SELECT range AS i FROM range(1000000)"), 0);
    /* a DELETE rewrites the table: the old rows' bytes come back when it is done */
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(run_all(&e, "DELETE FROM t2 WHERE i % 2 = 1"), 0);
    CHECK_EQ_INT(run_all(&e, "CREATE TABLE t3 AS SELECT range AS i FROM range(800000)"), 0);
    /* long strings count too: 300k rows of 40-byte strings pass the limit */
    CHECK_EQ_INT(run_all(&e, "CREATE TABLE s AS SELECT repeat('x', 40) || range AS v "
                             "FROM range(300000)"),
                 LH_SQL_EOOM);
    close_env(&e);
}

static void test_a_failed_insert_stores_nothing_and_what_it_left_stays_counted(void)
{
    env_t e;
    CHECK(!open_env(&e));
    lh_sql_db_set_memory_limit(e.db, 64 << 20);
    CHECK_EQ_INT(run_all(&e, "CREATE TABLE t (i INTEGER NOT NULL, s VARCHAR)"), 0);
    CHECK_EQ_INT(run_all(&e, "INSERT INTO t VALUES (1, 'a')"), 0);
    /* the first batch (2,047 rows of 20 kB strings, ~40 MB) goes into the
       table's last chunk before the second one's NULL fails the statement */
    const char *bad = "INSERT INTO t SELECT CASE WHEN range = 3000 THEN NULL ELSE range END, "
                      "repeat('x', 20000) FROM range(4000)";
    CHECK_EQ_INT(run_all(&e, bad), LH_SQL_ECONSTRAINT);
    char row[32];
    lh_sql_error_t err;
    lh_sql_result_t *r = NULL;
    CHECK_EQ_INT(lh_sql_run(e.s, "SELECT count(*) FROM t", 22, NULL, NULL, &r, &err), 0);
    CHECK(!first_row(r, row, sizeof row));
    CHECK_EQ_STR(row, "1");
    lh_sql_result_free(r);
    /* its strings stay in that chunk's arena until the table goes, and stay
       counted: the same statement again passes the limit */
    CHECK_EQ_INT(run_all(&e, bad), LH_SQL_EOOM);
    CHECK_EQ_INT(run_all(&e, "DROP TABLE t"), 0);
    CHECK_EQ_INT(run_all(&e, "CREATE TABLE u AS SELECT repeat('y', 20000) AS s FROM range(2000)"),
                 0);
    close_env(&e);
}

/* The first row of query q's result as text (first_row), or "ERR: message". */
static void query_row(env_t *e, const char *q, char *out, size_t cap)
{
    lh_sql_error_t err;
    lh_sql_result_t *r = NULL;
    if (lh_sql_run(e->s, q, strlen(q), NULL, NULL, &r, &err)) {
        snprintf(out, cap, "ERR: %.200s", err.e.msg);
        return;
    }
    if (first_row(r, out, cap)) snprintf(out, cap, "ERR: no row");
    lh_sql_result_free(r);
}

/* GROUP BY over the dictionary codes of Parquet row groups (the aggregate's
 * map of code combinations, kept per row group's dictionaries) groups as
 * over the same rows in memory: row groups of 4,500 rows (three batches)
 * whose dictionaries differ and overlap, NULL rows and NULL-free ones, string and integer
 * keys, one thread and two; and DISTINCT aggregates of such columns (the
 * aggregate's bits of the (group, entry) pairs offered already). */
static void test_group_by_dictionary_codes_of_parquet_row_groups(void)
{
    env_t e;
    CHECK(!open_env(&e));
    char q[2048], row[600], path[256];
    snprintf(path, sizeof path, "%s/t.parquet", lh_test_tmpdir());
    snprintf(q, sizeof q,
             "CREATE TABLE m AS SELECT "
             "CASE WHEN i %% 97 = 0 THEN NULL ELSE rtrim(substr('USDCUSDTWETHDAI WBTCLINK', 1 + 4 "
             "* ((i * 7) %% 6), 4)) END AS k, "
             "CASE WHEN i %% 89 = 0 THEN NULL ELSE '0xaddr' || ((i // 4500) * 40 + (i * 31) %% "
             "300) END AS a, "
             "CAST((i * 13) %% 50 AS INTEGER) AS n, i AS x FROM range(30000) t(i); "
             "COPY m TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 4500)",
             path);
    CHECK_EQ_INT(run_all(&e, q), 0);
    static const char *const keys[] = {"k, a", "a", "k", "a, n, k"};
    for (int threads = 1; threads <= 2; threads++)
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
            snprintf(q, sizeof q, "SET threads = %d", threads);
            CHECK_EQ_INT(run_all(&e, q), 0);
            /* every group of the file's rows is the memory table's, with the
               same count and sum, and as many */
            snprintf(q, sizeof q,
                     "WITH f AS (SELECT %s, count(*) AS c, sum(x) AS s, count(DISTINCT a) AS da, "
                     "count(DISTINCT k) AS dk, count(DISTINCT n) AS dn FROM '%s' GROUP BY %s), "
                     "g AS (SELECT %s, count(*) AS c, sum(x) AS s, count(DISTINCT a) AS da, "
                     "count(DISTINCT k) AS dk, count(DISTINCT n) AS dn FROM m GROUP BY %s) "
                     "SELECT (SELECT count(*) FROM f), (SELECT count(*) FROM g), "
                     "(SELECT count(*) FROM (SELECT * FROM f EXCEPT SELECT * FROM g)), "
                     "(SELECT count(*) FROM (SELECT * FROM g EXCEPT SELECT * FROM f)), "
                     "(SELECT sum(c) FROM f)",
                     keys[i], path, keys[i], keys[i], keys[i]);
            query_row(&e, q, row, sizeof row);
            char want[160];
            /* the groups in memory, counted by DISTINCT */
            char cnt[2048], n[64];
            snprintf(cnt, sizeof cnt, "SELECT count(*) FROM (SELECT DISTINCT %s FROM m)", keys[i]);
            query_row(&e, cnt, n, sizeof n);
            snprintf(want, sizeof want, "%.60s|%.60s|0|0|30000", n, n);
            CHECK_EQ_STR(row, want);
        }
    snprintf(q, sizeof q, "SELECT count(DISTINCT a), count(DISTINCT k) FROM m");
    query_row(&e, q, row, sizeof row);
    CHECK_EQ_STR(row, "540|6"); /* dictionaries of 300 addresses a row group, 540 in all */
    snprintf(q, sizeof q, "SELECT count(DISTINCT a), count(DISTINCT k) FROM '%s'", path);
    query_row(&e, q, row, sizeof row);
    CHECK_EQ_STR(row, "540|6"); /* one group: the distinct aggregates alone */
    /* a column dictionary-coded in one row group and PLAIN in the next (its
       values mostly unique there): the same groups whichever way a batch came */
    snprintf(q, sizeof q,
             "CREATE TABLE p AS SELECT CASE WHEN i < 4500 OR i %% 10 = 0 THEN 'x' || (i %% 5) "
             "ELSE 'u' || i END AS a, i %% 3 AS k, i AS x FROM range(9000) t(i); "
             "COPY p TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 4500)",
             path);
    CHECK_EQ_INT(run_all(&e, q), 0);
    for (size_t i = 0; i < 2; i++) {
        const char *k = i ? "a, k" : "a";
        snprintf(q, sizeof q,
                 "WITH f AS (SELECT %s, count(*) AS c, sum(x) AS s, count(DISTINCT a) AS da "
                 "FROM '%s' GROUP BY %s), "
                 "g AS (SELECT %s, count(*) AS c, sum(x) AS s, count(DISTINCT a) AS da "
                 "FROM p GROUP BY %s) "
                 "SELECT (SELECT count(*) FROM f), (SELECT count(*) FROM g), "
                 "(SELECT count(*) FROM (SELECT * FROM f EXCEPT SELECT * FROM g)), "
                 "(SELECT count(*) FROM (SELECT * FROM g EXCEPT SELECT * FROM f))",
                 k, path, k, k, k);
        query_row(&e, q, row, sizeof row);
        CHECK_EQ_STR(row, i ? "4065|4065|0|0" : "4055|4055|0|0");
    }
    /* under a filter: its rows are dictionary views with the selected codes */
    snprintf(q, sizeof q,
             "WITH f AS (SELECT a, k, count(*) AS c, count(DISTINCT a) AS da FROM '%s' "
             "WHERE x %% 3 <> 1 GROUP BY a, k), "
             "g AS (SELECT a, k, count(*) AS c, count(DISTINCT a) AS da FROM p "
             "WHERE x %% 3 <> 1 GROUP BY a, k) "
             "SELECT (SELECT count(*) FROM f), (SELECT count(*) FROM g), "
             "(SELECT count(*) FROM (SELECT * FROM f EXCEPT SELECT * FROM g)), "
             "(SELECT count(*) FROM (SELECT * FROM g EXCEPT SELECT * FROM f))",
             path);
    query_row(&e, q, row, sizeof row);
    CHECK_EQ_STR(row, "2710|2710|0|0");
    close_env(&e);
}

int main(int argc, char **argv)
{
    static const lh_test_t tests[] = {
        {"script_runs_every_statement_and_returns_the_last",
         test_script_runs_every_statement_and_returns_the_last},
        {"prepared_statement_binds_values_per_execution",
         test_prepared_statement_binds_values_per_execution},
        {"prepare_reports_errors_with_class_and_position",
         test_prepare_reports_errors_with_class_and_position},
        {"cancel_stops_a_running_query", test_cancel_stops_a_running_query},
        {"memory_limit_fails_the_query_with_exit_status_3",
         test_memory_limit_fails_the_query_with_exit_status_3},
        {"memory_tables_count_against_the_limit_until_dropped",
         test_memory_tables_count_against_the_limit_until_dropped},
        {"a_failed_insert_stores_nothing_and_what_it_left_stays_counted",
         test_a_failed_insert_stores_nothing_and_what_it_left_stays_counted},
        {"group_by_dictionary_codes_of_parquet_row_groups",
         test_group_by_dictionary_codes_of_parquet_row_groups},
        {NULL, NULL},
    };
    return lh_test_main(tests, argc, argv);
}
