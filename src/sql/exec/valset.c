/* Value sets for IN (subquery): the distinct non-NULL values in a vector
 * that grows by doubling, an open-addressing table of their positions, and
 * a flag for a NULL seen. */
#include <stdlib.h>

#include "sql/exec/exec_int.h"
#include "sql/exec/rowops.h"
#include "sql/exec/valset.h"

struct lh_valset {
    lh_vector_t values;
    bool init;
    uint32_t n;
    bool has_null;
    uint32_t *slots; /* position + 1; 0 empty */
    uint64_t mask;
    lh_arena_t *bytes; /* long strings */
};

static void release(void *p)
{
    lh_valset_t *s = p;
    if (s->init) lh_vector_release(&s->values);
    free(s->slots);
    lh_arena_free(s->bytes);
}

static int grow(lh_valset_t *s)
{
    uint64_t cap = s->slots ? (s->mask + 1) * 2 : 64;
    uint32_t *n = lh__zalloc(cap, sizeof *n);
    if (!n) return LH_ENOMEM;
    for (uint32_t i = 0; i < s->n; i++) {
        uint64_t j = lh__row_hash(&s->values, i) & (cap - 1);
        while (n[j])
            j = (j + 1) & (cap - 1);
        n[j] = i + 1;
    }
    free(s->slots);
    s->slots = n;
    s->mask = cap - 1;
    return 0;
}

static int add(lh_valset_t *s, const lh_vector_t *v, uint32_t row)
{
    if (!lh_vector_is_valid(v, row)) {
        s->has_null = true;
        return 0;
    }
    if (lh__valset_has(s, v, row)) return 0;
    if ((uint64_t)(s->n + 1) * 2 > s->mask + 1 && grow(s)) return LH_ENOMEM;
    if (s->n == s->values.capacity && lh_vector_reserve(&s->values, s->values.capacity * 2))
        return LH_ENOMEM;
    int rc = lh_vector_copy(&s->values, s->n, v, &row, 1);
    if (rc) return rc;
    uint64_t j = lh__row_hash(v, row) & s->mask;
    while (s->slots[j])
        j = (j + 1) & s->mask;
    s->slots[j] = ++s->n;
    return 0;
}

int lh__valset_build(lh_exec_t *ex, lh_arena_t *a, lh_op_t *src, const lh_type_t *t,
                     const lh_valset_t **out)
{
    lh_valset_t *s = lh_arena_calloc(a, sizeof *s);
    if (!s || !(s->bytes = lh_arena_new(65536)) || lh_arena_cleanup(a, release, s)) {
        if (s) lh_arena_free(s->bytes);
        return lh_sql_err(ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    }
    if (lh_vector_init(&s->values, t, 1024, s->bytes) || grow(s))
        return lh_sql_err(ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    s->init = true;
    for (;;) {
        lh_batch_t *b;
        int rc = lh__op_pull(src, &b);
        if (rc) return rc;
        if (!b) break;
        for (uint32_t i = 0; i < b->count; i++)
            if (add(s, &b->cols[0], i))
                return lh_sql_err(ex->err, LH_ENOMEM, LH_SQL_EOOM, -1,
                                  "out of memory in IN (subquery)");
    }
    *out = s;
    return 0;
}

bool lh__valset_has(const lh_valset_t *s, const lh_vector_t *x, uint32_t row)
{
    uint64_t j = lh__row_hash(x, row) & s->mask;
    for (; s->slots[j]; j = (j + 1) & s->mask)
        if (lh__row_equal(&s->values, s->slots[j] - 1, x, row)) return true;
    return false;
}

bool lh__valset_has_null(const lh_valset_t *s)
{
    return s->has_null;
}

uint64_t lh__valset_size(const lh_valset_t *s)
{
    return s->n;
}
