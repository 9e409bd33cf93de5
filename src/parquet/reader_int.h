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

#include <pthread.h>
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
    bool skip; /* no selected row in it: not decompressed, never opened */
} lh__pq_page_t;

/* Rows of a row group a scan reads: [r[2i], r[2i+1]) for i < n, ascending
 * and disjoint (reader_pages.c). */
typedef struct lh__pq_rows {
    int64_t *r;
    uint32_t n, cap;
} lh__pq_rows_t;

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
    uint32_t skipped; /* data pages of this row group outside the selected rows */
    bool all_dict;    /* every data page is dictionary encoded */
    bool has_dict;
    lh_vector_t dict; /* decoded dictionary (logical type) */
    uint32_t dict_size;
    /* the current page */
    uint32_t left;          /* entries left in the page */
    uint16_t *pdef, *prep;  /* its levels, decoded whole */
    uint32_t plv_cap, ppos; /* capacity, next entry */
    bool page_all_valid;    /* every definition level of the page is the maximum */
    bool flat_bits;         /* read flat with max_def 1: levels as bits in pbits */
    uint64_t *pbits;        /* the page's definition levels as bits, one spare word */
    size_t pbits_cap;       /* words */
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

/* Grows *p (an array of *cap elements of elem bytes) to hold need, doubling;
 * 0 or LH_ENOMEM (*p unchanged). */
int lh__pq_grow(void **p, size_t *cap, size_t need, size_t elem);
/* Sets up the chunk for a new row group from its bytes in ch->raw. A leaf
 * without repetition marks its data pages outside sel (NULL: every row) as
 * skipped and does not decompress them. */
int lh__pq_chunk_load(lh__pq_chunk_t *ch, const lh_pq_column_meta_t *cm, const lh__pq_rows_t *sel,
                      lh_err_t *err);
/* Skips the next n rows of the chunk: whole pages unopened, values inside
 * a page decoded and dropped; nested leaves through their levels. */
int lh__pq_chunk_skip(lh__pq_chunk_t *ch, int64_t n, lh_err_t *err);
/* Reads the next n rows of a column with no repetition directly into v (the
 * top-level vector of a primitive column; dictionary vectors when dict_ok
 * and every page is dictionary encoded) at rows [0, n). */
int lh__pq_chunk_read_flat(lh__pq_chunk_t *ch, lh_vector_t *v, uint32_t n, bool dict_ok,
                           lh_err_t *err);
/* Nested: fills ch->bdef/brep/bn with the levels of the next n rows and
 * ch->vals with their values. */
int lh__pq_chunk_read_levels(lh__pq_chunk_t *ch, uint32_t n, lh_err_t *err);
void lh__pq_chunk_free(lh__pq_chunk_t *ch);

/* Definition bits (chunk_bits.c): the set bits among [pos, pos+n) of w; bits
 * [soff, soff+n) of src into dst at doff; and the nn dense values at base
 * (size bytes each) moved to their rows among k by bits [pos, pos+k), NULL
 * rows zeroed, with the bits copied into validity at row. */
uint32_t lh__pq_bits_count(const uint64_t *w, size_t pos, uint32_t n);
void lh__pq_bits_copy(uint64_t *dst, uint32_t doff, const uint64_t *src, size_t soff, uint32_t n);
void lh__pq_bits_spread(uint8_t *base, size_t size, const uint64_t *bits, size_t pos, uint32_t k,
                        uint32_t nn, uint64_t *validity, uint32_t row);

/* Builds rows [0, n) of v from the plan and the chunks' batch levels. */
int lh__pq_assemble(const lh__pq_plan_t *p, lh__pq_chunk_t **chunks, lh_vector_t *v, uint32_t n,
                    lh_err_t *err);

/* A chunk's statistics as typed values (reader_stats.c). */
int lh__pq_stats(const lh__pq_leaf_t *leaf, const lh_pq_column_meta_t *cm, int32_t order,
                 lh_stats_t *out);
/* Page i of a column index as typed values; rows: the page's rows. */
void lh__pq_page_stats(const lh__pq_leaf_t *leaf, const lh_pq_column_index_t *ci, uint32_t i,
                       int32_t order, int64_t rows, lh_stats_t *out);

/* The rows of row group g that the scan's predicates might match by the
 * column indexes of their columns (one read for the column indexes, one
 * for the offset indexes); every row when no predicate column has a page
 * index. out->n 0: none. Returns 0, LH_ECORRUPT (an index that does not
 * decode or does not fit its chunk), LH_EIO, LH_ENOMEM. */
int lh__pq_select_rows(lh_pq_reader_t *r, uint32_t g, lh__pq_rows_t *out, lh_err_t *err);
void lh__pq_rows_free(lh__pq_rows_t *rows);

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
    lh__pq_chunk_t **spare;  /* the same leaves: the next row group, loading */
    bool pending_valid;      /* pending: the next row group, chosen (and prefetching) */
    uint32_t pending;
    pthread_t pf_thread; /* the prefetch of pf_group into spare */
    bool pf_active;
    uint32_t pf_group;
    int pf_rc;
    lh_err_t pf_err;
    lh_batch_t *batch;
    lh_type_t *out_types;
    uint32_t rg;        /* next row group to load */
    uint32_t rg_end;    /* the scan stops before this row group */
    uint32_t rg_pruned; /* row groups skipped on statistics */
    /* the rows read of the loaded row group (sel) and of the next (sel_next:
     * computed before it loads, swapped in after) */
    lh__pq_rows_t rows_a, rows_b, *sel, *sel_next;
    uint32_t sel_i;        /* the range being read */
    int64_t rg_row;        /* the chunks' next row in the loaded row group */
    bool group_open;       /* a row group is loaded and not finished */
    uint64_t pages_pruned; /* data pages not read thanks to the page index */
    uint8_t *pi_buf;       /* the page indexes of a row group, as read */
    size_t pi_cap;
    bool scanning;
    lh_arena_t *scan_arena;
};

/* Fetches and loads row group g into the chunk set (reader_fetch.c), its
 * pages outside sel skipped. */
int lh__pq_load_group(lh_pq_reader_t *r, uint32_t g, lh__pq_chunk_t **set, const lh__pq_rows_t *sel,
                      lh_err_t *err);
/* Starts loading row group g into r->spare on a thread (rows r->sel_next). */
void lh__pq_prefetch_start(lh_pq_reader_t *r, uint32_t g);
/* Waits for a running prefetch. */
void lh__pq_prefetch_stop(lh_pq_reader_t *r);
/* Row group g from the prefetch: swaps it into r->chunks and returns 0 (or
 * its error); 1 when g was not being prefetched. */
int lh__pq_prefetch_take(lh_pq_reader_t *r, uint32_t g, lh_err_t *err);

/* Reads bytes [off, off+len) of the source into dst. */
int lh__pq_read_range(lh_pq_reader_t *r, uint64_t off, size_t len, uint8_t *dst, lh_err_t *err);

#endif
