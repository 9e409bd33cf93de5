/* Internal to parquet/writer*.c: the schema as writer nodes, one state per
 * leaf column (the current column chunk's levels and values, its dictionary,
 * its statistics), and the writer itself. */
#ifndef LH_PARQUET_WRITER_INT_H
#define LH_PARQUET_WRITER_INT_H

#include "core/arena.h"
#include "parquet/encode.h"
#include "parquet/meta.h"
#include "parquet/writer.h"

enum { LH__W_LEAF, LH__W_STRUCT, LH__W_LIST, LH__W_MAP };

/* How a leaf's physical values are ordered (its statistics). */
enum {
    LH__ORD_NONE, /* INTERVAL: no order, no min/max */
    LH__ORD_BOOL,
    LH__ORD_I32,
    LH__ORD_U32,
    LH__ORD_I64,
    LH__ORD_U64,
    LH__ORD_FLOAT,
    LH__ORD_DOUBLE,
    LH__ORD_FLBA, /* big-endian two's complement (DECIMAL, HUGEINT) */
    LH__ORD_BYTES /* unsigned bytes, then length */
};

typedef struct lh__pq_wnode lh__pq_wnode_t;
struct lh__pq_wnode {
    int kind;
    lh_type_t type;
    uint8_t def;   /* definition level when this node's value is present */
    uint8_t rep;   /* LIST, MAP: repetition level of the repeated group */
    bool required; /* a MAP key */
    uint32_t nchildren;
    lh__pq_wnode_t *children; /* STRUCT: fields; LIST: element; MAP: key, value */
    uint32_t leaf;            /* LEAF: its column index */
};

/* Min/max of physical values in a leaf's order, and the null count. */
typedef struct lh__pq_stat {
    bool has;                 /* a min and max were seen */
    uint8_t min[16], max[16]; /* fixed-width values */
    lh_buf_t smin, smax;      /* byte arrays */
    int64_t nulls;
} lh__pq_stat_t;

/* One data page of the chunk being written, for its page index. */
typedef struct lh__pq_wpage {
    int64_t offset, first_row, nulls;
    int32_t size; /* header and body */
    bool null_page;
    uint32_t bound_off, min_len, max_len; /* the bounds in the leaf's pbounds */
} lh__pq_wpage_t;

typedef struct lh__pq_leaf {
    const lh__pq_wnode_t *node;
    lh_type_t type; /* the leaf's logical type */
    int32_t phys;   /* LH_PQ_BOOLEAN.. */
    uint32_t width; /* bytes per physical value; 0 for BYTE_ARRAY */
    int ord;        /* LH__ORD_* */
    uint8_t max_def, max_rep;
    char **path; /* names below the root */
    uint32_t depth;
    char *dotted;
    /* the current column chunk */
    uint8_t *defs, *reps;
    size_t nlevels, levcap, repcap;
    bool dict_mode;
    bool dict_checked; /* the early benefit check ran */
    lh_pq_dict_t dict;
    uint32_t *idx; /* dictionary mode: an entry per value */
    size_t idxcap;
    lh_buf_t plain;     /* PLAIN mode: the values (BOOLEAN: a byte per value) */
    size_t nvalues;     /* non-NULL values in the chunk */
    size_t plain_bytes; /* their PLAIN size */
    lh__pq_stat_t chunk;
    lh__pq_stat_t *file; /* the column's over the file (one for both sets of leaves) */
    /* the chunk's page index (writer_index.c) */
    lh__pq_wpage_t *wpages;
    size_t nwpages, wpagecap;
    lh_buf_t pbounds;       /* each page's min then max, truncated */
    bool no_ci;             /* a non-null page without bounds: no ColumnIndex */
    bool not_asc, not_desc; /* the bounds so far do not ascend / descend */
    size_t prev;            /* 1 + the last non-null page, 0: none yet */
    /* the chunk's data pages, cut before they are written (writer_page.c) */
    size_t (*cuts)[6]; /* levels [0, 1), values [2, 3), PLAIN bytes [4, 5) */
    size_t ncuts, cutcap;
    size_t task0; /* parallel: its first page in w->tasks */
    lh_err_t err; /* parallel: what went wrong preparing this chunk */
} lh__pq_leaf_t;

/* One page of a row group (the dictionary page or a data page): encoded,
 * compressed and its header made by one thread, then written in order. */
typedef struct lh__pq_ptask {
    uint32_t leaf;
    bool dict;           /* the chunk's dictionary page */
    size_t cut[6];       /* a data page's cut */
    size_t est;          /* its size guessed, for the order pages are handed out */
    lh_buf_t body, comp; /* the encoded page and its compression */
    lh_buf_t hdr;        /* the page header */
    const void *data;    /* what follows the header: comp, body or the dictionary */
    size_t len, raw;     /* compressed and uncompressed sizes */
    lh__pq_stat_t stat;  /* a data page's statistics (page index) */
    int64_t nulls, rows; /* its NULL slots and rows (page index) */
    int rc;
    lh_err_t err;
} lh__pq_ptask_t;

/* A thread's own state while pages are made: its ZSTD context and the
 * scratch of a page's dictionary values gathered for its statistics. */
typedef struct lh__pq_worker {
    void *zctx; /* ZSTD_CCtx, reused */
    lh_buf_t scratch;
} lh__pq_worker_t;

struct lh_pq_writer {
    lh_pq_write_opts_t o;
    lh_arena_t *arena; /* the schema, names, footer pieces, stats */
    lh_type_t schema;
    lh__pq_wnode_t *cols;
    uint32_t ncols;
    lh__pq_leaf_t *leaves; /* the row group being built */
    uint32_t nleaves;
    lh__pq_leaf_t *fl;    /* the row group being written: leaves, or the other set (pipelined) */
    lh__pq_stat_t *files; /* each leaf's file statistics */
    lh_pq_schema_elem_t *elems;
    uint32_t nelems;
    lh_pq_sink_fn sink;
    void *sink_ctx;
    uint64_t pos;     /* bytes handed to the sink or waiting in out */
    lh_buf_t out;     /* bytes waiting for the sink */
    uint32_t rg_rows; /* rows in the row group being built */
    int64_t rows;     /* rows in finished row groups */
    lh_pq_row_group_t *rgs;
    uint32_t nrgs, rgcap;
    /* making pages (writer_rg.c): one worker per thread, the pages of a row group */
    struct lh_pool *pool; /* NULL: one thread */
    bool own_pool;        /* started by the writer */
    lh__pq_worker_t *workers;
    uint32_t nworkers;
    lh__pq_ptask_t *tasks; /* one thread: tasks[0], reused */
    size_t ntasks, taskcap;
    lh__pq_ptask_t **order; /* the tasks, largest first */
    /* pipelined (a pool): the pages of the row group in fl are made while the next is built */
    struct lh_job **helpers; /* the pool jobs making them, one per pool thread (NULL: none) */
    struct lh__pq_helper *hargs;
    size_t next;      /* atomic: the next task (in order) to make */
    int stop;         /* atomic: a page failed, make no more */
    bool inflight;    /* fl's pages are being made */
    uint32_t fl_rows; /* fl's rows */
    /* gather scratch */
    uint8_t *gbuf;
    size_t gcap;
    int failed;
    bool closed;
    lh_pq_col_stats_t *stats;
    /* page indexes of the finished chunks, written before the footer; the
     * ColumnChunks' offsets are relative to these buffers until then */
    lh_buf_t ci_buf, oi_buf;
};

/* writer_schema.c: the node tree, the leaves and the schema elements for w->schema. */
int lh__pq_w_schema(lh_pq_writer_t *w, lh_err_t *err);

/* writer_col.c: appends n levels to leaf l, and the values of the slots
 * whose level is max_def: rows[] of vv (a FLAT vector, or the values of any
 * kind resolved by the caller), or rows start.. when rows is NULL. */
int lh__pq_leaf_append(lh_pq_writer_t *w, lh__pq_leaf_t *l, const uint8_t *defs,
                       const uint8_t *reps, size_t nlev, const lh_vector_t *vv,
                       const uint32_t *rows, uint32_t start, size_t nval, lh_err_t *err);
/* Decides dictionary or PLAIN for the chunk's end (converting to PLAIN when
 * the dictionary does not pay) and finishes the chunk's statistics. */
int lh__pq_leaf_finish(lh_pq_writer_t *w, lh__pq_leaf_t *l, lh_err_t *err);
/* The chunk's buffers, empty (after the column's fields are set). */
void lh__pq_leaf_init(lh__pq_leaf_t *l);
/* d: leaf s's column with a chunk of its own, empty (the second set of leaves). */
void lh__pq_leaf_twin(lh_pq_writer_t *w, lh__pq_leaf_t *d, const lh__pq_leaf_t *s);
void lh__pq_leaf_reset(lh_pq_writer_t *w, lh__pq_leaf_t *l);
void lh__pq_leaf_release(lh__pq_leaf_t *l);

/* writer_stats.c */
void lh__pq_stat_fixed(lh__pq_stat_t *s, int ord, const uint8_t *v, size_t n, size_t width);
void lh__pq_stat_bytes(lh__pq_stat_t *s, const lh_str_t *v, size_t n);
/* Folds chunk statistics b into a. */
void lh__pq_stat_merge(lh__pq_stat_t *a, const lh__pq_stat_t *b, int ord, size_t width);
void lh__pq_stat_reset(lh__pq_stat_t *s);
void lh__pq_stat_release(lh__pq_stat_t *s);
/* The Parquet Statistics of s (binaries in arena a). */
int lh__pq_stat_to_thrift(const lh__pq_leaf_t *l, const lh__pq_stat_t *s, lh_arena_t *a,
                          lh_pq_stats_t *out);
/* The leaf's file statistics as values (string bytes in arena a). */
int lh__pq_stat_to_values(const lh__pq_leaf_t *l, lh_arena_t *a, lh_pq_col_stats_t *out);

/* Bounds of s as written (strings truncated like chunk statistics) appended
 * to out, min then max; false when s has no bounds to write. */
bool lh__pq_stat_bounds(const lh__pq_leaf_t *l, const lh__pq_stat_t *s, lh_buf_t *out,
                        uint32_t *minlen, uint32_t *maxlen);
/* <0, 0, >0: two bounds of leaf l in the column's order. */
int lh__pq_stat_cmp(const lh__pq_leaf_t *l, const void *a, size_t an, const void *b, size_t bn);

/* writer_index.c: the page index. pi_page_stats (any thread) fills t's
 * statistics, NULL count and rows for its data page; pi_page records the page
 * t, written at offset in size bytes; pi_chunk encodes the chunk's
 * ColumnIndex (when every page has bounds) and OffsetIndex into
 * w->ci_buf/oi_buf and points cc at them (relative offsets) and starts the
 * next chunk; pi_write writes them all and makes the offsets absolute. */
int lh__pq_pi_page_stats(const lh__pq_leaf_t *l, lh__pq_ptask_t *t, lh_buf_t *scratch);
int lh__pq_pi_page(lh_pq_writer_t *w, lh__pq_leaf_t *l, const lh__pq_ptask_t *t, int64_t first_row,
                   int64_t offset, int32_t size, lh_err_t *err);
int lh__pq_pi_chunk(lh_pq_writer_t *w, lh__pq_leaf_t *l, lh_pq_column_chunk_t *cc, lh_err_t *err);
int lh__pq_pi_write(lh_pq_writer_t *w, lh_err_t *err);
void lh__pq_pi_release(lh__pq_leaf_t *l);

/* writer_page.c. chunk_prepare (any thread, one per leaf) finishes leaf l's
 * chunk (lh__pq_leaf_finish) and cuts its data pages into l->cuts.
 * page_make (any thread, one per task) encodes, compresses and heads the page
 * t of the prepared leaf with worker k's state. chunk_write writes leaf l's
 * chunk and fills its ColumnChunk: the dictionary page first in dictionary
 * mode, then one data page per cut, each from pages(ctx, leaf, dict, cut),
 * which hands back the page made (just now on one thread, or before). */
int lh__pq_chunk_prepare(lh_pq_writer_t *w, lh__pq_leaf_t *l, lh_err_t *err);
int lh__pq_page_make(const lh_pq_writer_t *w, lh__pq_worker_t *k, lh__pq_ptask_t *t);
typedef lh__pq_ptask_t *(*lh__pq_page_src)(void *ctx, uint32_t leaf, bool dict, size_t cut);
int lh__pq_chunk_write(lh_pq_writer_t *w, lh__pq_leaf_t *l, lh_pq_column_chunk_t *cc,
                       lh__pq_page_src pages, void *ctx, lh_err_t *err);
void lh__pq_ptask_init(lh__pq_ptask_t *t);
void lh__pq_ptask_release(lh__pq_ptask_t *t);

/* writer_rg.c: the threads (lh__pq_rg_open at open, lh__pq_rg_close at free:
 * stops what is in flight); with a pool, rg_begin prepares the chunks of the
 * row group in w->fl and starts making its pages on the pool, rg_end makes
 * what is left on the caller's thread and waits for the rest (the first
 * error of a page in file order); rg_write writes w->fl's chunks into
 * rg->columns (without a pool, each page made just before it is written)
 * and empties them. */
int lh__pq_rg_open(lh_pq_writer_t *w, lh_err_t *err);
int lh__pq_rg_begin(lh_pq_writer_t *w, lh_err_t *err);
int lh__pq_rg_end(lh_pq_writer_t *w, lh_err_t *err);
int lh__pq_rg_write(lh_pq_writer_t *w, lh_pq_row_group_t *rg, lh_err_t *err);
void lh__pq_rg_close(lh_pq_writer_t *w);
/* Queues bytes for the sink (flushed in 1 MiB pieces). */
int lh__pq_out(lh_pq_writer_t *w, const void *p, size_t n, lh_err_t *err);
/* Hands what is queued to the sink. */
int lh__pq_out_flush(lh_pq_writer_t *w, lh_err_t *err);

#endif
