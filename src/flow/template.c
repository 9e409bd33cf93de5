/* Template check and render over one small recursive-descent parser of
 * "{{ expression }}" where an expression is a name (ds, params.x,
 * dag_run.conf.x.y, ...), a quoted string, an integer, or a macro call.
 * Check mode (ctx NULL) knows only kinds and literals and rejects anything
 * outside the subset; render mode computes the text. Names are rows of a
 * table. Python's str() forms are kept: a time (data_interval_start, ...)
 * renders as Airflow 3's pendulum 3 prints it, 2024-01-01 00:00:00+00:00,
 * while ts is isoformat 2024-01-01T00:00:00+00:00; JSON true as True, null
 * as None. */
#include "flow/template.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/timefmt.h"
#include "flow/template_int.h"

typedef struct {
    const char *p;
    const lh_flow_run_ctx_t *ctx; /* NULL: check */
    const char *const *params;
    int nparams;
    char *why;
    size_t cap;
} tstate_t;

static int fail(tstate_t *s, const char *fmt, const char *arg, int len)
{
    snprintf(s->why, s->cap, fmt, len, arg);
    return LH_EINVAL;
}

void lh_flow_format_ts(int64_t t, char *out, size_t cap)
{
    char iso[32];
    lh_time_iso8601_format(t * 1000000000LL, 0, iso, sizeof iso);
    snprintf(out, cap, "%.19s+00:00", iso);
}

static void ymd(int64_t t, lh__tval_t *v, int dash)
{
    char iso[32];
    lh_time_iso8601_format(t * 1000000000LL, 0, iso, sizeof iso);
    if (dash)
        snprintf(v->buf, sizeof v->buf, "%.10s", iso);
    else
        snprintf(v->buf, sizeof v->buf, "%.4s%.2s%.2s", iso, iso + 5, iso + 8);
}

/* ---- the fixed names ---- */

typedef struct {
    const char *name;
    int kind;
    void (*fn)(const lh_flow_run_ctx_t *c, lh__tval_t *v);
} tname_t;

static void n_ds(const lh_flow_run_ctx_t *c, lh__tval_t *v)
{
    ymd(c->logical_date, v, 1);
}
static void n_ds_nodash(const lh_flow_run_ctx_t *c, lh__tval_t *v)
{
    ymd(c->logical_date, v, 0);
}
static void n_ts(const lh_flow_run_ctx_t *c, lh__tval_t *v)
{
    lh_flow_format_ts(c->logical_date, v->buf, sizeof v->buf);
}
static void n_ts_nodash(const lh_flow_run_ctx_t *c, lh__tval_t *v)
{
    char ts[40];
    lh_flow_format_ts(c->logical_date, ts, sizeof ts);
    snprintf(v->buf, sizeof v->buf, "%.4s%.2s%.2sT%.2s%.2s%.2s", ts, ts + 5, ts + 8, ts + 11,
             ts + 14, ts + 17);
}
static void n_ts_nodash_tz(const lh_flow_run_ctx_t *c, lh__tval_t *v)
{
    n_ts_nodash(c, v);
    size_t n = strlen(v->buf);
    snprintf(v->buf + n, sizeof v->buf - n, "+0000");
}
static void n_start(const lh_flow_run_ctx_t *c, lh__tval_t *v)
{
    v->n = c->data_interval_start;
}
static void n_end(const lh_flow_run_ctx_t *c, lh__tval_t *v)
{
    v->n = c->data_interval_end;
}
static void n_logical(const lh_flow_run_ctx_t *c, lh__tval_t *v)
{
    v->n = c->logical_date;
}
static void n_run_id(const lh_flow_run_ctx_t *c, lh__tval_t *v)
{
    snprintf(v->buf, sizeof v->buf, "%s", c->run_id ? c->run_id : "");
}
static void n_try(const lh_flow_run_ctx_t *c, lh__tval_t *v)
{
    v->n = c->try_number;
}

static const tname_t names[] = {
    {.name = "ds", .kind = LH__TV_STR, .fn = n_ds},
    {.name = "ds_nodash", .kind = LH__TV_STR, .fn = n_ds_nodash},
    {.name = "ts", .kind = LH__TV_STR, .fn = n_ts},
    {.name = "ts_nodash", .kind = LH__TV_STR, .fn = n_ts_nodash},
    {.name = "ts_nodash_with_tz", .kind = LH__TV_STR, .fn = n_ts_nodash_tz},
    {.name = "data_interval_start", .kind = LH__TV_TIME, .fn = n_start},
    {.name = "data_interval_end", .kind = LH__TV_TIME, .fn = n_end},
    {.name = "logical_date", .kind = LH__TV_TIME, .fn = n_logical},
    {.name = "run_id", .kind = LH__TV_STR, .fn = n_run_id},
    {.name = "ti.try_number", .kind = LH__TV_INT, .fn = n_try},
};

/* ---- JSON lookups: params.x, dag_run.conf.x.y ---- */

static int json_value(tstate_t *s, const json_t *j, lh__tval_t *v)
{
    v->kind = LH__TV_STR, v->s = v->buf;
    if (json_is_string(j))
        v->s = json_string_value(j);
    else if (json_is_integer(j))
        v->kind = LH__TV_INT, v->n = json_integer_value(j);
    else if (json_is_boolean(j))
        snprintf(v->buf, sizeof v->buf, "%s", json_is_true(j) ? "True" : "False");
    else if (json_is_null(j))
        snprintf(v->buf, sizeof v->buf, "None");
    else if (json_is_real(j))
        snprintf(v->buf, sizeof v->buf, "%.17g", json_real_value(j));
    else {
        char *d = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        int n = d ? snprintf(v->buf, sizeof v->buf, "%s", d) : -1;
        free(d);
        if (n < 0 || (size_t)n >= sizeof v->buf) return fail(s, "%.*s: value too long", "", 0);
    }
    return 0;
}

static int lookup_json(tstate_t *s, const json_t *root, const char *name, size_t len, lh__tval_t *v)
{
    const json_t *j = root;
    const char *p = name, *end = name + len;
    while (p < end) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        size_t n = (size_t)((dot ? dot : end) - p);
        j = json_is_object(j) ? json_object_getn(j, p, n) : NULL;
        if (!j) return fail(s, "no value for \"%.*s\"", name, (int)len);
        p += n + (dot != NULL);
    }
    return json_value(s, j, v);
}

static int param_declared(tstate_t *s, const char *p, size_t n)
{
    const char *dot = memchr(p, '.', n);
    size_t head = dot ? (size_t)(dot - p) : n;
    for (int i = 0; i < s->nparams; i++)
        if (strlen(s->params[i]) == head && !strncmp(s->params[i], p, head)) return 1;
    return 0;
}

static int eval_name(tstate_t *s, const char *name, size_t len, lh__tval_t *v)
{
    if (len > 7 && !strncmp(name, "params.", 7)) {
        if (!s->ctx && !param_declared(s, name + 7, len - 7))
            return fail(s, "unknown param \"%.*s\"", name, (int)len);
        v->kind = LH__TV_STR;
        if (!s->ctx) return 0;
        return lookup_json(s, s->ctx->params, name + 7, len - 7, v);
    }
    if (len > 13 && !strncmp(name, "dag_run.conf.", 13)) {
        v->kind = LH__TV_STR;
        return s->ctx ? lookup_json(s, s->ctx->conf, name + 13, len - 13, v) : 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == len && !strncmp(names[i].name, name, len)) {
            v->kind = names[i].kind, v->s = v->buf;
            if (s->ctx) names[i].fn(s->ctx, v);
            return 0;
        }
    return fail(s, "unknown name \"%.*s\"", name, (int)len);
}

/* ---- expressions ---- */

#define MAX_DEPTH 8

static int parse_expr(tstate_t *s, lh__tval_t *v, int depth);

static void skip_ws(tstate_t *s)
{
    while (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')
        s->p++;
}

static int parse_string(tstate_t *s, lh__tval_t *v)
{
    char q = *s->p++;
    size_t n = 0;
    while (*s->p && *s->p != q) {
        if (*s->p == '\\' && s->p[1]) s->p++;
        if (n + 1 >= sizeof v->buf) return fail(s, "%.*sstring literal too long", "", 0);
        v->buf[n++] = *s->p++;
    }
    if (!*s->p) return fail(s, "%.*sunterminated string literal", "", 0);
    s->p++;
    v->buf[n] = 0;
    v->kind = LH__TV_STR, v->literal = 1, v->s = v->buf;
    return 0;
}

static int parse_int(tstate_t *s, lh__tval_t *v)
{
    int neg = *s->p == '-';
    int64_t n = 0;
    if (neg) s->p++;
    if (!isdigit((unsigned char)*s->p)) return fail(s, "%.*sexpected a number after '-'", "", 0);
    while (isdigit((unsigned char)*s->p)) {
        if (n > 100000000000LL) return fail(s, "%.*snumber too large", "", 0);
        n = n * 10 + (*s->p++ - '0');
    }
    v->kind = LH__TV_INT, v->literal = 1, v->n = neg ? -n : n;
    return 0;
}

static int parse_call(tstate_t *s, const char *name, size_t len, lh__tval_t *v, int depth)
{
    const lh__tmacro_t *m = lh__flow_macro_find(name, len);
    lh__tval_t args[3];
    int n = 0;
    if (!m) return fail(s, "unknown macro \"%.*s\"", name, (int)len);
    s->p++; /* ( */
    skip_ws(s);
    while (*s->p != ')') {
        if (n == 3) return fail(s, "too many arguments to %.*s", name, (int)len);
        memset(&args[n], 0, sizeof args[n]);
        if (parse_expr(s, &args[n++], depth + 1)) return LH_EINVAL;
        skip_ws(s);
        if (*s->p == ',')
            s->p++, skip_ws(s);
        else if (*s->p != ')')
            return fail(s, "expected ',' or ')' in %.*s(...)", name, (int)len);
    }
    s->p++;
    if (n != m->nargs) return fail(s, "%.*s: wrong number of arguments", name, (int)len);
    return m->fn(args, v, s->ctx, s->why, s->cap);
}

static int parse_expr(tstate_t *s, lh__tval_t *v, int depth)
{
    skip_ws(s);
    v->literal = 0;
    if (depth > MAX_DEPTH) return fail(s, "%.*sexpression nested too deeply", "", 0);
    if (*s->p == '\'' || *s->p == '"') return parse_string(s, v);
    if (*s->p == '-' || isdigit((unsigned char)*s->p)) return parse_int(s, v);
    if (!isalpha((unsigned char)*s->p) && *s->p != '_')
        return fail(s, "unexpected \"%.*s\"", s->p, *s->p ? 1 : 0);
    const char *name = s->p;
    while (isalnum((unsigned char)*s->p) || *s->p == '_' || *s->p == '.')
        s->p++;
    size_t len = (size_t)(s->p - name);
    skip_ws(s);
    if (*s->p == '(') return parse_call(s, name, len, v, depth);
    return eval_name(s, name, len, v);
}

static int emit(tstate_t *s, const lh__tval_t *v, lh_buf_t *out)
{
    char ts[40];
    if (v->kind == LH__TV_INT) return lh_buf_printf(out, "%lld", (long long)v->n);
    if (v->kind == LH__TV_TIME) { /* str() of a pendulum 3 DateTime: a space, not a T */
        lh_flow_format_ts(v->n, ts, sizeof ts);
        ts[10] = ' ';
        return lh_buf_puts(out, ts);
    }
    return lh_buf_puts(out, v->s ? v->s : "");
}

/* One {{ ... }} at s->p (just after the braces). */
static int expression(tstate_t *s, lh_buf_t *out)
{
    lh__tval_t v;
    memset(&v, 0, sizeof v);
    if (parse_expr(s, &v, 0)) return LH_EINVAL;
    skip_ws(s);
    if (*s->p == '|') return fail(s, "%.*sfilters (|) are not supported", "", 0);
    if (strncmp(s->p, "}}", 2)) {
        if (!*s->p) return fail(s, "%.*sunclosed {{", "", 0);
        return fail(s, "unexpected \"%.*s\" in {{ }}", s->p, 1);
    }
    s->p += 2;
    return s->ctx ? emit(s, &v, out) : 0;
}

static int run(tstate_t *s, lh_buf_t *out)
{
    while (*s->p) {
        const char *open = strchr(s->p, '{');
        while (open && open[1] != '{' && open[1] != '%' && open[1] != '#')
            open = strchr(open + 1, '{');
        size_t n = open ? (size_t)(open - s->p) : strlen(s->p);
        if (out && n && lh_buf_append(out, s->p, n)) return lh_buf_err(out);
        if (!open) return 0;
        s->p = open + 2;
        if (open[1] != '{') return fail(s, "%.*s{%% %%} and {# #} are not supported", "", 0);
        if (expression(s, out)) return out && lh_buf_err(out) ? lh_buf_err(out) : LH_EINVAL;
    }
    return 0;
}

int lh_flow_template_check(const char *text, const char *const *params, int nparams, char *why,
                           size_t cap)
{
    tstate_t s = {.p = text, .params = params, .nparams = nparams, .why = why, .cap = cap};
    return run(&s, NULL);
}

int lh_flow_template_render(const char *text, const lh_flow_run_ctx_t *ctx, lh_buf_t *out,
                            char *why, size_t cap)
{
    tstate_t s = {.p = text, .ctx = ctx, .why = why, .cap = cap};
    return run(&s, out);
}
