/* Evaluation scopes (func.h): the batch a thread's operator evaluates its
 * expression list over, the columns gathered under it, and an epoch that
 * changes whenever a scope opens or resumes, so nothing read or gathered
 * under one scope is taken for another. */
#include "sql/func/func.h"

#define GATHERED 64 /* columns of a batch whose gathering can be shared */

static _Thread_local lh_sql_scope_t tl_scope;
static _Thread_local uint64_t tl_epochs;
typedef struct gathered {
    uint64_t epoch;
    const lh_vector_t *v;
} gathered_t;

static _Thread_local gathered_t tl_gathered[GATHERED];

lh_sql_scope_t lh_sql_scope_enter(const lh_batch_t *in)
{
    lh_sql_scope_t was = tl_scope;
    tl_scope = (lh_sql_scope_t){.in = in, .epoch = ++tl_epochs};
    return was;
}

void lh_sql_scope_leave(lh_sql_scope_t saved)
{
    /* a new epoch for the scope resumed: what an inner one read under its
       own is not the outer's, and the outer's readings may be stale */
    tl_scope = saved;
    if (saved.in) tl_scope.epoch = ++tl_epochs;
}

uint64_t lh_sql_scope_column(const void *data)
{
    const lh_batch_t *in = tl_scope.in;
    if (!in || !data) return 0;
    for (uint32_t k = 0; k < in->ncols; k++) {
        if (in->cols[k].data == data && in->cols[k].kind == LH_VECTOR_FLAT) return tl_scope.epoch;
        if (k < GATHERED && tl_gathered[k].epoch == tl_scope.epoch &&
            tl_gathered[k].v->data == data)
            return tl_scope.epoch;
    }
    return 0;
}

const lh_vector_t *lh_sql_scope_gathered(const lh_batch_t *in, uint32_t col)
{
    if (!in || in != tl_scope.in || col >= GATHERED || tl_gathered[col].epoch != tl_scope.epoch)
        return NULL;
    return tl_gathered[col].v;
}

void lh_sql_scope_gather_done(const lh_batch_t *in, uint32_t col, const lh_vector_t *v)
{
    if (in && in == tl_scope.in && col < GATHERED && v->kind == LH_VECTOR_FLAT)
        tl_gathered[col] = (gathered_t){.epoch = tl_scope.epoch, .v = v};
}
