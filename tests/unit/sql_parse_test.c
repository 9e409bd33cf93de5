/* The SQL parser (src/sql/parser): exact S-expression dumps of every
 * construct, operator precedence, keywords as names, literals and escapes,
 * every error message with its position, the nesting and size limits, and
 * scripts of several statements with their offsets. */
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "sql/parser/ast.h"
#include "sql/parser/parser_int.h"
#include "test.h"

typedef struct dump_case {
    const char *sql, *want;
} dump_case_t;

typedef struct err_case {
    const char *sql;
    int code;
    int pos;
    const char *msg;
} err_case_t;

/* Parses sql (one statement) and dumps it; NULL on a parse error (printed). */
static char *dump_one(lh_arena_t *a, const char *sql)
{
    lh_ast_script_t s;
    lh_sql_error_t err;
    if (lh_sql_parse(a, sql, strlen(sql), &s, &err)) {
        fprintf(stderr, "  parse failed: %s at %d: %s\n", err.e.msg, err.pos, sql);
        return NULL;
    }
    if (s.n != 1) return NULL;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    if (lh_ast_dump(s.stmts[0], &b)) return NULL;
    char *out = lh_arena_strdup(a, b.ptr);
    lh_buf_free(&b);
    return out;
}

static int run_dumps(const dump_case_t *cases, size_t n)
{
    lh_arena_t *a = lh_arena_new(1 << 16);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        const char *got = dump_one(a, cases[i].sql);
        if (!got || strcmp(got, cases[i].want)) {
            fprintf(stderr, "  sql:  %s\n  got:  %s\n  want: %s\n", cases[i].sql,
                    got ? got : "(error)", cases[i].want);
            bad++;
        }
    }
    lh_arena_free(a);
    return bad;
}

static int run_errors(const err_case_t *cases, size_t n)
{
    lh_arena_t *a = lh_arena_new(1 << 16);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        lh_ast_script_t s;
        lh_sql_error_t err;
        int rc = lh_sql_parse(a, cases[i].sql, strlen(cases[i].sql), &s, &err);
        if (rc != cases[i].code || err.pos != cases[i].pos || strcmp(err.e.msg, cases[i].msg) ||
            (rc == LH_EINVAL && err.cls != LH_SQL_EPARSE)) {
            fprintf(stderr, "  sql:  %s\n  got:  %d at %d: %s\n  want: %d at %d: %s\n",
                    cases[i].sql, rc, err.pos, err.e.msg, cases[i].code, cases[i].pos,
                    cases[i].msg);
            bad++;
        }
    }
    lh_arena_free(a);
    return bad;
}

#define RUN_DUMPS(c) CHECK_EQ_INT(run_dumps(c, sizeof c / sizeof c[0]), 0)
#define RUN_ERRORS(c) CHECK_EQ_INT(run_errors(c, sizeof c / sizeof c[0]), 0)

#define Q(x) "(query (select (items " x ")))"

static void test_literals(void)
{
    static const dump_case_t c[] = {
        {"SELECT 1", Q("(literal integer 1)")},
        {"select 123456789012345678901234567890",
         Q("(literal integer 123456789012345678901234567890)")},
        {"SELECT 1_000_000", Q("(literal integer 1000000)")},
        {"SELECT 1.5, .5, 1.",
         Q("(literal decimal 1.5) (literal decimal .5) (literal decimal 1.)")},
        {"SELECT 1e10, 1.5E-3", Q("(literal float 1e10) (literal float 1.5E-3)")},
        {"SELECT 'it''s'", Q("(literal string 'it''s')")},
        {"SELECT E'a\\nb\\t\\\\\\'\\x41\\u00e9'",
         Q("(literal string 'a\\x0ab\\x09\\\\''A\xc3\xa9')")},
        {"SELECT $$it's$$, $fn$a$$b$fn$", Q("(literal string 'it''s') (literal string 'a$$b')")},
        {"SELECT X'DEad01'", Q("(literal blob 'DEAD01')")},
        {"SELECT TRUE, false, NULL", Q("(literal true) (literal false) (literal null)")},
        {"SELECT DATE '2026-01-01'", Q("(cast (literal string '2026-01-01') 'DATE')")},
        {"SELECT TIMESTAMP WITH TIME ZONE '2026-01-01 00:00'",
         Q("(cast (literal string '2026-01-01 00:00') 'TIMESTAMP WITH TIME ZONE')")},
        {"SELECT INTERVAL '1 day'", Q("(interval (literal string '1 day'))")},
        {"SELECT INTERVAL 3 DAYS", Q("(interval (literal integer 3) day)")},
        {"SELECT INTERVAL '90' DAY (3)", Q("(interval (literal string '90') day)")},
        {"SELECT INTERVAL '1-2' YEAR TO MONTH",
         Q("(interval (literal string '1-2') year to month)")},
        {"SELECT INTERVAL (x + 1) HOUR",
         Q("(interval (binary + (column x) (literal integer 1)) hour)")},
        {"SELECT $1, $2, $name", Q("(param $1) (param $2) (param $name)")},
        {"SELECT ?, ?", Q("(param $1) (param $2)")},
        {"SELECT [1, 2], ARRAY[3], []",
         Q("(array (literal integer 1) (literal integer 2)) (array (literal integer 3)) (array)")},
        {"SELECT N'x'", Q("(literal string 'x')")},
    };
    RUN_DUMPS(c);
}

static void test_precedence(void)
{
    static const dump_case_t c[] = {
        {"SELECT 1 + 2 * 3",
         Q("(binary + (literal integer 1) (binary * (literal integer 2) (literal integer 3)))")},
        {"SELECT 1 - 2 - 3",
         Q("(binary - (binary - (literal integer 1) (literal integer 2)) (literal integer 3))")},
        {"SELECT 2 ^ 3 ^ 2",
         Q("(binary ^ (binary ^ (literal integer 2) (literal integer 3)) (literal integer 2))")},
        {"SELECT -2 ^ 2", Q("(binary ^ (unary - (literal integer 2)) (literal integer 2))")},
        {"SELECT -x::int", Q("(unary - (cast (column x) 'int'))")},
        {"SELECT a OR b AND NOT c",
         Q("(binary OR (column a) (binary AND (column b) (unary NOT (column c))))")},
        {"SELECT NOT a = b", Q("(unary NOT (binary = (column a) (column b)))")},
        {"SELECT a = b IS NULL", Q("(is_null (binary = (column a) (column b)))")},
        {"SELECT a || b = c", Q("(binary = (binary || (column a) (column b)) (column c))")},
        {"SELECT a + b || c", Q("(binary || (binary + (column a) (column b)) (column c))")},
        {"SELECT a < b BETWEEN c AND d",
         Q("(binary < (column a) (between (column b) (column c) (column d)))")},
        {"SELECT x BETWEEN 1 AND 2 AND y",
         Q("(binary AND (between (column x) (literal integer 1) (literal integer 2)) (column y))")},
        {"SELECT a // b % c", Q("(binary % (binary // (column a) (column b)) (column c))")},
        {"SELECT 2 ** 3", Q("(binary ^ (literal integer 2) (literal integer 3))")},
        {"SELECT a & b | c # d << 1 >> 2",
         Q("(binary >> (binary << (binary # (binary | (binary & (column a) (column b)) (column c)) "
           "(column d)) (literal integer 1)) (literal integer 2))")},
        {"SELECT j -> 'a' ->> 'b'",
         Q("(binary ->> (binary -> (column j) (literal string 'a')) (literal string 'b'))")},
        {"SELECT a ~ 'x', a ~* 'x', a !~ 'x', a !~* 'x'",
         Q("(binary ~ (column a) (literal string 'x')) (binary ~* (column a) (literal string 'x')) "
           "(binary !~ (column a) (literal string 'x')) (binary !~* (column a) (literal string "
           "'x'))")},
        {"SELECT a OPERATOR(pg_catalog.~) 'x', a OPERATOR(~*) 'y'",
         Q("(binary ~ (column a) (literal string 'x')) (binary ~* (column a) (literal string "
           "'y'))")},
        {"SELECT ~5, +x", Q("(unary ~ (literal integer 5)) (unary + (column x))")},
        {"SELECT a == b, a != b, a <> b, a <= b, a >= b",
         Q("(binary = (column a) (column b)) (binary <> (column a) (column b)) (binary <> (column "
           "a) (column b)) (binary <= (column a) (column b)) (binary >= (column a) (column b))")},
        {"SELECT x::int[]::varchar", Q("(cast (cast (column x) 'int[]') 'varchar')")},
        {"SELECT x[1][2:3]", Q("(slice (subscript (column x) (literal integer 1)) (literal integer "
                               "2) (literal integer 3))")},
        {"SELECT x[:2], x[1:]", Q("(slice (column x) nil (literal integer 2)) (slice (column x) "
                                  "(literal integer 1) nil)")},
        {"SELECT a COLLATE \"C\" = b", Q("(binary = (collate (column a) \"C\") (column b))")},
        {"SELECT s COLLATE pg_catalog.\"default\"",
         Q("(collate (column s) \"pg_catalog.default\")")},
        {"SELECT (a, b) = (1, 2)",
         Q("(binary = (row (column a) (column b)) (row (literal integer 1) (literal integer 2)))")},
        {"SELECT ((1))", Q("(literal integer 1)")},
    };
    RUN_DUMPS(c);
}

static void test_predicates(void)
{
    static const dump_case_t c[] = {
        {"SELECT a IS NOT NULL, a ISNULL, a NOTNULL",
         Q("(is_not_null (column a)) (is_null (column a)) (is_not_null (column a))")},
        {"SELECT a IS TRUE, a IS NOT FALSE", Q("(is_true (column a)) (is_not_false (column a))")},
        {"SELECT a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b",
         Q("(is_distinct_from (column a) (column b)) (is_not_distinct_from (column a) (column "
           "b))")},
        {"SELECT a NOT BETWEEN 1 AND 2",
         Q("(not_between (column a) (literal integer 1) (literal integer 2))")},
        {"SELECT a IN (1, 2), a NOT IN (SELECT b FROM t)",
         Q("(in (column a) (list (literal integer 1) (literal integer 2))) (not_in (column a) "
           "(select (items (column b)) (from (table t))))")},
        {"SELECT EXISTS (SELECT 1), NOT EXISTS (SELECT 1)",
         Q("(exists (select (items (literal integer 1)))) (not_exists (select (items (literal "
           "integer 1))))")},
        {"SELECT a LIKE 'x%' ESCAPE '!', a NOT ILIKE 'y'",
         Q("(like (column a) (literal string 'x%') (escape (literal string '!'))) (not_ilike "
           "(column a) (literal string 'y'))")},
        {"SELECT a GLOB '*.c', a NOT SIMILAR TO 'b'",
         Q("(glob (column a) (literal string '*.c')) (not_similar_to (column a) (literal string "
           "'b'))")},
        {"SELECT (SELECT max(x) FROM t)",
         Q("(subquery (select (items (func max (column x))) (from (table t))))")},
        {"SELECT CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END",
         Q("(case (when (column a) (literal integer 1)) (when (column b) (literal integer 2)) "
           "(else (literal integer 3)))")},
        {"SELECT CASE x WHEN 1 THEN 'a' END",
         Q("(case (column x) (when (literal integer 1) (literal string 'a')))")},
        {"SELECT CAST(a AS DECIMAL(38, 0)), TRY_CAST(b AS VARCHAR[])",
         Q("(cast (column a) 'DECIMAL(38, 0)') (try_cast (column b) 'VARCHAR[]')")},
        {"SELECT x::DOUBLE PRECISION, y::STRUCT(a INT, b VARCHAR), z::MAP(VARCHAR, INT)",
         Q("(cast (column x) 'DOUBLE PRECISION') (cast (column y) 'STRUCT(a INT, b VARCHAR)') "
           "(cast (column z) 'MAP(VARCHAR, INT)')")},
        {"SELECT ROW(1, 'a'), ROW()", Q("(row (literal integer 1) (literal string 'a')) (row)")},
    };
    RUN_DUMPS(c);
}

static void test_functions(void)
{
    static const dump_case_t c[] = {
        {"SELECT count(*), count(DISTINCT x)",
         Q("(func count *) (func count distinct (column x))")},
        {"SELECT string_agg(x, ',' ORDER BY y DESC NULLS LAST)",
         Q("(func string_agg (column x) (literal string ',') (order_by (desc (column y) "
           "nulls_last)))")},
        {"SELECT sum(x) FILTER (WHERE x > 0)",
         Q("(func sum (column x) (filter (binary > (column x) (literal integer 0))))")},
        {"SELECT rank() OVER (PARTITION BY a ORDER BY b ROWS BETWEEN UNBOUNDED PRECEDING AND "
         "CURRENT ROW)",
         Q("(func rank (over (partition_by (column a)) (order_by (asc (column b))) (rows "
           "unbounded_preceding current_row)))")},
        {"SELECT sum(x) OVER (ORDER BY t RANGE BETWEEN INTERVAL '1 day' PRECEDING AND 2 FOLLOWING)",
         Q("(func sum (column x) (over (order_by (asc (column t))) (range (preceding (interval "
           "(literal string '1 day'))) (following (literal integer 2)))))")},
        {"SELECT sum(x) OVER (GROUPS 3 PRECEDING), sum(y) OVER w, sum(z) OVER (w ORDER BY q)",
         Q("(func sum (column x) (over (groups (preceding (literal integer 3))))) (func sum "
           "(column y) (over w)) (func sum (column z) (over w (order_by (asc (column q)))))")},
        {"SELECT lag(x IGNORE NULLS) OVER (), first_value(y) IGNORE NULLS OVER ()",
         Q("(func lag (column x) ignore_nulls (over)) (func first_value (column y) ignore_nulls "
           "(over))")},
        {"SELECT f(a := 1, b => 2), s.g(3)",
         Q("(func f (named a (literal integer 1)) (named b (literal integer 2))) (func s.g "
           "(literal integer 3))")},
        {"SELECT EXTRACT(YEAR FROM d), extract('Month' from d)",
         Q("(func date_part (literal string 'year') (column d)) (func date_part (literal string "
           "'month') (column d))")},
        {"SELECT POSITION('a' IN s)", Q("(func strpos (column s) (literal string 'a'))")},
        {"SELECT SUBSTRING(s FROM 2 FOR 3), SUBSTRING(s FOR 3), substring(s, 1, 2)",
         Q("(func substring (column s) (literal integer 2) (literal integer 3)) (func substring "
           "(column s) (literal integer 1) (literal integer 3)) (func substring (column s) "
           "(literal integer 1) (literal integer 2))")},
        {"SELECT TRIM(s), TRIM(BOTH 'x' FROM s), TRIM(LEADING FROM s), TRIM(TRAILING 'y' FROM s), "
         "trim(s, 'z')",
         Q("(func trim (column s)) (func trim (column s) (literal string 'x')) (func ltrim (column "
           "s)) (func rtrim (column s) (literal string 'y')) (func trim (column s) (literal string "
           "'z'))")},
        {"SELECT CURRENT_DATE, current_timestamp, now()",
         Q("(func current_date) (func current_timestamp) (func now)")},
        {"SELECT coalesce(a, b), nullif(a, 0), greatest(1, 2), least(3, 4)",
         Q("(func coalesce (column a) (column b)) (func nullif (column a) (literal integer 0)) "
           "(func greatest (literal integer 1) (literal integer 2)) (func least (literal integer "
           "3) (literal integer 4))")},
        {"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x)",
         Q("(func percentile_cont (literal decimal 0.5) (order_by (asc (column x))))")},
        {"SELECT left(s, 2), right(s, 1)", Q("(func left (column s) (literal integer 2)) (func "
                                             "right (column s) (literal integer 1))")},
        {"SELECT list_transform(l, x -> x + 1)",
         Q("(func list_transform (column l) (binary -> (column x) (binary + (column x) (literal "
           "integer 1))))")},
    };
    RUN_DUMPS(c);
}

static void test_names(void)
{
    static const dump_case_t c[] = {
        {"SELECT date, year, name, type, value, key FROM t",
         "(query (select (items (column date) (column year) (column name) (column type) (column "
         "value) (column key)) (from (table t))))"},
        {"SELECT Foo, \"Foo\", \"a\"\"b\" FROM S.T",
         "(query (select (items (column foo) (column \"Foo\") (column \"a\"\"b\")) (from (table "
         "s.t))))"},
        {"SELECT t.a, s.t.b, c.s.t FROM t",
         "(query (select (items (column t.a) (column s.t.b) (column c.s.t)) (from (table t))))"},
        {"SELECT a AS x, b y, c AS \"Z\", d AS select FROM t",
         "(query (select (items (as x (column a)) (as y (column b)) (as \"Z\" (column c)) (as "
         "select (column d))) (from (table t))))"},
        {"SELECT *, t.*, * EXCLUDE (a, b), * EXCLUDE c FROM t",
         "(query (select (items (star) (star t) (star (exclude a b)) (star (exclude c))) (from "
         "(table t))))"},
        {"SELECT a, b, FROM t", "(query (select (items (column a) (column b)) (from (table t))))"},
        {"SELECT timestamp, time, interval FROM t",
         "(query (select (items (column timestamp) (column time) (column interval)) (from (table "
         "t))))"},
    };
    RUN_DUMPS(c);
}

static void test_select(void)
{
    static const dump_case_t c[] = {
        {"SELECT DISTINCT a FROM t WHERE a > 1 GROUP BY a HAVING count(*) > 1 ORDER BY a DESC "
         "LIMIT 10 OFFSET 5",
         "(query (select distinct (items (column a)) (from (table t)) (where (binary > (column a) "
         "(literal integer 1))) (group_by (column a)) (having (binary > (func count *) (literal "
         "integer 1))) (order_by (desc (column a))) (limit (literal integer 10)) (offset (literal "
         "integer 5))))"},
        {"SELECT DISTINCT ON (a) a, b FROM t", "(query (select (distinct_on (column a)) (items "
                                               "(column a) (column b)) (from (table t))))"},
        {"SELECT a FROM t OFFSET 2 LIMIT 1",
         "(query (select (items (column a)) (from (table t)) (limit (literal integer 1)) (offset "
         "(literal integer 2))))"},
        {"SELECT a FROM t ORDER BY a NULLS FIRST FETCH FIRST 3 ROWS ONLY",
         "(query (select (items (column a)) (from (table t)) (order_by (asc (column a) "
         "nulls_first)) (limit (literal integer 3))))"},
        {"SELECT a FROM t LIMIT ALL", "(query (select (items (column a)) (from (table t))))"},
        {"SELECT a, sum(b) FROM t GROUP BY ALL", "(query (select (items (column a) (func sum "
                                                 "(column b))) (from (table t)) (group_by_all)))"},
        {"SELECT 1 FROM t GROUP BY GROUPING SETS ((a, b), (a), ()), ROLLUP (a, b), CUBE (c), ()",
         "(query (select (items (literal integer 1)) (from (table t)) (group_by (grouping_sets "
         "(set (column a) (column b)) (set (column a)) (set)) (rollup (column a) (column b)) (cube "
         "(column c)) (grouping_sets (set)))))"},
        {"SELECT rank() OVER w FROM t WINDOW w AS (PARTITION BY a) QUALIFY rank() OVER w = 1",
         "(query (select (items (func rank (over w))) (from (table t)) (window (w (over "
         "(partition_by (column a))))) (qualify (binary = (func rank (over w)) (literal integer "
         "1)))))"},
        {"FROM t", "(query (select (items (star)) (from (table t))))"},
        {"FROM t SELECT a WHERE a > 0", "(query (select (items (column a)) (from (table t)) (where "
                                        "(binary > (column a) (literal integer 0)))))"},
        {"VALUES (1, 'a'), (2, 'b')", "(query (values (row (literal integer 1) (literal string "
                                      "'a')) (row (literal integer 2) (literal string 'b'))))"},
        {"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r), m AS MATERIALIZED "
         "(SELECT 2), k AS NOT MATERIALIZED (SELECT 3) SELECT * FROM r",
         "(query (select (with recursive (cte r (columns n) (union all (select (items (literal "
         "integer 1))) (select (items (binary + (column n) (literal integer 1))) (from (table "
         "r))))) (cte m materialized (select (items (literal integer 2)))) (cte k not_materialized "
         "(select (items (literal integer 3))))) (items (star)) (from (table r))))"},
    };
    RUN_DUMPS(c);
}

#define S1 "(select (items (literal integer 1)))"
#define S2 "(select (items (literal integer 2)))"
#define S3 "(select (items (literal integer 3)))"

static void test_setops(void)
{
    static const dump_case_t c[] = {
        {"SELECT 1 UNION SELECT 2 INTERSECT SELECT 3",
         "(query (union " S1 " (intersect " S2 " " S3 ")))"},
        {"SELECT 1 INTERSECT SELECT 2 UNION ALL SELECT 3",
         "(query (union all (intersect " S1 " " S2 ") " S3 "))"},
        {"SELECT 1 EXCEPT SELECT 2 EXCEPT ALL SELECT 3",
         "(query (except all (except " S1 " " S2 ") " S3 "))"},
        {"SELECT 1 UNION ALL BY NAME SELECT 2", "(query (union all by_name " S1 " " S2 "))"},
        {"(SELECT 1) UNION (SELECT 2 ORDER BY 1 LIMIT 1) ORDER BY 1",
         "(query (union " S1
         " (select (items (literal integer 2)) (order_by (asc (literal integer 1))) (limit "
         "(literal integer 1))) (order_by (asc (literal integer 1)))))"},
        {"SELECT 1 UNION SELECT 2 LIMIT 5",
         "(query (union " S1 " " S2 " (limit (literal integer 5))))"},
        {"(SELECT 1 LIMIT 1) LIMIT 2",
         "(query (select (items (star)) (from (subquery_ref (select (items (literal integer 1)) "
         "(limit (literal integer 1))))) (limit (literal integer 2))))"},
        {"SELECT ((SELECT 1) UNION (SELECT 2))", Q("(subquery (union " S1 " " S2 "))")},
        {"SELECT * FROM ((SELECT 1) UNION SELECT 2) u",
         "(query (select (items (star)) (from (as u (subquery_ref (union " S1 " " S2 "))))))"},
        {"WITH a AS (SELECT 1) SELECT 2 UNION SELECT 3",
         "(query (union (with (cte a " S1 ")) " S2 " " S3 "))"},
    };
    RUN_DUMPS(c);
}

static void test_from(void)
{
    static const dump_case_t c[] = {
        {"SELECT * FROM a, b",
         "(query (select (items (star)) (from (join cross (table a) (table b)))))"},
        {"SELECT * FROM a JOIN b ON a.x = b.x LEFT OUTER JOIN c USING (x, y)",
         "(query (select (items (star)) (from (join left (join inner (table a) (table b) (on "
         "(binary = (column a.x) (column b.x)))) (table c) (using x y)))))"},
        {"SELECT * FROM a RIGHT JOIN b ON true FULL JOIN c ON true CROSS JOIN d",
         "(query (select (items (star)) (from (join cross (join full (join right (table a) (table "
         "b) (on (literal true))) (table c) (on (literal true))) (table d)))))"},
        {"SELECT * FROM a NATURAL JOIN b NATURAL LEFT JOIN c SEMI JOIN d ON p ANTI JOIN e ON q",
         "(query (select (items (star)) (from (join anti (join semi (join left natural (join inner "
         "natural (table a) (table b)) (table c)) (table d) (on (column p))) (table e) (on (column "
         "q))))))"},
        {"SELECT * FROM t AS x(a, b), u y", "(query (select (items (star)) (from (join cross (as x "
                                            "(table t (columns a b))) (as y (table u))))))"},
        {"SELECT * FROM read_parquet('f.parquet', hive_partitioning = true) p",
         "(query (select (items (star)) (from (as p (table_func read_parquet (literal string "
         "'f.parquet') (named hive_partitioning (literal true)))))))"},
        {"SELECT * FROM range(10) r(i)", "(query (select (items (star)) (from (as r (table_func "
                                         "range (literal integer 10) (columns i))))))"},
        {"SELECT * FROM (SELECT 1) AS s(x)",
         "(query (select (items (star)) (from (as s (subquery_ref " S1 " (columns x))))))"},
        {"SELECT * FROM t, LATERAL (SELECT t.a) l",
         "(query (select (items (star)) (from (join cross (table t) (as l (subquery_ref lateral "
         "(select (items (column t.a)))))))))"},
        {"SELECT * FROM (a JOIN b USING (k)) j", "(query (select (items (star)) (from (as j (join "
                                                 "inner (table a) (table b) (using k))))))"},
        {"SELECT * FROM 'data/x.parquet'",
         "(query (select (items (star)) (from (table \"data/x.parquet\"))))"},
        {"SELECT * FROM t AT (VERSION => 3)",
         "(query (select (items (star)) (from (table t (at_version (literal integer 3))))))"},
        {"SELECT * FROM t FOR TIMESTAMP AS OF '2026-01-01' x",
         "(query (select (items (star)) (from (as x (table t (at_timestamp (literal string "
         "'2026-01-01')))))))"},
        {"SELECT * FROM t WHERE a > ALL (SELECT b FROM u) AND a = SOME (SELECT 1)",
         "(query (select (items (star)) (from (table t)) (where (binary AND (> all (column a) "
         "(select (items (column b)) (from (table u)))) (in (column a) (select (items (literal "
         "integer 1))))))))"},
        {"SELECT a <> ALL (SELECT 1), a <= ANY (SELECT 2)",
         "(query (select (items (not_in (column a) (select (items (literal integer 1)))) (<= any "
         "(column a) (select (items (literal integer 2)))))))"},
        {"SELECT * FROM t VERSION AS OF 3",
         "(query (select (items (star)) (from (table t (at_version (literal integer 3))))))"},
        {"SELECT * FROM t TIMESTAMP AS OF '2026-01-01'",
         "(query (select (items (star)) (from (table t (at_timestamp (literal string "
         "'2026-01-01'))))))"},
        {"SELECT * FROM t version",
         "(query (select (items (star)) (from (as version (table t)))))"},
        {"SELECT * FROM c.s.t", "(query (select (items (star)) (from (table c.s.t))))"},
    };
    RUN_DUMPS(c);
}

static void test_statements(void)
{
    static const dump_case_t c[] = {
        {"CREATE TABLE t (a INT NOT NULL PRIMARY KEY, b DECIMAL(18,3) DEFAULT 0, c TIMESTAMP WITH "
         "TIME ZONE, d VARCHAR[])",
         "(create_table t (columns (column a 'INT' not_null primary_key) (column b 'DECIMAL(18,3)' "
         "(default (literal integer 0))) (column c 'TIMESTAMP WITH TIME ZONE') (column d "
         "'VARCHAR[]')))"},
        {"CREATE OR REPLACE TEMP TABLE IF NOT EXISTS s.t (a INT, b INT, PRIMARY KEY (b)) "
         "PARTITIONED BY (a) WITH ('delta.appendOnly' = 'true', x = 1)",
         "(create_table s.t temp or_replace if_not_exists (columns (column a 'INT') (column b "
         "'INT' primary_key)) (partition_by a) (options (\"delta.appendOnly\" (literal string "
         "'true')) (x (literal integer 1))))"},
        {"CREATE TABLE t PARTITION BY (p) AS SELECT 1 AS p",
         "(create_table t (as (select (items (as p (literal integer 1))))) (partition_by p))"},
        {"CREATE TEMPORARY VIEW v (x) AS SELECT a FROM t  ",
         "(create_view v temp (columns x) (select (items (column a)) (from (table t))) (text "
         "'SELECT a FROM t'))"},
        {"CREATE SCHEMA IF NOT EXISTS s", "(create_schema s if_not_exists)"},
        {"DROP TABLE IF EXISTS s.t CASCADE", "(drop table s.t if_exists cascade)"},
        {"DROP VIEW v", "(drop view v)"},
        {"DROP SCHEMA s", "(drop schema s)"},
        {"INSERT INTO t (a, b) VALUES (1, 2)",
         "(insert t (columns a b) (values (row (literal integer 1) (literal integer 2))))"},
        {"INSERT INTO t SELECT * FROM u", "(insert t (select (items (star)) (from (table u))))"},
        {"INSERT INTO s.t REPLACE WHERE ds = '2026-11-26' SELECT * FROM u",
         "(insert s.t (replace_where (binary = (column ds) (literal string '2026-11-26'))) "
         "(select (items (star)) (from (table u))))"},
        {"INSERT OR REPLACE INTO t VALUES (1)",
         "(insert t or_replace (values (row (literal integer 1))))"},
        {"DELETE FROM t WHERE a = 1",
         "(delete t (where (binary = (column a) (literal integer 1))))"},
        {"DELETE FROM t", "(delete t)"},
        {"UPDATE t SET a = a + 1, b = 'x' WHERE c",
         "(update t (set a (binary + (column a) (literal integer 1))) (set b (literal string 'x')) "
         "(where (column c)))"},
        {"SET threads = 4", "(set threads (literal integer 4))"},
        {"SET SESSION sql.memory_limit TO '1GB'",
         "(set session \"sql.memory_limit\" (literal string '1GB'))"},
        {"SET LOCAL x TO DEFAULT", "(set local x default)"},
        {"SET search_path = 'lake'", "(set schema (literal string 'lake'))"},
        {"SET search_path TO lake", "(set schema (literal string 'lake'))"},
        {"SET TIME ZONE 'UTC'", "(set timezone (literal string 'UTC'))"},
        {"RESET threads", "(reset threads)"},
        {"SHOW threads", "(show threads)"},
        {"SHOW TABLES", "(show_tables)"},
        {"SHOW TABLES FROM lake", "(show_tables lake)"},
        {"SHOW ALL TABLES", "(show_all_tables)"},
        {"SHOW ALL", "(show_all)"},
        {"SHOW SCHEMAS", "(show_schemas)"},
        {"SHOW TRANSACTION ISOLATION LEVEL", "(show transaction_isolation)"},
        {"DESCRIBE s.t", "(describe s.t)"},
        {"DESCRIBE SELECT 1", "(describe " S1 ")"},
        {"EXPLAIN SELECT 1", "(explain (query " S1 "))"},
        {"EXPLAIN ANALYZE SELECT 1", "(explain analyze (query " S1 "))"},
        {"COPY t TO 'out.parquet' (FORMAT parquet, COMPRESSION 'zstd', HEADER)",
         "(copy t to 'out.parquet' (options (format (literal string 'parquet')) (compression "
         "(literal string 'zstd')) (header)))"},
        {"COPY (SELECT 1) TO 's3://b/k.csv' WITH (FORMAT csv, DELIMITER '|')",
         "(copy " S1 " to 's3://b/k.csv' (options (format (literal string 'csv')) (delimiter "
         "(literal string '|'))))"},
        {"COPY t FROM 'in.csv' (HEADER true)",
         "(copy t from 'in.csv' (options (header (literal true))))"},
        {"BEGIN", "(begin)"},
        {"BEGIN TRANSACTION", "(begin)"},
        {"START TRANSACTION", "(begin)"},
        {"COMMIT", "(commit)"},
        {"END", "(commit)"},
        {"ROLLBACK", "(rollback)"},
        {"ABORT", "(rollback)"},
        {"ALTER TABLE t ADD COLUMN IF NOT EXISTS c VARCHAR",
         "(alter_add t if_not_exists (column c 'VARCHAR'))"},
        {"ALTER TABLE t ADD d INTEGER DEFAULT 1",
         "(alter_add t (column d 'INTEGER' (default (literal integer 1))))"},
    };
    RUN_DUMPS(c);
}

static void test_errors(void)
{
    static const err_case_t c[] = {
        {"SELECT FROM", LH_EINVAL, 7, "syntax error at or near \"FROM\""},
        {"SELECT 1 +", LH_EINVAL, 10, "syntax error at end of input"},
        {"SELECT 'abc", LH_EINVAL, 7, "unterminated quoted string"},
        {"SELECT \"abc", LH_EINVAL, 7, "unterminated quoted identifier"},
        {"SELECT 1 /* x /* y */", LH_EINVAL, 9, "unterminated /* comment"},
        {"SELECT $$abc", LH_EINVAL, 7, "unterminated dollar-quoted string"},
        {"SELECT E'\\u12'", LH_EINVAL, 9, "invalid Unicode escape in string"},
        {"SELECT X'ABC'", LH_EINVAL, 7, "invalid hexadecimal string: odd number of digits"},
        {"SELECT X'GG'", LH_EINVAL, 7, "invalid hexadecimal digit in blob literal"},
        {"SELECT \"\"", LH_EINVAL, 7, "zero-length delimited identifier"},
        {"SELECT 1 2", LH_EINVAL, 9, "syntax error at or near \"2\""},
        {"SELECT a FROM t WHERE", LH_EINVAL, 21, "syntax error at end of input"},
        {"SELECT (1", LH_EINVAL, 9, "syntax error at end of input"},
        {"SELECT `x`", LH_EINVAL, 7, "syntax error at or near \"`\""},
        {"SELECT select", LH_EINVAL, 7, "syntax error at or near \"select\""},
        {"SELECT * FROM t JOIN u", LH_EINVAL, 22, "syntax error at end of input"},
        {"SELECT 1; SELEC 2", LH_EINVAL, 10, "syntax error at or near \"SELEC\""},
        {"CREATE TABLE t", LH_EINVAL, 14, "syntax error at end of input"},
        {"SELECT $0", LH_EINVAL, 7, "parameter $0 is not valid"},
        {"SELECT CASE END", LH_EINVAL, 12, "syntax error at or near \"END\""},
        {"SELECT a FROM t LIMIT", LH_EINVAL, 21, "syntax error at end of input"},
        {"INSERT INTO t", LH_EINVAL, 13, "syntax error at end of input"},
        {"SELECT a.b.c.d", LH_EINVAL, 13, "syntax error at or near \"d\""},
    };
    RUN_ERRORS(c);
}

static char *repeat_wrap(const char *open, const char *mid, const char *close, size_t n)
{
    size_t lo = strlen(open), lm = strlen(mid), lc = strlen(close);
    char *s = malloc(n * (lo + lc) + lm + 1), *o = s;
    if (!s) return NULL;
    for (size_t i = 0; i < n; i++, o += lo)
        memcpy(o, open, lo);
    memcpy(o, mid, lm);
    o += lm;
    for (size_t i = 0; i < n; i++, o += lc)
        memcpy(o, close, lc);
    *o = 0;
    return s;
}

static int parse_rc(const char *sql, lh_sql_error_t *err)
{
    lh_arena_t *a = lh_arena_new(1 << 16);
    lh_ast_script_t s;
    int rc = lh_sql_parse(a, sql, strlen(sql), &s, err);
    lh_arena_free(a);
    return rc;
}

static void test_depth_limits(void)
{
    lh_sql_error_t err;
    struct {
        const char *open, *mid, *close;
        size_t n;
        int rc;
    } cases[] = {
        {"(", "1", ")", 100000, LH_ETOOBIG},
        {"(", "1", ")", 900, 0},
        {"- ", "1", "", 100000, LH_ETOOBIG},
        {"NOT ", "x", "", 100000, LH_ETOOBIG},
        {"(SELECT ", "1", ")", 20000, LH_ETOOBIG},
        {"", "1", "+1", 100000, LH_ETOOBIG},
        {"", "x", "::int", 100000, LH_ETOOBIG},
        {"", "x", "[1]", 100000, LH_ETOOBIG},
        {"CASE WHEN ", "1", " THEN 1 END", 20000, LH_ETOOBIG},
        {"f(", "1", ")", 100000, LH_ETOOBIG},
        {"[", "1", "]", 100000, LH_ETOOBIG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *body = repeat_wrap(cases[i].open, cases[i].mid, cases[i].close, cases[i].n);
        CHECK(body);
        size_t n = strlen(body) + 8;
        char *sql = malloc(n);
        CHECK(sql);
        snprintf(sql, n, "SELECT %s", body);
        int rc = parse_rc(sql, &err);
        if (rc != cases[i].rc) fprintf(stderr, "  case %zu: rc %d (%s)\n", i, rc, err.e.msg);
        CHECK_EQ_INT(rc, cases[i].rc);
        if (rc == LH_ETOOBIG)
            CHECK_EQ_STR(err.e.msg, "statement is nested too deeply (over 1000 levels)");
        free(body);
        free(sql);
    }
    /* deep FROM nesting and long set-operation chains */
    char *from = repeat_wrap("(", "t", ")", 100000);
    char *sql = malloc(strlen(from) + 32);
    CHECK(from && sql);
    snprintf(sql, strlen(from) + 32, "SELECT * FROM %s", from);
    CHECK_EQ_INT(parse_rc(sql, &err), LH_ETOOBIG);
    free(from);
    free(sql);
    char *chain = repeat_wrap("", "SELECT 1", " UNION SELECT 1", 5000);
    CHECK(chain);
    CHECK_EQ_INT(parse_rc(chain, &err), LH_ETOOBIG);
    free(chain);
    /* a long flat list is fine */
    char *lst = repeat_wrap("", "SELECT 1", ", 1", 100000);
    CHECK(lst);
    CHECK_EQ_INT(parse_rc(lst, &err), 0);
    free(lst);
}

static void test_text_limit(void)
{
    lh_arena_t *a = lh_arena_new(4096);
    lh_ast_script_t s;
    lh_sql_error_t err;
    CHECK_EQ_INT(lh_sql_parse(a, "SELECT 1", (size_t)LH_SQL_MAX_TEXT + 1, &s, &err), LH_ETOOBIG);
    CHECK_EQ_INT(err.cls, LH_SQL_EPARSE);
    lh_arena_free(a);
}

static void test_script(void)
{
    lh_arena_t *a = lh_arena_new(4096);
    lh_ast_script_t s;
    lh_sql_error_t err;
    const char *sql = " ; SELECT 1; -- c\n;; /* a /* nested */ b */ SELECT $2 , ? ;\nCOMMIT";
    CHECK_EQ_INT(lh_sql_parse(a, sql, strlen(sql), &s, &err), 0);
    CHECK_EQ_INT(s.n, 3);
    CHECK_EQ_INT(s.start[0], 3);
    CHECK_EQ_INT(s.end[0], 11);
    CHECK_EQ_INT(s.start[1], 44);
    CHECK_EQ_INT(s.end[1], 57);
    CHECK_EQ_INT(s.start[2], 60);
    CHECK_EQ_INT(s.end[2], 66);
    CHECK_EQ_INT(s.nparams, 2);
    CHECK_EQ_INT(s.stmts[2]->kind, LH_AST_STMT_TRANSACTION);
    CHECK_EQ_INT(lh_sql_parse(a, "", 0, &s, &err), 0);
    CHECK_EQ_INT(s.n, 0);
    CHECK_EQ_INT(lh_sql_parse(a, "-- only\n/* c */ ;", 17, &s, &err), 0);
    CHECK_EQ_INT(s.n, 0);
    lh_arena_free(a);
}

static void test_positions(void)
{
    lh_arena_t *a = lh_arena_new(4096);
    lh_ast_script_t s;
    lh_sql_error_t err;
    const char *sql = "SELECT a + 1 AS x FROM s.t WHERE b";
    CHECK_EQ_INT(lh_sql_parse(a, sql, strlen(sql), &s, &err), 0);
    lh_ast_t *q = s.stmts[0]->u.query.query;
    CHECK_EQ_INT(q->pos, 0);
    lh_ast_t *item = q->u.select.items.items[0];
    CHECK_EQ_INT(item->pos, 7);
    CHECK_EQ_INT(item->u.binary.right->pos, 11);
    CHECK_EQ_INT(q->u.select.from->pos, 23);
    CHECK_EQ_INT(q->u.select.where->pos, 33);
    CHECK_EQ_STR(item->alias, "x");
    lh_arena_free(a);
}

static void test_names_table(void)
{
    CHECK_EQ_STR(lh_ast_kind_name(LH_AST_SELECT), "SELECT");
    CHECK_EQ_STR(lh_ast_kind_name(LH_AST_STMT_CREATE_TABLE), "CREATE TABLE");
    CHECK_EQ_STR(lh_ast_kind_name((lh_ast_kind_t)200), "?");
    CHECK_EQ_STR(lh_ast_op_name(LH_OP_ADD), "+");
    CHECK_EQ_STR(lh_ast_op_name(LH_OP_NOT_REGEX_I), "!~*");
    CHECK_EQ_STR(lh_ast_op_name(LH_OP_AND), "AND");
}

static void test_string_values(void)
{
    lh_arena_t *a = lh_arena_new(4096);
    lh_ast_script_t s;
    lh_sql_error_t err;
    const char *sql = "SELECT E'a\\x00b', 'x'";
    CHECK_EQ_INT(lh_sql_parse(a, sql, strlen(sql), &s, &err), 0);
    lh_ast_t *lit = s.stmts[0]->u.query.query->u.select.items.items[0];
    CHECK_EQ_INT(lit->u.lit.len, 3);
    CHECK(!memcmp(lit->u.lit.text, "a\0b", 3));
    lh_arena_free(a);
}

/* Every keyword is found by its own text in any case (the table is sorted). */
static void test_keyword_table(void)
{
    for (int k = 1; k < KW__COUNT; k++) {
        const char *t = lh__kw_text((lh__kw_t)k);
        CHECK_EQ_INT(lh__kw_lookup(t, strlen(t)), k);
        char up[32];
        size_t n = strlen(t);
        CHECK(n < sizeof up);
        for (size_t i = 0; i <= n; i++)
            up[i] = (t[i] >= 'a' && t[i] <= 'z') ? (char)(t[i] - 32) : t[i];
        CHECK_EQ_INT(lh__kw_lookup(up, n), k);
    }
    CHECK_EQ_INT(lh__kw_lookup("date", 4), KW_NONE);
    CHECK_EQ_INT(lh__kw_lookup("selectx", 7), KW_NONE);
}

static const lh_test_t tests[] = {
    {"keyword_table", test_keyword_table},
    {"literals", test_literals},
    {"precedence", test_precedence},
    {"predicates", test_predicates},
    {"functions", test_functions},
    {"names", test_names},
    {"select", test_select},
    {"setops", test_setops},
    {"from", test_from},
    {"statements", test_statements},
    {"errors", test_errors},
    {"depth_limits", test_depth_limits},
    {"text_limit", test_text_limit},
    {"script", test_script},
    {"positions", test_positions},
    {"kind_and_op_names", test_names_table},
    {"string_values", test_string_values},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
