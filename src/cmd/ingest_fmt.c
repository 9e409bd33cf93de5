/* The pure parts of `lakehouse ingest`: a record as one bronze line (JSON
 * escaping of arbitrary bytes), the names of an interval's objects,
 * _ranges.json written and read back, and the command line's values (s3
 * URLs, instants). No I/O here. */
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/ingest_int.h"
#include "core/cpu.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "sql/func/json_scan.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define BLOCKS 1
#endif

/* --- bronze lines --- */

/* A line is built in a staging buffer and appended to the caller's in a few
 * pieces: the bytes of a record go out one by one, no call per byte. */
typedef struct stage {
    lh_buf_t *b;
    size_t n;
    bool changed; /* a byte escaped as another character (NUL, or not UTF-8) */
    char t[4096];
} stage_t;

/* A stage for b; its buffer is left unset (a line's worth of zeroes per
 * record was a tenth of the line's time). */
static inline void stage_init(stage_t *s, lh_buf_t *b)
{
    s->b = b;
    s->n = 0;
    s->changed = false;
}

static void flush(stage_t *s)
{
    lh_buf_append(s->b, s->t, s->n);
    s->n = 0;
}

/* Room for k more bytes (k <= sizeof t). */
static inline char *room(stage_t *s, size_t k)
{
    if (s->n + k > sizeof s->t) flush(s);
    return s->t + s->n;
}

static void put(stage_t *s, const char *p, size_t k)
{
    while (k) {
        size_t m = k < sizeof s->t ? k : sizeof s->t;
        memcpy(room(s, m), p, m);
        s->n += m;
        p += m;
        k -= m;
    }
}

/* Two decimal digits at a time (a line's offset and timestamp are 7 and
 * 13 digits). */
static void put_i64(stage_t *s, int64_t v)
{
    static const char pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233"
        "34353637383940414243444546474849505152535455565758596061626364656667"
        "6869707172737475767778798081828384858687888990919293949596979899";
    char d[24];
    int i = (int)sizeof d;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    for (; u >= 100; u /= 100) {
        i -= 2;
        memcpy(d + i, pairs + 2 * (u % 100), 2);
    }
    if (u >= 10) {
        i -= 2;
        memcpy(d + i, pairs + 2 * u, 2);
    } else {
        d[--i] = (char)('0' + u);
    }
    if (v < 0) d[--i] = '-';
    put(s, d + i, sizeof d - (size_t)i);
}

/* Bytes that go out as they are: printable ASCII but for '"' and '\\' (DEL
 * is escaped too). */
static inline bool plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static void escape_byte(stage_t *s, unsigned char c)
{
    static const char *const named[0x20] = {
        ['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t"};
    static const char hex[] = "0123456789abcdef";
    char *o = room(s, 6);
    if (c < 0x20 && named[c]) {
        memcpy(o, named[c], 2);
        s->n += 2;
    } else if (c == 0) { /* SQL strings (ours, DuckDB's) hold no NUL */
        memcpy(o, "\\ufffd", 6);
        s->n += 6;
        s->changed = true;
    } else if (c == '"' || c == '\\') {
        o[0] = '\\';
        o[1] = (char)c;
        s->n += 2;
    } else {
        memcpy(o, "\\u00", 4);
        o[4] = hex[c >> 4];
        o[5] = hex[c & 15];
        s->n += 6;
        s->changed |= c >= 0x80; /* read back as the code point's two UTF-8 bytes */
    }
}

/* The flags of the bytes of x that are not plain (see plain()): the JSON
 * scanner's stops with bytes past ASCII, and DEL (0x7f + 1 sets the bit); a
 * carry out of 0xff only reaches a byte above a flagged one. */
static inline uint64_t not_plain(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u;
    return lh_json_word_stops(x, true) | ((x + ones) & (ones * 0x80));
}

#ifdef BLOCKS
/* The thirty-two bytes at p escaped into o (room for sixty-four) up to the
 * first that is neither plain nor '"' nor '\\': each of those two gets its
 * backslash in one byte expand, whose mask (a 0 for a backslash, a 1 for a
 * byte) is the interleaving of "escaped" and "a byte" bits, squeezed by
 * pext. Returns the bytes taken; *wrote the bytes written. */
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi2,bmi2,popcnt"))) static size_t
escape32(const char *p, char *o, size_t *wrote)
{
    const uint64_t evens = 0x5555555555555555u, odds = 0xaaaaaaaaaaaaaaaau;
    __m256i v = _mm256_loadu_si256((const void *)p);
    uint32_t esc = _mm256_cmpeq_epi8_mask(v, _mm256_set1_epi8('"')) |
                   _mm256_cmpeq_epi8_mask(v, _mm256_set1_epi8('\\'));
    uint32_t other = _mm256_cmplt_epu8_mask(v, _mm256_set1_epi8(0x20)) |
                     _mm256_cmpge_epu8_mask(v, _mm256_set1_epi8(0x7f));
    unsigned take = other ? (unsigned)__builtin_ctz(other) : 32;
    uint64_t slots = (_pdep_u64(esc, evens) | odds) &
                     (take == 32 ? ~UINT64_C(0) : (UINT64_C(1) << (2 * take)) - 1);
    __mmask64 bytes = _pext_u64(odds, slots);
    _mm512_storeu_si512((void *)o, _mm512_mask_expand_epi8(_mm512_set1_epi8('\\'), bytes,
                                                           _mm512_castsi256_si512(v)));
    *wrote = (size_t)__builtin_popcountll(slots);
    return take;
}
#endif

#ifdef BLOCKS
/* expand[m]: the pshufb control that spreads eight bytes (indexes 0-7) over
 * 8 + popcount(m) bytes with a backslash (index 8) before each byte whose
 * bit is set in m. */
static uint8_t expand[256][16];
static pthread_once_t expand_once = PTHREAD_ONCE_INIT;

static void make_expand(void)
{
    for (int m = 0; m < 256; m++) {
        int k = 0;
        for (int i = 0; i < 8; i++) {
            if (m >> i & 1) expand[m][k++] = 8;
            expand[m][k++] = (uint8_t)i;
        }
        while (k < 16)
            expand[m][k++] = 0x80;
    }
}

/* The sixteen bytes at p escaped into o (room for thirty-two), eight at a
 * time, up to the first eight-byte group that holds a byte neither plain
 * nor '"' nor '\\': each of those two gets its backslash in one shuffle of
 * the group beside a register of backslashes. Returns the bytes taken (0, 8
 * or 16); *wrote the bytes written. */
__attribute__((target("ssse3,popcnt"))) static size_t escape16(const char *p, char *o,
                                                               size_t *wrote)
{
    __m128i v = _mm_loadu_si128((const void *)p), bs = _mm_set1_epi8('\\');
    unsigned esc = (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, bs)));
    /* below 0x20 or past 0x7e: signed, bytes past 0x7f are negative */
    unsigned other = (unsigned)_mm_movemask_epi8(_mm_or_si128(
        _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))));
    size_t groups = other & 0xff ? 0 : other ? 1 : 2, w = 0;
    for (size_t g = 0; g < groups; g++) {
        unsigned m = esc >> (8 * g) & 0xff;
        __m128i src = g ? _mm_unpackhi_epi64(v, bs) : _mm_unpacklo_epi64(v, bs);
        _mm_storeu_si128((void *)(o + w),
                         _mm_shuffle_epi8(src, _mm_loadu_si128((const void *)expand[m])));
        w += 8 + (size_t)__builtin_popcount(m);
    }
    *wrote = w;
    return 8 * groups;
}
#endif

static void put_string(stage_t *s, const void *v, size_t n)
{
    const char *p = v, *end = p + n;
    *room(s, 1) = '"';
    s->n++;
#ifdef BLOCKS
    bool wide = n >= 32 && lh_cpu_avx512_bytes();
    bool mid = !wide && n >= 16 && lh_cpu_ssse3() && !pthread_once(&expand_once, make_expand);
#endif
    while (p < end) {
#ifdef BLOCKS
        if (wide && end - p >= 32) {
            size_t wrote, took = escape32(p, room(s, 64), &wrote);
            s->n += wrote;
            p += took;
            if (took == 32) continue;
            goto special; /* at a byte that is neither plain nor '"' nor '\\' */
        }
        if (mid && end - p >= 16) {
            size_t wrote, took = escape16(p, room(s, 32), &wrote);
            s->n += wrote;
            p += took;
            if (took == 16) continue;
        }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (end - p >= 8) { /* eight bytes stored whole, counted up to the first not plain */
            uint64_t x;
            memcpy(&x, p, 8);
            uint64_t m = not_plain(x);
            memcpy(room(s, 8), &x, 8);
            size_t j = m ? (size_t)__builtin_ctzll(m) >> 3 : 8;
            s->n += j;
            p += j;
            if (!m) continue;
        } else
#endif
        {
            while (p < end && plain((unsigned char)*p)) {
                *room(s, 1) = *p++;
                s->n++;
            }
            if (p == end) break;
        }
#ifdef BLOCKS
    special:;
#endif
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') { /* the common ones: a JSON payload's quotes */
            char *o = room(s, 2);
            o[0] = '\\';
            o[1] = (char)c;
            s->n += 2;
            p++;
            continue;
        }
        /* a whole UTF-8 character goes out as it is, anything else escaped */
        size_t k = c >= 0x80 ? lh_utf8_char(p, (size_t)(end - p), NULL) : 0;
        if (k) {
            put(s, p, k);
            p += k;
        } else
            escape_byte(s, (unsigned char)*p++);
    }
    *room(s, 1) = '"';
    s->n++;
}

int lh__ingest_json_string(lh_buf_t *b, const void *s, size_t n)
{
    stage_t st;
    stage_init(&st, b);
    put_string(&st, s, n);
    flush(&st);
    return lh_buf_err(b);
}

int lh__ingest_line(lh_buf_t *b, int32_t partition, int64_t offset, int64_t ts_ms, const void *key,
                    size_t key_len, const void *value, size_t value_len, bool *as_is)
{
    stage_t st;
    stage_init(&st, b);
    static const char f0[] = "{\"partition\":", f1[] = ",\"offset\":", f2[] = ",\"timestamp\":",
                      f3[] = ",\"key\":", f4[] = ",\"value\":";
    put(&st, f0, sizeof f0 - 1);
    put_i64(&st, partition);
    put(&st, f1, sizeof f1 - 1);
    put_i64(&st, offset);
    put(&st, f2, sizeof f2 - 1);
    put_i64(&st, ts_ms);
    put(&st, f3, sizeof f3 - 1);
    if (key)
        put_string(&st, key, key_len);
    else
        put(&st, "null", 4);
    put(&st, f4, sizeof f4 - 1);
    if (value)
        put_string(&st, value, value_len);
    else
        put(&st, "null", 4);
    put(&st, "}\n", 2);
    flush(&st);
    if (as_is) *as_is = !st.changed;
    return lh_buf_err(b);
}

/* --- object names --- */

int lh__ingest_interval_prefix(char *out, size_t cap, const char *prefix, int64_t start_ms)
{
    int64_t secs = start_ms >= 0 ? start_ms / 1000 : -((-start_ms + 999) / 1000);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t y;
    int m, d;
    lh_time_civil_from_days(days, &y, &m, &d);
    int n = snprintf(out, cap, "%s%sds=%04lld-%02d-%02d/hour=%02d/", prefix, *prefix ? "/" : "",
                     (long long)y, m, d, (int)((secs - days * 86400) / 3600));
    return n < 0 || (size_t)n >= cap ? LH_ETOOBIG : 0;
}

int lh__ingest_part_key(char *out, size_t cap, const char *ivl, const lh_ingest_range_t *r)
{
    int n = snprintf(out, cap, "%spart-p%d-%lld-%lld.jsonl.zst", ivl, (int)r->partition,
                     (long long)r->first, (long long)(r->end - 1));
    return n < 0 || (size_t)n >= cap ? LH_ETOOBIG : 0;
}

/* --- _ranges.json --- */

int lh__ingest_ranges_json(lh_buf_t *b, const lh_ingest_ranges_t *rs)
{
    lh_buf_puts(b, "{\"topic\":");
    lh__ingest_json_string(b, rs->topic, strlen(rs->topic));
    lh_buf_printf(b, ",\"start\":%lld,\"end\":%lld,\"partitions\":[", (long long)rs->start_ms,
                  (long long)rs->end_ms);
    for (int i = 0; i < rs->n; i++)
        lh_buf_printf(b, "%s{\"partition\":%d,\"first\":%lld,\"end\":%lld}", i ? "," : "",
                      (int)rs->r[i].partition, (long long)rs->r[i].first, (long long)rs->r[i].end);
    return lh_buf_puts(b, "]}\n");
}

static int get_i64(json_t *o, const char *k, int64_t *v)
{
    json_t *x = json_object_get(o, k);
    if (!json_is_integer(x)) return -1;
    *v = json_integer_value(x);
    return 0;
}

static int parse_range(json_t *e, lh_ingest_range_t *r)
{
    int64_t p;
    if (!json_is_object(e) || get_i64(e, "partition", &p) || get_i64(e, "first", &r->first) ||
        get_i64(e, "end", &r->end))
        return -1;
    r->partition = (int32_t)p;
    return p < 0 || p > INT32_MAX || r->first < 0 || r->end < r->first ? -1 : 0;
}

int lh__ingest_ranges_parse(const char *text, size_t n, lh_ingest_ranges_t *rs, lh_err_t *err)
{
    json_error_t je;
    json_t *doc = json_loadb(text, n, 0, &je);
    if (!doc) return lh_err_set(err, LH_EINVAL, "not JSON: %s", je.text);
    json_t *parts = json_object_get(doc, "partitions");
    const char *topic = json_string_value(json_object_get(doc, "topic"));
    int rc = LH_EINVAL;
    rs->n = 0;
    if (!topic || strlen(topic) >= sizeof rs->topic || get_i64(doc, "start", &rs->start_ms) ||
        get_i64(doc, "end", &rs->end_ms) || !json_is_array(parts) ||
        json_array_size(parts) > LH_INGEST_MAX_PARTS) {
        lh_err_set(err, LH_EINVAL, "expected topic, start, end and partitions");
        goto fail;
    }
    snprintf(rs->topic, sizeof rs->topic, "%s", topic);
    for (size_t i = 0; i < json_array_size(parts); i++) {
        lh_ingest_range_t *r = &rs->r[rs->n];
        if (parse_range(json_array_get(parts, i), r) ||
            (rs->n && r->partition <= rs->r[rs->n - 1].partition)) {
            lh_err_set(err, LH_EINVAL, "bad partition entry %zu", i);
            goto fail;
        }
        rs->n++;
    }
    rc = 0;
fail:
    json_decref(doc);
    return rc;
}

const lh_ingest_range_t *lh__ingest_ranges_find(const lh_ingest_ranges_t *rs, int32_t p)
{
    for (int i = 0; i < rs->n; i++)
        if (rs->r[i].partition == p) return &rs->r[i];
    return NULL;
}

/* --- the command line's values --- */

int lh__ingest_split_url(const char *url, char *bucket, size_t cap, char *prefix, size_t pcap)
{
    if (strncmp(url, "s3://", 5)) return LH_EINVAL;
    const char *b = url + 5, *slash = strchr(b, '/');
    size_t bl = slash ? (size_t)(slash - b) : strlen(b);
    if (!bl || bl >= cap) return LH_EINVAL;
    memcpy(bucket, b, bl);
    bucket[bl] = 0;
    const char *p = slash ? slash + 1 : "";
    size_t pl = strlen(p);
    while (pl && p[pl - 1] == '/')
        pl--;
    if (pl >= pcap || memchr(p, '\n', pl) || (pl && p[0] == '/')) return LH_EINVAL;
    memcpy(prefix, p, pl);
    prefix[pl] = 0;
    return 0;
}

int lh__ingest_parse_time(const char *s, int64_t *ms)
{
    if (!lh_parse_i64(s, ms)) return *ms < 0 ? LH_EINVAL : 0;
    char tmp[64];
    size_t n = strlen(s);
    if (n < 11 || n >= sizeof tmp) return LH_EINVAL;
    memcpy(tmp, s, n + 1);
    if (tmp[10] == ' ') tmp[10] = 'T';
    int64_t t;
    if (lh_time_iso8601_parse((lh_str_t){tmp, n}, &t)) return LH_EINVAL;
    *ms = t * 1000;
    return 0;
}
