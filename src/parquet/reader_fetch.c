/* Loading a row group's column chunks: their bytes (objects: ranged GETs,
 * up to four at once on threads; files: pread), then each chunk's pages
 * decompressed and its dictionary decoded (chunk.c). The scan keeps two sets
 * of chunk buffers: while the caller reads batches of one row group from the
 * first, a background thread loads the next row group into the second, so
 * I/O and decompression overlap decoding; the sets swap at the row-group
 * boundary, when the last batch of the old row group has been released. */
#include "parquet/reader_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_THREADS 4

static int fetch_one(lh_pq_reader_t *r, const lh_pq_row_group_t *rg, lh__pq_chunk_t *ch,
                     uint32_t leaf, lh_err_t *err)
{
    const lh_pq_column_meta_t *cm = &rg->columns[leaf].meta_data;
    int64_t start = cm->data_page_offset;
    if (cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0 &&
        cm->dictionary_page_offset < start)
        start = cm->dictionary_page_offset;
    size_t len = (size_t)cm->total_compressed_size;
    if (len > ch->raw_cap) {
        uint8_t *p = realloc(ch->raw, len);
        if (!p) return lh_err_set(err, LH_ENOMEM, "out of memory");
        ch->raw = p;
        ch->raw_cap = len;
    }
    ch->raw_len = len;
    return lh__pq_read_range(r, (uint64_t)start, len, ch->raw, err);
}

typedef struct {
    lh_pq_reader_t *r;
    const lh_pq_row_group_t *rg;
    lh__pq_chunk_t **set;
    uint32_t *list, n;
    atomic_uint next;
    atomic_int rc;
    lh_err_t err;
    pthread_mutex_t mu;
} fetch_t;

static void *fetch_thread(void *arg)
{
    fetch_t *f = arg;
    for (;;) {
        uint32_t i = atomic_fetch_add(&f->next, 1);
        if (i >= f->n || atomic_load(&f->rc)) break;
        lh_err_t e = {0};
        int rc = fetch_one(f->r, f->rg, f->set[f->list[i]], f->list[i], &e);
        if (rc) {
            pthread_mutex_lock(&f->mu);
            if (!atomic_load(&f->rc)) {
                f->err = e;
                atomic_store(&f->rc, rc);
            }
            pthread_mutex_unlock(&f->mu);
        }
    }
    return NULL;
}

static int fetch_parallel(fetch_t *f, lh_err_t *err)
{
    atomic_init(&f->next, 0);
    atomic_init(&f->rc, 0);
    pthread_mutex_init(&f->mu, NULL);
    pthread_t th[FETCH_THREADS];
    uint32_t nt = f->n < FETCH_THREADS ? f->n : FETCH_THREADS, started = 0;
    for (; started < nt; started++)
        if (pthread_create(&th[started], NULL, fetch_thread, f)) break;
    if (!started) fetch_thread(f);
    for (uint32_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&f->mu);
    int rc = atomic_load(&f->rc);
    if (rc && err) *err = f->err;
    return rc;
}

int lh__pq_load_group(lh_pq_reader_t *r, uint32_t g, lh__pq_chunk_t **set, const lh__pq_rows_t *sel,
                      lh_err_t *err)
{
    const lh_pq_row_group_t *rg = &r->meta->row_groups[g];
    uint32_t *list = malloc((r->nleaves ? r->nleaves : 1) * sizeof *list), n = 0;
    if (!list) return lh_err_set(err, LH_ENOMEM, "out of memory");
    for (uint32_t l = 0; l < r->nleaves; l++)
        if (set[l]) list[n++] = l;
    int rc = 0;
    if (r->os && n > 1) {
        fetch_t f = {.r = r, .rg = rg, .set = set, .list = list, .n = n};
        rc = fetch_parallel(&f, err);
    } else {
        for (uint32_t i = 0; i < n && !rc; i++)
            rc = fetch_one(r, rg, set[list[i]], list[i], err);
    }
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = lh__pq_chunk_load(set[list[i]], &rg->columns[list[i]].meta_data, sel, err);
    free(list);
    return rc;
}

static void *prefetch_thread(void *arg)
{
    lh_pq_reader_t *r = arg;
    memset(&r->pf_err, 0, sizeof r->pf_err);
    r->pf_rc = lh__pq_load_group(r, r->pf_group, r->spare, r->sel_next, &r->pf_err);
    return NULL;
}

void lh__pq_prefetch_start(lh_pq_reader_t *r, uint32_t g)
{
    lh__pq_prefetch_stop(r);
    r->pf_group = g;
    r->pf_rc = 0;
    r->pf_active = !pthread_create(&r->pf_thread, NULL, prefetch_thread, r);
}

void lh__pq_prefetch_stop(lh_pq_reader_t *r)
{
    if (!r->pf_active) return;
    pthread_join(r->pf_thread, NULL);
    r->pf_active = false;
}

int lh__pq_prefetch_take(lh_pq_reader_t *r, uint32_t g, lh_err_t *err)
{
    if (!r->pf_active || r->pf_group != g) {
        lh__pq_prefetch_stop(r);
        return 1;
    }
    lh__pq_prefetch_stop(r);
    if (r->pf_rc) {
        if (err) *err = r->pf_err;
        return r->pf_rc;
    }
    lh__pq_chunk_t **t = r->chunks;
    r->chunks = r->spare;
    r->spare = t;
    return 0;
}
