/* A fast path for newline-delimited JSON scans: one line's object is split
 * into the raw spans of the keys a scan wants, validating the whole line
 * against the JSON grammar on the way (no tree is built), and a span is
 * converted straight into a vector row. Strings are unescaped (\uXXXX with
 * surrogate pairs to UTF-8) only when a column needs their text. Nested
 * values keep jansson's compact text, as the sniffer's VARCHAR columns do. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "sql/exec/ndjson.h"
#include "sql/func/func_int.h"
#include "sql/func/json_scan.h"
#include "table/delta.h"

#define MAX_DEPTH 256

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define BLOCKS 1
#endif

typedef struct cur {
    const char *p, *end;
    const char *why;
} cur_t;

static void ws(cur_t *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
        c->p++;
}

static bool fail(cur_t *c, const char *why)
{
    if (!c->why) c->why = why;
    return false;
}

/* The byte that stopped a run of plain string bytes at c->p: 1 the closing
 * quote (consumed), 0 an escape, resolved into o + *k unless *k is -1 (a \\u
 * escape makes it -1: lh_json_unescape resolves those later), -1 an error. */
static inline int take_stop(cur_t *c, char *o, long *k)
{
    unsigned char ch = (unsigned char)*c->p++; /* '"', '\\' or a control byte */
    if (ch == '"') return 1;
    if (ch < 0x20) return fail(c, "control character in a string"), -1;
    if (c->p == c->end) return fail(c, "unterminated string"), -1; /* a backslash */
    char e = *c->p++;
    if (e == 'u') {
        if (c->end - c->p < 4 || lh_json_hex4(c->p) < 0) return fail(c, "invalid \\u escape"), -1;
        c->p += 4;
        *k = -1;
        return 0;
    }
    int byte = lh_json_escape_byte(e);
    if (byte < 0) return fail(c, "invalid escape in a string"), -1;
    if (*k >= 0) o[(*k)++] = (char)byte;
    return 0;
}

/* The rest of a string from c->p, k bytes of it written to o so far (-1:
 * nothing to write, no o or past a \\u escape): plain runs eight bytes at a
 * time. With o (room for the rest of the line) the bytes are unescaped into
 * it; *len the bytes written, -1 once a \\u escape is met. c->p ends after the
 * closing quote. */
static bool take_rest(cur_t *c, char *o, long k, long *len)
{
    for (;;) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (k >= 0 && c->end - c->p >= 8) {
            uint64_t x;
            memcpy(&x, c->p, 8);
            uint64_t m = lh_json_word_stops(x, false);
            memcpy(o + k, &x, 8); /* o + k is behind c->p: room for eight */
            size_t j = m ? (size_t)__builtin_ctzll(m) >> 3 : 8;
            c->p += j, k += (long)j;
            if (!m) continue;
        } else
#endif
        { /* the last bytes, or nothing to write */
            const char *run = c->p;
            c->p = lh_json_plain_end(c->p, c->end, false);
            if (k >= 0) memcpy(o + k, run, (size_t)(c->p - run)), k += c->p - run;
            if (c->p == c->end) return fail(c, "unterminated string");
        }
        int r = take_stop(c, o, &k);
        if (r) return r > 0 && (*len = k, true);
    }
}

#ifdef BLOCKS
/* Strings sixteen bytes at a time where the CPU has SSSE3 (nearly every
 * x86-64; checked once): a block's \\" and \\/ escapes are resolved by
 * dropping their backslashes, one byte shuffle per half. A JSON value carried
 * as a string (a bronze line's record) has an escaped quote every few bytes,
 * which the eight-byte loop can only take one at a time. */
static uint8_t squeeze[256][8]; /* the shuffle keeping the bytes not in the mask */
static uint8_t kept[256];       /* how many bytes that is */
static bool have_ssse3, have_vbmi2;
static atomic_bool blocks_ready;
static pthread_once_t blocks_once = PTHREAD_ONCE_INIT;

static void blocks_init(void)
{
    __builtin_cpu_init();
    have_ssse3 = __builtin_cpu_supports("ssse3");
    have_vbmi2 = have_ssse3 && lh_cpu_avx512_bytes();
    for (unsigned m = 0; m < 256; m++) {
        unsigned j = 0;
        for (unsigned i = 0; i < 8; i++)
            if (!(m >> i & 1)) squeeze[m][j++] = (uint8_t)i;
        kept[m] = (uint8_t)j;
        while (j < 8)
            squeeze[m][j++] = 0x80;
    }
    atomic_store_explicit(&blocks_ready, true, memory_order_release);
}

static bool blocks_on(void)
{
    if (!atomic_load_explicit(&blocks_ready, memory_order_acquire))
        (void)pthread_once(&blocks_once, blocks_init);
    return have_ssse3;
}

/* take_rest's work, sixteen bytes at a time while that many are left. In a
 * block, the first byte it cannot take is a quote that ends the string, a
 * control byte, or a backslash starting an escape other than \\" and \\/ (a
 * block's last byte included); before it every backslash is followed by a
 * quote or a slash, so each starts an escape and is dropped. */
__attribute__((target("ssse3"))) static bool take_blocks(cur_t *c, char *o, long k, long *len)
{
    const __m128i back = _mm_set1_epi8('\\'), quote = _mm_set1_epi8('"'),
                  slash = _mm_set1_epi8('/'), low = _mm_set1_epi8(0x1f);
    while (c->end - c->p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)c->p);
        unsigned bs = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, back));
        unsigned qt = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote));
        unsigned sl = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, slash));
        unsigned ct = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, low), low));
        unsigned bad = ct | (qt & ~(bs << 1)) | (bs & ~((qt | sl) >> 1));
        unsigned first = bad ? (unsigned)__builtin_ctz(bad) : 16;
        if (k >= 0) { /* o + k is behind c->p: room for sixteen */
            unsigned del = bs & ((1u << first) - 1), dl = del & 0xff, dh = del >> 8;
            __m128i lo = _mm_shuffle_epi8(v, _mm_loadl_epi64((const void *)squeeze[dl]));
            __m128i hi =
                _mm_shuffle_epi8(_mm_srli_si128(v, 8), _mm_loadl_epi64((const void *)squeeze[dh]));
            _mm_storel_epi64((void *)(o + k), lo);
            _mm_storel_epi64((void *)(o + k + kept[dl]), hi);
            k += (long)first - (16 - kept[dl] - kept[dh]);
        }
        if (!bad) { /* the usual case: the next block's address does not wait for this one's */
            c->p += 16;
            continue;
        }
        c->p += first;
        int r = take_stop(c, o, &k);
        if (r) return r > 0 && (*len = k, true);
    }
    return take_rest(c, o, k, len);
}

/* take_blocks sixty-four bytes at a time where the CPU has AVX-512 with VBMI2
 * (its byte compress): a block's kept bytes are packed in one instruction,
 * into a register (the compress that stores to memory is slow on some
 * CPUs), then stored whole. The last bytes go to take_blocks. */
__attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt,bmi"))) static bool
take_blocks64(cur_t *c, char *o, long k, long *len)
{
    const __m512i back = _mm512_set1_epi8('\\'), quote = _mm512_set1_epi8('"'),
                  slash = _mm512_set1_epi8('/'), low = _mm512_set1_epi8(0x1f);
    while (c->end - c->p >= 64) {
        __m512i v = _mm512_loadu_si512((const void *)c->p);
        uint64_t bs = _mm512_cmpeq_epi8_mask(v, back), qt = _mm512_cmpeq_epi8_mask(v, quote);
        uint64_t sl = _mm512_cmpeq_epi8_mask(v, slash), ct = _mm512_cmple_epu8_mask(v, low);
        uint64_t bad = ct | (qt & ~(bs << 1)) | (bs & ~((qt | sl) >> 1));
        unsigned first = bad ? (unsigned)__builtin_ctzll(bad) : 64;
        if (k >= 0) { /* o + k is behind c->p: room for sixty-four */
            uint64_t keep = ~bs & (bad ? (UINT64_C(1) << first) - 1 : ~UINT64_C(0));
            _mm512_storeu_si512((void *)(o + k), _mm512_maskz_compress_epi8(keep, v));
            k += __builtin_popcountll(keep);
        }
        if (!bad) {
            c->p += 64;
            continue;
        }
        c->p += first;
        int r = take_stop(c, o, &k);
        if (r) return r > 0 && (*len = k, true);
    }
    return take_blocks(c, o, k, len);
}
#endif

/* A string at c->p (after its opening quote), validated; c->p ends after the
 * closing quote. With o (room for the rest of the line) it is unescaped into
 * it on the way: *len the bytes written, -1 (and nothing written further)
 * once a \\u escape is met, which lh_json_unescape resolves later. */
static bool take_string(cur_t *c, char *o, long *len)
{
    long k = o ? 0 : -1; /* -1: nothing to write */
#ifdef BLOCKS
    if (blocks_on()) return have_vbmi2 ? take_blocks64(c, o, k, len) : take_blocks(c, o, k, len);
#endif
    return take_rest(c, o, k, len);
}

static bool skip_string(cur_t *c)
{
    long len;
    return take_string(c, NULL, &len);
}

static bool skip_number(cur_t *c)
{
    const char *p = c->p;
    if (p < c->end && *p == '-') p++;
    if (p == c->end || *p < '0' || *p > '9') return fail(c, "invalid number");
    if (*p == '0')
        p++;
    else
        while (p < c->end && *p >= '0' && *p <= '9')
            p++;
    if (p < c->end && *p == '.') {
        if (++p == c->end || *p < '0' || *p > '9') return fail(c, "invalid number");
        while (p < c->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < c->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < c->end && (*p == '+' || *p == '-')) p++;
        if (p == c->end || *p < '0' || *p > '9') return fail(c, "invalid number");
        while (p < c->end && *p >= '0' && *p <= '9')
            p++;
    }
    c->p = p;
    return true;
}

static bool word(cur_t *c, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n)) return fail(c, "invalid literal");
    c->p += n;
    return true;
}

static bool skip_value(cur_t *c, int depth);

static bool skip_container(cur_t *c, char close, int depth)
{
    if (depth > MAX_DEPTH) return fail(c, "nesting too deep");
    ws(c);
    if (c->p < c->end && *c->p == close) return c->p++, true;
    for (;;) {
        ws(c);
        if (close == '}') {
            if (c->p == c->end || *c->p != '"') return fail(c, "expected a key");
            c->p++;
            if (!skip_string(c)) return false;
            ws(c);
            if (c->p == c->end || *c->p++ != ':') return fail(c, "expected ':'");
        }
        if (!skip_value(c, depth + 1)) return false;
        ws(c);
        if (c->p == c->end) return fail(c, "unterminated object or array");
        char ch = *c->p++;
        if (ch == close) return true;
        if (ch != ',') return fail(c, "expected ',' or the end of an object or array");
    }
}

static bool skip_value(cur_t *c, int depth)
{
    ws(c);
    if (c->p == c->end) return fail(c, "expected a value");
    switch (*c->p) {
    case '"':
        c->p++;
        return skip_string(c);
    case '{':
    case '[':
        c->p++;
        return skip_container(c, c->p[-1] == '{' ? '}' : ']', depth);
    case 't':
        return word(c, "true");
    case 'f':
        return word(c, "false");
    case 'n':
        return word(c, "null");
    default:
        return skip_number(c);
    }
}

/* Whether the raw key bytes (escapes unresolved) spell name. */
static bool key_is(const char *k, size_t n, const char *name)
{
    size_t i = 0;
    while (i < n && k[i] == name[i]) /* name's NUL stops it: k holds no control byte */
        i++;
    if (i == n && !name[n]) return true;
    if (!memchr(k, '\\', n)) return false;
    char buf[256];
    size_t len;
    return n < sizeof buf && !lh_json_unescape(k, n, false, buf, &len) && strlen(name) == len &&
           !memcmp(buf, name, len);
}

int lh__json_line(const char *p, size_t n, const char *const *keys, uint32_t nkeys,
                  lh_json_span_t *out, char *ubuf, const char **why)
{
    cur_t c = {p, p + n, NULL};
    memset(out, 0, nkeys * sizeof *out);
    ws(&c);
    if (c.p == c.end) return 1;
    if (*c.p++ != '{') return *why = "expected an object", -1;
    ws(&c);
    uint32_t guess = 0;
    if (c.p < c.end && *c.p == '}')
        c.p++;
    else
        for (;;) {
            ws(&c);
            if (c.p == c.end || *c.p != '"') return *why = "expected a key", -1;
            const char *k = ++c.p;
            if (!skip_string(&c)) return *why = c.why, -1;
            size_t klen = (size_t)(c.p - 1 - k);
            ws(&c);
            if (c.p == c.end || *c.p++ != ':') return *why = "expected ':'", -1;
            ws(&c);
            const char *v = c.p;
            uint32_t col = nkeys;
            for (uint32_t i = 0; i < nkeys && col == nkeys; i++) {
                uint32_t k2 = (guess + i) % nkeys; /* keys mostly come in column order */
                if (keys[k2] && key_is(k, klen, keys[k2])) col = k2;
            }
            long un = -1;
            char *u = ubuf && col < nkeys && c.p < c.end && *c.p == '"' ? ubuf + (v + 1 - p) : NULL;
            if (u ? !(c.p++, take_string(&c, u, &un)) : !skip_value(&c, 1)) return *why = c.why, -1;
            if (col < nkeys) {
                out[col] = (lh_json_span_t){.p = v,
                                            .n = (uint32_t)(c.p - v),
                                            .kind = *v,
                                            .u = un >= 0 ? u : NULL,
                                            .un = un >= 0 ? (uint32_t)un : 0};
                guess = col + 1;
            }
            ws(&c);
            if (c.p == c.end) return *why = "unterminated object", -1;
            char ch = *c.p++;
            if (ch == '}') break;
            if (ch != ',') return *why = "expected ',' or '}'", -1;
        }
    ws(&c);
    if (c.p != c.end) return *why = "text after the object", -1;
    return 0;
}

static bool is_integer_text(const lh_json_span_t *sp)
{
    return (sp->kind == '-' || (sp->kind >= '0' && sp->kind <= '9')) &&
           !memchr(sp->p, '.', sp->n) && !memchr(sp->p, 'e', sp->n) && !memchr(sp->p, 'E', sp->n);
}

static int nested_text(lh_vector_t *v, uint32_t row, const lh_json_span_t *sp)
{
    json_error_t je;
    json_t *j = json_loadb(sp->p, sp->n, 0, &je);
    char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!t) return LH_EINVAL;
    int rc = lh_vector_set_string(v, row, t, strlen(t));
    free(t);
    return rc;
}

int lh__json_span_to_vector(lh_vector_t *v, uint32_t row, const lh_json_span_t *sp, char *scratch)
{
    if (!sp->kind || sp->kind == 'n') {
        lh_vector_set_null(v, row);
        return 0;
    }
    size_t len = sp->un;
    bool str = sp->kind == '"';
    if (str && sp->u)
        scratch = (char *)sp->u; /* unescaped as the line was read */
    else if (str && lh_json_unescape(sp->p + 1, sp->n - 2, false, scratch, &len))
        return LH_EINVAL;
    lh_int128_t i;
    switch ((lh_type_id_t)v->type.id) {
    case LH_TYPE_BOOLEAN:
        if (sp->kind != 't' && sp->kind != 'f') return LH_EINVAL;
        ((uint8_t *)v->data)[row] = sp->kind == 't';
        return 0;
    case LH_TYPE_BIGINT:
        if (!is_integer_text(sp) || !lh__parse_exact(sp->p, sp->n, 0, &i) || i < INT64_MIN ||
            i > INT64_MAX)
            return LH_EINVAL;
        ((int64_t *)v->data)[row] = (int64_t)i;
        return 0;
    case LH_TYPE_HUGEINT:
        if (!is_integer_text(sp) || !lh__parse_exact(sp->p, sp->n, 0, &i)) return LH_EINVAL;
        ((lh_int128_t *)v->data)[row] = i;
        return 0;
    case LH_TYPE_DOUBLE:
        if (str || sp->kind == '{' || sp->kind == '[' || sp->kind == 't' || sp->kind == 'f')
            return LH_EINVAL;
        return lh__parse_double(sp->p, sp->n, &((double *)v->data)[row]) ? 0 : LH_EINVAL;
    case LH_TYPE_DATE:
        return str && lh__parse_date(scratch, len, &((int32_t *)v->data)[row]) ? 0 : LH_EINVAL;
    case LH_TYPE_TIMESTAMP:
        return str && lh__parse_timestamp(scratch, len, false, &((int64_t *)v->data)[row])
                   ? 0
                   : LH_EINVAL;
    case LH_TYPE_VARCHAR:
        if (sp->kind == '{' || sp->kind == '[') return nested_text(v, row, sp);
        return str ? lh_vector_set_string(v, row, scratch, len)
                   : lh_vector_set_string(v, row, sp->p, sp->n);
    default: /* a type given with columns = {...}: the value's text, parsed */
        if (sp->kind == '{' || sp->kind == '[') return LH_EINVAL;
        return lh__json_text_to_vector(v, row, str ? scratch : sp->p, str ? len : sp->n);
    }
}

int lh__json_text_to_vector(lh_vector_t *v, uint32_t row, const char *s, size_t n)
{
    char buf[128];
    lh_value_t val;
    lh_err_t e;
    lh_err_init(&e); /* per value: not 516 bytes zeroed each time */
    if (!n || n >= sizeof buf) return LH_EINVAL;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (lh_delta_partition_value(&v->type, buf, &val, &e)) return LH_EINVAL;
    return lh_vector_set_value(v, row, &val) ? LH_ENOMEM : 0;
}
