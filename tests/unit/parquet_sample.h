/* A sample Parquet footer and page headers built by hand from the structs of
 * parquet/meta.h: every logical type, a LIST and a MAP, INT96, two row
 * groups with statistics (null_count 0 on some columns, absent on others),
 * key/value metadata and column orders. Shared by parquet_meta_test.c and
 * the fuzz seed writer (fuzz/parquet_seeds.c). */
#ifndef LH_TEST_PARQUET_SAMPLE_H
#define LH_TEST_PARQUET_SAMPLE_H

#include "core/arena.h"
#include "parquet/codec.h"
#include "parquet/meta.h"
#include "parquet/schema.h"

#include <string.h>

#define PQ_SAMPLE_NSCHEMA 23
#define PQ_SAMPLE_NLEAVES 18

static inline lh_pq_schema_elem_t pq_leaf(const char *name, int type, int rep, int lt)
{
    lh_pq_schema_elem_t e = {.name = (char *)name,
                             .has_type = true,
                             .type = type,
                             .has_repetition = true,
                             .repetition = rep};
    e.logical.kind = lt;
    return e;
}

static inline lh_pq_schema_elem_t pq_group(const char *name, int rep, int n, int lt)
{
    lh_pq_schema_elem_t e = {.name = (char *)name,
                             .has_repetition = rep >= 0,
                             .repetition = rep >= 0 ? rep : 0,
                             .has_num_children = true,
                             .num_children = n};
    e.logical.kind = lt;
    return e;
}

static inline void pq_sample_schema(lh_pq_schema_elem_t *s)
{
    s[0] = pq_group("schema", -1, 17, 0);
    s[1] = pq_leaf("id", LH_PQ_INT64, LH_PQ_REQUIRED, LH_PQ_LT_INTEGER);
    s[1].logical.bit_width = 64;
    s[1].logical.is_signed = true;
    s[1].has_converted_type = true;
    s[1].converted_type = LH_PQ_CT_INT_64;
    s[2] = pq_leaf("name", LH_PQ_BYTE_ARRAY, LH_PQ_OPTIONAL, LH_PQ_LT_STRING);
    s[2].has_converted_type = true;
    s[2].converted_type = LH_PQ_CT_UTF8;
    s[3] = pq_leaf("price", LH_PQ_FIXED_LEN_BYTE_ARRAY, LH_PQ_OPTIONAL, LH_PQ_LT_DECIMAL);
    s[3].has_type_length = s[3].has_scale = s[3].has_precision = s[3].has_converted_type = true;
    s[3].type_length = 16;
    s[3].scale = s[3].logical.scale = 2;
    s[3].precision = s[3].logical.precision = 38;
    s[3].converted_type = LH_PQ_CT_DECIMAL;
    s[4] = pq_leaf("day", LH_PQ_INT32, LH_PQ_OPTIONAL, LH_PQ_LT_DATE);
    s[5] = pq_leaf("t_ms", LH_PQ_INT32, LH_PQ_OPTIONAL, LH_PQ_LT_TIME);
    s[5].logical.utc = true;
    s[5].logical.unit = LH_PQ_MILLIS;
    s[6] = pq_leaf("ts_us", LH_PQ_INT64, LH_PQ_OPTIONAL, LH_PQ_LT_TIMESTAMP);
    s[6].logical.unit = LH_PQ_MICROS;
    s[7] = pq_leaf("ts_ns", LH_PQ_INT64, LH_PQ_OPTIONAL, LH_PQ_LT_TIMESTAMP);
    s[7].logical.utc = true;
    s[7].logical.unit = LH_PQ_NANOS;
    s[8] = pq_leaf("u8", LH_PQ_INT32, LH_PQ_OPTIONAL, LH_PQ_LT_INTEGER);
    s[8].logical.bit_width = 8;
    s[9] = pq_leaf("kind", LH_PQ_BYTE_ARRAY, LH_PQ_OPTIONAL, LH_PQ_LT_ENUM);
    s[10] = pq_leaf("doc", LH_PQ_BYTE_ARRAY, LH_PQ_OPTIONAL, LH_PQ_LT_JSON);
    s[11] = pq_leaf("bin", LH_PQ_BYTE_ARRAY, LH_PQ_OPTIONAL, LH_PQ_LT_BSON);
    s[12] = pq_leaf("uid", LH_PQ_FIXED_LEN_BYTE_ARRAY, LH_PQ_OPTIONAL, LH_PQ_LT_UUID);
    s[12].has_type_length = true;
    s[12].type_length = 16;
    s[13] = pq_leaf("half", LH_PQ_FIXED_LEN_BYTE_ARRAY, LH_PQ_OPTIONAL, LH_PQ_LT_FLOAT16);
    s[13].has_type_length = true;
    s[13].type_length = 2;
    s[14] = pq_leaf("nothing", LH_PQ_INT32, LH_PQ_OPTIONAL, LH_PQ_LT_UNKNOWN);
    s[15] = pq_group("tags", LH_PQ_OPTIONAL, 1, LH_PQ_LT_LIST);
    s[16] = pq_group("list", LH_PQ_REPEATED, 1, 0);
    s[17] = pq_leaf("element", LH_PQ_BYTE_ARRAY, LH_PQ_OPTIONAL, LH_PQ_LT_STRING);
    s[18] = pq_group("attrs", LH_PQ_OPTIONAL, 1, LH_PQ_LT_MAP);
    s[19] = pq_group("key_value", LH_PQ_REPEATED, 2, 0);
    s[20] = pq_leaf("key", LH_PQ_BYTE_ARRAY, LH_PQ_REQUIRED, LH_PQ_LT_STRING);
    s[21] = pq_leaf("value", LH_PQ_INT32, LH_PQ_OPTIONAL, 0);
    s[21].has_field_id = true;
    s[21].field_id = 7;
    s[22] = pq_leaf("legacy", LH_PQ_INT96, LH_PQ_OPTIONAL, 0);
}

static inline lh_str_t pq_bytes(lh_arena_t *a, const void *p, size_t n)
{
    char *c = lh_arena_alloc(a, n + 1);
    memcpy(c, p, n);
    c[n] = 0;
    return (lh_str_t){c, n};
}

static inline void pq_sample_column(lh_arena_t *a, const lh_pq_node_t *leaf, int rg, int col,
                                    lh_pq_column_chunk_t *cc)
{
    static int32_t encodings[] = {LH_PQ_ENC_PLAIN, LH_PQ_ENC_RLE, LH_PQ_ENC_RLE_DICTIONARY};
    static lh_pq_page_enc_stats_t pes[] = {{LH_PQ_PAGE_DICTIONARY, LH_PQ_ENC_PLAIN, 1},
                                           {LH_PQ_PAGE_DATA, LH_PQ_ENC_RLE_DICTIONARY, 3}};
    lh_pq_column_meta_t *m = &cc->meta_data;
    int64_t base = 4 + (int64_t)(rg * PQ_SAMPLE_NLEAVES + col) * 1000;
    cc->file_offset = base;
    cc->has_meta_data = true;
    m->type = leaf->elem->type;
    m->encodings = encodings;
    m->nencodings = 3;
    m->path = (char **)leaf->path;
    m->npath = leaf->depth;
    m->codec = col % 2 ? LH_PQ_CODEC_ZSTD : LH_PQ_CODEC_SNAPPY;
    m->num_values = 1000 + col;
    m->total_uncompressed_size = 2000;
    m->total_compressed_size = 900;
    m->data_page_offset = base + 100;
    m->has_dictionary_page_offset = col % 3 == 0;
    m->dictionary_page_offset = base;
    m->has_statistics = true;
    m->statistics.has_null_count = col % 2 == 0; /* 0, and absent, must differ */
    m->statistics.null_count = 0;
    m->statistics.has_min_value = m->statistics.has_max_value = true;
    m->statistics.min_value = pq_bytes(a, "\x01\x00\x00\x00", 4);
    m->statistics.max_value = pq_bytes(a, "\xff\xff\x00\x01", 4);
    m->statistics.has_is_max_value_exact = true;
    m->statistics.is_max_value_exact = col % 2;
    m->statistics.has_distinct_count = col == 1;
    m->statistics.distinct_count = 77;
    m->encoding_stats = pes;
    m->nencoding_stats = 2;
    if (col == 0) {
        m->has_bloom_filter_offset = m->has_bloom_filter_length = true;
        m->bloom_filter_offset = 999999;
        m->bloom_filter_length = 4096;
        cc->has_offset_index_offset = cc->has_offset_index_length = true;
        cc->offset_index_offset = 123456;
        cc->offset_index_length = 77;
        cc->has_column_index_offset = cc->has_column_index_length = true;
        cc->column_index_offset = 123533;
        cc->column_index_length = 99;
    }
}

/* Fills *m from arena a (which owns everything; m->arena stays NULL). */
static inline void pq_sample_footer(lh_arena_t *a, lh_pq_file_meta_t *m)
{
    static lh_pq_kv_t kv[2];
    static lh_pq_sorting_column_t sort[1] = {{.column_idx = 0, .descending = true}};
    memset(m, 0, sizeof *m);
    m->version = 2;
    m->schema = lh_arena_calloc(a, PQ_SAMPLE_NSCHEMA * sizeof *m->schema);
    m->nschema = PQ_SAMPLE_NSCHEMA;
    pq_sample_schema(m->schema);
    lh_pq_schema_t s;
    lh_pq_schema_build(a, m->schema, m->nschema, &s, NULL);
    m->num_rows = 2000;
    m->nrow_groups = 2;
    m->row_groups = lh_arena_calloc(a, 2 * sizeof *m->row_groups);
    for (int rg = 0; rg < 2; rg++) {
        lh_pq_row_group_t *g = &m->row_groups[rg];
        g->ncolumns = s.nleaves;
        g->columns = lh_arena_calloc(a, s.nleaves * sizeof *g->columns);
        for (uint32_t c = 0; c < s.nleaves; c++)
            pq_sample_column(a, s.leaves[c], rg, (int)c, &g->columns[c]);
        g->total_byte_size = 36000;
        g->num_rows = 1000;
        g->has_file_offset = g->has_total_compressed_size = g->has_ordinal = true;
        g->file_offset = 4 + rg * 18000;
        g->total_compressed_size = 16200;
        g->ordinal = (int16_t)rg;
        if (rg == 1) {
            g->sorting_columns = sort;
            g->nsorting_columns = 1;
        }
    }
    kv[0] = (lh_pq_kv_t){.key = pq_bytes(a, "ARROW:schema", 12),
                         .has_value = true,
                         .value = pq_bytes(a, "/////w==\0x", 10)};
    kv[1] = (lh_pq_kv_t){.key = pq_bytes(a, "no value", 8)};
    m->kv = kv;
    m->nkv = 2;
    m->created_by = (char *)"lakehouse version 0.1.0 (build test)";
    m->ncolumn_orders = s.nleaves;
    m->column_orders = lh_arena_calloc(a, s.nleaves * sizeof *m->column_orders);
    for (uint32_t c = 0; c < s.nleaves; c++)
        m->column_orders[c] = LH_PQ_ORDER_TYPE_DEFINED;
}

/* A v1 data page, a dictionary page and a v2 data page. */
static inline void pq_sample_pages(lh_pq_page_header_t ph[3])
{
    memset(ph, 0, 3 * sizeof *ph);
    ph[0].type = LH_PQ_PAGE_DATA;
    ph[0].uncompressed_page_size = 4096;
    ph[0].compressed_page_size = 1500;
    ph[0].has_crc = true;
    ph[0].crc = -12345;
    ph[0].has_data_page_header = true;
    ph[0].data_page_header = (lh_pq_data_page_header_t){.num_values = 1000,
                                                        .encoding = LH_PQ_ENC_RLE_DICTIONARY,
                                                        .def_encoding = LH_PQ_ENC_RLE,
                                                        .rep_encoding = LH_PQ_ENC_RLE,
                                                        .has_statistics = true};
    ph[0].data_page_header.statistics.has_null_count = true;
    ph[0].data_page_header.statistics.null_count = 3;
    ph[0].data_page_header.statistics.has_min = true;
    ph[0].data_page_header.statistics.min = (lh_str_t){"abc", 3};
    ph[1].type = LH_PQ_PAGE_DICTIONARY;
    ph[1].uncompressed_page_size = 800;
    ph[1].compressed_page_size = 800;
    ph[1].has_dictionary_page_header = true;
    ph[1].dictionary_page_header = (lh_pq_dict_page_header_t){
        .num_values = 100, .encoding = LH_PQ_ENC_PLAIN, .has_is_sorted = true, .is_sorted = false};
    ph[2].type = LH_PQ_PAGE_DATA_V2;
    ph[2].uncompressed_page_size = 5000;
    ph[2].compressed_page_size = 2100;
    ph[2].has_data_page_header_v2 = true;
    ph[2].data_page_header_v2 =
        (lh_pq_data_page_header_v2_t){.num_values = 1200,
                                      .num_nulls = 200,
                                      .num_rows = 1000,
                                      .encoding = LH_PQ_ENC_DELTA_BINARY_PACKED,
                                      .def_levels_byte_length = 150,
                                      .rep_levels_byte_length = 50,
                                      .is_compressed = false};
}

#endif
