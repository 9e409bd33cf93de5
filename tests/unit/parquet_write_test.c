/* The Parquet writer (parquet/writer.h), checked by decoding what it wrote
 * with the footer decoder (lh_pq_file_meta_decode), the schema tree and the
 * page header decoder: the schema with physical, logical and converted
 * types, row counts and row group splits, column chunk encodings
 * (dictionary, PLAIN, the fallback), statistics in the footer and handed
 * back as values (signed and unsigned order, strings cut at 64 bytes, NULL
 * counts, -0.0), page layout, streaming (each row group reaches the sink
 * before the next is built) and errors. Values themselves are checked by
 * DuckDB and hyparquet in tests/integration/test_parquet_write.py. */
#include "test.h"

#include "parquet/codec.h"
#include "parquet/meta.h"
#include "parquet/schema.h"
#include "parquet/writer.h"

#include <math.h>

typedef struct fx {
    lh_arena_t *a;
    lh_type_t schema;
    lh_buf_t out;
    lh_pq_writer_t *w;
    lh_batch_t *b;
    lh_pq_file_meta_t *m;
    lh_err_t err;
} fx_t;

static int fx_open(fx_t *f, const char *schema, const lh_pq_write_opts_t *o)
{
    memset(f, 0, sizeof *f);
    f->a = lh_arena_new(0);
    lh_buf_init(&f->out, (size_t)1 << 30);
    if (lh_type_parse(f->a, schema, strlen(schema), &f->schema, &f->err)) return -1;
    lh_type_t types[16];
    for (uint32_t i = 0; i < f->schema.nfields; i++)
        types[i] = f->schema.fields[i].type;
    if (lh_batch_new(types, f->schema.nfields, &f->b)) return -1;
    return lh_pq_writer_open(&f->schema, o, lh_pq_sink_buf, &f->out, &f->w, &f->err);
}

static int fx_decode(fx_t *f)
{
    if (f->out.len < 12) return -1;
    uint64_t off;
    uint32_t len;
    if (lh_pq_footer_locate((const uint8_t *)f->out.ptr + f->out.len - 8, f->out.len, &off, &len,
                            &f->err))
        return -1;
    if (memcmp(f->out.ptr, "PAR1", 4)) return -1;
    return lh_pq_file_meta_decode(f->out.ptr + off, len, &f->m, &f->err);
}

static void fx_free(fx_t *f)
{
    lh_pq_file_meta_free(f->m);
    lh_pq_writer_free(f->w);
    lh_batch_free(f->b);
    lh_buf_free(&f->out);
    lh_arena_free(f->a);
}

static int64_t le64(lh_str_t s)
{
    int64_t v = 0;
    memcpy(&v, s.ptr, s.len < 8 ? s.len : 8);
    return v;
}

static void test_schema_types_and_annotations(void)
{
    fx_t f;
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    lh_pq_kv_pair_t kv[1] = {{"origin", "unit"}};
    o.kv = kv;
    o.nkv = 1;
    CHECK_EQ_INT(fx_open(&f,
                         "STRUCT(a UTINYINT, b DECIMAL(9,2), c DECIMAL(18,3), d DECIMAL(30,4), "
                         "e HUGEINT, t TIMESTAMP, tz TIMESTAMPTZ, tm TIME, iv INTERVAL, s VARCHAR, "
                         "l INTEGER[], m MAP(VARCHAR, VARCHAR), st STRUCT(x BLOB))",
                         &o),
                 0);
    CHECK_EQ_INT(lh_pq_writer_close(f.w, NULL, &f.err), 0);
    CHECK_EQ_INT(fx_decode(&f), 0);
    lh_pq_file_meta_t *m = f.m;
    CHECK_EQ_STR(m->created_by, "lakehouse " LH_VERSION);
    CHECK(m->nkv == 1 && lh_str_eq(m->kv[0].key, "origin") && lh_str_eq(m->kv[0].value, "unit"));
    CHECK_EQ_INT(m->num_rows, 0);
    CHECK_EQ_INT(m->nrow_groups, 0);
    lh_pq_schema_t s;
    CHECK_EQ_INT(lh_pq_schema_build(m->arena, m->schema, m->nschema, &s, &f.err), 0);
    CHECK_EQ_INT(s.nleaves, 14);
    CHECK_EQ_INT(m->ncolumn_orders, 14);
    for (uint32_t i = 0; i < 14; i++)
        CHECK_EQ_INT(m->column_orders[i], LH_PQ_ORDER_TYPE_DEFINED);
    const lh_pq_schema_elem_t *e;
#define LEAF(i) (e = s.leaves[i]->elem)
    LEAF(0);
    CHECK(e->type == LH_PQ_INT32 && e->logical.kind == LH_PQ_LT_INTEGER &&
          e->logical.bit_width == 8 && !e->logical.is_signed &&
          e->converted_type == LH_PQ_CT_UINT_8);
    CHECK_EQ_INT(e->repetition, LH_PQ_OPTIONAL);
    LEAF(1);
    CHECK(e->type == LH_PQ_INT32 && e->logical.kind == LH_PQ_LT_DECIMAL &&
          e->logical.precision == 9 && e->logical.scale == 2 && e->precision == 9);
    LEAF(2);
    CHECK(e->type == LH_PQ_INT64 && e->scale == 3);
    LEAF(3);
    CHECK(e->type == LH_PQ_FIXED_LEN_BYTE_ARRAY && e->type_length == 13); /* 10^30 < 2^103 */
    LEAF(4);
    CHECK(e->type == LH_PQ_FIXED_LEN_BYTE_ARRAY && e->type_length == 16 && e->precision == 38);
    LEAF(5);
    CHECK(e->type == LH_PQ_INT64 && e->logical.kind == LH_PQ_LT_TIMESTAMP && !e->logical.utc &&
          e->logical.unit == LH_PQ_MICROS && !e->has_converted_type);
    LEAF(6);
    CHECK(e->logical.kind == LH_PQ_LT_TIMESTAMP && e->logical.utc &&
          e->converted_type == LH_PQ_CT_TIMESTAMP_MICROS);
    LEAF(7);
    CHECK(e->logical.kind == LH_PQ_LT_TIME && e->logical.unit == LH_PQ_MICROS);
    LEAF(8);
    CHECK(e->type == LH_PQ_FIXED_LEN_BYTE_ARRAY && e->type_length == 12 &&
          e->converted_type == LH_PQ_CT_INTERVAL);
    LEAF(9);
    CHECK(e->type == LH_PQ_BYTE_ARRAY && e->logical.kind == LH_PQ_LT_STRING);
    /* l: optional group (LIST) > repeated group list > optional element */
    CHECK_EQ_STR(s.leaves[10]->path[1], "list");
    CHECK_EQ_STR(s.leaves[10]->path[2], "element");
    CHECK_EQ_INT(s.leaves[10]->max_def, 3);
    CHECK_EQ_INT(s.leaves[10]->max_rep, 1);
    CHECK_EQ_INT(s.leaves[10]->parent->parent->elem->logical.kind, LH_PQ_LT_LIST);
    /* m: key REQUIRED, value OPTIONAL under key_value */
    CHECK_EQ_STR(s.leaves[11]->path[1], "key_value");
    CHECK_EQ_INT(s.leaves[11]->elem->repetition, LH_PQ_REQUIRED);
    CHECK_EQ_INT(s.leaves[11]->max_def, 2);
    CHECK_EQ_INT(s.leaves[12]->max_def, 3);
    CHECK_EQ_INT(s.leaves[11]->parent->parent->elem->converted_type, LH_PQ_CT_MAP);
    CHECK_EQ_STR(s.leaves[13]->path[1], "x");
    CHECK_EQ_INT(s.leaves[13]->max_def, 2);
    fx_free(&f);
}

/* 5000 rows in row groups of 2000: 2000, 2000, 1000; batches straddle them. */
static void test_row_group_splits(void)
{
    fx_t f;
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    o.row_group_rows = 2000;
    o.codec = LH_PQ_CODEC_SNAPPY;
    CHECK_EQ_INT(fx_open(&f, "STRUCT(id BIGINT, k INTEGER)", &o), 0);
    for (uint32_t r = 0; r < 5000;) {
        lh_batch_reset(f.b);
        uint32_t n = 5000 - r < 1500 ? 5000 - r : 1500;
        int64_t *id = f.b->cols[0].data;
        int32_t *k = f.b->cols[1].data;
        for (uint32_t i = 0; i < n; i++)
            id[i] = r + i, k[i] = (int32_t)((r + i) % 10);
        f.b->count = n;
        CHECK_EQ_INT(lh_pq_writer_write_batch(f.w, f.b, &f.err), 0);
        r += n;
    }
    lh_pq_file_stats_t st;
    CHECK_EQ_INT(lh_pq_writer_close(f.w, &st, &f.err), 0);
    CHECK_EQ_INT(st.num_rows, 5000);
    CHECK_EQ_INT(st.num_row_groups, 3);
    CHECK_EQ_INT(st.file_size, f.out.len);
    CHECK_EQ_INT(fx_decode(&f), 0);
    CHECK_EQ_INT(f.m->num_rows, 5000);
    CHECK_EQ_INT(f.m->nrow_groups, 3);
    const int64_t rows[3] = {2000, 2000, 1000};
    int64_t pos = 4;
    for (int g = 0; g < 3; g++) {
        lh_pq_row_group_t *rg = &f.m->row_groups[g];
        CHECK_EQ_INT(rg->num_rows, rows[g]);
        CHECK_EQ_INT(rg->ordinal, g);
        CHECK_EQ_INT(rg->file_offset, pos);
        for (uint32_t c = 0; c < 2; c++) {
            lh_pq_column_meta_t *cm = &rg->columns[c].meta_data;
            CHECK_EQ_INT(cm->num_values, rows[g]);
            CHECK_EQ_INT(cm->codec, LH_PQ_CODEC_SNAPPY);
            int64_t first =
                cm->has_dictionary_page_offset ? cm->dictionary_page_offset : cm->data_page_offset;
            CHECK_EQ_INT(first, pos);
            pos += cm->total_compressed_size;
            CHECK(cm->statistics.has_null_count && cm->statistics.null_count == 0);
        }
        /* id: unique values, so PLAIN; k: 10 values, a dictionary */
        CHECK_EQ_INT(rg->columns[0].meta_data.has_dictionary_page_offset, 0);
        CHECK_EQ_INT(rg->columns[1].meta_data.has_dictionary_page_offset, 1);
        CHECK_EQ_INT(rg->columns[1].meta_data.nencodings, 3);
        CHECK_EQ_INT(rg->columns[1].meta_data.encodings[2], LH_PQ_ENC_RLE_DICTIONARY);
        lh_pq_stats_t *sid = &rg->columns[0].meta_data.statistics;
        CHECK_EQ_INT(le64(sid->min_value), g * 2000);
        CHECK_EQ_INT(le64(sid->max_value), g * 2000 + rows[g] - 1);
    }
    CHECK_EQ_INT(st.ncols, 2);
    CHECK_EQ_STR(st.cols[0].path, "id");
    CHECK(st.cols[0].has_min && st.cols[0].min.v.i == 0 && st.cols[0].max.v.i == 4999);
    CHECK(st.cols[1].min.v.i == 0 && st.cols[1].max.v.i == 9 && st.cols[1].null_count == 0);
    fx_free(&f);
}

static void test_statistics_orders_and_nulls(void)
{
    fx_t f;
    CHECK_EQ_INT(fx_open(&f,
                         "STRUCT(u UINTEGER, i INTEGER, s VARCHAR, b BLOB, d DOUBLE, n BIGINT, "
                         "h HUGEINT, bo BOOLEAN)",
                         NULL),
                 0);
    lh_batch_t *b = f.b;
    char longa[80], longz[80];
    memset(longa, 'a', sizeof longa);
    memset(longz, 'z', sizeof longz);
    longz[79] = 'q';
    const uint32_t u[4] = {5, 3000000000u, 7, 0};
    const int32_t i32[4] = {-5, 2000000000, -2000000000, 1};
    for (uint32_t r = 0; r < 4; r++) {
        ((uint32_t *)b->cols[0].data)[r] = u[r];
        ((int32_t *)b->cols[1].data)[r] = i32[r];
        ((lh_int128_t *)b->cols[6].data)[r] = (lh_int128_t)i32[r] * -1000000000000LL;
        ((uint8_t *)b->cols[7].data)[r] = 1;
        lh_vector_set_null(&b->cols[5], r);
    }
    lh_vector_set_string(&b->cols[2], 0, "mm", 2);
    lh_vector_set_string(&b->cols[2], 1, longa, 80);
    lh_vector_set_string(&b->cols[2], 2, longz, 80);
    lh_vector_set_null(&b->cols[2], 3);
    const char bin[3][2] = {{'\x01', '\xff'}, {'\xff', '\xff'}, {'\x00', '\x00'}};
    for (uint32_t r = 0; r < 3; r++)
        lh_vector_set_string(&b->cols[3], r, bin[r], 2);
    lh_vector_set_null(&b->cols[3], 3);
    double *d = b->cols[4].data;
    d[0] = 0.0, d[1] = NAN, d[2] = -3.5, d[3] = 0.0;
    b->count = 4;
    CHECK_EQ_INT(lh_pq_writer_write_batch(f.w, b, &f.err), 0);
    lh_pq_file_stats_t st;
    CHECK_EQ_INT(lh_pq_writer_close(f.w, &st, &f.err), 0);
    CHECK_EQ_INT(fx_decode(&f), 0);
    lh_pq_column_chunk_t *cc = f.m->row_groups[0].columns;
    /* unsigned order: 0 .. 3000000000 */
    CHECK_EQ_INT((uint32_t)le64(cc[0].meta_data.statistics.min_value), 0);
    CHECK_EQ_INT((uint32_t)le64(cc[0].meta_data.statistics.max_value), 3000000000u);
    CHECK(st.cols[0].min.v.u == 0 && st.cols[0].max.v.u == 3000000000u);
    CHECK_EQ_INT((int32_t)le64(cc[1].meta_data.statistics.min_value), -2000000000);
    CHECK_EQ_INT((int32_t)le64(cc[1].meta_data.statistics.max_value), 2000000000);
    /* strings: min cut to 64 bytes, max cut and rounded up, both inexact */
    lh_pq_stats_t *ss = &cc[2].meta_data.statistics;
    CHECK_EQ_INT(ss->null_count, 1);
    CHECK_EQ_INT(ss->min_value.len, 64);
    CHECK(!memcmp(ss->min_value.ptr, longa, 64));
    CHECK(ss->has_is_min_value_exact && !ss->is_min_value_exact);
    CHECK_EQ_INT(ss->max_value.len, 64);
    CHECK(!memcmp(ss->max_value.ptr, longz, 63) && ss->max_value.ptr[63] == 'z' + 1);
    CHECK(ss->has_is_max_value_exact && !ss->is_max_value_exact);
    CHECK(st.cols[2].has_min && !st.cols[2].min_exact && st.cols[2].min.v.s.len == 64);
    CHECK(st.cols[2].has_max && !st.cols[2].max_exact && st.cols[2].max.v.s.ptr[63] == '{');
    /* blobs: unsigned bytes */
    lh_pq_stats_t *sb = &cc[3].meta_data.statistics;
    CHECK(sb->min_value.len == 2 && !memcmp(sb->min_value.ptr, "\x00\x00", 2));
    CHECK(sb->max_value.len == 2 && !memcmp(sb->max_value.ptr, "\xff\xff", 2));
    CHECK(!sb->has_is_max_value_exact);
    /* doubles: NaN left out, the zero max written +0.0 */
    double dmin, dmax;
    memcpy(&dmin, cc[4].meta_data.statistics.min_value.ptr, 8);
    memcpy(&dmax, cc[4].meta_data.statistics.max_value.ptr, 8);
    CHECK(dmin == -3.5 && dmax == 0.0 && !signbit(dmax));
    /* all NULL: a null count and no bounds */
    lh_pq_stats_t *sn = &cc[5].meta_data.statistics;
    CHECK(sn->null_count == 4 && !sn->has_min_value && !sn->has_max_value);
    CHECK(!st.cols[5].has_min && !st.cols[5].has_max && st.cols[5].null_count == 4);
    /* HUGEINT as big-endian DECIMAL(38,0): signed order */
    CHECK(st.cols[6].min.v.i128 == (lh_int128_t)2000000000 * -1000000000000LL);
    CHECK(st.cols[6].max.v.i128 == (lh_int128_t)-2000000000 * -1000000000000LL);
    CHECK_EQ_INT((uint8_t)cc[6].meta_data.statistics.min_value.ptr[0], 0xff);
    CHECK(st.cols[7].min.v.b && st.cols[7].max.v.b);
    CHECK_EQ_INT(cc[7].meta_data.nencodings, 2); /* BOOLEAN: PLAIN */
    fx_free(&f);
}

/* Walks a column chunk's pages with the page header decoder. */
static int count_pages(const fx_t *f, const lh_pq_column_meta_t *cm, int *dict, int *data,
                       int64_t *values)
{
    int64_t pos =
        cm->has_dictionary_page_offset ? cm->dictionary_page_offset : cm->data_page_offset;
    int64_t end = pos + cm->total_compressed_size;
    *dict = *data = 0;
    *values = 0;
    while (pos < end) {
        lh_pq_page_header_t h;
        size_t used;
        lh_err_t err;
        if (lh_pq_page_header_decode(f->out.ptr + pos, (size_t)(end - pos), &h, &used, &err))
            return -1;
        if (h.type == LH_PQ_PAGE_DICTIONARY) {
            if (*data) return -1; /* the dictionary page comes first */
            (*dict)++;
        } else {
            (*data)++;
            *values += h.data_page_header.num_values;
        }
        pos += (int64_t)used + h.compressed_page_size;
    }
    return pos == end ? 0 : -1;
}

static void test_pages_fallback_and_nesting(void)
{
    fx_t f;
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    o.page_bytes = 4096;
    o.dict_limit_bytes = 2000;
    o.codec = LH_PQ_CODEC_UNCOMPRESSED;
    CHECK_EQ_INT(fx_open(&f, "STRUCT(v VARCHAR, low SMALLINT, l BIGINT[])", &o), 0);
    for (uint32_t r = 0; r < 4; r++) {
        lh_batch_reset(f.b);
        for (uint32_t i = 0; i < LH_BATCH_ROWS; i++) {
            char s[32];
            int n = snprintf(s, sizeof s, "value-%u", r * LH_BATCH_ROWS + i);
            lh_vector_set_string(&f.b->cols[0], i, s, (size_t)n);
            ((int16_t *)f.b->cols[1].data)[i] = (int16_t)(i % 3);
            uint32_t off, len = i % 3;
            lh_vector_list_append(&f.b->cols[2], i, len, &off);
            for (uint32_t j = 0; j < len; j++)
                ((int64_t *)f.b->cols[2].child->data)[off + j] = (int64_t)(i * 10 + j);
            if (i % 7 == 0) lh_vector_set_null(&f.b->cols[2], i);
        }
        f.b->count = LH_BATCH_ROWS;
        CHECK_EQ_INT(lh_pq_writer_write_batch(f.w, f.b, &f.err), 0);
    }
    CHECK_EQ_INT(lh_pq_writer_close(f.w, NULL, &f.err), 0);
    CHECK_EQ_INT(fx_decode(&f), 0);
    CHECK_EQ_INT(f.m->nrow_groups, 1);
    lh_pq_column_chunk_t *cc = f.m->row_groups[0].columns;
    int dict, data;
    int64_t values;
    /* v: the dictionary passed 2000 bytes: PLAIN, many pages */
    CHECK_EQ_INT(count_pages(&f, &cc[0].meta_data, &dict, &data, &values), 0);
    CHECK(dict == 0 && data > 10 && values == 4 * LH_BATCH_ROWS);
    CHECK_EQ_INT(cc[0].meta_data.nencodings, 2);
    /* low: a dictionary page of 3 entries */
    CHECK_EQ_INT(count_pages(&f, &cc[1].meta_data, &dict, &data, &values), 0);
    CHECK(dict == 1 && data >= 1 && values == 4 * LH_BATCH_ROWS);
    /* l: one level per element, per empty list and per NULL list */
    int64_t want = 0;
    for (uint32_t i = 0; i < LH_BATCH_ROWS; i++)
        want += i % 7 == 0 || i % 3 == 0 ? 1 : i % 3;
    CHECK_EQ_INT(cc[2].meta_data.num_values, 4 * want);
    CHECK_EQ_INT(count_pages(&f, &cc[2].meta_data, &dict, &data, &values), 0);
    CHECK_EQ_INT(values, 4 * want);
    CHECK_EQ_INT(cc[2].meta_data.npath, 3);
    fx_free(&f);
}

/* A sink that records how many bytes it had after each call. */
typedef struct counting {
    lh_buf_t buf;
    size_t calls;
} counting_t;

static int count_sink(void *ctx, const void *data, size_t len, lh_err_t *err)
{
    counting_t *c = ctx;
    c->calls++;
    return lh_pq_sink_buf(&c->buf, data, len, err);
}

/* On 2 threads (pipelined) each row group reaches the sink once the next is full. */
static void streams(int threads)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_type_t schema, t = lh_type(LH_TYPE_BIGINT);
    lh_field_t fld = {"x", t};
    CHECK_EQ_INT(lh_type_struct(a, &fld, 1, &schema), 0);
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    o.row_group_rows = LH_BATCH_ROWS;
    o.codec = LH_PQ_CODEC_UNCOMPRESSED;
    o.threads = threads;
    int late = threads > 1;
    counting_t c = {0};
    lh_buf_init(&c.buf, (size_t)1 << 30);
    lh_pq_writer_t *w;
    lh_err_t err;
    CHECK_EQ_INT(lh_pq_writer_open(&schema, &o, count_sink, &c, &w, &err), 0);
    lh_batch_t *b;
    CHECK_EQ_INT(lh_batch_new(&t, 1, &b), 0);
    for (int g = 0; g < 8; g++) {
        for (uint32_t i = 0; i < LH_BATCH_ROWS; i++)
            ((int64_t *)b->cols[0].data)[i] = (int64_t)g * LH_BATCH_ROWS + i;
        b->count = LH_BATCH_ROWS;
        CHECK_EQ_INT(lh_pq_writer_write_batch(w, b, &err), 0);
        /* each batch completed a row group: 16 KiB of values; all of them reached the sink
         * (pipelined: all but the last) */
        CHECK(c.buf.len >= (size_t)(g + 1 - late) * LH_BATCH_ROWS * 8);
        CHECK(c.buf.len < (size_t)(g + 2 - late) * LH_BATCH_ROWS * 8);
    }
    CHECK_EQ_INT(lh_pq_writer_close(w, NULL, &err), 0);
    CHECK(c.calls >= 9);
    lh_pq_writer_free(w);
    lh_batch_free(b);
    lh_buf_free(&c.buf);
    lh_arena_free(a);
}

static void test_streams_one_row_group_at_a_time(void)
{
    streams(1);
    streams(2);
}

static int failing_sink(void *ctx, const void *data, size_t len, lh_err_t *err)
{
    int *n = ctx;
    (*n)++;
    return lh_err_set(err, LH_EIO, "disk full");
}

static void test_errors(void)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_err_t err;
    lh_pq_writer_t *w = NULL;
    lh_buf_t out;
    lh_buf_init(&out, 0);
    lh_type_t big = lh_type(LH_TYPE_BIGINT);
    CHECK_EQ_INT(lh_pq_writer_open(&big, NULL, lh_pq_sink_buf, &out, &w, &err), LH_EINVAL);
    CHECK(w == NULL);
    lh_type_t s;
    lh_field_t fld = {"x", big};
    CHECK_EQ_INT(lh_type_struct(a, &fld, 1, &s), 0);
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    o.codec = LH_PQ_CODEC_LZO;
    CHECK_EQ_INT(lh_pq_writer_open(&s, &o, lh_pq_sink_buf, &out, &w, &err), LH_EINVAL);
    CHECK(strstr(err.msg, "LZO") != NULL);
    /* a batch of another type */
    CHECK_EQ_INT(lh_pq_writer_open(&s, NULL, lh_pq_sink_buf, &out, &w, &err), 0);
    lh_type_t i32 = lh_type(LH_TYPE_INTEGER);
    lh_batch_t *b;
    CHECK_EQ_INT(lh_batch_new(&i32, 1, &b), 0);
    b->count = 1;
    CHECK_EQ_INT(lh_pq_writer_write_batch(w, b, &err), LH_EINVAL);
    lh_batch_free(b);
    lh_pq_writer_free(w);
    /* a NULL MAP key */
    lh_type_t mt;
    CHECK_EQ_INT(lh_type_parse(a, "STRUCT(m MAP(VARCHAR, INTEGER))", 31, &mt, &err), 0);
    CHECK_EQ_INT(lh_pq_writer_open(&mt, NULL, lh_pq_sink_buf, &out, &w, &err), 0);
    CHECK_EQ_INT(lh_batch_new(&mt.fields[0].type, 1, &b), 0);
    uint32_t off;
    CHECK_EQ_INT(lh_vector_list_append(&b->cols[0], 0, 1, &off), 0);
    lh_vector_set_null(lh_vector_map_keys(&b->cols[0]), off);
    b->count = 1;
    CHECK_EQ_INT(lh_pq_writer_write_batch(w, b, &err), LH_EINVAL);
    CHECK(strstr(err.msg, "MAP key") != NULL);
    /* after a failure only free */
    CHECK_EQ_INT(lh_pq_writer_close(w, NULL, &err), LH_EINVAL);
    lh_batch_free(b);
    lh_pq_writer_free(w);
    /* the sink's error comes back */
    int calls = 0;
    CHECK_EQ_INT(lh_pq_writer_open(&s, NULL, failing_sink, &calls, &w, &err), 0);
    CHECK_EQ_INT(lh_pq_writer_close(w, NULL, &err), LH_EIO);
    CHECK(strstr(err.msg, "disk full") != NULL);
    CHECK_EQ_INT(calls, 1);
    lh_pq_writer_free(w);
    lh_buf_free(&out);
    lh_arena_free(a);
}

/* CONSTANT and DICTIONARY vectors are written by their values. */
static void test_vector_kinds(void)
{
    fx_t f;
    CHECK_EQ_INT(fx_open(&f, "STRUCT(c INTEGER, d VARCHAR)", NULL), 0);
    lh_vector_t dict;
    lh_type_t vt = lh_type(LH_TYPE_VARCHAR);
    CHECK_EQ_INT(lh_vector_init(&dict, &vt, 2, NULL), 0);
    lh_vector_set_string_ref(&dict, 0, "zz", 2);
    lh_vector_set_string_ref(&dict, 1, "aa", 2);
    ((int32_t *)f.b->cols[0].data)[0] = 42;
    lh_vector_set_constant(&f.b->cols[0]);
    int32_t *codes;
    CHECK_EQ_INT(lh_vector_set_dictionary(&f.b->cols[1], &dict, 2, &codes), 0);
    for (int i = 0; i < 100; i++)
        codes[i] = i % 2;
    f.b->count = 100;
    CHECK_EQ_INT(lh_pq_writer_write_batch(f.w, f.b, &f.err), 0);
    lh_pq_file_stats_t st;
    CHECK_EQ_INT(lh_pq_writer_close(f.w, &st, &f.err), 0);
    CHECK(st.cols[0].min.v.i == 42 && st.cols[0].max.v.i == 42);
    CHECK(st.cols[1].min.v.s.len == 2 && !memcmp(st.cols[1].min.v.s.ptr, "aa", 2));
    CHECK(!memcmp(st.cols[1].max.v.s.ptr, "zz", 2));
    CHECK_EQ_INT(fx_decode(&f), 0);
    CHECK_EQ_INT(f.m->row_groups[0].columns[1].meta_data.num_values, 100);
    lh_vector_release(&dict);
    fx_free(&f);
}

static const lh_test_t tests[] = {
    {"schema_types_and_annotations", test_schema_types_and_annotations},
    {"row_group_splits", test_row_group_splits},
    {"statistics_orders_and_nulls", test_statistics_orders_and_nulls},
    {"pages_fallback_and_nesting", test_pages_fallback_and_nesting},
    {"streams_one_row_group_at_a_time", test_streams_one_row_group_at_a_time},
    {"errors", test_errors},
    {"vector_kinds", test_vector_kinds},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
