/* Unit tests of the row sets of DISTINCT aggregates (src/sql/exec/rowset.c):
 * rows added a batch at a time and one by one find each other (the batch's
 * hashes are the single row's), a set keeps no group numbers until a group
 * other than 0 comes and then reports 0 for the rows before it, NULLs are
 * values, and growing past the first table keeps every row. */
#include <stdio.h>
#include <stdlib.h>

#include "sql/exec/rowset.h"
#include "test.h"

#define N 3000 /* rows: past the first table (1024 slots) and one batch */

typedef struct {
    lh_arena_t *a;
    lh_vector_t cols[2]; /* VARCHAR, INTEGER */
} rows_t;

/* Row i of a set of `distinct` different rows: a string long enough to be
 * kept out of line for even i, a short one for odd i, and an integer; row
 * i % distinct == 7 has NULLs in both. */
static void fill(rows_t *r, uint32_t first, uint32_t n, uint32_t distinct)
{
    lh_type_t t[2] = {lh_type(LH_TYPE_VARCHAR), lh_type(LH_TYPE_INTEGER)};
    r->a = lh_arena_new(1 << 16);
    for (int k = 0; k < 2; k++)
        lh_vector_init(&r->cols[k], &t[k], LH_BATCH_ROWS, r->a);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x = (first + i) % distinct;
        if (x == 7) {
            lh_vector_set_null(&r->cols[0], i);
            lh_vector_set_null(&r->cols[1], i);
            continue;
        }
        char s[64];
        int len = x % 2 ? snprintf(s, sizeof s, "k%u", x)
                        : snprintf(s, sizeof s, "0x%040u-an-address-like-key", x);
        lh_vector_set_string(&r->cols[0], i, s, (size_t)len);
        ((int32_t *)r->cols[1].data)[i] = (int32_t)(x / 3);
    }
}

static void drop(rows_t *r)
{
    for (int k = 0; k < 2; k++)
        lh_vector_release(&r->cols[k]);
    lh_arena_free(r->a);
}

static lh_rowset_t *new_set(void)
{
    lh_type_t t[2] = {lh_type(LH_TYPE_VARCHAR), lh_type(LH_TYPE_INTEGER)};
    lh_rowset_t *s = NULL;
    return lh__rowset_new(t, 2, &s) ? NULL : s;
}

/* Adds rows [first, first + n) of a set of `distinct` rows in batches, all
 * to group g (g < 0: group i % 3); *news counts the rows that were new. */
static int add(lh_rowset_t *s, uint32_t first, uint32_t n, uint32_t distinct, int g, uint32_t *news)
{
    for (uint32_t done = 0; done < n;) {
        uint32_t m = n - done < LH_BATCH_ROWS ? n - done : LH_BATCH_ROWS;
        rows_t r;
        fill(&r, first + done, m, distinct);
        uint64_t groups[LH_BATCH_ROWS], index[LH_BATCH_ROWS];
        bool added[LH_BATCH_ROWS];
        for (uint32_t i = 0; i < m; i++)
            groups[i] = g < 0 ? (first + done + i) % 3 : (uint64_t)g;
        int rc = lh__rowset_add_rows(s, groups, r.cols, m, added, index);
        for (uint32_t i = 0; !rc && i < m; i++)
            *news += added[i];
        drop(&r);
        if (rc) return rc;
        done += m;
    }
    return 0;
}

typedef struct {
    uint64_t rows, nonzero;
} tally_t;

static int count_rows(void *arg, const lh_vector_t *cols, const uint64_t *groups, uint32_t n)
{
    tally_t *t = arg;
    (void)cols;
    for (uint32_t i = 0; i < n; i++)
        t->nonzero += groups[i] != 0;
    t->rows += n;
    return 0;
}

/* Whether lh__rowset_each hands out `rows` rows, `nonzero` of them with a
 * group other than 0. */
static bool tally_is(const lh_rowset_t *s, uint64_t rows, uint64_t nonzero)
{
    tally_t t = {0};
    return !lh__rowset_each(s, count_rows, &t) && t.rows == rows && t.nonzero == nonzero;
}

static void test_one_group(void)
{
    lh_rowset_t *s = new_set();
    CHECK(s);
    uint32_t news = 0;
    CHECK(add(s, 0, N, 1000, 0, &news) == 0); /* every row three times */
    CHECK_EQ_INT(news, 1000);
    CHECK(tally_is(s, 1000, 0));
    /* each row found one at a time (its hash computed alone), with its number */
    rows_t r;
    fill(&r, 0, 1000, 1000);
    for (uint32_t i = 0; i < 1000; i++) {
        CHECK_EQ_INT(lh__rowset_find(s, 0, r.cols, i), i);
        CHECK_EQ_INT(lh__rowset_find(s, 1, r.cols, i), -1);
        bool added = true;
        CHECK(lh__rowset_add(s, 0, r.cols, i, &added) == 0);
        CHECK(!added);
    }
    drop(&r);
    lh__rowset_free(s);
}

static void test_groups_later(void)
{
    lh_rowset_t *s = new_set();
    CHECK(s);
    uint32_t news = 0;
    CHECK(add(s, 0, 500, 500, 0, &news) == 0); /* group 0 only: no group numbers */
    CHECK_EQ_INT(news, 500);
    /* then groups 0, 1, 2 over the same 500 rows and 500 more: group 0 finds
       its rows, groups 1 and 2 make their own */
    CHECK(add(s, 0, N, 1000, -1, &news) == 0);
    CHECK_EQ_INT(news, 3000);
    CHECK(tally_is(s, 3000, 2000));
    rows_t r;
    fill(&r, 0, 1000, 1000);
    for (uint32_t i = 0; i < 1000; i++) {
        CHECK(lh__rowset_find(s, 0, r.cols, i) >= 0);
        CHECK(lh__rowset_find(s, 1, r.cols, i) >= 0);
        CHECK(lh__rowset_find(s, 2, r.cols, i) >= 0);
        CHECK_EQ_INT(lh__rowset_find(s, 3, r.cols, i), -1);
    }
    /* rows 0..499 of group 0 keep the numbers they got before any group */
    for (uint32_t i = 0; i < 500; i++)
        CHECK_EQ_INT(lh__rowset_find(s, 0, r.cols, i), i);
    drop(&r);
    lh__rowset_free(s);
}

static const lh_test_t tests[] = {
    {"one_group", test_one_group},
    {"groups_later", test_groups_later},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
