/* Internal to parquet/meta*.c: one table per Thrift struct (field id, kind,
 * where the value and its has_* flag live in the C struct), and one decoder
 * and one encoder that walk any table. Unions with their own shape
 * (LogicalType, TimeUnit, ColumnOrder) plug in their own functions. */
#ifndef LH_PARQUET_META_INT_H
#define LH_PARQUET_META_INT_H

#include "core/arena.h"
#include "parquet/thrift.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a field's value is held in C. */
enum {
    LH__K_BOOL = 1, /* bool */
    LH__K_I8,       /* int8_t */
    LH__K_I16,      /* int16_t */
    LH__K_I32,      /* int32_t (enums too) */
    LH__K_I64,      /* int64_t */
    LH__K_BIN,      /* lh_str_t */
    LH__K_STR,      /* char *, NUL-free */
    LH__K_STRUCT,   /* an embedded struct described by .sub */
    LH__K_LIST,     /* a pointer to .elem values and a uint32_t count */
    LH__K_SEEN,     /* decode only: a bool set when the field is present */
};

typedef struct lh__pq_dec {
    lh_tc_reader_t r;
    lh_arena_t *a; /* NULL: binaries point into the input, no lists or strings */
    size_t budget; /* bytes the arena may still hand out */
} lh__pq_dec_t;

typedef struct lh__pq_desc lh__pq_desc_t;

typedef struct lh__pq_fld {
    int16_t id;
    uint8_t kind, elem; /* elem: the kind of a list's elements */
    bool req;           /* required: decode fails without it; encode always writes it */
    bool dflt_true;     /* a bool that is true when absent */
    const char *name;
    size_t off;               /* the value (a list: its array pointer) */
    size_t has;               /* 1 + offset of the has_* flag, or 0 */
    size_t cnt;               /* a list: offset of its uint32_t count */
    const lh__pq_desc_t *sub; /* LH__K_STRUCT, or a list of them */
} lh__pq_fld_t;

struct lh__pq_desc {
    const char *name; /* the Thrift struct's name, for messages */
    size_t size;      /* sizeof the C struct, for lists of them */
    const lh__pq_fld_t *f;
    int nf; /* at most 64, ascending ids */
    /* A union with its own shape replaces the walk: */
    int (*dec)(lh__pq_dec_t *d, void *obj);
    int (*enc)(lh_tc_writer_t *w, const void *obj);
    bool (*present)(const void *obj); /* optional without a has_* flag */
};

#define LH__PQ_NF(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Shorthands for the field tables of meta.c and meta_index.c. */
#define REQ(T, m) .name = #m, .off = offsetof(T, m), .req = true
#define OPT(T, m) .name = #m, .off = offsetof(T, m), .has = offsetof(T, has_##m) + 1
#define VAL(T, m) .name = #m, .off = offsetof(T, m) /* optional; absent when NULL/0 */
#define LIST(T, m) .name = #m, .off = offsetof(T, m), .cnt = offsetof(T, n##m), .kind = LH__K_LIST
#define DESC(name_, T, table) .name = name_, .size = sizeof(T), .f = table, .nf = LH__PQ_NF(table)

enum { K_BOOL = LH__K_BOOL, K_I8 = LH__K_I8, K_I16 = LH__K_I16, K_I32 = LH__K_I32 };
enum { K_I64 = LH__K_I64, K_BIN = LH__K_BIN, K_STR = LH__K_STR, K_STRUCT = LH__K_STRUCT };

/* Decodes one struct (from its first field header through STOP) into obj,
 * which the caller zeroed. Returns 0 or the reader's error. */
int lh__pq_dec_struct(lh__pq_dec_t *d, const lh__pq_desc_t *ds, void *obj);
/* Appends obj as one struct; returns lh_buf_err of the writer's buffer. */
int lh__pq_enc_struct(lh_tc_writer_t *w, const lh__pq_desc_t *ds, const void *obj);
/* Fails the decode with code and a message (unless it already failed). */
int lh__pq_dec_fail(lh__pq_dec_t *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
