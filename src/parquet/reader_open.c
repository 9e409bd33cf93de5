/* Opening a Parquet file or object: the footer from the tail (an object's in
 * one ranged GET of LH_PQ_TAIL_GUESS bytes, a second only for a longer
 * footer), the schema tree, each leaf's logical type, the assembly plans of
 * the top-level columns and the file's STRUCT type. Every column chunk's
 * byte range is checked against the file here, so the scan can trust it. */
#include "parquet/reader_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    uint8_t *dst;
    size_t len, got;
} sink_t;

static int sink_fn(void *arg, const void *data, size_t n)
{
    sink_t *s = arg;
    if (n > s->len - s->got) return LH_ECORRUPT;
    memcpy(s->dst + s->got, data, n);
    s->got += n;
    return 0;
}

int lh__pq_read_range(lh_pq_reader_t *r, uint64_t off, size_t len, uint8_t *dst, lh_err_t *err)
{
    if (off > r->size || len > r->size - off)
        return lh_err_set(err, LH_ECORRUPT, "range %llu+%zu past the end of the file (%llu bytes)",
                          (unsigned long long)off, len, (unsigned long long)r->size);
    if (!len) return 0;
    if (r->os) {
        sink_t s = {dst, len, 0};
        int rc = lh_objstore_get(r->os, r->bucket, r->key, (int64_t)off, (int64_t)len, sink_fn, &s,
                                 NULL, err);
        if (rc == LH_ECORRUPT) return lh_err_set(err, rc, "object longer than its size");
        if (rc) return rc;
        if (s.got != len) return lh_err_set(err, LH_ECORRUPT, "object shorter than its size");
        return 0;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t k = pread(r->fd, dst + done, len - done, (off_t)(off + done));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return lh_err_set(err, LH_EIO, "cannot read: %s", strerror(errno));
        if (k == 0) return lh_err_set(err, LH_ECORRUPT, "file shorter than expected");
        done += (size_t)k;
    }
    return 0;
}

void lh_pq_reader_close(lh_pq_reader_t *r)
{
    if (!r) return;
    lh__pq_prefetch_stop(r);
    for (uint32_t i = 0; i < r->nleaves; i++) {
        if (r->chunks) lh__pq_chunk_free(r->chunks[i]);
        if (r->spare) lh__pq_chunk_free(r->spare[i]);
    }
    free(r->chunks);
    free(r->spare);
    lh__pq_rows_free(&r->rows_a);
    lh__pq_rows_free(&r->rows_b);
    free(r->pi_buf);
    lh_batch_free(r->batch);
    lh_arena_free(r->scan_arena);
    lh_pq_file_meta_free(r->meta);
    if (r->fd >= 0) close(r->fd);
    free(r->bucket);
    free(r->key);
    free(r);
}

/* Every chunk's range inside the file, and no chunk in another file. */
static int check_chunks(lh_pq_reader_t *r, lh_err_t *err)
{
    const lh_pq_file_meta_t *m = r->meta;
    int64_t rows = 0;
    for (uint32_t g = 0; g < m->nrow_groups; g++) {
        const lh_pq_row_group_t *rg = &m->row_groups[g];
        if (rg->num_rows < 0) return lh_err_set(err, LH_ECORRUPT, "row group %u: negative rows", g);
        rows += rg->num_rows;
        if (rg->ncolumns != r->nleaves)
            return lh_err_set(err, LH_ECORRUPT, "row group %u has %u columns, schema %u", g,
                              rg->ncolumns, r->nleaves);
        for (uint32_t c = 0; c < rg->ncolumns; c++) {
            const lh_pq_column_chunk_t *cc = &rg->columns[c];
            if (cc->encrypted) return lh_err_set(err, LH_EINVAL, "encrypted column chunks");
            if (cc->file_path) return lh_err_set(err, LH_EINVAL, "column chunk in another file");
            if (!cc->has_meta_data)
                return lh_err_set(err, LH_ECORRUPT, "column chunk without metadata");
            const lh_pq_column_meta_t *cm = &cc->meta_data;
            int64_t start = cm->data_page_offset;
            if (cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0 &&
                cm->dictionary_page_offset < start)
                start = cm->dictionary_page_offset;
            if (start < 4 || cm->total_compressed_size < 0 || (uint64_t)start > r->size ||
                (uint64_t)cm->total_compressed_size > r->size - (uint64_t)start)
                return lh_err_set(err, LH_ECORRUPT,
                                  "row group %u column %u: bytes %lld+%lld outside the file", g, c,
                                  (long long)start, (long long)cm->total_compressed_size);
            if ((uint64_t)cm->total_compressed_size > LH_PQ_CHUNK_MAX)
                return lh_err_set(err, LH_ETOOBIG, "column chunk of %lld bytes",
                                  (long long)cm->total_compressed_size);
            if (cm->type != r->leaves[c].phys)
                return lh_err_set(err, LH_ECORRUPT, "column %u: chunk type differs from schema", c);
        }
    }
    if (rows != m->num_rows)
        return lh_err_set(err, LH_ECORRUPT, "row groups hold %lld rows, footer says %lld",
                          (long long)rows, (long long)m->num_rows);
    return 0;
}

static int setup(lh_pq_reader_t *r, const uint8_t *meta, uint32_t len, lh_err_t *err)
{
    int rc = lh_pq_file_meta_decode(meta, len, &r->meta, err);
    if (rc) return rc;
    if (r->meta->encrypted) return lh_err_set(err, LH_EINVAL, "encrypted parquet not supported");
    lh_arena_t *a = r->meta->arena;
    if ((rc = lh_pq_schema_build(a, r->meta->schema, r->meta->nschema, &r->schema, err))) return rc;
    if (!r->schema.nleaves) return lh_err_set(err, LH_ECORRUPT, "schema without columns");
    r->nleaves = r->schema.nleaves;
    if (!(r->leaves = lh_arena_calloc(a, r->nleaves * sizeof *r->leaves)))
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < r->nleaves; i++) {
        lh__pq_leaf_t *l = &r->leaves[i];
        l->node = r->schema.leaves[i];
        l->max_def = l->node->max_def;
        l->max_rep = l->node->max_rep;
        if ((rc = lh__pq_leaf_type(l->node->elem, l, err))) return rc;
    }
    if ((rc = check_chunks(r, err))) return rc;
    if ((rc = lh__pq_plan_build(a, &r->schema, r->leaves, &r->top, &r->ntop, err))) return rc;
    lh_field_t *f = lh_arena_calloc(a, r->ntop * sizeof *f);
    if (!f) return lh_err_set(err, LH_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < r->ntop; i++) {
        f[i].name = r->top[i]->name;
        f[i].type = r->top[i]->type;
    }
    if ((rc = lh_type_struct(a, f, r->ntop, &r->type)))
        return lh_err_set(err, rc, "file schema not supported (duplicate column names?)");
    return 0;
}

/* The footer from the tail bytes [size - tlen, size); reads more when it is longer. */
static int open_tail(lh_pq_reader_t *r, const uint8_t *tail, size_t tlen, lh_err_t *err)
{
    uint64_t moff;
    uint32_t mlen;
    int rc = lh_pq_footer_locate(tail + tlen - 8, r->size, &moff, &mlen, err);
    if (rc) return rc;
    if (moff >= r->size - tlen) return setup(r, tail + (moff - (r->size - tlen)), mlen, err);
    uint8_t *buf = malloc(mlen);
    if (!buf) return lh_err_set(err, LH_ENOMEM, "out of memory");
    rc = lh__pq_read_range(r, moff, mlen, buf, err);
    if (!rc) rc = setup(r, buf, mlen, err);
    free(buf);
    return rc;
}

/* The footer from the file's last tlen bytes (tail; NULL: read them here).
 * A file: its leading magic is checked too. An object: only when the tail
 * is the whole object, so opening one costs one request. */
static int open_common(lh_pq_reader_t *r, const uint8_t *given, size_t tlen, lh_err_t *err)
{
    if (r->size < 12)
        return lh_err_set(err, LH_ECORRUPT, "not a parquet file: %llu bytes",
                          (unsigned long long)r->size);
    uint8_t *tail = NULL;
    int rc = 0;
    if (!given) {
        tlen = r->size < LH_PQ_TAIL_GUESS ? (size_t)r->size : LH_PQ_TAIL_GUESS;
        if (!(tail = malloc(tlen))) return lh_err_set(err, LH_ENOMEM, "out of memory");
        rc = lh__pq_read_range(r, r->size - tlen, tlen, tail, err);
        given = tail;
    }
    if (!rc && tlen == r->size) rc = lh_pq_check_head(given, err);
    if (!rc) rc = open_tail(r, given, tlen, err);
    free(tail);
    if (!rc && r->size > tlen && !r->os) {
        uint8_t head[4];
        rc = lh__pq_read_range(r, 0, 4, head, err);
        if (!rc) rc = lh_pq_check_head(head, err);
    }
    return rc;
}

static lh_pq_reader_t *new_reader(void)
{
    lh_pq_reader_t *r = calloc(1, sizeof *r);
    if (r) r->fd = -1;
    return r;
}

int lh_pq_reader_open_file(const char *path, lh_pq_reader_t **out, lh_err_t *err)
{
    *out = NULL;
    lh_pq_reader_t *r = new_reader();
    if (!r) return lh_err_set(err, LH_ENOMEM, "out of memory");
    struct stat st;
    if ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(r->fd, &st)) {
        int e = errno;
        lh_pq_reader_close(r);
        return lh_err_set(err, e == ENOENT ? LH_ENOENT : LH_EIO, "cannot open %s: %s", path,
                          strerror(e));
    }
    r->size = (uint64_t)st.st_size;
    int rc = open_common(r, NULL, 0, err);
    if (rc) {
        lh_pq_reader_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

int lh_pq_reader_open_object(lh_objstore_t *os, const char *bucket, const char *key,
                             lh_pq_reader_t **out, lh_err_t *err)
{
    *out = NULL;
    lh_pq_reader_t *r = new_reader();
    if (!r || !(r->bucket = strdup(bucket)) || !(r->key = strdup(key))) {
        lh_pq_reader_close(r);
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    r->os = os;
    /* the footer in one request: the last LH_PQ_TAIL_GUESS bytes (a suffix
     * range), which also tell the object's size */
    lh_objstore_meta_t m = {0};
    lh_buf_t tail;
    lh_buf_init(&tail, LH_PQ_TAIL_GUESS + 1);
    int rc = lh_objstore_get_buf(os, bucket, key, -(int64_t)LH_PQ_TAIL_GUESS, -1, &tail, &m, err);
    if (!rc) {
        r->size = m.size < 0 ? 0 : (uint64_t)m.size;
        if (tail.len != (r->size < LH_PQ_TAIL_GUESS ? r->size : LH_PQ_TAIL_GUESS))
            rc = lh_err_set(err, LH_EPROTO, "%s: the store sent %zu bytes of the last %zu", key,
                            tail.len, (size_t)LH_PQ_TAIL_GUESS);
    }
    if (!rc) rc = open_common(r, (const uint8_t *)tail.ptr, tail.len, err);
    lh_buf_free(&tail);
    if (rc) {
        lh_pq_reader_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

const lh_pq_file_meta_t *lh_pq_reader_meta(const lh_pq_reader_t *r)
{
    return r->meta;
}

const lh_type_t *lh_pq_reader_schema(const lh_pq_reader_t *r)
{
    return &r->type;
}

int64_t lh_pq_reader_num_rows(const lh_pq_reader_t *r)
{
    return r->meta->num_rows;
}

uint32_t lh_pq_reader_nleaves(const lh_pq_reader_t *r)
{
    return r->nleaves;
}

void lh_pq_reader_leaf_path(const lh_pq_reader_t *r, uint32_t leaf, char *buf, size_t cap)
{
    if (!cap) return;
    buf[0] = 0;
    if (leaf >= r->nleaves) return;
    const lh_pq_node_t *n = r->leaves[leaf].node;
    size_t used = 0;
    for (uint32_t i = 0; i < n->depth && used < cap; i++) {
        int k = snprintf(buf + used, cap - used, "%s%s", i ? "." : "", n->path[i]);
        if (k < 0) break;
        used += (size_t)k;
    }
}

const lh_type_t *lh_pq_reader_leaf_type(const lh_pq_reader_t *r, uint32_t leaf)
{
    return leaf < r->nleaves ? &r->leaves[leaf].type : NULL;
}

int lh_pq_reader_chunk_stats(const lh_pq_reader_t *r, uint32_t row_group, uint32_t leaf,
                             lh_stats_t *out)
{
    if (row_group >= r->meta->nrow_groups || leaf >= r->nleaves) return LH_EINVAL;
    const lh_pq_row_group_t *rg = &r->meta->row_groups[row_group];
    int32_t order = leaf < r->meta->ncolumn_orders ? r->meta->column_orders[leaf] : 0;
    int rc = lh__pq_stats(&r->leaves[leaf], &rg->columns[leaf].meta_data, order, out);
    out->row_count = rg->num_rows;
    return rc;
}
