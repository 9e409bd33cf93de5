/* Unit tests of the regular expression (regex.c) and JSON (json.c)
 * functions through the C API (sql.h): each statement runs in a fresh
 * session and the first column's values come back as "TYPE:text" joined by
 * '|'. Expected values are DuckDB 1.5's. */
#include "sql/sql.h"
#include "test.h"

static char result[8192];

static const char *q(const char *sql)
{
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    lh_sql_db_t *db = NULL;
    lh_sql_session_t *s = NULL;
    lh_sql_result_t *r = NULL;
    result[0] = 0;
    if (lh_sql_db_open(&db, &err) || lh_sql_session_open(db, &s, &err) ||
        lh_sql_run(s, sql, strlen(sql), NULL, NULL, &r, &err))
        goto fail;
    char tn[64];
    lh_type_format(lh_sql_result_col_type(r, 0), tn, sizeof tn);
    size_t k = (size_t)snprintf(result, sizeof result, "%s:", tn);
    bool first = true;
    for (;;) {
        lh_batch_t *b;
        if (lh_sql_result_next(r, &b, &err)) goto fail;
        if (!b) break;
        for (uint32_t i = 0; i < b->count && k < sizeof result; i++) {
            lh_buf_t t;
            lh_buf_init(&t, 1 << 20);
            if (!lh_vector_is_valid(&b->cols[0], i))
                lh_buf_puts(&t, "NULL");
            else
                lh_vector_text(&b->cols[0], i, &t);
            k += (size_t)snprintf(result + k, sizeof result - k, "%s%s", first ? "" : "|",
                                  t.ptr ? t.ptr : "");
            first = false;
            lh_buf_free(&t);
        }
    }
    lh_sql_result_free(r);
    lh_sql_session_close(s);
    lh_sql_db_close(db);
    return result;
fail:
    snprintf(result, sizeof result, "ERR:%s: %s",
             lh_sql_err_class_name((lh_sql_err_class_t)err.cls), err.e.msg);
    lh_sql_result_free(r);
    if (s) lh_sql_session_close(s);
    if (db) lh_sql_db_close(db);
    return result;
}

#define Q(sql, want) CHECK_EQ_STR(q(sql), want)

static void test_regexp_matches(void)
{
    Q("SELECT regexp_matches('abc', 'b')", "BOOLEAN:true");
    Q("SELECT regexp_full_match('abc', 'b')", "BOOLEAN:false");
    Q("SELECT regexp_full_match('abc', 'a.c')", "BOOLEAN:true");
    Q("SELECT regexp_full_match('ab', 'a|ab')", "BOOLEAN:true");
    Q("SELECT regexp_matches('ABC', 'b', 'i')", "BOOLEAN:true");
    Q("SELECT regexp_matches('abc', 'B', 'ic')", "BOOLEAN:false");
    Q("SELECT regexp_matches('abc', 'B', 'ci')", "BOOLEAN:true");
    Q("SELECT regexp_matches(E'a\\nb', 'a.b')", "BOOLEAN:false");
    Q("SELECT regexp_matches(E'a\\nb', 'a.b', 's')", "BOOLEAN:true");
    Q("SELECT regexp_matches(E'a\\n', 'a$')", "BOOLEAN:false");
    Q("SELECT regexp_matches('a.c', 'a.c', 'l')", "BOOLEAN:true");
    Q("SELECT regexp_matches('abc', 'a.c', 'l')", "BOOLEAN:false");
    Q("SELECT regexp_matches('a1', '\\d')", "BOOLEAN:true");
    Q("SELECT 'abc' ~ 'a.*'", "BOOLEAN:true");
    Q("SELECT 'abc' ~ 'b'", "BOOLEAN:false");
    Q("SELECT 'abc' !~ 'b'", "BOOLEAN:true");
    Q("SELECT regexp_matches(NULL, 'b')", "BOOLEAN:NULL");
    Q("CREATE TABLE t AS SELECT * FROM (VALUES ('abc', 'b.'), ('xyz', '^y'), (NULL, 'q'), "
      "('q', 'q')) v(s, p); SELECT regexp_matches(s, p) FROM t",
      "BOOLEAN:true|false|NULL|true");
    Q("SELECT count(*) FROM range(1000) t(x) WHERE regexp_matches(x::VARCHAR, '^1.*7$')",
      "BIGINT:11");
}

static void test_regexp_errors(void)
{
    Q("SELECT regexp_matches('abc', '(')",
      "ERR:Invalid Input Error: missing closing parenthesis: (");
    Q("CREATE TABLE t AS SELECT '(' AS p; SELECT regexp_matches('abc', p) FROM t",
      "ERR:Invalid Input Error: missing closing parenthesis: (");
    Q("SELECT regexp_matches('abc', 'b', 'q')",
      "ERR:Invalid Input Error: Unrecognized Regex option q");
    Q("SELECT regexp_matches('abc', 'b', 'g')",
      "ERR:Invalid Input Error: Option 'g' (global replace) is only valid for regexp_replace");
    Q("SELECT regexp_matches('abc', 'b', NULL)",
      "ERR:Invalid Input Error: Regex options field must not be NULL");
    Q("SELECT regexp_extract('abc', 'b', -1)",
      "ERR:Invalid Input Error: Group index must be between 0 and 9!");
}

static void test_regexp_replace(void)
{
    Q("SELECT regexp_replace('abcabc', 'b', 'X')", "VARCHAR:aXcabc");
    Q("SELECT regexp_replace('abcabc', 'b', 'X', 'g')", "VARCHAR:aXcaXc");
    Q("SELECT regexp_replace('abc', '(b)(c)', '\\2\\1')", "VARCHAR:acb");
    Q("SELECT regexp_replace('abc', 'b', '\\0\\0')", "VARCHAR:abbc");
    Q("SELECT regexp_replace('abc', 'b', '\\\\')", "VARCHAR:a\\c");
    Q("SELECT regexp_replace('abc', 'b', '\\x')", "VARCHAR:abc");
    Q("SELECT regexp_replace('abc', 'b', '\\3')", "VARCHAR:abc");
    Q("SELECT regexp_replace('abc', '(x)?b', '[\\1]')", "VARCHAR:a[]c");
    Q("SELECT regexp_replace('AbAb', 'b', 'x', 'gi')", "VARCHAR:AxAx");
    Q("SELECT regexp_replace('a.b.c', '.', '-', 'gl')", "VARCHAR:a-b-c");
    Q("SELECT regexp_replace('aaa', 'a*', 'X', 'g')", "VARCHAR:X");
    Q("SELECT regexp_replace('abc', '', '-', 'g')", "VARCHAR:-a-b-c-");
    Q("SELECT regexp_replace('héllo', '.', 'x', 'g')", "VARCHAR:xxxxx");
    Q("SELECT regexp_replace('2024-01-15', '(\\d+)-(\\d+)-(\\d+)', '\\3/\\2/\\1')",
      "VARCHAR:15/01/2024");
    Q("SELECT regexp_replace('abc', 'b', 'X', NULL)", "VARCHAR:NULL");
}

static void test_regexp_extract(void)
{
    Q("SELECT regexp_extract('abc123', '[0-9]+')", "VARCHAR:123");
    Q("SELECT regexp_extract('abc', '[0-9]+')", "VARCHAR:");
    Q("SELECT regexp_extract('abc123', '([a-z]+)([0-9]+)', 2)", "VARCHAR:123");
    Q("SELECT regexp_extract('abc123', '([a-z]+)', 3)", "VARCHAR:");
    Q("SELECT regexp_extract('aBc', 'b', 0, 'i')", "VARCHAR:B");
    Q("SELECT regexp_extract('user@example.com', '@(.+)$', 1)", "VARCHAR:example.com");
}

static void test_json_valid(void)
{
    Q("SELECT json_valid('{\"a\":1}')", "BOOLEAN:true");
    Q("SELECT json_valid('{a:1}')", "BOOLEAN:false");
    Q("SELECT json_valid('')", "BOOLEAN:false");
    Q("SELECT json_valid(' [1,2] ')", "BOOLEAN:true");
    Q("SELECT json_valid('\"x\"')", "BOOLEAN:true");
    Q("SELECT json_valid(NULL)", "BOOLEAN:NULL");
}

static void test_json_extract(void)
{
    const char *doc = "'{\"a\":{\"b\":[1,2,{\"c\":\"x\"}]}}'";
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT json_extract(%s, '$.a.b')", doc);
    Q(sql, "VARCHAR:[1,2,{\"c\":\"x\"}]");
    snprintf(sql, sizeof sql, "SELECT json_extract(%s, '$.a.b[2].c')", doc);
    Q(sql, "VARCHAR:\"x\"");
    snprintf(sql, sizeof sql, "SELECT json_extract_string(%s, '$.a.b[2].c')", doc);
    Q(sql, "VARCHAR:x");
    Q("SELECT json_extract('{\"a\":1}', '$.b')", "VARCHAR:NULL");
    Q("SELECT json_extract('{\"a\":null}', '$.a')", "VARCHAR:null");
    Q("SELECT json_extract_string('{\"a\":null}', '$.a')", "VARCHAR:NULL");
    Q("SELECT json_extract('{\"a\":1}', 'a')", "VARCHAR:1");
    Q("SELECT json_extract('{\"a\":{\"b\":2}}', 'a.b')", "VARCHAR:NULL");
    Q("SELECT json_extract('[1,2,3]', 1)", "VARCHAR:2");
    Q("SELECT json_extract('[1,2,3]', '$[-1]')", "VARCHAR:3");
    Q("SELECT json_extract('[1,2,3]', '$[#-1]')", "VARCHAR:3");
    Q("SELECT json_extract('{\"a\":[1,{\"b\":2}]}', '/a/1/b')", "VARCHAR:2");
    Q("SELECT json_extract('{\"a b\":1}', '$.\"a b\"')", "VARCHAR:1");
    Q("SELECT json_extract('{\"a\": [1, 2 ,  {\"x\" : 1} ]}', '$')",
      "VARCHAR:{\"a\":[1,2,{\"x\":1}]}");
    Q("SELECT json_extract('{\"a\":1.50}', '$.a')", "VARCHAR:1.5");
    Q("SELECT json_extract('{\"a\":1e3}', '$.a')", "VARCHAR:1000.0");
    Q("SELECT json_extract('{\"a\":0.1}', '$.a')", "VARCHAR:0.1");
    Q("SELECT json_extract('{\"a\":\"x\\ny\"}', '$.a')", "VARCHAR:\"x\\ny\"");
    Q("SELECT json_extract_string('{\"a\":\"\\u00e9\"}', '$.a')", "VARCHAR:é");
    Q("SELECT json_extract_string('{\"a\":true}', '$.a')", "VARCHAR:true");
    Q("SELECT '{\"a\":{\"b\":1}}' -> '$.a' ->> 'b'", "VARCHAR:1");
    Q("SELECT '{\"a\":[5,6]}' -> 'a' -> 0", "VARCHAR:5");
    Q("CREATE TABLE ev AS SELECT * FROM (VALUES ('{\"user\":{\"id\":7}}', '$.user.id'), "
      "('[4,5]', '$[1]'), ('{\"b\":{\"c\":true}}', 'b'), ('{}', 'x')) t(j, p); "
      "SELECT json_extract(j, p) FROM ev",
      "VARCHAR:7|5|{\"c\":true}|NULL");
}

static void test_json_errors(void)
{
    Q("SELECT json_extract('{a:1}', '$.a')",
      "ERR:Invalid Input Error: Malformed JSON at byte 1 of input: unexpected character.  "
      "Input: \"{a:1}\"");
    Q("SELECT json_extract('{\"a\":1} x', '$.a')",
      "ERR:Invalid Input Error: Malformed JSON at byte 8 of input: unexpected content after "
      "document.  Input: \"{\"a\":1} x\"");
    Q("SELECT json_extract('{\"a\":', '$.a')",
      "ERR:Invalid Input Error: Malformed JSON at byte 5 of input: unexpected end of data.  "
      "Input: \"{\"a\":\"");
    Q("SELECT json_extract('{\"a\":1}', '$a')", "ERR:Binder Error: JSON path error near 'a'");
    Q("SELECT json_extract('{\"a\":1}', '$[x]')", "ERR:Binder Error: JSON path error near '[x]'");
}

static const lh_test_t tests[] = {
    {"regexp_matches", test_regexp_matches}, {"regexp_errors", test_regexp_errors},
    {"regexp_replace", test_regexp_replace}, {"regexp_extract", test_regexp_extract},
    {"json_valid", test_json_valid},         {"json_extract", test_json_extract},
    {"json_errors", test_json_errors},       {NULL, NULL},
};

LH_TEST_MAIN(tests)
