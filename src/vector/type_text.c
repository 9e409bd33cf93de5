/* The text form of logical types, as DuckDB writes them: formatting
 * ("DECIMAL(18,3)", "INTEGER[]", "STRUCT(a INTEGER, b VARCHAR)",
 * "MAP(VARCHAR, BIGINT)") and a recursive-descent parser that also takes the
 * common aliases, for the SQL binder (CAST, CREATE TABLE) and schemas. */
#include "vector/types.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- formatting ---- */

typedef struct {
    char *buf;
    size_t cap, len;
} out_t;

static void put(out_t *o, const char *s, size_t n)
{
    if (o->len < o->cap) {
        size_t room = o->cap - 1 - o->len, k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
        o->buf[o->len + k] = 0;
    }
    o->len += n;
}

static void puts_(out_t *o, const char *s)
{
    put(o, s, strlen(s));
}

static bool plain_name(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_')) return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_')) return false;
    return true;
}

static void put_name(out_t *o, const char *s)
{
    if (plain_name(s)) {
        puts_(o, s);
        return;
    }
    put(o, "\"", 1);
    for (; *s; s++)
        put(o, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
    put(o, "\"", 1);
}

static void format_type(out_t *o, const lh_type_t *t)
{
    char num[32];
    switch (t->id) {
    case LH_TYPE_DECIMAL:
        snprintf(num, sizeof num, "DECIMAL(%u,%u)", t->width, t->scale);
        puts_(o, num);
        break;
    case LH_TYPE_LIST:
        format_type(o, lh_type_child(t));
        puts_(o, "[]");
        break;
    case LH_TYPE_MAP:
        puts_(o, "MAP(");
        format_type(o, lh_type_map_key(t));
        puts_(o, ", ");
        format_type(o, lh_type_map_value(t));
        puts_(o, ")");
        break;
    case LH_TYPE_STRUCT:
        puts_(o, "STRUCT(");
        for (uint32_t i = 0; i < t->nfields; i++) {
            if (i) puts_(o, ", ");
            put_name(o, t->fields[i].name);
            puts_(o, " ");
            format_type(o, &t->fields[i].type);
        }
        puts_(o, ")");
        break;
    default:
        puts_(o, lh_type_id_name((lh_type_id_t)t->id));
    }
}

size_t lh_type_format(const lh_type_t *t, char *buf, size_t cap)
{
    out_t o = {buf, cap, 0};
    if (cap) buf[0] = 0;
    format_type(&o, t);
    return o.len;
}

/* ---- parsing ---- */

typedef struct {
    lh_arena_t *a;
    const char *s;
    size_t len, pos;
    lh_err_t *err;
} parser_t;

static const struct {
    const char *name;
    lh_type_id_t id;
} aliases[] = {
    {"BOOLEAN", LH_TYPE_BOOLEAN},
    {"BOOL", LH_TYPE_BOOLEAN},
    {"LOGICAL", LH_TYPE_BOOLEAN},
    {"TINYINT", LH_TYPE_TINYINT},
    {"INT1", LH_TYPE_TINYINT},
    {"BYTE", LH_TYPE_TINYINT},
    {"SMALLINT", LH_TYPE_SMALLINT},
    {"INT2", LH_TYPE_SMALLINT},
    {"SHORT", LH_TYPE_SMALLINT},
    {"INTEGER", LH_TYPE_INTEGER},
    {"INT", LH_TYPE_INTEGER},
    {"INT4", LH_TYPE_INTEGER},
    {"SIGNED", LH_TYPE_INTEGER},
    {"BIGINT", LH_TYPE_BIGINT},
    {"INT8", LH_TYPE_BIGINT},
    {"LONG", LH_TYPE_BIGINT},
    {"UTINYINT", LH_TYPE_UTINYINT},
    {"USMALLINT", LH_TYPE_USMALLINT},
    {"UINTEGER", LH_TYPE_UINTEGER},
    {"UBIGINT", LH_TYPE_UBIGINT},
    {"HUGEINT", LH_TYPE_HUGEINT},
    {"INT128", LH_TYPE_HUGEINT},
    {"FLOAT", LH_TYPE_FLOAT},
    {"FLOAT4", LH_TYPE_FLOAT},
    {"REAL", LH_TYPE_FLOAT},
    {"DOUBLE", LH_TYPE_DOUBLE},
    {"FLOAT8", LH_TYPE_DOUBLE},
    {"DECIMAL", LH_TYPE_DECIMAL},
    {"NUMERIC", LH_TYPE_DECIMAL},
    {"DATE", LH_TYPE_DATE},
    {"TIME", LH_TYPE_TIME},
    {"TIMESTAMP", LH_TYPE_TIMESTAMP},
    {"DATETIME", LH_TYPE_TIMESTAMP},
    {"INTERVAL", LH_TYPE_INTERVAL},
    {"VARCHAR", LH_TYPE_VARCHAR},
    {"TEXT", LH_TYPE_VARCHAR},
    {"STRING", LH_TYPE_VARCHAR},
    {"CHAR", LH_TYPE_VARCHAR},
    {"BPCHAR", LH_TYPE_VARCHAR},
    {"BLOB", LH_TYPE_BLOB},
    {"BYTEA", LH_TYPE_BLOB},
    {"BINARY", LH_TYPE_BLOB},
    {"VARBINARY", LH_TYPE_BLOB},
    {"STRUCT", LH_TYPE_STRUCT},
    {"ROW", LH_TYPE_STRUCT},
    {"MAP", LH_TYPE_MAP},
    {"TIMESTAMPTZ", LH_TYPE_TIMESTAMP_TZ},
};

static int fail(parser_t *p, const char *what)
{
    return lh_err_set(p->err, LH_EINVAL, "invalid type at offset %zu: %s", p->pos, what);
}

static void skip_space(parser_t *p)
{
    while (p->pos < p->len && isspace((unsigned char)p->s[p->pos]))
        p->pos++;
}

/* Consumes c (after spaces) when it is next. */
static bool eat(parser_t *p, char c)
{
    skip_space(p);
    if (p->pos < p->len && p->s[p->pos] == c) {
        p->pos++;
        return true;
    }
    return false;
}

static size_t word(parser_t *p)
{
    skip_space(p);
    size_t n = 0;
    while (p->pos + n < p->len &&
           (isalnum((unsigned char)p->s[p->pos + n]) || p->s[p->pos + n] == '_'))
        n++;
    return n;
}

static int number(parser_t *p, int *out)
{
    skip_space(p);
    int v = 0, n = 0;
    while (p->pos < p->len && isdigit((unsigned char)p->s[p->pos]) && n < 4) {
        v = v * 10 + (p->s[p->pos++] - '0');
        n++;
    }
    if (!n) return fail(p, "expected a number");
    *out = v;
    return 0;
}

static int parse_type(parser_t *p, int depth, lh_type_t *out);

/* Consumes the keyword kw (after spaces, any case) when it is next. */
static bool eat_word(parser_t *p, const char *kw)
{
    size_t n = word(p);
    if (n != strlen(kw) || strncasecmp(p->s + p->pos, kw, n)) return false;
    p->pos += n;
    return true;
}

/* DECIMAL [(p [, s])]; VARCHAR(n) and the like take a length we ignore;
 * TIMESTAMP WITH TIME ZONE is TIMESTAMPTZ, TIMESTAMP WITHOUT TIME ZONE is
 * TIMESTAMP (SQL's spelling, which DuckDB prints for TIMESTAMPTZ). */
static int parse_args(parser_t *p, lh_type_id_t id, lh_type_t *out)
{
    int w = 18, sc = 3, rc;
    if (id == LH_TYPE_TIMESTAMP) {
        size_t save = p->pos;
        bool with = eat_word(p, "WITH");
        if (with || eat_word(p, "WITHOUT")) {
            if (!eat_word(p, "TIME") || !eat_word(p, "ZONE")) return fail(p, "expected TIME ZONE");
            if (with) id = LH_TYPE_TIMESTAMP_TZ;
        } else {
            p->pos = save;
        }
    }
    if (id == LH_TYPE_DECIMAL && eat(p, '(')) {
        if ((rc = number(p, &w))) return rc;
        sc = 0;
        if (eat(p, ',') && (rc = number(p, &sc))) return rc;
        if (!eat(p, ')')) return fail(p, "expected )");
    } else if (id == LH_TYPE_VARCHAR && eat(p, '(')) {
        if ((rc = number(p, &w))) return rc;
        if (!eat(p, ')')) return fail(p, "expected )");
    }
    *out = id == LH_TYPE_DECIMAL ? lh_type_decimal(w, sc) : lh_type(id);
    return out->id ? 0 : fail(p, "decimal width or scale out of range");
}

/* A field name: a word or a "quoted name" ("" inside is one "). */
static int field_name(parser_t *p, const char **name)
{
    skip_space(p);
    if (p->pos < p->len && p->s[p->pos] == '"') {
        char *buf = lh_arena_alloc(p->a, p->len - p->pos);
        if (!buf) return LH_ENOMEM;
        size_t n = 0;
        for (p->pos++;; p->pos++) {
            if (p->pos >= p->len) return fail(p, "unterminated quoted name");
            char c = p->s[p->pos];
            if (c == 0) return fail(p, "NUL in a name");
            if (c == '"' && (p->pos + 1 >= p->len || p->s[p->pos + 1] != '"')) break;
            if (c == '"') p->pos++;
            buf[n++] = c;
        }
        p->pos++;
        buf[n] = 0;
        *name = buf;
        return 0;
    }
    size_t n = word(p);
    if (!n) return fail(p, "expected a field name");
    *name = lh_arena_strndup(p->a, p->s + p->pos, n);
    p->pos += n;
    return *name ? 0 : LH_ENOMEM;
}

static int parse_struct(parser_t *p, int depth, lh_type_t *out)
{
    uint32_t n = 0, cap = 8;
    lh_field_t *f = lh_arena_alloc(p->a, cap * sizeof *f);
    if (!f) return LH_ENOMEM;
    if (!eat(p, '(')) return fail(p, "expected (");
    do {
        if (n == cap) {
            if (cap >= LH_TYPE_MAX_FIELDS) return fail(p, "too many fields");
            lh_field_t *g = lh_arena_alloc(p->a, 2 * cap * sizeof *g);
            if (!g) return LH_ENOMEM;
            memcpy(g, f, n * sizeof *f);
            f = g;
            cap *= 2;
        }
        int rc = field_name(p, &f[n].name);
        if (!rc) rc = parse_type(p, depth + 1, &f[n].type);
        if (rc) return rc;
        n++;
    } while (eat(p, ','));
    if (!eat(p, ')')) return fail(p, "expected , or )");
    int rc = lh_type_struct(p->a, f, n, out);
    return rc == LH_EINVAL ? fail(p, "duplicate field name or type nested too deeply") : rc;
}

static int parse_map(parser_t *p, int depth, lh_type_t *out)
{
    lh_type_t k, v;
    int rc;
    if (!eat(p, '(')) return fail(p, "expected (");
    if ((rc = parse_type(p, depth + 1, &k))) return rc;
    if (!eat(p, ',')) return fail(p, "expected ,");
    if ((rc = parse_type(p, depth + 1, &v))) return rc;
    if (!eat(p, ')')) return fail(p, "expected )");
    rc = lh_type_map(p->a, &k, &v, out);
    return rc == LH_EINVAL ? fail(p, "type nested too deeply") : rc;
}

static int parse_base(parser_t *p, int depth, lh_type_t *out)
{
    size_t n = word(p);
    if (!n) return fail(p, "expected a type name");
    const char *w = p->s + p->pos;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        if (strlen(aliases[i].name) != n || strncasecmp(aliases[i].name, w, n)) continue;
        p->pos += n;
        if (aliases[i].id == LH_TYPE_STRUCT) return parse_struct(p, depth, out);
        if (aliases[i].id == LH_TYPE_MAP) return parse_map(p, depth, out);
        return parse_args(p, aliases[i].id, out);
    }
    return fail(p, "unknown type name");
}

static int parse_type(parser_t *p, int depth, lh_type_t *out)
{
    if (depth > LH_TYPE_MAX_DEPTH) return fail(p, "type nested too deeply");
    int rc = parse_base(p, depth, out);
    while (!rc && eat(p, '[')) {
        if (!eat(p, ']')) return fail(p, "expected ]");
        lh_type_t elem = *out;
        rc = lh_type_list(p->a, &elem, out);
        if (rc == LH_EINVAL) return fail(p, "type nested too deeply");
    }
    return rc;
}

int lh_type_parse(lh_arena_t *a, const char *text, size_t len, lh_type_t *out, lh_err_t *err)
{
    parser_t p = {a, text, len, 0, err};
    lh_type_t t;
    int rc = parse_type(&p, 1, &t);
    if (rc) return rc == LH_ENOMEM ? lh_err_set(err, rc, "out of memory") : rc;
    skip_space(&p);
    if (p.pos != len) return fail(&p, "unexpected text after the type");
    *out = t;
    return 0;
}
