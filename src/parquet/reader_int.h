/* Internal to the Parquet reader (reader_*.c, chunk.c, convert.c,
 * assemble.c): leaves with their conversion, the assembly plan of nested
 * columns, and the per-column-chunk page state. */
#ifndef LH_PARQUET_READER_INT_H
#define LH_PARQUET_READER_INT_H

#include "parquet/decode.h"
#include "parquet/meta.h"
#include "parquet/reader.h"
#include "parquet/schema.h"
#include "store/objstore.h"
#include "vector/batch.h"

#include <stdio.h>

/* How a leaf's physical values become its logical type (convert.c). */
enum {
    LH__CV_COPY = 0,  /* same layout: decode straight into the vector */
    LH__CV_I32_I8,    /* INT32 -> TINYINT */
    LH__CV_I32_I16,   /* INT32 -> SMALLINT */
    LH__CV_I32_U8,    /* INT32 -> UTINYINT */
    LH__CV_I32_U16,   /* INT32 -> USMALLINT */
    LH__CV_I32_I64,   /* INT32 -> DECIMAL (int64) */
    LH__CV_I64_I128,  /* INT64 -> DECIMAL (int128) */
    LH__CV_MS32,      /* INT32 millis -> int64 micros (TIME) */
    LH__CV_MS64,      /* INT64 millis -> micros */
    LH__CV_NS64,      /* INT64 nanos -> micros, floor */
    LH__CV_INT96,     /* INT96 -> TIMESTAMP WITH TIME ZONE */
    LH__CV_DEC_BIN64, /* big-endian bytes -> DECIMAL int64 */
    LH__CV_DEC_BIN128,
    LH__CV_F16,      /* FLBA(2) half float -> FLOAT */
    LH__CV_INTERVAL, /* FLBA(12) months, days, millis -> INTERVAL */
};

typedef struct lh__pq_leaf {
    const lh_pq_node_t *node;
    int phys;         /* LH_PQ_BOOLEAN .. */
    int32_t flba_len; /* FIXED_LEN_BYTE_ARRAY */
    lh_type_t type;   /* logical type of the values */
    int conv;         /* LH__CV_* */
    int16_t max_def, max_rep;
} lh__pq_leaf_t;

/* Builds r->leaves' types and conversions. */
int lh__pq_leaf_type(const lh_pq_schema_elem_t *e, lh__pq_leaf_t *leaf, lh_err_t *err);
/* Converts n physical values (decode.h layout) into n logical values. */
int lh__pq_convert(const lh__pq_leaf_t *leaf, const void *src, void *dst, uint32_t n,
                   lh_err_t *err);

/* Assembly plan of a column (assemble.c) */
enum { LH__PL_PRIM = 0, LH__PL_STRUCT, LH__PL_LIST, LH__PL_MAP };

typedef struct lh__pq_plan lh__pq_plan_t;
struct lh__pq_plan {
    int kind;
    const char *name;
    lh_type_t type;
    int16_t present_def;        /* def level at which a value is not NULL */
    int16_t elem_def, list_rep; /* LIST/MAP: def level of an element, rep level of the list */
    int32_t leaf;               /* PRIM: its leaf; else the first leaf below */
    lh__pq_plan_t **children;   /* STRUCT fields; LIST/MAP: the element (MAP: STRUCT(key, value)) */
    uint32_t nchildren;
};

/* Builds the plans of every top-level column in arena a. */
int lh__pq_plan_build(lh_arena_t *a, const lh_pq_schema_t *s, const lh__pq_leaf_t *leaves,
                      lh__pq_plan_t ***out, uint32_t *nout, lh_err_t *err);

/* One page of a column chunk, decompressed (chunk.c). */
typedef struct lh__pq_page {
    int32_t type, encoding; /* page type, value encoding */
    int32_t def_enc, rep_enc;
    uint32_t num_values;
    const uint8_t *def, *rep, *vals;
    size_t def_len, rep_len, vals_len;
    bool v2;
} lh__pq_page_t;

typedef struct lh__pq_chunk {
    const lh__pq_leaf_t *leaf;
    int32_t leaf_idx;
    /* bytes of the chunk as read, then pages decompressed: both reused */
    uint8_t *raw;
    size_t raw_cap, raw_len;
    uint8_t *unz;
    size_t unz_cap;
    lh__pq_page_t *pages;
    uint32_t npages, pages_cap, cur;
    bool all_dict; /* every data page is dictionary encoded */
    bool has_dict;
    lh_vector_t dict; /* decoded dictionary (logical type) */
    uint32_t dict_size;
    /* the current page */
    uint32_t left;          /* entries left in the page */
    uint16_t *pdef, *prep;  /* its levels, decoded whole */
    uint32_t plv_cap, ppos; /* capacity, next entry */
    int venc;               /* value decoder in use */
    union {
        lh_pq_plain_t plain;
        lh_pq_rle_t rle;
        lh_pq_bss_t bss;
        lh_pq_delta_t delta;
        lh_pq_dlba_t dlba;
        lh_pq_dba_t dba;
    } u;
    uint8_t *scratch; /* physical values before conversion */
    size_t scratch_cap;
    lh_arena_t *arena; /* DELTA_BYTE_ARRAY / BSS strings; recycled per row group */
    /* nested columns: levels and dense values of the current batch */
    uint16_t *bdef, *brep;
    uint32_t bcap, bn;
    lh_vector_t vals; /* values of entries at max_def, dense */
    uint32_t nvals;
} lh__pq_chunk_t;

/* Sets up the chunk for a new row group from its bytes in ch->raw. */
int lh__pq_chunk_load(lh__pq_chunk_t *ch, const lh_pq_column_meta_t *cm, int64_t rows,
                      lh_err_t *err);
/* Reads the next n rows of a column with no repetition directly into v (the
 * top-level vector of a primitive column; dictionary vectors when dict_ok
 * and every page is dictionary encoded) at rows [0, n). */
int lh__pq_chunk_read_flat(lh__pq_chunk_t *ch, lh_vector_t *v, uint32_t n, bool dict_ok,
                           lh_err_t *err);
/* Nested: fills ch->bdef/brep/bn with the levels of the next n rows and
 * ch->vals with their values. */
int lh__pq_chunk_read_levels(lh__pq_chunk_t *ch, uint32_t n, lh_err_t *err);
void lh__pq_chunk_free(lh__pq_chunk_t *ch);

/* Builds rows [0, n) of v from the plan and the chunks' batch levels. */
int lh__pq_assemble(const lh__pq_plan_t *p, lh__pq_chunk_t **chunks, lh_vector_t *v, uint32_t n,
                    lh_err_t *err);

/* A chunk's statistics as typed values (reader_stats.c). */
int lh__pq_stats(const lh__pq_leaf_t *leaf, const lh_pq_column_meta_t *cm, int32_t order,
                 lh_stats_t *out);

typedef struct lh__pq_out {
    const lh__pq_plan_t *plan;
    bool flat; /* a primitive column without repetition: lh__pq_chunk_read_flat */
} lh__pq_out_t;

struct lh_pq_reader {
    /* the source */
    int fd;
    lh_objstore_t *os;
    char *bucket, *key;
    uint64_t size;
    /* the file */
    lh_pq_file_meta_t *meta;
    lh_pq_schema_t schema;
    lh__pq_leaf_t *leaves;
    uint32_t nleaves;
    lh__pq_plan_t **top;
    uint32_t ntop;
    lh_type_t type; /* STRUCT of the top-level columns */
    /* the scan */
    lh_scan_req_t req;
    lh__pq_out_t *outs;
    uint32_t nouts;
    lh__pq_chunk_t **chunks; /* per leaf; NULL when not needed */
    lh_batch_t *batch;
    lh_type_t *out_types;
    uint32_t rg;        /* next row group to load */
    int64_t rg_left;    /* rows left in the loaded row group */
    uint32_t rg_pruned; /* row groups skipped on statistics */
    bool scanning;
    lh_arena_t *scan_arena;
};

/* Reads bytes [off, off+len) of the source into dst. */
int lh__pq_read_range(lh_pq_reader_t *r, uint64_t off, size_t len, uint8_t *dst, lh_err_t *err);

#endif
