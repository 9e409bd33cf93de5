/* The shared work list of a parallel pipeline (morsel.h): Parquet files'
 * row groups in file order, a memory table's chunks, or CSV/JSON files,
 * handed out under a mutex one at a time. A pipeline runs through the probe side of hash
 * joins whose build side is small (the optimizer's small_build): each
 * worker builds the join's table from the whole build side and probes it
 * with the morsels it takes. */
#include <stdlib.h>

#include "parquet/reader.h"
#include "sql/catalog/memtable.h"
#include "sql/exec/morsel.h"

/* Whether a join streams its left input: every left row is handled on its
 * own (each worker builds its own copy of the hash table from the whole
 * right input), so no kind that hands out unmatched right rows at the end. */
static bool probe_streams(const lh_plan_t *p)
{
    uint8_t k = p->u.join.kind;
    if (p->u.join.build_left || !p->u.join.small_build) return false; /* see plan.h */
    return k == 0 /* INNER */ || k == 1 /* LEFT */ || k == 4 /* CROSS */ || k == 5 /* SEMI */ ||
           k == 6 /* ANTI */ || k == LH_JOIN_KIND_MARK;
}

/* The scan under a chain of streaming operators (filters, projections, the
 * probe side of joins), or NULL. */
static const lh_plan_t *pipeline_scan(const lh_plan_t *p)
{
    while (p && (p->kind == LH_PLAN_FILTER || p->kind == LH_PLAN_PROJECT ||
                 (p->kind == LH_PLAN_JOIN && probe_streams(p))))
        p = p->child[0];
    if (p && (p->kind == LH_PLAN_SCAN_PARQUET || p->kind == LH_PLAN_SCAN_MEMORY ||
              p->kind == LH_PLAN_SCAN_TEXT))
        return p;
    return NULL;
}

/* How many times node n appears under p (a plan may share a subtree: a CTE
 * read twice); a shared scan must not hand its morsels to a build side. */
static uint32_t uses(const lh_plan_t *p, const lh_plan_t *n)
{
    if (!p) return 0;
    return (p == n) + uses(p->child[0], n) + uses(p->child[1], n);
}

int lh__morsels_init(lh_exec_t *ex, const lh_plan_t *plan, lh_morsels_t *m)
{
    const lh_plan_t *scan = pipeline_scan(plan);
    if (!scan || uses(plan, scan) != 1) return 0;
    if (scan->kind == LH_PLAN_SCAN_MEMORY) {
        const lh_sql_mem_table_t *t = scan->u.mem.table;
        if (t->nchunks < 2) return 0;
        *m = (lh_morsels_t){.scan = scan,
                            .nchunks = t->nchunks,
                            .last_count = t->chunks[t->nchunks - 1]->count,
                            .left = UINT32_MAX};
        pthread_mutex_init(&m->mu, NULL);
        return 1;
    }
    if (scan->kind == LH_PLAN_SCAN_TEXT) { /* JSON files read whole: no gain */
        if (scan->u.text.nfiles < 2 || scan->u.text.format >= 3) return 0;
        *m = (lh_morsels_t){.scan = scan, .left = UINT32_MAX};
        pthread_mutex_init(&m->mu, NULL);
        return 1;
    }
    uint32_t n = scan->u.pq.nfiles, total = 0;
    uint32_t *rgs = calloc(n + 1, sizeof *rgs);
    if (!rgs) return lh_sql_err(ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    for (uint32_t f = 0; f < n; f++) {
        lh_pq_reader_t *r;
        lh_err_t e = {0};
        const char *key = scan->u.pq.keys[f];
        int rc = scan->u.pq.os
                     ? lh_pq_reader_open_object(scan->u.pq.os, scan->u.pq.bucket, key, &r, &e)
                     : lh_pq_reader_open_file(key, &r, &e);
        if (rc) {
            free(rgs);
            return lh_sql_err(ex->err, LH_EIO, LH_SQL_EIO, -1, "%s: %s", key, e.msg);
        }
        rgs[f] = lh_pq_reader_meta(r)->nrow_groups;
        total += rgs[f];
        lh_pq_reader_close(r);
    }
    if (total < 2) {
        free(rgs);
        return 0;
    }
    *m = (lh_morsels_t){.scan = scan, .rgs = rgs, .left = UINT32_MAX};
    pthread_mutex_init(&m->mu, NULL);
    return 1;
}

void lh__morsels_free(lh_morsels_t *m)
{
    if (!m->scan) return;
    free(m->rgs);
    pthread_mutex_destroy(&m->mu);
    m->scan = NULL;
}

int lh__morsels_next_rg(lh_morsels_t *m, uint32_t *file, uint32_t *rg)
{
    pthread_mutex_lock(&m->mu);
    int got = 0;
    while (m->left && m->file < m->scan->u.pq.nfiles) {
        if (m->rg < m->rgs[m->file]) {
            *file = m->file;
            *rg = m->rg++;
            m->left--;
            got = 1;
            break;
        }
        m->file++;
        m->rg = 0;
    }
    pthread_mutex_unlock(&m->mu);
    return got;
}

int lh__morsels_next_file(lh_morsels_t *m, uint32_t *file)
{
    pthread_mutex_lock(&m->mu);
    int got = m->left && m->file < m->scan->u.text.nfiles;
    if (got) {
        *file = m->file++;
        m->left--;
    }
    pthread_mutex_unlock(&m->mu);
    return got;
}

int lh__morsels_next_chunk(lh_morsels_t *m, uint32_t *chunk, uint32_t *count)
{
    pthread_mutex_lock(&m->mu);
    int got = 0;
    if (m->left && m->chunk < m->nchunks) {
        m->left--;
        *chunk = m->chunk++;
        const lh_sql_mem_table_t *t = m->scan->u.mem.table;
        *count = *chunk + 1 == m->nchunks ? m->last_count : t->chunks[*chunk]->count;
        got = 1;
    }
    pthread_mutex_unlock(&m->mu);
    return got;
}
