/* The page index (parquet/meta.h ColumnIndex, OffsetIndex): written by our
 * writer with small pages (sorted and unsorted columns, NULL runs, strings,
 * dates, a list), decoded back, and used by the reader to skip pages:
 * every row a predicate matches comes back (checked against a filter in
 * the test over a full scan), all columns stay row-aligned, pages are
 * skipped on a selective predicate, files without an index read as
 * before, and damaged index bytes are an error, not a crash. */
#include "test.h"

#include "parquet/meta.h"
#include "parquet/reader.h"
#include "parquet/writer.h"
#include "tmpdir.h"

#include <stdio.h>

#define ROWS 20000
#define DATE0 18000

static char path[4096]; /* of the last file written */

static void write_file(bool page_index, lh_buf_t *out)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_type_t schema;
    lh_err_t err = {0};
    const char *s = "STRUCT(id INTEGER, u INTEGER, s VARCHAR, d DATE, n INTEGER, l INTEGER[])";
    CHECK_EQ_INT(lh_type_parse(a, s, strlen(s), &schema, &err), 0);
    lh_type_t types[6];
    for (uint32_t i = 0; i < 6; i++)
        types[i] = schema.fields[i].type;
    lh_batch_t *b;
    CHECK_EQ_INT(lh_batch_new(types, 6, &b), 0);
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    o.row_group_rows = 8000;
    o.page_bytes = 512;
    o.page_index = page_index;
    lh_buf_init(out, (size_t)1 << 30);
    lh_pq_writer_t *w;
    CHECK_EQ_INT(lh_pq_writer_open(&schema, &o, lh_pq_sink_buf, out, &w, &err), 0);
    for (uint32_t r = 0; r * LH_BATCH_ROWS < ROWS; r++) {
        lh_batch_reset(b);
        uint32_t n =
            ROWS - r * LH_BATCH_ROWS < LH_BATCH_ROWS ? ROWS - r * LH_BATCH_ROWS : LH_BATCH_ROWS;
        for (uint32_t i = 0; i < n; i++) {
            int32_t id = (int32_t)(r * LH_BATCH_ROWS + i);
            ((int32_t *)b->cols[0].data)[i] = id;
            ((int32_t *)b->cols[1].data)[i] = (int32_t)((id * 7919) % 1000);
            char t[32];
            int k = snprintf(t, sizeof t, "k%06d", id);
            lh_vector_set_string(&b->cols[2], i, t, (size_t)k);
            if (id % 17 == 0) lh_vector_set_null(&b->cols[2], i);
            ((int32_t *)b->cols[3].data)[i] = DATE0 + id / 100;
            ((int32_t *)b->cols[4].data)[i] = id % 50;
            if (id >= 4000 && id < 9000) lh_vector_set_null(&b->cols[4], i);
            uint32_t off;
            lh_vector_list_append(&b->cols[5], i, 1, &off);
            ((int32_t *)b->cols[5].child->data)[off] = id;
            if (id % 3 == 0) lh_vector_set_null(&b->cols[5], i);
        }
        b->count = n;
        CHECK_EQ_INT(lh_pq_writer_write_batch(w, b, &err), 0);
    }
    CHECK_EQ_INT(lh_pq_writer_close(w, NULL, &err), 0);
    lh_pq_writer_free(w);
    lh_batch_free(b);
    lh_arena_free(a);
    snprintf(path, sizeof path, "%s/%s.parquet", lh_test_tmpdir(), page_index ? "pi" : "nopi");
    FILE *fp = fopen(path, "wb");
    fwrite(out->ptr, 1, out->len, fp);
    fclose(fp);
}

/* Whether row id satisfies p (the test's own filter, SQL NULL rules). */
static bool matches(const lh_pred_t *p, int32_t id)
{
    bool null = false;
    int64_t v = 0;
    char s[32] = "";
    switch (p->column.idx[0]) {
    case 0:
        v = id;
        break;
    case 1:
        v = (id * 7919) % 1000;
        break;
    case 2:
        snprintf(s, sizeof s, "k%06d", id);
        null = id % 17 == 0;
        break;
    case 3:
        v = DATE0 + id / 100;
        break;
    default:
        v = id % 50;
        null = id >= 4000 && id < 9000;
        break;
    }
    if (p->op == LH_PRED_IS_NULL) return null;
    if (p->op == LH_PRED_IS_NOT_NULL) return !null;
    if (null) return false;
    const lh_value_t *c = p->op == LH_PRED_IN ? p->list : &p->value;
    uint32_t nc = p->op == LH_PRED_IN ? p->nlist : 1;
    for (uint32_t i = 0; i < nc; i++) {
        int cmp = p->column.idx[0] == 2
                      ? strncmp(s, c[i].v.s.ptr, 32) /* constants are NUL-terminated */
                      : (v > c[i].v.i) - (v < c[i].v.i);
        bool ok = p->op == LH_PRED_EQ || p->op == LH_PRED_IN ? cmp == 0
                  : p->op == LH_PRED_LT                      ? cmp < 0
                  : p->op == LH_PRED_GT                      ? cmp > 0
                                                             : false;
        if (ok) return true;
    }
    return false;
}

/* Scans with preds; checks each row is aligned (every column agrees with
 * its id) and that every matching id came back. */
static void scan_check(const lh_pred_t *preds, uint32_t n, int64_t *rows, uint64_t *pages, int *rcp)
{
    lh_err_t err = {0};
    lh_pq_reader_t *r;
    CHECK_EQ_INT(lh_pq_reader_open_file(path, &r, &err), 0);
    lh_scan_req_t req = {.all_columns = true, .preds = preds, .npreds = n};
    static uint8_t seen[ROWS];
    memset(seen, 0, sizeof seen);
    int rc = lh_pq_reader_scan(r, &req, &err);
    lh_batch_t *b;
    lh_buf_t t;
    lh_buf_init(&t, 0);
    *rows = 0;
    while (!rc && !(rc = lh_pq_reader_next(r, &b, &err)) && b) {
        for (uint32_t i = 0; i < b->count; i++, (*rows)++) {
            int32_t id = ((int32_t *)b->cols[0].data)[i];
            CHECK(id >= 0 && id < ROWS);
            seen[id] = 1;
            lh_buf_reset(&t);
            lh_vector_text(&b->cols[2], i, &t);
            char want[32];
            snprintf(want, sizeof want, id % 17 ? "k%06d" : "NULL", id);
            CHECK_EQ_STR(t.ptr, want);
            lh_buf_reset(&t);
            lh_vector_text(&b->cols[5], i, &t);
            snprintf(want, sizeof want, id % 3 ? "[%d]" : "NULL", id);
            CHECK_EQ_STR(t.ptr, want);
            lh_buf_reset(&t);
            lh_vector_text(&b->cols[1], i, &t);
            snprintf(want, sizeof want, "%d", (id * 7919) % 1000);
            CHECK_EQ_STR(t.ptr, want);
        }
    }
    for (int32_t id = 0; id < ROWS && !rc; id++) {
        bool all = true;
        for (uint32_t k = 0; k < n; k++)
            all = all && matches(&preds[k], id);
        if (all && !seen[id]) {
            CHECK(!"a matching row is missing");
            break;
        }
    }
    *pages = lh_pq_reader_pages_pruned(r);
    lh_buf_free(&t);
    lh_pq_reader_close(r);
    *rcp = rc;
}

static lh_pred_t pred(uint32_t col, lh_pred_op_t op, lh_value_t v)
{
    return (lh_pred_t){.column = {1, {col}}, .op = op, .value = v};
}

static void test_index_written_and_decodes(void)
{
    lh_buf_t f;
    write_file(true, &f);
    uint64_t off;
    uint32_t len;
    lh_err_t err = {0};
    lh_pq_file_meta_t *m;
    CHECK_EQ_INT(lh_pq_footer_locate((const uint8_t *)f.ptr + f.len - 8, f.len, &off, &len, &err),
                 0);
    CHECK_EQ_INT(lh_pq_file_meta_decode(f.ptr + off, len, &m, &err), 0);
    CHECK_EQ_INT(m->nrow_groups, 3);
    lh_arena_t *a = lh_arena_new(0);
    int64_t last_ci_end = 0;
    for (uint32_t g = 0; g < m->nrow_groups; g++) {
        const lh_pq_row_group_t *rg = &m->row_groups[g];
        for (uint32_t c = 0; c < rg->ncolumns; c++) {
            const lh_pq_column_chunk_t *cc = &rg->columns[c];
            CHECK(cc->has_column_index_offset && cc->has_offset_index_offset);
            /* after the row groups, column indexes before offset indexes */
            CHECK(cc->column_index_offset >= m->row_groups[m->nrow_groups - 1].file_offset);
            CHECK(cc->column_index_offset + cc->column_index_length <= (int64_t)off);
            if (cc->column_index_offset + cc->column_index_length > last_ci_end)
                last_ci_end = cc->column_index_offset + cc->column_index_length;
            lh_pq_column_index_t ci;
            lh_pq_offset_index_t oi;
            CHECK_EQ_INT(lh_pq_column_index_decode(f.ptr + cc->column_index_offset,
                                                   (size_t)cc->column_index_length, a, &ci, &err),
                         0);
            CHECK_EQ_INT(lh_pq_offset_index_decode(f.ptr + cc->offset_index_offset,
                                                   (size_t)cc->offset_index_length, a, &oi, &err),
                         0);
            CHECK_EQ_INT(ci.nnull_pages, oi.npage_locations);
            CHECK_EQ_INT(ci.nnull_counts, ci.nnull_pages);
            if (c == 0 || c == 3) CHECK_EQ_INT(ci.boundary_order, LH_PQ_ASCENDING); /* id, d */
            if (c == 1) CHECK_EQ_INT(ci.boundary_order, LH_PQ_UNORDERED);           /* u */
            if (c == 0) CHECK(oi.npage_locations > 4);
            /* each location holds a page header of a data page */
            for (uint32_t p = 0; p < oi.npage_locations; p++) {
                lh_pq_page_header_t h;
                size_t used;
                const lh_pq_page_loc_t *pl = &oi.page_locations[p];
                CHECK_EQ_INT(lh_pq_page_header_decode(f.ptr + pl->offset,
                                                      (size_t)pl->compressed_page_size, &h, &used,
                                                      &err),
                             0);
                CHECK_EQ_INT(h.type, LH_PQ_PAGE_DATA);
                CHECK_EQ_INT((int64_t)used + h.compressed_page_size, pl->compressed_page_size);
            }
            if (c == 4 && g == 0) { /* n: rows 4000..8999 are NULL */
                bool some_null_page = false;
                for (uint32_t p = 0; p < ci.nnull_pages; p++)
                    some_null_page = some_null_page || ci.null_pages[p];
                CHECK(some_null_page);
            }
        }
    }
    for (uint32_t c = 0; c < m->row_groups[0].ncolumns; c++)
        CHECK(m->row_groups[0].columns[c].offset_index_offset >= last_ci_end);
    lh_arena_free(a);
    lh_pq_file_meta_free(m);
    lh_buf_free(&f);
}

static void test_scans_return_every_match(void)
{
    lh_buf_t f;
    write_file(true, &f);
    lh_value_t in[3] = {lh_value_int(LH_TYPE_INTEGER, 5), lh_value_int(LH_TYPE_INTEGER, 9999),
                        lh_value_int(LH_TYPE_INTEGER, 15000)};
    lh_pred_t p_in = {.column = {1, {0}}, .op = LH_PRED_IN, .list = in, .nlist = 3};
    struct {
        lh_pred_t p[3];
        uint32_t n;
        bool skips; /* pages must be skipped */
    } cases[] = {
        {{pred(0, LH_PRED_EQ, lh_value_int(LH_TYPE_INTEGER, 12345))}, 1, true},
        {{pred(0, LH_PRED_LT, lh_value_int(LH_TYPE_INTEGER, 300))}, 1, true},
        {{pred(0, LH_PRED_GT, lh_value_int(LH_TYPE_INTEGER, 19500))}, 1, true},
        {{p_in}, 1, true},
        {{pred(4, LH_PRED_IS_NULL, lh_value_int(LH_TYPE_INTEGER, 0))}, 1, true},
        {{pred(4, LH_PRED_IS_NOT_NULL, lh_value_int(LH_TYPE_INTEGER, 0))}, 1, true},
        {{pred(2, LH_PRED_EQ, lh_value_varchar("k012345", 7))}, 1, true},
        {{pred(2, LH_PRED_LT, lh_value_varchar("k000100", 7))}, 1, true},
        {{pred(3, LH_PRED_GT, lh_value_int(LH_TYPE_DATE, DATE0 + 190))}, 1, true},
        {{pred(1, LH_PRED_EQ, lh_value_int(LH_TYPE_INTEGER, 3))}, 1, false},
        {{pred(0, LH_PRED_GT, lh_value_int(LH_TYPE_INTEGER, 1000)),
          pred(0, LH_PRED_LT, lh_value_int(LH_TYPE_INTEGER, 9000)),
          pred(4, LH_PRED_IS_NULL, lh_value_int(LH_TYPE_INTEGER, 0))},
         3,
         true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t rows;
        uint64_t pages;
        int rc = -1;
        scan_check(cases[i].p, cases[i].n, &rows, &pages, &rc);
        CHECK_EQ_INT(rc, 0);
        if (cases[i].skips) {
            CHECK(pages > 0);
            CHECK(rows < ROWS);
        }
    }
    /* the same without an index: every match, nothing skipped by pages */
    lh_buf_t g;
    write_file(false, &g);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t rows;
        uint64_t pages;
        int rc = -1;
        scan_check(cases[i].p, cases[i].n, &rows, &pages, &rc);
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_INT(pages, 0);
    }
    CHECK(g.len < f.len);
    lh_buf_free(&g);
    lh_buf_free(&f);
}

static void test_damaged_index_is_an_error(void)
{
    lh_buf_t f;
    write_file(true, &f);
    uint64_t off;
    uint32_t len;
    lh_err_t err = {0};
    lh_pq_file_meta_t *m;
    CHECK_EQ_INT(lh_pq_footer_locate((const uint8_t *)f.ptr + f.len - 8, f.len, &off, &len, &err),
                 0);
    CHECK_EQ_INT(lh_pq_file_meta_decode(f.ptr + off, len, &m, &err), 0);
    const lh_pq_column_chunk_t *cc = &m->row_groups[0].columns[0];
    int64_t ci = cc->column_index_offset, oi = cc->offset_index_offset;
    int64_t ci_len = cc->column_index_length, oi_len = cc->offset_index_length;
    lh_pq_file_meta_free(m);
    lh_pred_t p = pred(0, LH_PRED_EQ, lh_value_int(LH_TYPE_INTEGER, 1234)); /* row group 0 */
    char bad_path[4096];
    snprintf(bad_path, sizeof bad_path, "%s/bad.parquet", lh_test_tmpdir());
    int errors = 0;
    /* every byte of column 0's indexes in row group 0, flipped in turn */
    for (int k = 0; k < 2; k++) {
        int64_t at = k ? oi : ci, n = k ? oi_len : ci_len;
        for (int64_t i = 0; i < n; i++) {
            f.ptr[at + i] ^= 0x5A;
            FILE *fp = fopen(bad_path, "wb");
            fwrite(f.ptr, 1, f.len, fp);
            fclose(fp);
            f.ptr[at + i] ^= 0x5A;
            lh_pq_reader_t *r;
            CHECK_EQ_INT(lh_pq_reader_open_file(bad_path, &r, &err), 0);
            lh_scan_req_t req = {.all_columns = true, .preds = &p, .npreds = 1};
            lh_batch_t *b;
            int rc = lh_pq_reader_scan(r, &req, &err);
            while (!rc && !(rc = lh_pq_reader_next(r, &b, &err)) && b) {
            }
            CHECK(rc == 0 || rc == LH_ECORRUPT || rc == LH_ETOOBIG);
            errors += rc != 0;
            lh_pq_reader_close(r);
        }
    }
    CHECK(errors > 0);
    /* lying lengths of the ColumnIndex decoder */
    lh_arena_t *a = lh_arena_new(0);
    lh_pq_column_index_t cix;
    CHECK_EQ_INT(lh_pq_column_index_decode(f.ptr + ci, (size_t)ci_len - 1, a, &cix, &err),
                 LH_ECORRUPT);
    lh_pq_offset_index_t oix;
    CHECK_EQ_INT(lh_pq_offset_index_decode(f.ptr + oi, (size_t)oi_len / 2, a, &oix, &err),
                 LH_ECORRUPT);
    /* pages counted differently by the lists */
    bool np[2] = {false, false};
    lh_str_t v[2] = {{"a", 1}, {"b", 1}};
    lh_pq_column_index_t bad = {.null_pages = np,
                                .nnull_pages = 2,
                                .min_values = v,
                                .nmin_values = 2,
                                .max_values = v,
                                .nmax_values = 1};
    lh_buf_t e;
    lh_buf_init(&e, 0);
    CHECK_EQ_INT(lh_pq_column_index_encode(&bad, &e), 0);
    CHECK_EQ_INT(lh_pq_column_index_decode(e.ptr, e.len, a, &cix, &err), LH_ECORRUPT);
    lh_pq_page_loc_t locs[2] = {{100, 10, 0}, {105, 10, 5}}; /* overlapping pages */
    lh_pq_offset_index_t boi = {.page_locations = locs, .npage_locations = 2};
    lh_buf_reset(&e);
    CHECK_EQ_INT(lh_pq_offset_index_encode(&boi, &e), 0);
    CHECK_EQ_INT(lh_pq_offset_index_decode(e.ptr, e.len, a, &oix, &err), LH_ECORRUPT);
    locs[1].offset = 110;
    lh_buf_reset(&e);
    CHECK_EQ_INT(lh_pq_offset_index_encode(&boi, &e), 0);
    CHECK_EQ_INT(lh_pq_offset_index_decode(e.ptr, e.len, a, &oix, &err), 0);
    CHECK_EQ_INT(oix.npage_locations, 2);
    CHECK_EQ_INT(oix.page_locations[1].first_row_index, 5);
    lh_buf_free(&e);
    lh_arena_free(a);
    lh_buf_free(&f);
}

static const lh_test_t tests[] = {
    {"index_written_and_decodes", test_index_written_and_decodes},
    {"scans_return_every_match", test_scans_return_every_match},
    {"damaged_index_is_an_error", test_damaged_index_is_an_error},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
