/* Unit tests of the aggregates in src/sql/func/agg_*.c, driven through
 * lh_sql_agg_t directly: bind (types chosen), arguments cast as the bind
 * asked, then every input folded three ways that must agree: all rows into
 * one state by update, by update_one when there is one, and the rows split
 * between two states merged by combine (as thread-local tables are). Expected
 * values are DuckDB 1.5's ("TYPE:text", DuckDB's VARCHAR cast of the
 * result). */
#include <math.h>
#include <stdlib.h>

#include "sql/func/func.h"
#include "test.h"

#define MAXROWS 64

static char result[4096];

static lh_arena_t *arena(void)
{
    static lh_arena_t *a;
    if (!a) a = lh_arena_new(1 << 16);
    return a;
}

static lh_type_t ty(const char *name, size_t n)
{
    lh_type_t t = {0};
    lh_err_t e;
    lh_type_parse(arena(), name, n, &t, &e);
    return t;
}

static const char *fmt_err(const lh_sql_error_t *err)
{
    snprintf(result, sizeof result, "ERR:%s: %s",
             lh_sql_err_class_name((lh_sql_err_class_t)err->cls), err->e.msg);
    return result;
}

static void fmt_row(const lh_vector_t *v, char *buf, size_t cap)
{
    char tn[128];
    lh_type_format(&v->type, tn, sizeof tn);
    lh_buf_t b;
    lh_buf_init(&b, 1 << 20);
    if (!lh_vector_is_valid(v, 0))
        lh_buf_puts(&b, "NULL");
    else
        lh_vector_text(v, 0, &b);
    snprintf(buf, cap, "%s:%s", tn, b.ptr ? b.ptr : "");
    lh_buf_free(&b);
}

/* Text to a value of type `from`, then cast to `to` ("NULL": NULL). */
static int value_of(const char *text, size_t n, const lh_type_t *from, const lh_type_t *to,
                    lh_value_t *out, lh_sql_error_t *err)
{
    if (n == 4 && !memcmp(text, "NULL", 4)) {
        *out = lh_value_null(*to);
        return 0;
    }
    lh_value_t s = lh_value_varchar(text, n), v;
    int rc = lh_sql_cast_value(&s, from, false, arena(), &v, -1, err);
    return rc ? rc : lh_sql_cast_value(&v, to, false, arena(), out, -1, err);
}

typedef struct call {
    lh_sql_arg_t args[LH_SQL_MAX_ARGS];
    lh_type_t cast_to[LH_SQL_MAX_ARGS];
    uint32_t nargs, nvary; /* arguments; those varying by row (the rest are constants) */
    lh_sql_bind_call_t bc;
    const char *rows[MAXROWS][LH_SQL_MAX_ARGS];
    size_t lens[MAXROWS][LH_SQL_MAX_ARGS];
    uint32_t nrows;
} call_t;

/* Arguments of rows [from, to) as vectors (constants as CONSTANT vectors). */
static int make_args(call_t *c, uint32_t from, uint32_t to, lh_vector_t *v, lh_sql_error_t *err)
{
    for (uint32_t a = 0; a < c->nargs; a++) {
        lh_vector_init(&v[a], &c->cast_to[a], MAXROWS, arena());
        if (a >= c->nvary) {
            lh_value_t val;
            int rc =
                lh_sql_cast_value(&c->args[a].value, &c->cast_to[a], false, arena(), &val, -1, err);
            if (rc) return rc;
            lh_vector_set_value(&v[a], 0, &val);
            lh_vector_set_constant(&v[a]);
            continue;
        }
        for (uint32_t r = from; r < to; r++) {
            lh_value_t val;
            int rc =
                value_of(c->rows[r][a], c->lens[r][a], &c->args[a].type, &c->cast_to[a], &val, err);
            if (rc) return rc;
            if (lh_vector_set_value(&v[a], r - from, &val)) return LH_EINVAL;
        }
    }
    return 0;
}

/* Folds rows [from, to) into state s: update_one (one) or update. */
static int fold(call_t *c, lh_sql_actx_t *ctx, uint32_t from, uint32_t to, void *s, bool one)
{
    lh_vector_t v[LH_SQL_MAX_ARGS];
    int rc = make_args(c, from, to, v, ctx->err);
    if (rc) return rc;
    void *states[MAXROWS];
    for (uint32_t i = 0; i < to - from; i++)
        states[i] = s;
    if (to == from) return 0;
    if (one) return c->bc.agg->update_one(ctx, v, c->nargs, to - from, s);
    return c->bc.agg->update(ctx, v, c->nargs, to - from, states);
}

static int finish(call_t *c, lh_sql_actx_t *ctx, void *s, char *buf, size_t cap)
{
    lh_vector_t out;
    lh_vector_init(&out, &c->bc.ret, 4, arena());
    void *states[1] = {s};
    int rc = c->bc.agg->finalize(ctx, states, 1, &out);
    if (!rc) fmt_row(&out, buf, cap);
    if (c->bc.agg->destroy) c->bc.agg->destroy(s);
    return rc;
}

/* Parses "T1;T2" types, the constant text of the last nconst arguments, and
 * rows "a,b|c,d". */
static int parse(call_t *c, const char *fn, const char *types, const char *konst, const char *rows,
                 lh_sql_error_t *err)
{
    memset(c, 0, sizeof *c);
    for (const char *p = types; *p;) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        c->args[c->nargs].type = ty(p, n);
        c->cast_to[c->nargs] = c->args[c->nargs].type;
        c->nargs++;
        p += n + (e ? 1 : 0);
    }
    c->nvary = c->nargs - (konst ? 1 : 0);
    if (konst) {
        lh_sql_arg_t *k = &c->args[c->nargs - 1];
        k->flags = LH_SQL_ARG_CONSTANT;
        if (!strcmp(konst, "NULL")) k->flags |= LH_SQL_ARG_NULL_LITERAL;
        int rc = value_of(konst, strlen(konst), &k->type, &k->type, &k->value, err);
        if (rc) return rc;
    }
    for (const char *p = rows; p && *p && c->nrows < MAXROWS; c->nrows++) {
        for (uint32_t a = 0; a < c->nvary; a++) {
            size_t n = strcspn(p, a + 1 < c->nvary ? "," : "|");
            c->rows[c->nrows][a] = p;
            c->lens[c->nrows][a] = n;
            p += n + (p[n] ? 1 : 0);
        }
    }
    c->bc = (lh_sql_bind_call_t){.name = fn,
                                 .args = c->args,
                                 .nargs = c->nargs,
                                 .arena = arena(),
                                 .pos = -1,
                                 .cast_to = c->cast_to};
    const lh_sql_func_def_t *def = lh_sql_func_lookup(fn);
    if (!def) return lh_sql_err(err, LH_ENOENT, LH_SQL_ECATALOG, -1, "no function %s", fn);
    return lh_sql_func_bind(def, &c->bc, err);
}

/* Whether two results agree: equal, or DOUBLEs within a relative 1e-12 (a
 * merge of partial sums may round the last bits differently). */
static bool same(const char *a, const char *b)
{
    if (!strcmp(a, b)) return true;
    if (strncmp(a, "DOUBLE:", 7) || strncmp(b, "DOUBLE:", 7)) return false;
    double x = strtod(a + 7, NULL), y = strtod(b + 7, NULL);
    return fabs(x - y) <= 1e-12 * fmax(fabs(x), fabs(y));
}

/* fn over rows; "TYPE:text", "ERR:Class: message", or "MISMATCH ..." when
 * the ways of folding disagree. */
static const char *agg(const char *fn, const char *types, const char *konst, const char *rows)
{
    static call_t c;
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    if (parse(&c, fn, types, konst, rows, &err)) return fmt_err(&err);
    if (!c.bc.agg) return "ERR:not an aggregate";
    lh_arena_t *states = lh_arena_new(1 << 12);
    lh_sql_actx_t ctx = {.bind_data = c.bc.bind_data, .err = &err, .pos = -1, .arena = states};
    size_t sz = (c.bc.agg->state_size + 15) & ~(size_t)15;
    void *s1 = lh_arena_calloc(states, sz), *s2 = lh_arena_calloc(states, sz);
    void *s3 = lh_arena_calloc(states, sz), *s4 = lh_arena_calloc(states, sz);
    char whole[1024], split[1024], one[1024];
    uint32_t k = c.nrows / 2;
    /* all rows into one state */
    c.bc.agg->init(c.bc.bind_data, s1);
    if (fold(&c, &ctx, 0, c.nrows, s1, false) || finish(&c, &ctx, s1, whole, sizeof whole))
        goto fail;
    /* split in two, merged */
    c.bc.agg->init(c.bc.bind_data, s2);
    c.bc.agg->init(c.bc.bind_data, s3);
    if (fold(&c, &ctx, 0, k, s2, false) || fold(&c, &ctx, k, c.nrows, s3, false) ||
        c.bc.agg->combine(&ctx, s3, s2))
        goto fail;
    if (c.bc.agg->destroy) c.bc.agg->destroy(s3);
    if (finish(&c, &ctx, s2, split, sizeof split)) goto fail;
    snprintf(one, sizeof one, "%s", whole);
    if (c.bc.agg->update_one) {
        c.bc.agg->init(c.bc.bind_data, s4);
        if (fold(&c, &ctx, 0, c.nrows, s4, true) || finish(&c, &ctx, s4, one, sizeof one))
            goto fail;
    }
    lh_arena_free(states);
    if (!same(whole, split) || !same(whole, one))
        snprintf(result, sizeof result, "MISMATCH whole=%s split=%s one=%s", whole, split, one);
    else
        snprintf(result, sizeof result, "%s", whole);
    return result;
fail:
    lh_arena_free(states);
    return fmt_err(&err);
}

#define AGG(fn, types, konst, rows, want) CHECK_EQ_STR(agg(fn, types, konst, rows), want)

static void test_variance(void)
{
    const char *x = "0.1|0.2|0.3|0.7|1.1";
    AGG("stddev", "DECIMAL(2,1)", NULL, x, "DOUBLE:0.41472882706655445");
    AGG("stddev_samp", "DECIMAL(2,1)", NULL, x, "DOUBLE:0.41472882706655445");
    AGG("variance", "DECIMAL(2,1)", NULL, x, "DOUBLE:0.17200000000000001");
    AGG("var_samp", "DECIMAL(2,1)", NULL, x, "DOUBLE:0.17200000000000001");
    AGG("stddev_pop", "DECIMAL(2,1)", NULL, x, "DOUBLE:0.3709447398198282");
    AGG("var_pop", "DECIMAL(2,1)", NULL, x, "DOUBLE:0.1376");
    AGG("stddev", "INTEGER", NULL, "1|2|4", "DOUBLE:1.5275252316519465");
    AGG("var_pop", "INTEGER", NULL, "1|NULL|2|4", "DOUBLE:1.5555555555555554");
    AGG("stddev", "INTEGER", NULL, "1", "DOUBLE:NULL");
    AGG("var_samp", "INTEGER", NULL, "1|NULL", "DOUBLE:NULL");
    AGG("var_pop", "INTEGER", NULL, "1", "DOUBLE:0.0");
    AGG("stddev_pop", "INTEGER", NULL, "NULL", "DOUBLE:NULL");
    AGG("stddev_pop", "INTEGER", NULL, "", "DOUBLE:NULL");
    AGG("stddev", "DOUBLE", NULL, "inf|1", "ERR:Out of Range Error: STDDEV_SAMP is out of range!");
    AGG("var_pop", "DOUBLE", NULL, "inf|1", "ERR:Out of Range Error: VARPOP is out of range!");
    AGG("stddev", "VARCHAR", NULL, "1",
        "ERR:Binder Error: No function matches the given name and argument types "
        "'stddev(VARCHAR)'. You might need to add explicit type casts.");
}

static void test_covariance(void)
{
    const char *xy = "0.1,3.3|0.2,1.1|0.3,7.7|0.7,2.3|1.1,2.9|NULL,1|5,NULL";
    const char *t = "DECIMAL(2,1);DECIMAL(2,1)";
    AGG("covar_pop", t, NULL, xy, "DOUBLE:-0.12879999999999997");
    AGG("covar_samp", t, NULL, xy, "DOUBLE:-0.16099999999999998");
    AGG("corr", t, NULL, xy, "DOUBLE:-0.1545666556598361");
    /* regr_r2(y, x): the arguments the other way round */
    AGG("regr_r2", t, NULL, "3.3,0.1|1.1,0.2|7.7,0.3|2.3,0.7|2.9,1.1",
        "DOUBLE:0.023890851041866334");
    AGG("corr", "INTEGER;INTEGER", NULL, "1,2", "DOUBLE:nan");
    AGG("covar_pop", "INTEGER;INTEGER", NULL, "1,2", "DOUBLE:0.0");
    AGG("covar_samp", "INTEGER;INTEGER", NULL, "1,2", "DOUBLE:NULL");
    AGG("corr", "INTEGER;INTEGER", NULL, "", "DOUBLE:NULL");
    AGG("regr_r2", "INTEGER;INTEGER", NULL, "2,1|2,2", "DOUBLE:1.0");
    AGG("regr_r2", "INTEGER;INTEGER", NULL, "1,1|2,1", "DOUBLE:NULL");
    AGG("corr", "DOUBLE;DOUBLE", NULL, "1e308,1e308|-1e308,-1e308",
        "ERR:Out of Range Error: STDDEV_POP for X is out of range!");
}

static void test_product_fsum(void)
{
    AGG("product", "INTEGER", NULL, "2|3|NULL", "DOUBLE:6.0");
    AGG("product", "DECIMAL(2,1)", NULL, "2.5|3", "DOUBLE:7.5");
    AGG("product", "INTEGER", NULL, "NULL", "DOUBLE:NULL");
    AGG("fsum", "INTEGER", NULL, "1|2", "DOUBLE:3.0");
    AGG("kahan_sum", "DOUBLE", NULL, "", "DOUBLE:NULL");
    AGG("sumkahan", "DOUBLE", NULL, "0.1|0.1|0.1|0.1|0.1|0.1|0.1|0.1|0.1|0.1", "DOUBLE:1.0");
}

static void test_bool_count_if(void)
{
    AGG("bool_and", "BOOLEAN", NULL, "true|false|NULL", "BOOLEAN:false");
    AGG("bool_or", "BOOLEAN", NULL, "true|false|NULL", "BOOLEAN:true");
    AGG("bool_and", "BOOLEAN", NULL, "true|NULL", "BOOLEAN:true");
    AGG("bool_or", "BOOLEAN", NULL, "", "BOOLEAN:NULL");
    AGG("count_if", "BOOLEAN", NULL, "true|false|NULL|true", "HUGEINT:2");
    AGG("countif", "BOOLEAN", NULL, "false", "HUGEINT:0");
    AGG("count_if", "BOOLEAN", NULL, "NULL", "HUGEINT:NULL");
    AGG("bool_and", "INTEGER", NULL, "1",
        "ERR:Binder Error: No function matches the given name and argument types "
        "'bool_and(INTEGER)'. You might need to add explicit type casts.");
}

static void test_string_agg(void)
{
    AGG("string_agg", "VARCHAR", NULL, "a|NULL|b|c", "VARCHAR:a,b,c");
    AGG("string_agg", "VARCHAR;VARCHAR", "-", "a|NULL|b|c", "VARCHAR:a-b-c");
    AGG("group_concat", "VARCHAR", NULL, "a|b", "VARCHAR:a,b");
    AGG("listagg", "VARCHAR;VARCHAR", ", ",
        "a string longer than twelve bytes|b|another long string value",
        "VARCHAR:a string longer than twelve bytes, b, another long string value");
    AGG("string_agg", "INTEGER", NULL, "1|2", "VARCHAR:1,2");
    AGG("string_agg", "VARCHAR;VARCHAR", "NULL", "a|b", "VARCHAR:NULL");
    AGG("string_agg", "VARCHAR", NULL, "NULL", "VARCHAR:NULL");
    /* a separator that is not a constant */
    static call_t c;
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    CHECK(parse(&c, "string_agg", "VARCHAR;VARCHAR", "-", "", &err) == 0);
    c.args[1].flags = 0;
    CHECK(lh_sql_func_bind(lh_sql_func_lookup("string_agg"), &c.bc, &err) < 0);
    CHECK_EQ_STR(fmt_err(&err),
                 "ERR:Binder Error: Separator argument to StringAgg must be a constant");
}

static void test_arg_max_first(void)
{
    const char *r = "a,1|b,3|c,3|d,0|NULL,5|e,NULL";
    AGG("arg_max", "VARCHAR;INTEGER", NULL, r, "VARCHAR:b");
    AGG("arg_min", "VARCHAR;INTEGER", NULL, r, "VARCHAR:d");
    AGG("max_by", "VARCHAR;INTEGER", NULL, r, "VARCHAR:b");
    AGG("min_by", "VARCHAR;INTEGER", NULL, r, "VARCHAR:d");
    AGG("arg_max", "INTEGER;INTEGER", NULL, "NULL,5|2,1", "INTEGER:2");
    AGG("arg_max_null", "INTEGER;INTEGER", NULL, "NULL,5|2,1", "INTEGER:NULL");
    AGG("arg_min_null", "INTEGER;INTEGER", NULL, "NULL,5|2,1|NULL,0", "INTEGER:NULL");
    AGG("arg_max", "INTEGER;VARCHAR", NULL,
        "1,a long string of some length|2,b|3,a long string of some length that is longer",
        "INTEGER:2");
    AGG("arg_min", "VARCHAR;INTEGER", NULL,
        "long string number one!,1|long string number two!,0|long string three,0",
        "VARCHAR:long string number two!");
    /* DuckDB orders INTERVALs part by part here: 1 day beats 26 hours */
    AGG("arg_max", "INTEGER;INTERVAL", NULL, "1,1 day|2,26 hours", "INTEGER:1");
    AGG("arg_max", "DATE;DOUBLE", NULL, "2020-01-01,2.5|2021-01-01,1.5", "DATE:2020-01-01");
    AGG("first", "INTEGER", NULL, "NULL|2|3|NULL", "INTEGER:NULL");
    AGG("arbitrary", "INTEGER", NULL, "1|2|3|NULL", "INTEGER:1");
    AGG("last", "INTEGER", NULL, "NULL|2|3|NULL", "INTEGER:NULL");
    AGG("last", "VARCHAR", NULL, "a|b|a string longer than twelve",
        "VARCHAR:a string longer than twelve");
    AGG("any_value", "INTEGER", NULL, "NULL|2|3|NULL", "INTEGER:2");
    AGG("first", "VARCHAR", NULL, "", "VARCHAR:NULL");
}

static void test_quantiles(void)
{
    AGG("median", "INTEGER", NULL, "1|2|3|4", "DOUBLE:2.5");
    AGG("median", "BIGINT", NULL, "-1|-2", "DOUBLE:-1.5");
    AGG("quantile_cont", "INTEGER;DECIMAL(3,2)", "0.25", "4|3|2|1", "DOUBLE:1.75");
    AGG("quantile_disc", "INTEGER;DECIMAL(3,2)", "0.25", "4|3|2|1", "INTEGER:1");
    AGG("quantile", "INTEGER;DECIMAL(2,1)", "0.5", "1|2", "INTEGER:1");
    AGG("quantile_cont", "INTEGER;DECIMAL(2,1)", "0.3", "1|2|3|10", "DOUBLE:1.9");
    const char *ten = "1|2|3|4|5|6|7|8|9|10|NULL";
    AGG("quantile_disc", "BIGINT;DECIMAL(2,1)", "0.3", ten, "BIGINT:3");
    AGG("quantile_disc", "BIGINT;DECIMAL(3,2)", "0.95", ten, "BIGINT:10");
    AGG("quantile_disc", "BIGINT;DOUBLE", "0.7", ten, "BIGINT:7");
    AGG("quantile_disc", "BIGINT;DOUBLE", "0.15", ten, "BIGINT:2");
    AGG("quantile_disc", "BIGINT;INTEGER", "0", ten, "BIGINT:1");
    AGG("quantile_cont", "BIGINT;INTEGER", "1", ten, "DOUBLE:10.0");
    AGG("quantile_cont", "BIGINT;DECIMAL(3,2)", "-0.25", ten, "DOUBLE:7.75");
    AGG("quantile_disc", "BIGINT;DECIMAL(3,2)", "-0.25", ten, "BIGINT:8");
    AGG("median", "DECIMAL(4,2)", NULL, "1.25|2", "DECIMAL(4,2):1.62");
    AGG("median", "DECIMAL(4,2)", NULL, "-1.25|-2", "DECIMAL(4,2):-1.63");
    AGG("median", "DECIMAL(24,2)", NULL, "-1.25|-2|5.55", "DECIMAL(24,2):-1.25");
    AGG("quantile_cont", "DECIMAL(24,2);DECIMAL(2,1)", "0.1", "-1.25|-2|5.55",
        "DECIMAL(24,2):-1.85");
    AGG("median", "FLOAT", NULL, "1.5|2", "FLOAT:1.75");
    AGG("median", "DATE", NULL, "2020-01-01|2020-01-04", "TIMESTAMP:2020-01-02 12:00:00");
    AGG("median", "TIMESTAMP", NULL, "2020-01-01|2020-01-04 00:00:01",
        "TIMESTAMP:2020-01-02 12:00:00.5");
    AGG("median", "TIME", NULL, "01:00:00|02:00:01", "TIME:01:30:00.5");
    AGG("median", "VARCHAR", NULL, "d|a|c|b", "VARCHAR:b");
    AGG("median", "BOOLEAN", NULL, "true|false", "BOOLEAN:false");
    AGG("median", "DOUBLE", NULL, "nan|1", "DOUBLE:nan");
    AGG("median", "INTEGER", NULL, "NULL", "DOUBLE:NULL");
    AGG("quantile_disc", "DATE;DECIMAL(2,1)", "0.5", "2020-01-04|2020-01-01", "DATE:2020-01-01");
    AGG("quantile_cont", "INTEGER;DECIMAL(2,1)", "1.5", "1",
        "ERR:Binder Error: QUANTILE can only take parameters in the range [-1, 1]");
    AGG("quantile_cont", "INTEGER;INTEGER", "NULL", "1",
        "ERR:Binder Error: QUANTILE argument must not be NULL");
    AGG("quantile_cont", "VARCHAR;DECIMAL(2,1)", "0.5", "a",
        "ERR:Binder Error: No function matches the given name and argument types "
        "'quantile_cont(VARCHAR, DECIMAL(2,1))'. You might need to add explicit type casts.");
}

static void test_mode(void)
{
    AGG("mode", "INTEGER", NULL, "1|2|2|3|3|NULL|NULL|NULL", "INTEGER:2");
    AGG("mode", "INTEGER", NULL, "3|2|2|3|1", "INTEGER:3");
    AGG("mode", "VARCHAR", NULL, "b|a|a|b|c", "VARCHAR:b");
    AGG("mode", "VARCHAR", NULL,
        "a long string number 1 xxxx|a long string number 3 xxxx|a long string number 2 "
        "xxxx|a long string number 3 xxxx",
        "VARCHAR:a long string number 3 xxxx");
    AGG("mode", "INTEGER", NULL, "NULL", "INTEGER:NULL");
}

static void test_approx_count_distinct(void)
{
    AGG("approx_count_distinct", "INTEGER", NULL, "1|1|2|NULL", "BIGINT:2");
    AGG("approx_count_distinct", "INTEGER", NULL, "NULL", "BIGINT:0");
    AGG("approx_count_distinct", "VARCHAR", NULL, "a|b|a|a string longer than twelve", "BIGINT:3");
    AGG("approx_count_distinct", "DOUBLE", NULL, "0.0|-0.0|nan|nan", "BIGINT:2");
}

/* A sketch past its exact phase: within 5% (three standard errors) of the
 * truth, however the rows were split between states. */
static void test_hll_large(void)
{
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    lh_sql_arg_t arg = {.type = lh_type(LH_TYPE_BIGINT)};
    lh_type_t cast_to = arg.type;
    lh_sql_bind_call_t bc = {.name = "approx_count_distinct",
                             .args = &arg,
                             .nargs = 1,
                             .arena = arena(),
                             .pos = -1,
                             .cast_to = &cast_to};
    CHECK(lh_sql_func_bind(lh_sql_func_lookup("approx_count_distinct"), &bc, &err) == 0);
    lh_arena_t *sa = lh_arena_new(1 << 16);
    lh_sql_actx_t ctx = {.err = &err, .pos = -1, .arena = sa};
    static uint8_t st[4][64] __attribute__((aligned(16)));
    lh_vector_t v;
    lh_vector_init(&v, &arg.type, 2048, arena());
    int64_t *d = v.data;
    const int64_t total = 200000;
    for (int s = 0; s < 4; s++)
        bc.agg->init(NULL, st[s]);
    for (int64_t base = 0; base < total; base += 2048) {
        void *states[2048];
        for (int i = 0; i < 2048; i++) {
            d[i] = (base + i) % total * 7919; /* distinct values, each seen once */
            states[i] = st[(base / 2048 + i) % 4];
        }
        CHECK(bc.agg->update(&ctx, &v, 1, 2048, states) == 0);
    }
    for (int s = 1; s < 4; s++)
        CHECK(bc.agg->combine(&ctx, st[s], st[0]) == 0);
    lh_vector_t out;
    lh_vector_init(&out, &bc.ret, 1, arena());
    void *states[1] = {st[0]};
    CHECK(bc.agg->finalize(&ctx, states, 1, &out) == 0);
    int64_t est = ((int64_t *)out.data)[0];
    fprintf(stderr, "  approx_count_distinct of %lld distinct: %lld\n", (long long)total,
            (long long)est);
    CHECK(est > total * 95 / 100 && est < total * 105 / 100);
    lh_arena_free(sa);
}

/* Rows going to different groups in one update call. */
static void test_grouped_update(void)
{
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    static call_t c;
    CHECK(parse(&c, "string_agg", "VARCHAR;VARCHAR", "/", "a|b|c|d|e", &err) == 0);
    lh_arena_t *sa = lh_arena_new(1 << 12);
    lh_sql_actx_t ctx = {.bind_data = c.bc.bind_data, .err = &err, .pos = -1, .arena = sa};
    static uint8_t st[2][64] __attribute__((aligned(16)));
    c.bc.agg->init(c.bc.bind_data, st[0]);
    c.bc.agg->init(c.bc.bind_data, st[1]);
    lh_vector_t v[2];
    CHECK(make_args(&c, 0, 5, v, &err) == 0);
    void *states[5] = {st[0], st[1], st[0], st[1], st[0]};
    CHECK(c.bc.agg->update(&ctx, v, 2, 5, states) == 0);
    lh_vector_t out;
    lh_vector_init(&out, &c.bc.ret, 2, arena());
    void *fin[2] = {st[0], st[1]};
    CHECK(c.bc.agg->finalize(&ctx, fin, 2, &out) == 0);
    lh_string_t *s = out.data;
    CHECK(s[0].len == 5 && !memcmp(lh_string_data(&s[0]), "a/c/e", 5));
    CHECK(s[1].len == 3 && !memcmp(lh_string_data(&s[1]), "b/d", 3));
    lh_arena_free(sa);
}

static const lh_test_t tests[] = {
    {"variance", test_variance},
    {"covariance", test_covariance},
    {"product_fsum", test_product_fsum},
    {"bool_count_if", test_bool_count_if},
    {"string_agg", test_string_agg},
    {"arg_max_first", test_arg_max_first},
    {"quantiles", test_quantiles},
    {"mode", test_mode},
    {"approx_count_distinct", test_approx_count_distinct},
    {"hll_large", test_hll_large},
    {"grouped_update", test_grouped_update},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
