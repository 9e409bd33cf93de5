/* JSON functions over text (DuckDB's JSON type is VARCHAR here):
 * json_valid(s), json_extract(j, path) (the value at path as JSON text;
 * `->`), json_extract_string(j, path) (a string value unquoted, anything
 * else as JSON text, JSON null as NULL; `->>`). A missing path is NULL;
 * text that is not JSON is DuckDB's Invalid Input Error "Malformed JSON at
 * byte N of input: ...".
 *
 * Paths: '$' then .key, ."quoted key", [i], [-i] or [#-i] (from the end);
 * '/a/0' (JSON Pointer); any other text is one key ('a' is $.a, 'a.b' the
 * key "a.b"); an integer is an array index. A constant path is parsed once
 * at bind (a bad one is DuckDB's Binder Error "JSON path error near ...").
 *
 * A row is first read by a scanner that builds nothing (json_scan.c): for
 * json_valid, and for a constant path of object keys whose value is a
 * string, an integer, true, false or null, it answers alone, 10-20 times
 * faster; a per-thread memo of its readings (json_memo.c) lets json_valid
 * and the one-key extractions of a row share one scan. Where the scanner
 * cannot tell, the row is decoded with jansson and the path walked over the
 * tree; values are written back compactly as DuckDB does (1.50 as 1.5, 1e3
 * as 1000.0, strings re-escaped, UTF-8 kept). Known differences: a
 * duplicate key keeps its last value (DuckDB: the first), integers beyond
 * int64 and trailing commas are errors (DuckDB accepts both), and the byte
 * an error names may differ for some mistakes. */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/func/func_int.h"
#include "sql/func/json_memo.h"

#define MAX_STEPS 64

typedef struct step {
    const char *key; /* NULL: an array index */
    size_t keylen;
    int64_t index; /* negative: from the end (-1 the last) */
} step_t;

typedef struct jpath {
    step_t steps[MAX_STEPS];
    uint32_t n;
} jpath_t;

typedef struct jbind {
    bool text;     /* json_extract_string */
    bool has_path; /* the path is a constant, parsed into path */
    bool int_path; /* the path argument is an integer */
    jpath_t path;
    lh_jscan_key_t keys[MAX_STEPS]; /* a constant path of keys only: the scanner's */
    int nkeys;
} jbind_t;

static int path_err(lh_sql_error_t *err, int32_t pos, int cls, const char *at, size_t n)
{
    return lh_sql_err(err, LH_EINVAL, cls, pos, "JSON path error near '%.*s'",
                      (int)(n > 100 ? 100 : n), at);
}

static int add_step(jpath_t *p, const char *key, size_t len, int64_t index)
{
    if (p->n == MAX_STEPS) return -1;
    p->steps[p->n++] = (step_t){.key = key, .keylen = len, .index = index};
    return 0;
}

/* Parses "[i]", "[-i]" or "[#-i]" at s (after '['); returns the bytes used or -1. */
static long parse_index(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && s[i] == '#') {
        i++;
        if (i < n && s[i] == '-')
            neg = true, i++;
        else if (i < n && s[i] == ']')
            return -1;
    } else if (i < n && s[i] == '-')
        neg = true, i++;
    size_t d0 = i;
    int64_t v = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && v < INT64_MAX / 10)
        v = v * 10 + (s[i++] - '0');
    if (i == d0 || i >= n || s[i] != ']') return -1;
    *out = neg ? -v : v;
    return (long)i + 1;
}

/* Parses a path; the keys point into s (which must outlive p). */
static int parse_path(const char *s, size_t n, jpath_t *p, lh_sql_error_t *err, int32_t pos,
                      int cls)
{
    p->n = 0;
    if (!n) return 0;
    if (s[0] == '/') { /* JSON Pointer: ~1 and ~0 are not unescaped (rare in keys) */
        for (size_t i = 1; i <= n;) {
            size_t j = i;
            while (j < n && s[j] != '/')
                j++;
            bool digits = j > i;
            for (size_t k = i; k < j; k++)
                digits &= s[k] >= '0' && s[k] <= '9';
            if (add_step(p, s + i, j - i, digits ? strtoll(s + i, NULL, 10) : 0) < 0)
                return path_err(err, pos, cls, s, n);
            if (digits) p->steps[p->n - 1].keylen = (size_t)-1; /* key or index */
            i = j + 1;
        }
        return 0;
    }
    if (s[0] != '$') return add_step(p, s, n, 0) < 0 ? path_err(err, pos, cls, s, n) : 0;
    for (size_t i = 1; i < n;) {
        if (s[i] == '.') {
            i++;
            if (i < n && s[i] == '"') {
                size_t j = i + 1;
                while (j < n && s[j] != '"')
                    j++;
                if (j >= n || add_step(p, s + i + 1, j - i - 1, 0) < 0)
                    return path_err(err, pos, cls, s + i - 1, n - i + 1);
                i = j + 1;
                continue;
            }
            size_t j = i;
            while (j < n && s[j] != '.' && s[j] != '[')
                j++;
            if (j == i || (j - i == 1 && s[i] == '*') || add_step(p, s + i, j - i, 0) < 0)
                return path_err(err, pos, cls, s + i - 1, n - i + 1);
            i = j;
        } else if (s[i] == '[') {
            int64_t ix;
            long used = parse_index(s + i + 1, n - i - 1, &ix);
            if (used < 0 || add_step(p, NULL, 0, ix) < 0)
                return path_err(err, pos, cls, s + i, n - i);
            i += (size_t)used + 1;
        } else
            return path_err(err, pos, cls, s + i, n - i);
    }
    return 0;
}

static json_t *walk(json_t *v, const jpath_t *p)
{
    for (uint32_t i = 0; i < p->n && v; i++) {
        const step_t *s = &p->steps[i];
        bool pointer_num = s->keylen == (size_t)-1;
        if (s->key && json_is_object(v)) {
            size_t len = pointer_num ? strspn(s->key, "0123456789") : s->keylen;
            v = json_object_getn(v, s->key, len);
        } else if ((!s->key || pointer_num) && json_is_array(v)) {
            int64_t n = (int64_t)json_array_size(v), ix = s->index < 0 ? n + s->index : s->index;
            v = ix >= 0 && ix < n ? json_array_get(v, (size_t)ix) : NULL;
        } else
            v = NULL;
    }
    return v;
}

/* ---- writing values back ---- */

static void put_real(lh_buf_t *o, double d)
{
    char t[64];
    if (d == floor(d) && fabs(d) < 1e21) {
        snprintf(t, sizeof t, "%.0f.0", d);
        if (d == 0 && signbit(d)) snprintf(t, sizeof t, "-0.0");
    } else {
        for (int p = 1; p <= 17; p++) {
            snprintf(t, sizeof t, "%.*g", p, d);
            if (strtod(t, NULL) == d) break;
        }
    }
    lh_buf_puts(o, t);
}

static void put_string(lh_buf_t *o, const char *s, size_t n)
{
    lh_buf_append(o, "\"", 1);
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        lh_buf_append(o, s + from, i - from);
        from = i + 1;
        switch (c) {
        case '"':
            lh_buf_puts(o, "\\\"");
            break;
        case '\\':
            lh_buf_puts(o, "\\\\");
            break;
        case '\n':
            lh_buf_puts(o, "\\n");
            break;
        case '\t':
            lh_buf_puts(o, "\\t");
            break;
        case '\r':
            lh_buf_puts(o, "\\r");
            break;
        case '\b':
            lh_buf_puts(o, "\\b");
            break;
        case '\f':
            lh_buf_puts(o, "\\f");
            break;
        default:
            lh_buf_printf(o, "\\u%04x", c);
        }
    }
    lh_buf_append(o, s + from, n - from);
    lh_buf_append(o, "\"", 1);
}

static void put_json(lh_buf_t *o, const json_t *v, int depth)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        size_t kl;
        json_t *x;
        bool first = true;
        lh_buf_append(o, "{", 1);
        json_object_keylen_foreach((json_t *)v, k, kl, x)
        {
            if (!first) lh_buf_append(o, ",", 1);
            first = false;
            put_string(o, k, kl);
            lh_buf_append(o, ":", 1);
            put_json(o, x, depth + 1);
        }
        lh_buf_append(o, "}", 1);
        break;
    }
    case JSON_ARRAY:
        lh_buf_append(o, "[", 1);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) lh_buf_append(o, ",", 1);
            put_json(o, json_array_get(v, i), depth + 1);
        }
        lh_buf_append(o, "]", 1);
        break;
    case JSON_STRING:
        put_string(o, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        lh_buf_printf(o, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        put_real(o, json_real_value(v));
        break;
    case JSON_TRUE:
        lh_buf_puts(o, "true");
        break;
    case JSON_FALSE:
        lh_buf_puts(o, "false");
        break;
    default:
        lh_buf_puts(o, "null");
    }
}

/* ---- kernels ---- */

/* DuckDB's (yyjson's) words for why text is not JSON, and the byte it names. */
static const char *why(const json_error_t *je, size_t len, const char *p, int *at)
{
    *at = je->position > 0 ? je->position - 1 : 0;
    if (strspn(p, " \t\r\n") >= len) {
        *at = 0;
        return "input data is empty";
    }
    switch (json_error_code(je)) {
    case json_error_premature_end_of_input:
        *at = (int)len;
        return "unexpected end of data";
    case json_error_end_of_input_expected:
        return "unexpected content after document";
    case json_error_invalid_utf8:
        return "invalid UTF-8";
    case json_error_out_of_memory:
        return "out of memory";
    default:
        return "unexpected character";
    }
}

static json_t *decode(lh_sql_fctx_t *ctx, const lh_string_t *s, bool quiet)
{
    json_error_t je;
    const char *p = lh_string_data(s);
    json_t *v = json_loadb(p, s->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!v && !quiet) {
        int at;
        const char *reason = why(&je, s->len, p, &at);
        lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EINPUT, ctx->pos,
                   "Malformed JSON at byte %d of input: %s.  Input: \"%.*s\"", at, reason,
                   (int)(s->len > 200 ? 200 : s->len), p);
    }
    return v;
}

static int json_valid_fn(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs,
                         uint32_t count, lh_vector_t *out)
{
    uint8_t *d = out->data;
    for (uint32_t i = 0; i < count; i++) {
        if (!lh__row_on(out, i)) continue;
        lh_string_t s = lh__str(&args[0], i);
        if (lh_jmemo_valid(lh_string_data(&s), s.len)) {
            d[i] = 1;
            continue;
        }
        json_t *v = decode(ctx, &s, true);
        d[i] = v != NULL;
        json_decref(v);
    }
    return 0;
}

/* The path of row i: the constant one, or the row's own parsed into tmp. */
static int row_path(lh_sql_fctx_t *ctx, const lh_vector_t *pv, uint32_t i, jpath_t *tmp,
                    const jpath_t **out)
{
    const jbind_t *b = ctx->bind_data;
    if (b->has_path) {
        *out = &b->path;
        return 0;
    }
    *out = tmp;
    if (b->int_path) {
        tmp->n = 1;
        tmp->steps[0] = (step_t){.index = ((const int64_t *)pv->data)[lh__ix(pv, i)]};
        return 0;
    }
    const lh_string_t *s = &((const lh_string_t *)pv->data)[lh__ix(pv, i)];
    return parse_path(lh_string_data(s), s->len, tmp, ctx->err, ctx->pos, LH_SQL_EINPUT);
}

/* The scanner's answer for row i into out; 1 when it cannot give it (an
 * escaped string as JSON text: jansson re-escapes it), else 0 or an error. */
/* How the scanner's hit h is answered (text: json_extract_string's
 * answer): ANS_NULL, ANS_VIEW (*v a view of the input's own bytes), or
 * ANS_OTHER (JSON null as text, an escaped string: put_hit writes those). */
enum { ANS_NULL, ANS_VIEW, ANS_OTHER };

static inline int hit_answer(bool text, const lh_jscan_hit_t *h, lh_string_t *v)
{
    switch (h->kind) {
    case LH_JSCAN_MISSING:
        return ANS_NULL;
    case LH_JSCAN_NULL:
        return text ? ANS_NULL : ANS_OTHER;
    case LH_JSCAN_STRING: /* text as it stands in the input borrows its bytes */
        if (h->escaped) return ANS_OTHER;
        *v = text ? lh_string_make(h->at, (uint32_t)h->len)
                  : lh_string_make(h->at - 1, (uint32_t)h->len + 2); /* with its quotes */
        return ANS_VIEW;
    default: /* an integer, true, false: the same text either way */
        *v = lh_string_make(h->at, (uint32_t)h->len);
        return ANS_VIEW;
    }
}

/* Row i of out from answer `how` (hit_answer's) and its view *v: 0, or -1
 * when it is put_hit's to write (ANS_OTHER). */
static inline int put_answer(int how, const lh_string_t *v, lh_vector_t *out, uint32_t i)
{
    if (how == ANS_NULL) return lh_vector_set_null(out, i), 0;
    if (how != ANS_VIEW) return -1;
    ((lh_string_t *)out->data)[i] = *v;
    lh_vector_set_valid(out, i);
    return 0;
}

static int put_hit(const jbind_t *b, const lh_jscan_hit_t *h, lh_vector_t *out, uint32_t i,
                   lh_buf_t *o)
{
    lh_string_t v;
    if (!put_answer(hit_answer(b->text, h, &v), &v, out, i)) return 0;
    if (h->kind == LH_JSCAN_NULL) return lh_vector_set_string(out, i, "null", 4);
    if (!b->text) return 1; /* an escaped string as JSON text: jansson's */
    lh_buf_reset(o);
    if (lh_buf_append(o, h->at, h->len)) return lh_buf_err(o);
    lh_jscan_hit_t copy = *h;
    copy.at = o->ptr; /* unescaping in place: it never grows */
    return lh_vector_set_string(out, i, o->ptr, lh_jscan_unescape(&copy, o->ptr));
}

/* Where the rows of a column of the open evaluation scope were found in the
 * memo, kept for the next json_extract over the same column: a projection
 * taking several keys of one document column looks each document up (and
 * compares its text) once, not once per key. */
static _Thread_local struct {
    uint64_t epoch;
    const void *data;
    uint64_t hint[LH_BATCH_ROWS];
} tl_hints;

/* The hints for doc's rows [0, count), or NULL (not a column of the scope);
 * *trusted: they were made under this scope. */
static uint64_t *hints_for(const lh_vector_t *doc, uint32_t count, bool *trusted)
{
    *trusted = false;
    uint64_t ep =
        doc->kind == LH_VECTOR_FLAT && count <= LH_BATCH_ROWS ? lh_sql_scope_column(doc->data) : 0;
    if (!ep) return NULL;
    if (tl_hints.epoch == ep && tl_hints.data == doc->data) {
        *trusted = true;
    } else {
        tl_hints.epoch = ep;
        tl_hints.data = doc->data;
        memset(tl_hints.hint, 0, count * sizeof *tl_hints.hint);
    }
    return tl_hints.hint;
}

/* The keys taken from one document column in a row: a projection that
 * extracts several keys of one column (json_extract_string(doc, '$.a'),
 * ... '$.b', ...) calls the function once per key, each call walking every
 * row, so each row's document is looked up and its members read once per
 * key, mostly from memory after the batch has pushed it out of the cache.
 * A thread learns which one-key extractions read the same column of a
 * batch; from the next batch on, the first of them to read a row finds
 * every learned key in it in one walk (lh_jmemo_keys_hinted) and keeps the
 * answers for the others. */
#define FAMILY_MAX 32
#define FAMILY_KEY 48 /* longer keys are looked up alone */

/* An extraction learned: its bind data (compared by address) and its key's
 * text, copied (a later statement's bind data may reuse the address). */
typedef struct famkey {
    const jbind_t *b;
    bool as_text;       /* json_extract_string's answer (b->text) */
    lh_jscan_key_t key; /* s: text */
    char text[FAMILY_KEY];
} famkey_t;

static _Thread_local struct {
    uint64_t epoch;
    const void *data;
    famkey_t learn[FAMILY_MAX]; /* the extractions seen on this column */
    int nlearn;
    famkey_t keys[FAMILY_MAX]; /* those answered together (the last column's) */
    const lh_jscan_key_t *kp[FAMILY_MAX];
    int nkeys;
    uint32_t bylen[64];            /* per key length (63: longer), the keys of that length */
    bool read[LH_BATCH_ROWS];      /* per row: its keys looked up */
    uint32_t known[LH_BATCH_ROWS]; /* per row: the keys answered */
    /* key k of row i at k * LH_BATCH_ROWS + i: how its answer is handed
       out (hit_answer's), the view made while the row's text was in the
       cache, or the scanner's hit (ANS_OTHER) */
    uint8_t *how;
    lh_string_t *views;
    lh_jscan_hit_t *hits;
} tl_fam;

static pthread_key_t fam_key;
static pthread_once_t fam_once = PTHREAD_ONCE_INIT;

static void fam_key_init(void)
{
    (void)pthread_key_create(&fam_key, free); /* the arrays, when the thread ends */
}

/* The thread's arrays (one block), or false. */
static bool fam_arrays(void)
{
    if (tl_fam.hits) return true;
    pthread_once(&fam_once, fam_key_init);
    size_t n = (size_t)FAMILY_MAX * LH_BATCH_ROWS;
    char *m = malloc(n * (sizeof *tl_fam.hits + sizeof *tl_fam.views + 1));
    if (!m) return false;
    tl_fam.hits = (lh_jscan_hit_t *)m;
    tl_fam.views = (lh_string_t *)(m + n * sizeof *tl_fam.hits);
    tl_fam.how = (uint8_t *)(m + n * (sizeof *tl_fam.hits + sizeof *tl_fam.views));
    (void)pthread_setspecific(fam_key, m);
    return true;
}

/* Row i's answers for the learned keys (hits h, those in got), kept the way
 * put_hit would write them. */
static void fam_keep(uint32_t i, const lh_jscan_hit_t *h, uint32_t got)
{
    for (int k = 0; k < tl_fam.nkeys; k++) {
        if (!(got >> k & 1)) continue;
        size_t at = (size_t)k * LH_BATCH_ROWS + i;
        int how = hit_answer(tl_fam.keys[k].as_text, &h[k], &tl_fam.views[at]);
        if (how == ANS_OTHER) tl_fam.hits[at] = h[k];
        tl_fam.how[at] = (uint8_t)how;
    }
}

/* b's slot among the keys answered together for doc's rows (this scope),
 * or -1 (answered alone). */
static int family_slot(const jbind_t *b, const lh_vector_t *doc, uint32_t count)
{
    uint64_t ep =
        doc->kind == LH_VECTOR_FLAT && count <= LH_BATCH_ROWS ? lh_sql_scope_column(doc->data) : 0;
    if (!ep) return -1;
    if (tl_fam.epoch != ep || tl_fam.data != doc->data) { /* the next batch */
        tl_fam.nkeys = 0;
        memset(tl_fam.bylen, 0, sizeof tl_fam.bylen);
        if (tl_fam.nlearn >= 2 && fam_arrays()) {
            for (int k = 0; k < tl_fam.nlearn; k++) {
                tl_fam.keys[k] = tl_fam.learn[k];
                tl_fam.keys[k].key.s = tl_fam.keys[k].text;
                tl_fam.kp[k] = &tl_fam.keys[k].key;
                size_t n = tl_fam.kp[k]->n;
                tl_fam.bylen[n < 63 ? n : 63] |= UINT32_C(1) << k;
            }
            tl_fam.nkeys = tl_fam.nlearn;
        }
        tl_fam.nlearn = 0;
        tl_fam.epoch = ep;
        tl_fam.data = doc->data;
        memset(tl_fam.read, 0, sizeof tl_fam.read);
    }
    const lh_jscan_key_t *key = &b->keys[0];
    if (key->n > FAMILY_KEY) return -1;
    int k = 0;
    while (k < tl_fam.nlearn && tl_fam.learn[k].b != b)
        k++;
    if (k == tl_fam.nlearn && k < FAMILY_MAX) {
        famkey_t *f = &tl_fam.learn[tl_fam.nlearn++];
        f->b = b;
        f->as_text = b->text;
        f->key.n = key->n;
        memcpy(f->text, key->s, key->n);
    }
    for (k = 0; k < tl_fam.nkeys; k++)
        if (tl_fam.keys[k].b == b && tl_fam.keys[k].as_text == b->text &&
            tl_fam.kp[k]->n == key->n && !memcmp(tl_fam.keys[k].text, key->s, key->n))
            return k;
    return -1;
}

static int json_extract_fn(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs,
                           uint32_t count, lh_vector_t *out)
{
    const jbind_t *b = ctx->bind_data;
    lh_buf_t o;
    lh_buf_init(&o, 0);
    jpath_t tmp;
    int rc = 0;
    bool trusted = false;
    uint64_t *hints = b->nkeys == 1 ? hints_for(&args[0], count, &trusted) : NULL;
    int slot = hints ? family_slot(b, &args[0], count) : -1;
    for (uint32_t i = 0; i < count && !rc; i++) {
        if (!lh__row_on(out, i)) continue;
        const lh_string_t *s = &((const lh_string_t *)args[0].data)[lh__ix(&args[0], i)];
        const jpath_t *p;
        lh_jscan_hit_t hit;
        int known = 0;
        bool fresh = trusted;               /* hints[i] was made under this scope */
        if (slot >= 0 && !tl_fam.read[i]) { /* the row's learned keys, all at once */
            lh_jscan_hit_t h[FAMILY_MAX];
            uint32_t got = lh_jmemo_keys_hinted(lh_string_data(s), s->len, tl_fam.kp, tl_fam.nkeys,
                                                tl_fam.bylen, h, &hints[i], trusted);
            fam_keep(i, h, got);
            tl_fam.known[i] = got;
            tl_fam.read[i] = true;
            fresh = true;
        }
        if (slot >= 0 && tl_fam.known[i] >> slot & 1) {
            size_t at = (size_t)slot * LH_BATCH_ROWS + i;
            if (!put_answer(tl_fam.how[at], &tl_fam.views[at], out, i)) continue;
            hit = tl_fam.hits[at];
            known = 1;
        } else {
            known = hints ? lh_jmemo_key_hinted(lh_string_data(s), s->len, b->keys, &hit, &hints[i],
                                                fresh)
                    : b->nkeys == 1 ? lh_jmemo_key(lh_string_data(s), s->len, b->keys, &hit)
                    : b->nkeys      ? lh_jscan(lh_string_data(s), s->len, b->keys, b->nkeys, &hit)
                                    : 0;
        }
        if (known && (rc = put_hit(b, &hit, out, i, &o)) != 1) {
            if (rc && !ctx->err->e.code)
                lh_sql_err(ctx->err, rc, LH_SQL_EOOM, ctx->pos, "out of memory in json_extract");
            continue;
        }
        if ((rc = row_path(ctx, &args[1], i, &tmp, &p))) break;
        json_t *doc = decode(ctx, s, false);
        if (!doc) {
            rc = LH_EINVAL;
            break;
        }
        json_t *v = walk(doc, p);
        if (!v || (b->text && json_is_null(v))) {
            lh_vector_set_null(out, i);
        } else if (b->text && json_is_string(v)) {
            rc = lh_vector_set_string(out, i, json_string_value(v), json_string_length(v));
        } else {
            lh_buf_reset(&o);
            put_json(&o, v, 0);
            rc = lh_buf_err(&o) ? lh_buf_err(&o)
                                : lh_vector_set_string(out, i, o.ptr ? o.ptr : "", o.len);
        }
        json_decref(doc);
        if (rc && !ctx->err->e.code)
            lh_sql_err(ctx->err, rc, LH_SQL_EOOM, ctx->pos, "out of memory in json_extract");
    }
    lh_buf_free(&o);
    return rc;
}

/* ---- binding ---- */

/* A constant path of object keys only ($.a.b, not [0] nor /0) is the
 * scanner's to follow. */
static void scanner_keys(jbind_t *b)
{
    for (uint32_t i = 0; i < b->path.n; i++) {
        const step_t *s = &b->path.steps[i];
        if (!s->key || s->keylen == (size_t)-1) return;
    }
    for (uint32_t i = 0; i < b->path.n; i++)
        b->keys[i] = (lh_jscan_key_t){.s = b->path.steps[i].key, .n = b->path.steps[i].keylen};
    b->nkeys = (int)b->path.n;
}

static int extract_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err, bool text)
{
    if (call->nargs != 2) return lh__bind_no_match(call, err);
    const lh_sql_arg_t *p = &call->args[1];
    jbind_t *b = lh_arena_calloc(call->arena, sizeof *b);
    if (!b) return LH_ENOMEM;
    b->text = text;
    b->int_path = lh_type_is_integer(&p->type) && !(p->flags & LH_SQL_ARG_NULL_LITERAL);
    lh_type_t vc = lh_type(LH_TYPE_VARCHAR), i64 = lh_type(LH_TYPE_BIGINT);
    if (lh_sql_implicit_cost(&call->args[0], &vc) < 0 ||
        (!b->int_path && lh_sql_implicit_cost(p, &vc) < 0))
        return lh__bind_no_match(call, err);
    call->cast_to[0] = vc;
    call->cast_to[1] = b->int_path ? i64 : vc;
    bool constant =
        p->flags & (LH_SQL_ARG_CONSTANT | LH_SQL_ARG_STRING_LITERAL | LH_SQL_ARG_INTEGER_LITERAL);
    if (constant && !p->value.is_null && !(p->flags & LH_SQL_ARG_NULL_LITERAL)) {
        lh_value_t v;
        int rc =
            lh_sql_cast_value(&p->value, &call->cast_to[1], false, call->arena, &v, call->pos, err);
        if (rc) return rc;
        if (b->int_path) {
            b->path.n = 1;
            b->path.steps[0] = (step_t){.index = v.v.i};
        } else {
            char *copy = lh_arena_strndup(call->arena, v.v.s.ptr, v.v.s.len);
            if (!copy) return LH_ENOMEM;
            rc = parse_path(copy, v.v.s.len, &b->path, err, call->pos, LH_SQL_EBIND);
            if (rc) return rc;
            scanner_keys(b);
        }
        b->has_path = true;
    }
    call->ret = vc;
    call->exec = json_extract_fn;
    call->bind_data = b;
    return 0;
}

static int json_extract_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return extract_bind(call, err, false);
}
static int json_extract_string_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return extract_bind(call, err, true);
}

static const lh_sql_overload_t valid_ovl[] = {
    {.args = {LH_TYPE_VARCHAR}, .nargs = 1, .ret = LH_TYPE_BOOLEAN, .exec = json_valid_fn}};

static const lh_sql_func_def_t defs[] = {
    {.name = "json_valid",
     .kind = LH_SQL_FUNC_SCALAR,
     .overloads = valid_ovl,
     .noverloads = LH__COUNT(valid_ovl),
     .doc = "json_valid(s): whether s is JSON"},
    {.name = "json_extract",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = json_extract_bind,
     .doc = "json_extract(j, path): the value at path as JSON text, NULL when missing"},
    {.name = "->",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = json_extract_bind,
     .doc = "j -> path: json_extract"},
    {.name = "json_extract_string",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = json_extract_string_bind,
     .doc = "json_extract_string(j, path): the value at path as text, NULL when missing"},
    {.name = "->>",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = json_extract_string_bind,
     .doc = "j ->> path: json_extract_string"},
};
const lh__func_table_t lh__json_funcs = {.defs = defs, .n = LH__COUNT(defs)};
