/* The harness of the scalar-function unit tests (sql_func_test.c,
 * sql_func2_test.c): builds argument vectors from text, binds a function by
 * name the engine's way (lookup, bind, casts of the arguments), runs its
 * kernel and renders the result as "TYPE:text" (DuckDB's VARCHAR cast) or
 * "ERROR:<class>: <message>". Included once per test program. */
#ifndef LH_TEST_SQL_FUNC_HARNESS_H
#define LH_TEST_SQL_FUNC_HARNESS_H
#include <stdarg.h>
#include <strings.h>

#include "sql/func/func.h"

static char result[4096];

static lh_arena_t *arena(void)
{
    static lh_arena_t *a;
    if (!a) a = lh_arena_new(1 << 16);
    return a;
}

static lh_type_t ty(const char *name)
{
    lh_type_t t = {0};
    lh_err_t e;
    if (strcmp(name, "NULL")) lh_type_parse(arena(), name, strlen(name), &t, &e);
    return t;
}

static const char *fmt_err(const lh_sql_error_t *err)
{
    snprintf(result, sizeof result, "ERR:%s: %s",
             lh_sql_err_class_name((lh_sql_err_class_t)err->cls), err->e.msg);
    return result;
}

/* "TYPE:text" of row of v. */
static const char *fmt_row(const lh_vector_t *v, uint32_t row)
{
    char tn[128];
    lh_type_format(&v->type, tn, sizeof tn);
    lh_buf_t b;
    lh_buf_init(&b, 1 << 20);
    if (!lh_vector_is_valid(v, row))
        lh_buf_puts(&b, "NULL");
    else
        lh_vector_text(v, row, &b);
    snprintf(result, sizeof result, "%s:%s", tn, b.ptr ? b.ptr : "");
    lh_buf_free(&b);
    return result;
}

/* A 1-row vector of type `type` holding text cast to it (NULL: NULL). */
static int make_arg(const char *type, const char *text, bool constant, lh_vector_t *v,
                    lh_sql_arg_t *arg, lh_sql_error_t *err)
{
    lh_type_t t = ty(type);
    memset(arg, 0, sizeof *arg);
    arg->type = t;
    if (!t.id) arg->flags = LH_SQL_ARG_NULL_LITERAL;
    lh_type_t vt = t.id ? t : lh_type(LH_TYPE_INTEGER);
    lh_vector_init(v, &vt, 4, arena());
    lh_value_t val = lh_value_null(vt);
    if (text && t.id) {
        lh_value_t s = lh_value_varchar(text, strlen(text));
        int rc = lh_sql_cast_value(&s, &t, false, arena(), &val, -1, err);
        if (rc) return rc;
    }
    lh_vector_set_value(v, 0, &val);
    if (constant) lh_vector_set_constant(v);
    arg->value = val;
    arg->flags |= LH_SQL_ARG_CONSTANT;
    return 0;
}

/* Calls fn on n (type, text) pairs; "TYPE:text" or "ERR:Class: message". */
static const char *call_v(const char *fn, bool constant, int n, va_list ap)
{
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    lh_vector_t in[LH_SQL_MAX_ARGS], cast[LH_SQL_MAX_ARGS], out;
    lh_sql_arg_t args[LH_SQL_MAX_ARGS];
    lh_type_t cast_to[LH_SQL_MAX_ARGS];
    for (int i = 0; i < n; i++) {
        const char *t = va_arg(ap, const char *), *x = va_arg(ap, const char *);
        if (make_arg(t, x, constant, &in[i], &args[i], &err)) return fmt_err(&err);
        cast_to[i] = args[i].type;
    }
    const lh_sql_func_def_t *def = lh_sql_func_lookup(fn);
    if (!def) return "ERR:no such function";
    lh_sql_bind_call_t call = {.name = fn,
                               .args = args,
                               .nargs = (uint32_t)n,
                               .arena = arena(),
                               .pos = -1,
                               .cast_to = cast_to};
    if (lh_sql_func_bind(def, &call, &err)) return fmt_err(&err);
    if (!call.exec) return "ERR:not a scalar";
    lh_vector_init(&out, &call.ret, 4, arena());
    for (int i = 0; i < n; i++) {
        lh_vector_init(&cast[i], &cast_to[i], 4, arena());
        if (lh_sql_cast_vector(&in[i], 1, &cast[i], false, -1, &err)) return fmt_err(&err);
        if (constant) lh_vector_set_constant(&cast[i]);
        if (!(def->flags & LH_SQL_FUNC_SPECIAL_NULLS) && !lh_vector_is_valid(&cast[i], 0))
            lh_vector_set_null(&out, 0);
    }
    void *local = call.init_local ? call.init_local(call.bind_data) : NULL;
    lh_sql_fctx_t ctx = {
        .bind_data = call.bind_data, .err = &err, .pos = -1, .arena = arena(), .local = local};
    int rc = call.exec(&ctx, cast, (uint32_t)n, 1, &out);
    if (local && call.free_local) call.free_local(local);
    if (rc) return fmt_err(&err);
    return fmt_row(&out, 0);
}

static const char *call(const char *fn, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    const char *r = call_v(fn, false, n, ap);
    va_end(ap);
    return r;
}

static const char *call_const(const char *fn, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    const char *r = call_v(fn, true, n, ap);
    va_end(ap);
    return r;
}

#endif
