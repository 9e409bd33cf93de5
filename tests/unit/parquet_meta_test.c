/* Parquet metadata (parquet/meta.h, parquet/schema.h): a full footer with
 * every logical type round trips; page headers round trip and are checked;
 * unknown fields of every type are skipped; required fields, huge lists, the
 * decode budget and the nesting limit fail cleanly; the footer locator
 * refuses short files, wrong magic and lying lengths; the schema tree. */
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "parquet/meta.h"
#include "parquet/schema.h"
#include "parquet/thrift.h"
#include "parquet_sample.h"
#include "test.h"

/* The sample footer, encoded. */
static void sample_bytes(lh_buf_t *b)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_pq_file_meta_t m;
    pq_sample_footer(a, &m);
    lh_buf_init(b, 0);
    lh_pq_file_meta_encode(&m, b);
    lh_arena_free(a);
}

static void test_footer_round_trip(void)
{
    lh_buf_t b1, b2;
    lh_err_t err = {0};
    lh_pq_file_meta_t *m = NULL;
    sample_bytes(&b1);
    CHECK(lh_buf_err(&b1) == 0 && b1.len > 1000);
    CHECK_EQ_INT(lh_pq_file_meta_decode(b1.ptr, b1.len, &m, &err), 0);
    CHECK(m && m->arena);
    CHECK_EQ_INT(m->version, 2);
    CHECK_EQ_INT(m->nschema, PQ_SAMPLE_NSCHEMA);
    CHECK_EQ_INT(m->num_rows, 2000);
    CHECK_EQ_INT(m->nrow_groups, 2);
    CHECK_EQ_STR(m->created_by, "lakehouse version 0.1.0 (build test)");
    CHECK_EQ_INT(m->ncolumn_orders, PQ_SAMPLE_NLEAVES);
    CHECK_EQ_INT(m->column_orders[17], LH_PQ_ORDER_TYPE_DEFINED);
    CHECK(m->nkv == 2 && m->kv[0].has_value && m->kv[0].value.len == 10);
    CHECK(!memcmp(m->kv[0].value.ptr, "/////w==\0x", 10) && !m->kv[1].has_value);
    const lh_pq_row_group_t *g = &m->row_groups[1];
    CHECK(g->ncolumns == PQ_SAMPLE_NLEAVES && g->has_ordinal && g->ordinal == 1);
    CHECK(g->nsorting_columns == 1 && g->sorting_columns[0].descending);
    CHECK(!g->sorting_columns[0].nulls_first && m->row_groups[0].nsorting_columns == 0);
    const lh_pq_column_chunk_t *c = &m->row_groups[0].columns[16]; /* attrs.key_value.value */
    CHECK(c->has_meta_data && c->meta_data.npath == 3);
    CHECK_EQ_STR(c->meta_data.path[0], "attrs");
    CHECK_EQ_STR(c->meta_data.path[2], "value");
    CHECK(c->meta_data.nencodings == 3 && c->meta_data.encodings[2] == LH_PQ_ENC_RLE_DICTIONARY);
    CHECK(c->meta_data.nencoding_stats == 2 && c->meta_data.encoding_stats[1].count == 3);
    CHECK(c->meta_data.codec == LH_PQ_CODEC_SNAPPY && !c->file_path);
    c = &m->row_groups[0].columns[0];
    CHECK(c->has_offset_index_offset && c->offset_index_length == 77);
    CHECK(c->has_column_index_length && c->column_index_offset == 123533);
    CHECK(c->meta_data.has_bloom_filter_length && c->meta_data.bloom_filter_length == 4096);
    CHECK(!m->row_groups[0].columns[1].has_offset_index_offset);
    /* the encoder is a fixed point of decode */
    lh_buf_init(&b2, 0);
    CHECK_EQ_INT(lh_pq_file_meta_encode(m, &b2), 0);
    CHECK(b2.len == b1.len && !memcmp(b1.ptr, b2.ptr, b1.len));
    lh_pq_file_meta_free(m);
    lh_buf_free(&b1);
    lh_buf_free(&b2);
}

static void test_every_logical_type(void)
{
    lh_buf_t b;
    lh_pq_file_meta_t *m = NULL;
    lh_pq_schema_elem_t want[PQ_SAMPLE_NSCHEMA];
    pq_sample_schema(want);
    sample_bytes(&b);
    CHECK(lh_pq_file_meta_decode(b.ptr, b.len, &m, NULL) == 0);
    for (uint32_t i = 0; i < PQ_SAMPLE_NSCHEMA; i++) {
        const lh_pq_schema_elem_t *e = &m->schema[i], *w = &want[i];
        CHECK_EQ_STR(e->name, w->name);
        CHECK(e->has_type == w->has_type && e->type == w->type);
        CHECK(e->has_repetition == w->has_repetition && e->repetition == w->repetition);
        CHECK(e->has_num_children == w->has_num_children && e->num_children == w->num_children);
        CHECK(e->has_type_length == w->has_type_length && e->type_length == w->type_length);
        CHECK(e->has_converted_type == w->has_converted_type);
        CHECK(e->has_field_id == w->has_field_id && e->field_id == w->field_id);
        const lh_pq_logical_t *l = &e->logical, *k = &w->logical;
        CHECK(l->kind == k->kind && l->scale == k->scale && l->precision == k->precision);
        CHECK(l->utc == k->utc && l->unit == k->unit);
        CHECK(l->bit_width == k->bit_width && l->is_signed == k->is_signed);
    }
    /* the ones with parameters */
    CHECK(m->schema[3].logical.kind == LH_PQ_LT_DECIMAL && m->schema[3].logical.precision == 38);
    CHECK(m->schema[5].logical.kind == LH_PQ_LT_TIME && m->schema[5].logical.unit == LH_PQ_MILLIS);
    CHECK(m->schema[5].logical.utc);
    CHECK(m->schema[7].logical.unit == LH_PQ_NANOS && m->schema[7].logical.utc);
    CHECK(m->schema[6].logical.unit == LH_PQ_MICROS && !m->schema[6].logical.utc);
    CHECK(m->schema[8].logical.bit_width == 8 && !m->schema[8].logical.is_signed);
    CHECK(m->schema[1].logical.bit_width == 64 && m->schema[1].logical.is_signed);
    CHECK(m->schema[14].logical.kind == LH_PQ_LT_UNKNOWN && m->schema[22].logical.kind == 0);
    lh_pq_file_meta_free(m);
    lh_buf_free(&b);
}

static void test_null_count_zero_differs_from_absent(void)
{
    lh_buf_t b;
    lh_pq_file_meta_t *m = NULL;
    sample_bytes(&b);
    CHECK(lh_pq_file_meta_decode(b.ptr, b.len, &m, NULL) == 0);
    const lh_pq_stats_t *s0 = &m->row_groups[0].columns[0].meta_data.statistics;
    const lh_pq_stats_t *s1 = &m->row_groups[0].columns[1].meta_data.statistics;
    CHECK(s0->has_null_count && s0->null_count == 0);
    CHECK(!s1->has_null_count);
    CHECK(s1->has_distinct_count && s1->distinct_count == 77 && !s0->has_distinct_count);
    CHECK(s0->has_is_max_value_exact && !s0->is_max_value_exact && s1->is_max_value_exact);
    CHECK(!s0->has_is_min_value_exact && !s0->has_min && !s0->has_max);
    CHECK(s0->min_value.len == 4 && !memcmp(s0->max_value.ptr, "\xff\xff\x00\x01", 4));
    lh_pq_file_meta_free(m);
    lh_buf_free(&b);
}

static void test_every_prefix_fails(void)
{
    lh_buf_t b;
    sample_bytes(&b);
    for (size_t n = 0; n < b.len; n++) {
        lh_pq_file_meta_t *m = (void *)1;
        lh_err_t err = {0};
        CHECK_EQ_INT(lh_pq_file_meta_decode(b.ptr, n, &m, &err), LH_ECORRUPT);
        CHECK(m == NULL && err.msg[0]);
    }
    lh_buf_free(&b);
}

static void test_page_headers(void)
{
    lh_pq_page_header_t ph[3], got;
    lh_buf_t b;
    size_t used;
    pq_sample_pages(ph);
    for (int i = 0; i < 3; i++) {
        lh_buf_init(&b, 0);
        CHECK(lh_pq_page_header_encode(&ph[i], &b) == 0);
        size_t hlen = b.len;
        lh_buf_append(&b, "page bytes follow", 17);
        CHECK_EQ_INT(lh_pq_page_header_decode(b.ptr, b.len, &got, &used, NULL), 0);
        CHECK_EQ_INT(used, hlen);
        CHECK(got.type == ph[i].type && got.compressed_page_size == ph[i].compressed_page_size);
        CHECK(got.has_crc == ph[i].has_crc && got.crc == ph[i].crc);
        const lh_pq_dict_page_header_t *gd = &got.dictionary_page_header;
        const lh_pq_dict_page_header_t *wd = &ph[i].dictionary_page_header;
        CHECK(got.has_dictionary_page_header == ph[i].has_dictionary_page_header);
        CHECK(gd->num_values == wd->num_values && gd->has_is_sorted == wd->has_is_sorted);
        const lh_pq_data_page_header_v2_t *g2 = &got.data_page_header_v2;
        const lh_pq_data_page_header_v2_t *w2 = &ph[i].data_page_header_v2;
        CHECK(got.has_data_page_header_v2 == ph[i].has_data_page_header_v2);
        CHECK(g2->num_nulls == w2->num_nulls && g2->num_rows == w2->num_rows);
        CHECK(g2->rep_levels_byte_length == w2->rep_levels_byte_length);
        CHECK(!ph[i].has_data_page_header_v2 || g2->is_compressed == w2->is_compressed);
        CHECK(got.data_page_header.num_values == ph[i].data_page_header.num_values);
        for (size_t n = 0; n < hlen; n++) /* every truncation */
            CHECK_EQ_INT(lh_pq_page_header_decode(b.ptr, n, &got, &used, NULL), LH_ECORRUPT);
        lh_buf_free(&b);
    }
    /* statistics point into the input */
    lh_buf_init(&b, 0);
    lh_pq_page_header_encode(&ph[0], &b);
    CHECK(lh_pq_page_header_decode(b.ptr, b.len, &got, &used, NULL) == 0);
    const lh_pq_stats_t *st = &got.data_page_header.statistics;
    CHECK(st->has_null_count && st->null_count == 3 && st->has_min && st->min.len == 3);
    CHECK(st->min.ptr > b.ptr && st->min.ptr < b.ptr + b.len && !memcmp(st->min.ptr, "abc", 3));
    lh_buf_free(&b);
}

/* A page header written by hand: type, sizes, then one sub-header struct. */
static void page_by_hand(lh_buf_t *b, int type, int32_t u, int32_t c, int16_t sub_id,
                         const int32_t *vals, int nvals)
{
    lh_tc_writer_t w;
    lh_buf_init(b, 0);
    lh_tc_writer_init(&w, b);
    lh_tc_write_struct_begin(&w);
    lh_tc_write_i32_field(&w, 1, type);
    lh_tc_write_i32_field(&w, 2, u);
    lh_tc_write_i32_field(&w, 3, c);
    if (sub_id) {
        lh_tc_write_struct_field(&w, sub_id);
        for (int i = 0; i < nvals; i++)
            lh_tc_write_i32_field(&w, (int16_t)(i + 1), vals[i]);
        lh_tc_write_struct_end(&w);
    }
    lh_tc_write_struct_end(&w);
}

static void test_page_header_checks(void)
{
    lh_pq_page_header_t h;
    lh_buf_t b;
    size_t used;
    lh_err_t err = {0};
    /* a v2 header without is_compressed: compressed, as the format says */
    const int32_t v2[] = {10, 2, 10, 0, 3, 0};
    page_by_hand(&b, LH_PQ_PAGE_DATA_V2, 100, 50, 8, v2, 6);
    CHECK_EQ_INT(lh_pq_page_header_decode(b.ptr, b.len, &h, &used, &err), 0);
    CHECK(h.has_data_page_header_v2 && h.data_page_header_v2.is_compressed);
    CHECK(h.data_page_header_v2.def_levels_byte_length == 3);
    lh_buf_free(&b);
    /* v2 levels longer than the page */
    const int32_t v2long[] = {10, 2, 10, 0, 40, 20};
    page_by_hand(&b, LH_PQ_PAGE_DATA_V2, 100, 50, 8, v2long, 6);
    CHECK_EQ_INT(lh_pq_page_header_decode(b.ptr, b.len, &h, &used, &err), LH_ECORRUPT);
    CHECK(strstr(err.msg, "levels of 60 bytes"));
    lh_buf_free(&b);
    /* more nulls than values */
    const int32_t v2nulls[] = {10, 11, 10, 0, 0, 0};
    page_by_hand(&b, LH_PQ_PAGE_DATA_V2, 100, 50, 8, v2nulls, 6);
    CHECK_EQ_INT(lh_pq_page_header_decode(b.ptr, b.len, &h, &used, &err), LH_ECORRUPT);
    lh_buf_free(&b);
    /* negative sizes */
    const int32_t v1[] = {10, 0, 3, 3};
    page_by_hand(&b, LH_PQ_PAGE_DATA, -1, 50, 5, v1, 4);
    CHECK_EQ_INT(lh_pq_page_header_decode(b.ptr, b.len, &h, &used, &err), LH_ECORRUPT);
    CHECK(strstr(err.msg, "negative"));
    lh_buf_free(&b);
    /* a DATA_PAGE without its sub-header; an unknown page type without one is fine */
    page_by_hand(&b, LH_PQ_PAGE_DATA, 10, 10, 0, NULL, 0);
    CHECK_EQ_INT(lh_pq_page_header_decode(b.ptr, b.len, &h, &used, &err), LH_ECORRUPT);
    CHECK(strstr(err.msg, "DATA_PAGE without data_page_header"));
    lh_buf_free(&b);
    page_by_hand(&b, 9, 10, 10, 0, NULL, 0);
    CHECK_EQ_INT(lh_pq_page_header_decode(b.ptr, b.len, &h, &used, &err), 0);
    lh_buf_free(&b);
    /* a required field missing names the struct and the field */
    const int32_t dict[] = {10};
    page_by_hand(&b, LH_PQ_PAGE_DICTIONARY, 10, 10, 7, dict, 1);
    CHECK_EQ_INT(lh_pq_page_header_decode(b.ptr, b.len, &h, &used, &err), LH_ECORRUPT);
    CHECK(strstr(err.msg, "DictionaryPageHeader lacks its required field encoding"));
    lh_buf_free(&b);
}

/* A FileMetaData written by hand whose root SchemaElement also carries
 * unknown fields of every type, a known id with the wrong type and a
 * LogicalType member from the future; the footer ends with an unknown
 * struct field. */
static void odd_footer(lh_buf_t *b, int nest)
{
    lh_tc_writer_t w;
    lh_buf_init(b, 0);
    lh_tc_writer_init(&w, b);
    lh_tc_write_struct_begin(&w);
    lh_tc_write_i32_field(&w, 1, 1);
    lh_tc_write_field(&w, LH_TC_LIST, 2);
    lh_tc_write_list(&w, LH_TC_STRUCT, 1);
    lh_tc_write_struct_begin(&w);
    lh_tc_write_binary_field(&w, 1, "x", 1); /* type is an i32: skipped */
    lh_tc_write_string_field(&w, 4, "root");
    lh_tc_write_i32_field(&w, 5, 0);
    lh_tc_write_struct_field(&w, 10); /* logicalType: member 30 { 1: i32 } */
    lh_tc_write_struct_field(&w, 30);
    lh_tc_write_i32_field(&w, 1, 5);
    lh_tc_write_struct_end(&w);
    lh_tc_write_struct_end(&w);
    lh_tc_write_bool_field(&w, 11, true);
    lh_tc_write_field(&w, LH_TC_I8, 12);
    lh_tc_write_i8(&w, 1);
    lh_tc_write_field(&w, LH_TC_I16, 13);
    lh_tc_write_i16(&w, 2);
    lh_tc_write_i64_field(&w, 14, 3);
    lh_tc_write_field(&w, LH_TC_DOUBLE, 15);
    lh_tc_write_double(&w, 4);
    lh_tc_write_field(&w, LH_TC_SET, 16);
    lh_tc_write_list(&w, LH_TC_I64, 2);
    lh_tc_write_i64(&w, 1);
    lh_tc_write_i64(&w, 2);
    lh_tc_write_field(&w, LH_TC_MAP, 17);
    lh_tc_write_map(&w, LH_TC_BINARY, LH_TC_LIST, 1);
    lh_tc_write_string(&w, "k");
    lh_tc_write_list(&w, LH_TC_DOUBLE, 0);
    lh_tc_write_field(&w, LH_TC_UUID, 300);
    lh_tc_write_uuid(&w, (const uint8_t *)"0123456789abcdef");
    lh_tc_write_struct_end(&w);
    lh_tc_write_i64_field(&w, 3, 0);
    lh_tc_write_field(&w, LH_TC_LIST, 4);
    lh_tc_write_list(&w, LH_TC_STRUCT, 0);
    lh_tc_write_field(&w, LH_TC_STRUCT, 1000);
    lh_buf_t *out = w.out;
    for (int i = 1; i < nest; i++) /* unknown structs nested nest deep */
        lh_buf_append(out, "\x1C", 1);
    for (int i = 0; i < nest; i++)
        lh_buf_append(out, "", 1);
    lh_buf_append(out, "", 1); /* FileMetaData's STOP */
}

static void test_unknown_fields_skipped(void)
{
    lh_buf_t b;
    lh_pq_file_meta_t *m = NULL;
    lh_err_t err = {0};
    odd_footer(&b, 3);
    CHECK_EQ_INT(lh_pq_file_meta_decode(b.ptr, b.len, &m, &err), 0);
    CHECK(m->nschema == 1 && !m->schema[0].has_type && m->schema[0].has_num_children);
    CHECK_EQ_STR(m->schema[0].name, "root");
    CHECK_EQ_INT(m->schema[0].logical.kind, 30);
    CHECK(m->num_rows == 0 && m->nrow_groups == 0 && m->version == 1);
    lh_pq_file_meta_free(m);
    lh_buf_free(&b);
    /* nested deeper than the protocol's limit */
    odd_footer(&b, 40);
    CHECK_EQ_INT(lh_pq_file_meta_decode(b.ptr, b.len, &m, &err), LH_ECORRUPT);
    CHECK(strstr(err.msg, "nesting deeper") && m == NULL);
    lh_buf_free(&b);
}

static void test_required_and_strings(void)
{
    lh_buf_t b;
    lh_tc_writer_t w;
    lh_pq_file_meta_t *m = NULL;
    lh_err_t err = {0};
    lh_buf_init(&b, 0);
    lh_tc_writer_init(&w, &b);
    lh_tc_write_struct_begin(&w);
    lh_tc_write_i32_field(&w, 1, 1);
    lh_tc_write_field(&w, LH_TC_LIST, 2);
    lh_tc_write_list(&w, LH_TC_STRUCT, 0);
    lh_tc_write_struct_end(&w);
    CHECK_EQ_INT(lh_pq_file_meta_decode(b.ptr, b.len, &m, &err), LH_ECORRUPT);
    CHECK(strstr(err.msg, "FileMetaData lacks its required field num_rows"));
    /* a NUL inside a string (created_by) */
    lh_buf_reset(&b);
    lh_tc_writer_init(&w, &b);
    lh_tc_write_struct_begin(&w);
    lh_tc_write_binary_field(&w, 6, "a\0b", 3);
    lh_tc_write_struct_end(&w);
    CHECK_EQ_INT(lh_pq_file_meta_decode(b.ptr, b.len, &m, &err), LH_ECORRUPT);
    CHECK(strstr(err.msg, "NUL"));
    lh_buf_free(&b);
}

static void test_huge_lists_and_budget(void)
{
    lh_buf_t b;
    lh_tc_writer_t w;
    lh_pq_file_meta_t *m = NULL;
    lh_err_t err = {0};
    /* schema: a list header promising 2^31 - 1 SchemaElements */
    lh_buf_init(&b, 0);
    lh_buf_append(&b, "\x15\x02\x19\xFC\xFF\xFF\xFF\xFF\x07", 9);
    lh_buf_append(&b, "\x00\x00\x00\x00\x00\x00\x00\x00", 8);
    CHECK_EQ_INT(lh_pq_file_meta_decode(b.ptr, b.len, &m, &err), LH_ECORRUPT);
    CHECK(strstr(err.msg, "cannot fit"));
    /* 200000 ColumnChunks of 3 bytes each would take ~70 MB: over the budget */
    lh_buf_reset(&b);
    lh_tc_writer_init(&w, &b);
    lh_tc_write_struct_begin(&w);
    lh_tc_write_field(&w, LH_TC_LIST, 4);
    lh_tc_write_list(&w, LH_TC_STRUCT, 1);
    lh_tc_write_struct_begin(&w);
    lh_tc_write_field(&w, LH_TC_LIST, 1);
    lh_tc_write_list(&w, LH_TC_STRUCT, 200000);
    for (int i = 0; i < 200000; i++)
        lh_buf_append(&b, "\x26\x00\x00", 3); /* { 2: i64 0 } */
    CHECK(lh_buf_err(&b) == 0);
    CHECK_EQ_INT(lh_pq_file_meta_decode(b.ptr, b.len, &m, &err), LH_ETOOBIG);
    CHECK(strstr(err.msg, "columns of") && strstr(err.msg, "budget"));
    lh_buf_free(&b);
}

static void test_footer_locate(void)
{
    uint64_t off;
    uint32_t len;
    lh_err_t err = {0};
    const uint8_t ok[8] = {100, 0, 0, 0, 'P', 'A', 'R', '1'};
    CHECK_EQ_INT(lh_pq_footer_locate(ok, 1000, &off, &len, &err), 0);
    CHECK(off == 1000 - 8 - 100 && len == 100);
    CHECK_EQ_INT(lh_pq_footer_locate(ok, 112, &off, &len, &err), 0); /* just fits */
    CHECK(off == 4);
    CHECK_EQ_INT(lh_pq_footer_locate(ok, 111, &off, &len, &err), LH_ECORRUPT); /* lying */
    CHECK(strstr(err.msg, "does not fit") && off == 0 && len == 0);
    CHECK_EQ_INT(lh_pq_footer_locate(ok, 11, &off, &len, &err), LH_ECORRUPT); /* truncated */
    CHECK(strstr(err.msg, "too short"));
    const uint8_t huge[8] = {0xff, 0xff, 0xff, 0xff, 'P', 'A', 'R', '1'};
    CHECK_EQ_INT(lh_pq_footer_locate(huge, 100, &off, &len, &err), LH_ECORRUPT);
    CHECK_EQ_INT(lh_pq_footer_locate(huge, (uint64_t)1 << 40, &off, &len, &err), LH_ETOOBIG);
    const uint8_t zero[8] = {0, 0, 0, 0, 'P', 'A', 'R', '1'};
    CHECK_EQ_INT(lh_pq_footer_locate(zero, 100, &off, &len, &err), LH_ECORRUPT);
    const uint8_t bad[8] = {100, 0, 0, 0, 'P', 'A', 'R', '2'};
    CHECK_EQ_INT(lh_pq_footer_locate(bad, 1000, &off, &len, &err), LH_ECORRUPT);
    CHECK(strstr(err.msg, "does not end with PAR1"));
    const uint8_t enc[8] = {100, 0, 0, 0, 'P', 'A', 'R', 'E'};
    CHECK_EQ_INT(lh_pq_footer_locate(enc, 1000, &off, &len, &err), LH_EINVAL);
    CHECK(strstr(err.msg, "encrypted"));
    CHECK_EQ_INT(lh_pq_check_head((const uint8_t *)"PAR1", &err), 0);
    CHECK_EQ_INT(lh_pq_check_head((const uint8_t *)"PK\3\4", &err), LH_ECORRUPT);
}

static void test_schema_tree(void)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_pq_schema_elem_t e[PQ_SAMPLE_NSCHEMA];
    lh_pq_schema_t s;
    pq_sample_schema(e);
    CHECK_EQ_INT(lh_pq_schema_build(a, e, PQ_SAMPLE_NSCHEMA, &s, NULL), 0);
    CHECK(s.nnodes == PQ_SAMPLE_NSCHEMA && s.nleaves == PQ_SAMPLE_NLEAVES);
    CHECK(s.nodes[0].nchildren == 17 && s.nodes[0].column == -1 && !s.nodes[0].parent);
    const lh_pq_node_t *id = s.leaves[0], *el = s.leaves[14], *val = s.leaves[16];
    CHECK(id->max_def == 0 && id->max_rep == 0 && id->depth == 1);
    CHECK_EQ_STR(id->path[0], "id");
    CHECK(el->max_def == 3 && el->max_rep == 1 && el->depth == 3); /* tags.list.element */
    CHECK_EQ_STR(el->path[1], "list");
    CHECK_EQ_STR(el->path[2], "element");
    CHECK(val->max_def == 3 && val->max_rep == 1 && val->column == 16); /* attrs.key_value.value */
    CHECK(s.leaves[15]->max_def == 2);                                  /* key is required */
    CHECK(s.leaves[17]->elem->type == LH_PQ_INT96 && s.leaves[17]->max_def == 1);
    CHECK(s.nodes[19].nchildren == 2 && s.nodes[19].children[1] == val);
    lh_arena_free(a);
}

static void expect_bad_schema(lh_pq_schema_elem_t *e, uint32_t n, const char *why)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_pq_schema_t s;
    lh_err_t err = {0};
    int rc = lh_pq_schema_build(a, e, n, &s, &err);
    lh_arena_free(a);
    if (rc != LH_ECORRUPT || !strstr(err.msg, why)) {
        fprintf(stderr, "  schema: rc %d, message \"%s\", expected \"%s\"\n", rc, err.msg, why);
        lh_test_failed_ = 1;
    }
    CHECK(s.nodes == NULL && s.nleaves == 0);
}

static void test_schema_invalid(void)
{
    lh_pq_schema_elem_t e[PQ_SAMPLE_NSCHEMA];
    pq_sample_schema(e);
    expect_bad_schema(e, 0, "empty");
    expect_bad_schema(e, PQ_SAMPLE_NSCHEMA - 1, "ends inside a group");
    e[0].num_children = 16; /* one element left over */
    expect_bad_schema(e, PQ_SAMPLE_NSCHEMA, "outside the root");
    pq_sample_schema(e);
    e[19].num_children = 5; /* overrun */
    expect_bad_schema(e, PQ_SAMPLE_NSCHEMA, "more children than elements follow");
    pq_sample_schema(e);
    e[0].num_children = INT32_MAX;
    expect_bad_schema(e, PQ_SAMPLE_NSCHEMA, "more children than elements follow");
    pq_sample_schema(e);
    e[16].num_children = 0; /* an empty group */
    expect_bad_schema(e, PQ_SAMPLE_NSCHEMA, "a group without children");
    pq_sample_schema(e);
    e[2].has_num_children = true;
    e[2].num_children = 1;
    expect_bad_schema(e, PQ_SAMPLE_NSCHEMA, "a leaf with children");
    pq_sample_schema(e);
    e[4].has_repetition = false;
    expect_bad_schema(e, PQ_SAMPLE_NSCHEMA, "no repetition_type");
    pq_sample_schema(e);
    e[4].repetition = 3;
    expect_bad_schema(e, PQ_SAMPLE_NSCHEMA, "unknown repetition_type");
    pq_sample_schema(e);
    e[4].type = 8;
    expect_bad_schema(e, PQ_SAMPLE_NSCHEMA, "unknown physical type");
    pq_sample_schema(e);
    e[12].has_type_length = false;
    expect_bad_schema(e, PQ_SAMPLE_NSCHEMA, "FIXED_LEN_BYTE_ARRAY without a type_length");
    pq_sample_schema(e);
    e[0].has_type = true;
    expect_bad_schema(e, PQ_SAMPLE_NSCHEMA, "the root is not a group");
    /* 70 nested groups */
    lh_pq_schema_elem_t deep[72];
    for (int i = 0; i < 71; i++)
        deep[i] = pq_group("g", i ? LH_PQ_OPTIONAL : -1, 1, 0);
    deep[71] = pq_leaf("x", LH_PQ_INT32, LH_PQ_OPTIONAL, 0);
    expect_bad_schema(deep, 72, "nested too deep");
    /* 64 deep is fine */
    lh_arena_t *a = lh_arena_new(0);
    lh_pq_schema_t s;
    deep[LH_PQ_SCHEMA_MAX_DEPTH] = pq_leaf("x", LH_PQ_INT32, LH_PQ_OPTIONAL, 0);
    CHECK_EQ_INT(lh_pq_schema_build(a, deep, LH_PQ_SCHEMA_MAX_DEPTH + 1, &s, NULL), 0);
    CHECK(s.nleaves == 1 && s.leaves[0]->max_def == LH_PQ_SCHEMA_MAX_DEPTH);
    lh_arena_free(a);
}

static const lh_test_t tests[] = {
    {"footer_round_trip", test_footer_round_trip},
    {"every_logical_type", test_every_logical_type},
    {"null_count_zero_differs_from_absent", test_null_count_zero_differs_from_absent},
    {"every_prefix_fails", test_every_prefix_fails},
    {"page_headers", test_page_headers},
    {"page_header_checks", test_page_header_checks},
    {"unknown_fields_skipped", test_unknown_fields_skipped},
    {"required_and_strings", test_required_and_strings},
    {"huge_lists_and_budget", test_huge_lists_and_budget},
    {"footer_locate", test_footer_locate},
    {"schema_tree", test_schema_tree},
    {"schema_invalid", test_schema_invalid},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
