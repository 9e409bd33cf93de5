/* The Parquet reader (parquet/reader.h) over small files built here: page
 * bodies by hand (PLAIN, a dictionary with RLE_DICTIONARY indices, RLE
 * definition and repetition levels), the footer through lh_pq_file_meta_encode.
 * Checks values, dictionary vectors, a 3-level LIST, projection, pruning, and
 * that truncated, garbled or lying files are errors and never crashes. */
#include "parquet/meta.h"
#include "parquet/reader.h"
#include "parquet/reader_int.h"
#include "parquet/schema.h"
#include "test.h"
#include "tmpdir.h"

#include <stdint.h>

#define ROWS 3000

/* values as one bit-packed run (padded to groups of 8) */
static void put_packed(lh_buf_t *b, const uint32_t *v, uint32_t n, int width)
{
    uint32_t groups = (n + 7) / 8;
    uint8_t hdr[5];
    size_t k = 0;
    uint32_t h = groups << 1 | 1;
    do {
        hdr[k++] = (uint8_t)((h & 0x7f) | (h > 0x7f ? 0x80 : 0));
        h >>= 7;
    } while (h);
    lh_buf_append(b, hdr, k);
    size_t bytes = (size_t)groups * 8 * (size_t)width / 8;
    uint8_t *p = calloc(1, bytes + 1);
    for (uint32_t i = 0; i < n; i++)
        for (int j = 0; j < width; j++)
            if (v[i] >> j & 1)
                p[((size_t)i * width + j) / 8] |= (uint8_t)(1 << (((size_t)i * width + j) % 8));
    lh_buf_append(b, p, bytes);
    free(p);
}

/* v1 levels: 4-byte length, then the hybrid bytes */
static void put_levels(lh_buf_t *b, const uint32_t *v, uint32_t n, int width)
{
    lh_buf_t l;
    lh_buf_init(&l, 0);
    put_packed(&l, v, n, width);
    uint32_t len = (uint32_t)l.len;
    lh_buf_append(b, &len, 4);
    lh_buf_append(b, l.ptr, l.len);
    lh_buf_free(&l);
}

static int64_t put_page(lh_buf_t *f, int type, uint32_t nvals, int enc, const lh_buf_t *body)
{
    lh_pq_page_header_t h = {.type = type,
                             .uncompressed_page_size = (int32_t)body->len,
                             .compressed_page_size = (int32_t)body->len};
    if (type == LH_PQ_PAGE_DICTIONARY) {
        h.has_dictionary_page_header = true;
        h.dictionary_page_header =
            (lh_pq_dict_page_header_t){.num_values = (int32_t)nvals, .encoding = enc};
    } else {
        h.has_data_page_header = true;
        h.data_page_header = (lh_pq_data_page_header_t){.num_values = (int32_t)nvals,
                                                        .encoding = enc,
                                                        .def_encoding = LH_PQ_ENC_RLE,
                                                        .rep_encoding = LH_PQ_ENC_RLE};
    }
    int64_t off = (int64_t)f->len;
    lh_pq_page_header_encode(&h, f);
    lh_buf_append(f, body->ptr, body->len);
    return off;
}

typedef struct {
    lh_pq_schema_elem_t schema[6];
    lh_pq_column_chunk_t cols[3];
    char *paths[3][3];
    int32_t encs[3][2];
} footer_t;

static void set_col(footer_t *ft, int c, int type, int64_t off, int64_t dict_off, int64_t len,
                    int64_t nvals, int depth)
{
    lh_pq_column_chunk_t *cc = &ft->cols[c];
    cc->file_offset = off;
    cc->has_meta_data = true;
    lh_pq_column_meta_t *m = &cc->meta_data;
    m->type = type;
    ft->encs[c][0] = LH_PQ_ENC_PLAIN;
    ft->encs[c][1] = LH_PQ_ENC_RLE;
    m->encodings = ft->encs[c];
    m->nencodings = 2;
    m->path = ft->paths[c];
    m->npath = (uint32_t)depth;
    m->codec = 0;
    m->num_values = nvals;
    m->total_compressed_size = m->total_uncompressed_size = len;
    m->data_page_offset = off;
    if (dict_off >= 0) {
        m->has_dictionary_page_offset = true;
        m->dictionary_page_offset = dict_off;
        m->data_page_offset = off;
    }
}

/* The test file: id INT32 required (PLAIN, stats 0..ROWS-1), name BYTE_ARRAY
 * UTF8 optional (dictionary {"x", "a longer dictionary word"}, NULL every
 * third row), l LIST<INT32> 3-level (NULL, [], [i], [i, NULL] in turn). */
static void build(lh_buf_t *f)
{
    static footer_t ft;
    memset(&ft, 0, sizeof ft);
    lh_buf_init(f, 0);
    lh_buf_append(f, "PAR1", 4);
    lh_buf_t body;
    lh_buf_init(&body, 0);
    /* id */
    for (int32_t i = 0; i < ROWS; i++)
        lh_buf_append(&body, &i, 4);
    int64_t id_off = put_page(f, LH_PQ_PAGE_DATA, ROWS, LH_PQ_ENC_PLAIN, &body);
    int64_t id_len = (int64_t)f->len - id_off;
    /* name */
    lh_buf_reset(&body);
    const char *words[2] = {"x", "a longer dictionary word"};
    for (int i = 0; i < 2; i++) {
        uint32_t n = (uint32_t)strlen(words[i]);
        lh_buf_append(&body, &n, 4);
        lh_buf_append(&body, words[i], n);
    }
    int64_t dict_off = put_page(f, LH_PQ_PAGE_DICTIONARY, 2, LH_PQ_ENC_PLAIN, &body);
    lh_buf_reset(&body);
    static uint32_t def[ROWS * 2], rep[ROWS * 2], idx[ROWS];
    uint32_t nn = 0;
    for (int i = 0; i < ROWS; i++) {
        def[i] = i % 3 != 0;
        if (def[i]) idx[nn++] = (uint32_t)(i % 2);
    }
    put_levels(&body, def, ROWS, 1);
    lh_buf_append(&body, "\x01", 1);
    put_packed(&body, idx, nn, 1);
    int64_t name_off = put_page(f, LH_PQ_PAGE_DATA, ROWS, LH_PQ_ENC_RLE_DICTIONARY, &body);
    int64_t name_len = (int64_t)f->len - dict_off;
    /* l: def 0 NULL list, 1 empty, 2 NULL element, 3 value; rep 1 continues */
    lh_buf_reset(&body);
    uint32_t ne = 0;
    lh_buf_t vals;
    lh_buf_init(&vals, 0);
    for (int32_t i = 0; i < ROWS; i++) {
        int k = i % 4;
        rep[ne] = 0;
        def[ne++] = k == 0 ? 0 : k == 1 ? 1 : 3;
        if (k >= 2) lh_buf_append(&vals, &i, 4);
        if (k == 3) {
            rep[ne] = 1;
            def[ne++] = 2;
        }
    }
    put_levels(&body, rep, ne, 1);
    put_levels(&body, def, ne, 2);
    lh_buf_append(&body, vals.ptr, vals.len);
    lh_buf_free(&vals);
    int64_t l_off = put_page(f, LH_PQ_PAGE_DATA, ne, LH_PQ_ENC_PLAIN, &body);
    int64_t l_len = (int64_t)f->len - l_off;
    lh_buf_free(&body);

    lh_pq_schema_elem_t *s = ft.schema;
    s[0] = (lh_pq_schema_elem_t){
        .name = (char *)"schema", .has_num_children = true, .num_children = 3};
    s[1] = (lh_pq_schema_elem_t){.name = (char *)"id",
                                 .has_type = true,
                                 .type = LH_PQ_INT32,
                                 .has_repetition = true,
                                 .repetition = LH_PQ_REQUIRED};
    s[2] = (lh_pq_schema_elem_t){.name = (char *)"name",
                                 .has_type = true,
                                 .type = LH_PQ_BYTE_ARRAY,
                                 .has_repetition = true,
                                 .repetition = LH_PQ_OPTIONAL,
                                 .logical = {.kind = LH_PQ_LT_STRING}};
    s[3] = (lh_pq_schema_elem_t){.name = (char *)"l",
                                 .has_repetition = true,
                                 .repetition = LH_PQ_OPTIONAL,
                                 .has_num_children = true,
                                 .num_children = 1,
                                 .logical = {.kind = LH_PQ_LT_LIST}};
    s[4] = (lh_pq_schema_elem_t){.name = (char *)"list",
                                 .has_repetition = true,
                                 .repetition = LH_PQ_REPEATED,
                                 .has_num_children = true,
                                 .num_children = 1};
    s[5] = (lh_pq_schema_elem_t){.name = (char *)"element",
                                 .has_type = true,
                                 .type = LH_PQ_INT32,
                                 .has_repetition = true,
                                 .repetition = LH_PQ_OPTIONAL};
    ft.paths[0][0] = (char *)"id";
    ft.paths[1][0] = (char *)"name";
    ft.paths[2][0] = (char *)"l";
    ft.paths[2][1] = (char *)"list";
    ft.paths[2][2] = (char *)"element";
    set_col(&ft, 0, LH_PQ_INT32, id_off, -1, id_len, ROWS, 1);
    set_col(&ft, 1, LH_PQ_BYTE_ARRAY, name_off, dict_off, name_len, ROWS, 1);
    set_col(&ft, 2, LH_PQ_INT32, l_off, -1, l_len, ne, 3);
    static int32_t mn = 0, mx = ROWS - 1;
    lh_pq_stats_t *st = &ft.cols[0].meta_data.statistics;
    ft.cols[0].meta_data.has_statistics = true;
    st->has_min_value = st->has_max_value = st->has_null_count = true;
    st->min_value = (lh_str_t){(const char *)&mn, 4};
    st->max_value = (lh_str_t){(const char *)&mx, 4};
    lh_pq_row_group_t rg = {
        .columns = ft.cols, .ncolumns = 3, .num_rows = ROWS, .total_byte_size = (int64_t)f->len};
    static int32_t orders[3] = {1, 1, 1};
    lh_pq_file_meta_t m = {.version = 1,
                           .schema = s,
                           .nschema = 6,
                           .num_rows = ROWS,
                           .row_groups = &rg,
                           .nrow_groups = 1,
                           .column_orders = orders,
                           .ncolumn_orders = 3};
    size_t start = f->len;
    lh_pq_file_meta_encode(&m, f);
    uint32_t flen = (uint32_t)(f->len - start);
    lh_buf_append(f, &flen, 4);
    lh_buf_append(f, "PAR1", 4);
}

static char *write_file(const char *dir, const char *name, const void *p, size_t n)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (n) fwrite(p, 1, n, fp);
    fclose(fp);
    return path;
}

/* Scans the whole file; returns the scan's result, *rows the rows seen. */
static int scan_all(const char *path, const lh_scan_req_t *req, int64_t *rows, lh_err_t *err)
{
    lh_pq_reader_t *r;
    int rc = lh_pq_reader_open_file(path, &r, err);
    if (rc) return rc;
    *rows = 0;
    lh_batch_t *b;
    if (!(rc = lh_pq_reader_scan(r, req, err)))
        while (!(rc = lh_pq_reader_next(r, &b, err)) && b)
            *rows += b->count;
    lh_pq_reader_close(r);
    return rc;
}

static void test_reads_values_dictionary_and_lists(void)
{
    const char *dir = lh_test_tmpdir();
    lh_buf_t f;
    build(&f);
    const char *path = write_file(dir, "t.parquet", f.ptr, f.len);
    lh_err_t err = {0};
    lh_pq_reader_t *r;
    CHECK(lh_pq_reader_open_file(path, &r, &err) == 0);
    char name[256];
    lh_type_format(lh_pq_reader_schema(r), name, sizeof name);
    CHECK_EQ_STR(name, "STRUCT(id INTEGER, name VARCHAR, l INTEGER[])");
    CHECK_EQ_INT(lh_pq_reader_num_rows(r), ROWS);
    CHECK(lh_pq_reader_scan(r, NULL, &err) == 0);
    lh_batch_t *b;
    int64_t row = 0;
    lh_buf_t t;
    lh_buf_init(&t, 0);
    while (lh_pq_reader_next(r, &b, &err) == 0 && b) {
        CHECK(b->count <= LH_BATCH_ROWS && b->ncols == 3);
        CHECK(b->cols[1].kind == LH_VECTOR_DICTIONARY); /* undecoded */
        for (uint32_t i = 0; i < b->count; i++, row++) {
            CHECK_EQ_INT(((int32_t *)b->cols[0].data)[i], row);
            lh_buf_reset(&t);
            lh_vector_text(&b->cols[1], i, &t);
            CHECK_EQ_STR(t.ptr, row % 3 == 0 ? "NULL" : row % 2 ? "a longer dictionary word" : "x");
            lh_buf_reset(&t);
            lh_vector_text(&b->cols[2], i, &t);
            char want[64];
            int k = (int)(row % 4);
            snprintf(want, sizeof want,
                     k == 0   ? "NULL"
                     : k == 1 ? "[]"
                     : k == 2 ? "[%lld]"
                              : "[%lld, NULL]",
                     (long long)row);
            CHECK_EQ_STR(t.ptr, want);
        }
    }
    CHECK_EQ_INT(row, ROWS);
    CHECK_EQ_INT(err.code, 0);
    lh_stats_t st;
    CHECK(lh_pq_reader_chunk_stats(r, 0, 0, &st) == 0);
    CHECK(st.has_min && st.has_max && st.min.v.i == 0 && st.max.v.i == ROWS - 1);
    lh_buf_free(&t);
    lh_buf_free(&f);
    lh_pq_reader_close(r);
}

static void test_projection_and_pruning(void)
{
    const char *dir = lh_test_tmpdir();
    lh_buf_t f;
    build(&f);
    const char *path = write_file(dir, "t.parquet", f.ptr, f.len);
    lh_err_t err = {0};
    lh_col_path_t cols[2] = {{1, {2}}, {1, {0}}};
    lh_pred_t p = {
        .column = {1, {0}}, .op = LH_PRED_GT, .value = lh_value_int(LH_TYPE_INTEGER, ROWS)};
    lh_scan_req_t req = {.columns = cols, .ncolumns = 2, .preds = &p, .npreds = 1};
    int64_t rows;
    CHECK(scan_all(path, &req, &rows, &err) == 0);
    CHECK_EQ_INT(rows, 0); /* pruned on id's max */
    p.value = lh_value_int(LH_TYPE_INTEGER, 10);
    CHECK(scan_all(path, &req, &rows, &err) == 0);
    CHECK_EQ_INT(rows, ROWS);
    lh_pq_reader_t *r;
    CHECK(lh_pq_reader_open_file(path, &r, &err) == 0);
    CHECK(lh_pq_reader_scan(r, &req, &err) == 0);
    lh_batch_t *b;
    CHECK(lh_pq_reader_next(r, &b, &err) == 0 && b);
    CHECK(b->ncols == 2 && b->cols[0].type.id == LH_TYPE_LIST &&
          b->cols[1].type.id == LH_TYPE_INTEGER);
    CHECK_EQ_INT(((int32_t *)b->cols[1].data)[7], 7);
    int64_t n = 0;
    CHECK(lh_pq_reader_scan_groups(r, NULL, 1, 5, &err) == 0); /* past the only row group */
    while (lh_pq_reader_next(r, &b, &err) == 0 && b)
        n += b->count;
    CHECK_EQ_INT(n, 0);
    CHECK(lh_pq_reader_scan_groups(r, NULL, 0, 1, &err) == 0);
    while (lh_pq_reader_next(r, &b, &err) == 0 && b)
        n += b->count;
    CHECK_EQ_INT(n, ROWS);
    lh_col_path_t bad = {2, {0, 1}};
    lh_scan_req_t breq = {.columns = &bad, .ncolumns = 1};
    CHECK(lh_pq_reader_scan(r, &breq, &err) == LH_EINVAL);
    lh_pq_reader_close(r);
    lh_buf_free(&f);
}

static void test_truncated_and_garbled_files(void)
{
    const char *dir = lh_test_tmpdir();
    lh_buf_t f;
    build(&f);
    lh_err_t err;
    int64_t rows;
    for (size_t n = 0; n < f.len; n += (n < 64 || f.len - n < 400) ? 1 : 97) {
        const char *path = write_file(dir, "cut.parquet", f.ptr, n);
        CHECK(scan_all(path, NULL, &rows, &err) != 0);
    }
    /* every 13th byte flipped: an error or a clean read, never a crash */
    uint8_t *copy = malloc(f.len);
    int errors = 0;
    for (size_t i = 4; i < f.len; i += 13) {
        memcpy(copy, f.ptr, f.len);
        copy[i] ^= 0xA7;
        const char *path = write_file(dir, "flip.parquet", copy, f.len);
        errors += scan_all(path, NULL, &rows, &err) != 0;
    }
    CHECK(errors > 0);
    free(copy);
    lh_buf_free(&f);
}

static void test_lying_sizes(void)
{
    const char *dir = lh_test_tmpdir();
    lh_buf_t f;
    build(&f);
    lh_err_t err;
    int64_t rows;
    /* the footer length says more than the file holds */
    uint8_t *copy = malloc(f.len);
    memcpy(copy, f.ptr, f.len);
    uint32_t big = (uint32_t)f.len;
    memcpy(copy + f.len - 8, &big, 4);
    CHECK(scan_all(write_file(dir, "a.parquet", copy, f.len), NULL, &rows, &err) == LH_ECORRUPT);
    /* the first page says it has fewer values than the row group's rows */
    memcpy(copy, f.ptr, f.len);
    lh_pq_page_header_t h;
    size_t used;
    CHECK(lh_pq_page_header_decode(copy + 4, f.len - 4, &h, &used, &err) == 0);
    CHECK(h.data_page_header.num_values == ROWS);
    uint8_t *p = memmem(copy + 4, used, "\xf0\x2e", 2); /* zigzag varint of 3000 */
    CHECK(p != NULL);
    p[0] = 0xe0; /* 2992 */
    int rc = scan_all(write_file(dir, "b.parquet", copy, f.len), NULL, &rows, &err);
    CHECK(rc == LH_ECORRUPT);
    CHECK(strstr(err.msg, "fewer values") != NULL);
    free(copy);
    /* a wrong head magic */
    lh_buf_t g;
    lh_buf_init(&g, 0);
    lh_buf_append(&g, "PAR0", 4);
    lh_buf_append(&g, f.ptr + 4, f.len - 4);
    CHECK(scan_all(write_file(dir, "c.parquet", g.ptr, g.len), NULL, &rows, &err) == LH_ECORRUPT);
    CHECK(scan_all("/nonexistent/x.parquet", NULL, &rows, &err) == LH_ENOENT);
    lh_buf_free(&g);
    lh_buf_free(&f);
}

/* The type a schema fragment (below a root of one column) reads as: the
 * list forms of LogicalTypes.md's backward-compatibility rules. */
static const char *column_type(lh_pq_schema_elem_t *e, uint32_t n)
{
    static char buf[600];
    lh_arena_t *a = lh_arena_new(4096);
    lh_pq_schema_t s;
    lh_err_t err;
    buf[0] = 0;
    if (lh_pq_schema_build(a, e, n, &s, &err) == 0) {
        lh__pq_leaf_t *leaves = lh_arena_calloc(a, s.nleaves * sizeof *leaves);
        for (uint32_t i = 0; i < s.nleaves; i++) {
            leaves[i].node = s.leaves[i];
            lh__pq_leaf_type(s.leaves[i]->elem, &leaves[i], &err);
        }
        lh__pq_plan_t **top;
        uint32_t ntop;
        if (lh__pq_plan_build(a, &s, leaves, &top, &ntop, &err) == 0)
            lh_type_format(&top[0]->type, buf, sizeof buf);
        else
            snprintf(buf, sizeof buf, "error: %s", err.msg);
    }
    lh_arena_free(a);
    return buf;
}

#define ROOT(n)                                                                                    \
    {                                                                                              \
        .name = (char *)"schema", .has_num_children = true, .num_children = (n)                    \
    }
#define GROUP(nm, rep, n, lt)                                                                      \
    {                                                                                              \
        .name = (char *)(nm), .has_repetition = true, .repetition = (rep),                         \
        .has_num_children = true, .num_children = (n), .logical = {                                \
            .kind = (lt)                                                                           \
        }                                                                                          \
    }
#define LEAF(nm, rep)                                                                              \
    {                                                                                              \
        .name = (char *)(nm), .has_type = true, .type = LH_PQ_INT32, .has_repetition = true,       \
        .repetition = (rep)                                                                        \
    }

static void test_list_forms(void)
{
    lh_pq_schema_elem_t bare[] = {ROOT(1), LEAF("x", LH_PQ_REPEATED)};
    CHECK_EQ_STR(column_type(bare, 2), "INTEGER[]");
    lh_pq_schema_elem_t two[] = {ROOT(1), GROUP("l", LH_PQ_OPTIONAL, 1, LH_PQ_LT_LIST),
                                 LEAF("element", LH_PQ_REPEATED)};
    CHECK_EQ_STR(column_type(two, 3), "INTEGER[]");
    lh_pq_schema_elem_t multi[] = {ROOT(1), GROUP("l", LH_PQ_OPTIONAL, 1, LH_PQ_LT_LIST),
                                   GROUP("rec", LH_PQ_REPEATED, 2, 0), LEAF("a", LH_PQ_REQUIRED),
                                   LEAF("b", LH_PQ_OPTIONAL)};
    CHECK_EQ_STR(column_type(multi, 5), "STRUCT(a INTEGER, b INTEGER)[]");
    lh_pq_schema_elem_t arr[] = {ROOT(1), GROUP("l", LH_PQ_OPTIONAL, 1, LH_PQ_LT_LIST),
                                 GROUP("array", LH_PQ_REPEATED, 1, 0), LEAF("a", LH_PQ_REQUIRED)};
    CHECK_EQ_STR(column_type(arr, 4), "STRUCT(a INTEGER)[]");
    lh_pq_schema_elem_t tup[] = {ROOT(1), GROUP("l", LH_PQ_OPTIONAL, 1, LH_PQ_LT_LIST),
                                 GROUP("l_tuple", LH_PQ_REPEATED, 1, 0), LEAF("a", LH_PQ_REQUIRED)};
    CHECK_EQ_STR(column_type(tup, 4), "STRUCT(a INTEGER)[]");
    lh_pq_schema_elem_t three[] = {ROOT(1), GROUP("l", LH_PQ_OPTIONAL, 1, LH_PQ_LT_LIST),
                                   GROUP("list", LH_PQ_REPEATED, 1, 0),
                                   LEAF("element", LH_PQ_OPTIONAL)};
    CHECK_EQ_STR(column_type(three, 4), "INTEGER[]");
    lh_pq_schema_elem_t map[] = {ROOT(1), GROUP("m", LH_PQ_OPTIONAL, 1, LH_PQ_LT_MAP),
                                 GROUP("key_value", LH_PQ_REPEATED, 2, 0),
                                 LEAF("key", LH_PQ_REQUIRED), LEAF("value", LH_PQ_OPTIONAL)};
    CHECK_EQ_STR(column_type(map, 5), "MAP(INTEGER, INTEGER)");
    lh_pq_schema_elem_t grp[] = {ROOT(1), GROUP("g", LH_PQ_REPEATED, 1, 0),
                                 LEAF("a", LH_PQ_REQUIRED)};
    CHECK_EQ_STR(column_type(grp, 3), "STRUCT(a INTEGER)[]");
}

static const lh_test_t tests[] = {
    {"list_forms", test_list_forms},
    {"reads_values_dictionary_and_lists", test_reads_values_dictionary_and_lists},
    {"projection_and_pruning", test_projection_and_pruning},
    {"truncated_and_garbled_files", test_truncated_and_garbled_files},
    {"lying_sizes", test_lying_sizes},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
