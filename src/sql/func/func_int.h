/* Internals shared by the files of src/sql/func/: the function tables each
 * file exports to registry.c, the text parsers the casts and the date/time
 * functions share, and small helpers for kernels. Not for other modules. */
#ifndef LH_SQL_FUNC_INT_H
#define LH_SQL_FUNC_INT_H
#include <math.h>

#include "core/buf.h"
#include "sql/func/func.h"

/* One table of functions, exported by each file of functions. */
typedef struct lh__func_table {
    const lh_sql_func_def_t *defs;
    uint32_t n;
} lh__func_table_t;

extern const lh__func_table_t lh__arith_funcs;
extern const lh__func_table_t lh__bitwise_funcs;
extern const lh__func_table_t lh__compare_funcs;
extern const lh__func_table_t lh__math_funcs;
extern const lh__func_table_t lh__math2_funcs;
extern const lh__func_table_t lh__math_minmax_funcs;
extern const lh__func_table_t lh__string_funcs;
extern const lh__func_table_t lh__string2_funcs;
extern const lh__func_table_t lh__like_funcs;
extern const lh__func_table_t lh__rowkey_funcs;
extern const lh__func_table_t lh__date_funcs;
extern const lh__func_table_t lh__date2_funcs;
extern const lh__func_table_t lh__strftime_funcs;

/* UTF-8 text (string.c): characters in p[0..n) (bytes that do not continue
 * a character), and the byte offset of character c, clamped to n. */
int64_t lh__utf8_len(const char *p, uint32_t n);
/* s (n bytes of UTF-8) upper- or lower-cased into out, which holds 2 * n
 * bytes (a mapping never more than doubles a character); the length written
 * (casemap.c). */
uint32_t lh__utf8_case(const char *s, uint32_t n, char *out, bool up);
uint32_t lh__utf8_off(const char *p, uint32_t n, int64_t c);

#define LH__COUNT(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/* The aggregates (agg_*.c). */
extern const lh__func_table_t lh__agg_basic_funcs;
extern const lh__func_table_t lh__agg_stats_funcs;
extern const lh__func_table_t lh__agg_misc_funcs;
extern const lh__func_table_t lh__agg_hll_funcs;
extern const lh__func_table_t lh__agg_quantile_funcs;
extern const lh__func_table_t lh__regex_funcs;
extern const lh__func_table_t lh__json_funcs;

/* DuckDB's physical name of a type in cast messages: INT8 .. INT128, UINT8 ..,
 * FLOAT, DOUBLE, BOOL, DATE, ... ("DECIMAL(p,s)" for decimals, into buf). */
const char *lh__cast_type_name(const lh_type_t *t, char *buf, size_t cap);

/* The Binder Error of a call no overload takes. */
int lh__bind_no_match(lh_sql_bind_call_t *call, lh_sql_error_t *err);

/* The cast of one value (cast_value.c): NULL stays NULL; a VARCHAR/BLOB
 * result may point into tmp or at in's bytes. 0, LH_EINVAL (err set: a
 * Conversion Error) or LH_ENOENT (no such cast; err not set). */
int lh__cast_one(const lh_value_t *in, const lh_type_t *to, lh_buf_t *tmp, lh_value_t *out,
                 lh_sql_error_t *err, int32_t pos);

/* ---- text parsers (cast_text.c, cast_time.c); s is not NUL-terminated ---- */
/* The range of an integer type's values (BOOLEAN: int64's); false for
 * another type (cast_value.c). */
bool lh__int_range(uint8_t id, lh_int128_t *lo, lh_int128_t *hi);
/* An exact number (integers, decimals, 1e3, leading/trailing spaces,
 * 0x/0b prefixes, _ separators), rounded half away from zero to scale digits.
 * false when it is not one or it overflows 38 digits. */
bool lh__parse_exact(const char *s, size_t n, int scale, lh_int128_t *out);
bool lh__parse_double(const char *s, size_t n, double *out);
bool lh__parse_bool(const char *s, size_t n, bool *out);
bool lh__parse_date(const char *s, size_t n, int32_t *days);
bool lh__parse_time(const char *s, size_t n, int64_t *micros);
/* tz: whether an offset is applied (TIMESTAMPTZ) or ignored (TIMESTAMP). */
bool lh__parse_timestamp(const char *s, size_t n, bool tz, int64_t *micros);
bool lh__parse_interval(const char *s, size_t n, lh_interval_t *out);

/* ---- dates ---- */
static inline int64_t lh__floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
/* ts + iv (months first, clamped to the month's end, then days, micros);
 * false when it leaves int64. */
bool lh__ts_add_interval(int64_t ts, lh_interval_t iv, int64_t *out);
/* 10^k for k in 0..38. */
lh_int128_t lh__pow10(int k);

/* ---- kernels ---- */
/* Whether row i of out is to be computed (valid in out: the executor set it). */
static inline bool lh__row_on(const lh_vector_t *out, uint32_t i)
{
    return lh_validity_get(out->validity, i);
}
/* Row index into an argument (CONSTANT: 0). */
static inline uint32_t lh__ix(const lh_vector_t *v, uint32_t i)
{
    return v->kind == LH_VECTOR_CONSTANT ? 0 : i;
}
static inline lh_string_t lh__str(const lh_vector_t *v, uint32_t i)
{
    return ((const lh_string_t *)v->data)[lh__ix(v, i)];
}
/* Appends the text of a typed value for messages ("300", "1e+20"). */
void lh__value_msg(const lh_value_t *v, char *buf, size_t cap);

#endif
