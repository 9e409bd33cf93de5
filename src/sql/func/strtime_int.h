/* Internals of strftime/strptime (strftime.c, strptime.c): a format string
 * compiled once at bind into literals and specifiers, as DuckDB reads it
 * (%c, %x, %X and %T expand into their parts; %% is a literal '%'). */
#ifndef LH_SQL_FUNC_STRTIME_INT_H
#define LH_SQL_FUNC_STRTIME_INT_H
#include "sql/func/func_int.h"

/* The specifiers; the _U variants are DuckDB's unpadded %-d, %-m, ... */
enum {
    SP_END = 0, /* the last item: its literal only */
    SP_a,       /* Mon */
    SP_A,       /* Monday */
    SP_w,       /* weekday 0..6, Sunday 0 */
    SP_u,       /* ISO weekday 1..7 */
    SP_d,
    SP_d_U,
    SP_b, /* Jan (also %h) */
    SP_B,
    SP_m,
    SP_m_U,
    SP_y,
    SP_y_U,
    SP_Y,
    SP_G, /* ISO year */
    SP_H,
    SP_H_U,
    SP_I,
    SP_I_U,
    SP_p,
    SP_M,
    SP_M_U,
    SP_S,
    SP_S_U,
    SP_f, /* microseconds, 6 digits */
    SP_g, /* milliseconds, 3 digits */
    SP_n, /* nanoseconds, 9 digits */
    SP_z, /* +hh[:mm] */
    SP_Z, /* time zone name */
    SP_j,
    SP_j_U,
    SP_U, /* week of the year, Sunday first */
    SP_W, /* week of the year, Monday first */
    SP_V, /* ISO week */
};

/* One specifier and the literal text before it. */
typedef struct lh__strtime_item {
    uint8_t spec;       /* SP_* */
    uint32_t lit, nlit; /* the literal: lits[lit .. lit + nlit) */
} lh__strtime_item_t;

typedef struct lh__strtime {
    const char *text; /* the format as written (NUL-terminated, for messages) */
    const char *lits;
    const lh__strtime_item_t *items; /* n, the last one SP_END */
    uint32_t n;
    bool has_tz; /* %z or %Z: strptime gives a TIMESTAMPTZ */
} lh__strtime_t;

/* Compiles the format s[0, len) into out, allocated in a. 0, or LH_EINVAL
 * with DuckDB's Invalid Input Error ("Failed to parse format specifier %Q:
 * Unrecognized format for strftime/strptime: %Q"), or LH_ENOMEM. */
int lh__strtime_compile(lh_arena_t *a, const char *s, size_t len, lh__strtime_t *out,
                        lh_sql_error_t *err, int32_t pos);

/* Parses s[0, len) by f into micros since the epoch (UTC; a %z offset is
 * applied). 0, or LH_EINVAL with DuckDB's error in err (Invalid Input
 * Error "Could not parse string ...", Conversion Error "Date out of range",
 * Not implemented Error for a time zone name other than UTC's). */
int lh__strtime_parse(const lh__strtime_t *f, const char *s, size_t len, int64_t *us,
                      lh_sql_error_t *err, int32_t pos);

/* The bind of a call whose argument k is the format (strftime.c): a
 * constant compiled into call->bind_data (left NULL for a NULL format: every
 * row is NULL), else DuckDB's Invalid Input Error "<fn> format must be a
 * constant"; errors point at pos (-1: nowhere, as DuckDB's strptime).
 * 0, LH_EINVAL, LH_ENOMEM. */
int lh__strtime_bind_format(lh_sql_bind_call_t *call, uint32_t k, const char *fn, int32_t pos,
                            lh_sql_error_t *err);
/* The binds of strptime and try_strptime (strptime.c). */
int lh__strptime_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err);
int lh__try_strptime_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err);

#endif
