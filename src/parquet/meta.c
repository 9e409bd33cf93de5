/* Parquet's footer and page headers: one field table per Thrift struct of
 * parquet.thrift that we model (meta_walk.c decodes and encodes through
 * them), the three unions with their own code, the public decode/encode
 * calls with the checks a reader relies on, and the footer locator. */
#include "parquet/meta.h"
#include "parquet/meta_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- unions: TimeUnit and ColumnOrder hold one empty struct; the tag is its id ---- */

static int dec_tag(lh__pq_dec_t *d, void *obj)
{
    lh_tc_field_t h;
    int rc = lh_tc_struct_begin(&d->r);
    while (!rc && !(rc = lh_tc_read_field(&d->r, &h)) && h.type != LH_TC_STOP) {
        if (h.type == LH_TC_STRUCT && h.id > 0) *(int32_t *)obj = h.id;
        rc = lh_tc_skip_field(&d->r, &h);
    }
    return rc ? rc : lh_tc_struct_end(&d->r);
}

static int enc_tag(lh_tc_writer_t *w, const void *obj)
{
    int32_t tag = *(const int32_t *)obj;
    lh_tc_write_struct_begin(w);
    if (tag > 0 && tag <= INT16_MAX) {
        lh_tc_write_struct_field(w, (int16_t)tag);
        lh_tc_write_struct_end(w);
    }
    return lh_tc_write_struct_end(w);
}

static const lh__pq_desc_t tag_d = {
    .name = "union", .size = sizeof(int32_t), .dec = dec_tag, .enc = enc_tag};

/* ---- LogicalType: the member's id is the kind; four members have parameters ---- */

typedef lh_pq_logical_t LT;
static const lh__pq_fld_t decimal_f[] = {
    {.id = 1, .kind = K_I32, REQ(LT, scale)},
    {.id = 2, .kind = K_I32, REQ(LT, precision)},
};
static const lh__pq_fld_t time_f[] = {
    {.id = 1, .kind = K_BOOL, REQ(LT, utc)},
    {.id = 2, .kind = K_STRUCT, .sub = &tag_d, REQ(LT, unit)},
};
static const lh__pq_fld_t int_f[] = {
    {.id = 1, .kind = K_I8, REQ(LT, bit_width)},
    {.id = 2, .kind = K_BOOL, REQ(LT, is_signed)},
};
static const lh__pq_desc_t decimal_d = {DESC("DecimalType", LT, decimal_f)};
static const lh__pq_desc_t time_d = {DESC("TimeType", LT, time_f)};
static const lh__pq_desc_t timestamp_d = {DESC("TimestampType", LT, time_f)};
static const lh__pq_desc_t int_d = {DESC("IntType", LT, int_f)};
static const lh__pq_desc_t empty_d = {.name = "LogicalType member", .size = sizeof(LT)};

static const lh__pq_desc_t *logical_member(int32_t kind)
{
    switch (kind) {
    case LH_PQ_LT_DECIMAL:
        return &decimal_d;
    case LH_PQ_LT_TIME:
        return &time_d;
    case LH_PQ_LT_TIMESTAMP:
        return &timestamp_d;
    case LH_PQ_LT_INTEGER:
        return &int_d;
    default:
        return &empty_d; /* no parameters, or ones we do not model (skipped) */
    }
}

static int dec_logical(lh__pq_dec_t *d, void *obj)
{
    LT *lt = obj;
    lh_tc_field_t h;
    int rc = lh_tc_struct_begin(&d->r);
    while (!rc && !(rc = lh_tc_read_field(&d->r, &h)) && h.type != LH_TC_STOP) {
        if (h.type != LH_TC_STRUCT || h.id <= 0) {
            rc = lh_tc_skip_field(&d->r, &h);
            continue;
        }
        memset(lt, 0, sizeof *lt); /* a union: the last member wins */
        lt->kind = h.id;
        rc = lh__pq_dec_struct(d, logical_member(h.id), lt);
    }
    return rc ? rc : lh_tc_struct_end(&d->r);
}

static int enc_logical(lh_tc_writer_t *w, const void *obj)
{
    const LT *lt = obj;
    lh_tc_write_struct_begin(w);
    if (lt->kind > 0 && lt->kind <= INT16_MAX) {
        lh_tc_write_field(w, LH_TC_STRUCT, (int16_t)lt->kind);
        lh__pq_enc_struct(w, logical_member(lt->kind), lt);
    }
    return lh_tc_write_struct_end(w);
}

static bool logical_present(const void *obj)
{
    return ((const LT *)obj)->kind != LH_PQ_LT_NONE;
}

static const lh__pq_desc_t logical_d = {.name = "LogicalType",
                                        .size = sizeof(LT),
                                        .dec = dec_logical,
                                        .enc = enc_logical,
                                        .present = logical_present};

/* ---- the structs ---- */

typedef lh_pq_stats_t ST;
static const lh__pq_fld_t stats_f[] = {
    {.id = 1, .kind = K_BIN, OPT(ST, max)},
    {.id = 2, .kind = K_BIN, OPT(ST, min)},
    {.id = 3, .kind = K_I64, OPT(ST, null_count)},
    {.id = 4, .kind = K_I64, OPT(ST, distinct_count)},
    {.id = 5, .kind = K_BIN, OPT(ST, max_value)},
    {.id = 6, .kind = K_BIN, OPT(ST, min_value)},
    {.id = 7, .kind = K_BOOL, OPT(ST, is_max_value_exact)},
    {.id = 8, .kind = K_BOOL, OPT(ST, is_min_value_exact)},
    {.id = 9, .kind = K_I64, OPT(ST, nan_count)},
};
static const lh__pq_desc_t stats_d = {DESC("Statistics", ST, stats_f)};

typedef lh_pq_schema_elem_t SE;
static const lh__pq_fld_t schema_f[] = {
    {.id = 1, .kind = K_I32, OPT(SE, type)},
    {.id = 2, .kind = K_I32, OPT(SE, type_length)},
    {.id = 3, .kind = K_I32, OPT(SE, repetition)},
    {.id = 4, .kind = K_STR, REQ(SE, name)},
    {.id = 5, .kind = K_I32, OPT(SE, num_children)},
    {.id = 6, .kind = K_I32, OPT(SE, converted_type)},
    {.id = 7, .kind = K_I32, OPT(SE, scale)},
    {.id = 8, .kind = K_I32, OPT(SE, precision)},
    {.id = 9, .kind = K_I32, OPT(SE, field_id)},
    {.id = 10, .kind = K_STRUCT, .sub = &logical_d, VAL(SE, logical)},
};
static const lh__pq_desc_t schema_d = {DESC("SchemaElement", SE, schema_f)};

typedef lh_pq_kv_t KV;
static const lh__pq_fld_t kv_f[] = {
    {.id = 1, .kind = K_BIN, REQ(KV, key)},
    {.id = 2, .kind = K_BIN, OPT(KV, value)},
};
static const lh__pq_desc_t kv_d = {DESC("KeyValue", KV, kv_f)};

typedef lh_pq_page_enc_stats_t PES;
static const lh__pq_fld_t pes_f[] = {
    {.id = 1, .kind = K_I32, REQ(PES, page_type)},
    {.id = 2, .kind = K_I32, REQ(PES, encoding)},
    {.id = 3, .kind = K_I32, REQ(PES, count)},
};
static const lh__pq_desc_t pes_d = {DESC("PageEncodingStats", PES, pes_f)};

typedef lh_pq_column_meta_t CM;
static const lh__pq_fld_t colmeta_f[] = {
    {.id = 1, .kind = K_I32, REQ(CM, type)},
    {.id = 2, .elem = K_I32, LIST(CM, encodings), .req = true},
    {.id = 3, .elem = K_STR, LIST(CM, path), .req = true},
    {.id = 4, .kind = K_I32, REQ(CM, codec)},
    {.id = 5, .kind = K_I64, REQ(CM, num_values)},
    {.id = 6, .kind = K_I64, REQ(CM, total_uncompressed_size)},
    {.id = 7, .kind = K_I64, REQ(CM, total_compressed_size)},
    {.id = 8, .elem = K_STRUCT, .sub = &kv_d, LIST(CM, kv)},
    {.id = 9, .kind = K_I64, REQ(CM, data_page_offset)},
    {.id = 10, .kind = K_I64, OPT(CM, index_page_offset)},
    {.id = 11, .kind = K_I64, OPT(CM, dictionary_page_offset)},
    {.id = 12, .kind = K_STRUCT, .sub = &stats_d, OPT(CM, statistics)},
    {.id = 13, .elem = K_STRUCT, .sub = &pes_d, LIST(CM, encoding_stats)},
    {.id = 14, .kind = K_I64, OPT(CM, bloom_filter_offset)},
    {.id = 15, .kind = K_I32, OPT(CM, bloom_filter_length)},
};
static const lh__pq_desc_t colmeta_d = {DESC("ColumnMetaData", CM, colmeta_f)};

typedef lh_pq_column_chunk_t CC;
static const lh__pq_fld_t chunk_f[] = {
    {.id = 1, .kind = K_STR, VAL(CC, file_path)},
    {.id = 2, .kind = K_I64, REQ(CC, file_offset)},
    {.id = 3, .kind = K_STRUCT, .sub = &colmeta_d, OPT(CC, meta_data)},
    {.id = 4, .kind = K_I64, OPT(CC, offset_index_offset)},
    {.id = 5, .kind = K_I32, OPT(CC, offset_index_length)},
    {.id = 6, .kind = K_I64, OPT(CC, column_index_offset)},
    {.id = 7, .kind = K_I32, OPT(CC, column_index_length)},
    {.id = 8, .kind = LH__K_SEEN, VAL(CC, encrypted)}, /* crypto_metadata */
    {.id = 9, .kind = LH__K_SEEN, VAL(CC, encrypted)}, /* encrypted_column_metadata */
};
static const lh__pq_desc_t chunk_d = {DESC("ColumnChunk", CC, chunk_f)};

typedef lh_pq_sorting_column_t SC;
static const lh__pq_fld_t sort_f[] = {
    {.id = 1, .kind = K_I32, REQ(SC, column_idx)},
    {.id = 2, .kind = K_BOOL, REQ(SC, descending)},
    {.id = 3, .kind = K_BOOL, REQ(SC, nulls_first)},
};
static const lh__pq_desc_t sort_d = {DESC("SortingColumn", SC, sort_f)};

typedef lh_pq_row_group_t RG;
static const lh__pq_fld_t rg_f[] = {
    {.id = 1, .elem = K_STRUCT, .sub = &chunk_d, LIST(RG, columns), .req = true},
    {.id = 2, .kind = K_I64, REQ(RG, total_byte_size)},
    {.id = 3, .kind = K_I64, REQ(RG, num_rows)},
    {.id = 4, .elem = K_STRUCT, .sub = &sort_d, LIST(RG, sorting_columns)},
    {.id = 5, .kind = K_I64, OPT(RG, file_offset)},
    {.id = 6, .kind = K_I64, OPT(RG, total_compressed_size)},
    {.id = 7, .kind = K_I16, OPT(RG, ordinal)},
};
static const lh__pq_desc_t rg_d = {DESC("RowGroup", RG, rg_f)};

typedef lh_pq_file_meta_t FM;
static const lh__pq_fld_t fmd_f[] = {
    {.id = 1, .kind = K_I32, REQ(FM, version)},
    {.id = 2, .elem = K_STRUCT, .sub = &schema_d, LIST(FM, schema), .req = true},
    {.id = 3, .kind = K_I64, REQ(FM, num_rows)},
    {.id = 4, .elem = K_STRUCT, .sub = &rg_d, LIST(FM, row_groups), .req = true},
    {.id = 5, .elem = K_STRUCT, .sub = &kv_d, LIST(FM, kv)},
    {.id = 6, .kind = K_STR, VAL(FM, created_by)},
    {.id = 7, .elem = K_STRUCT, .sub = &tag_d, LIST(FM, column_orders)},
    {.id = 8, .kind = LH__K_SEEN, VAL(FM, encrypted)}, /* encryption_algorithm */
};
static const lh__pq_desc_t fmd_d = {DESC("FileMetaData", FM, fmd_f)};

typedef lh_pq_data_page_header_t DPH;
static const lh__pq_fld_t dph_f[] = {
    {.id = 1, .kind = K_I32, REQ(DPH, num_values)},
    {.id = 2, .kind = K_I32, REQ(DPH, encoding)},
    {.id = 3, .kind = K_I32, REQ(DPH, def_encoding)},
    {.id = 4, .kind = K_I32, REQ(DPH, rep_encoding)},
    {.id = 5, .kind = K_STRUCT, .sub = &stats_d, OPT(DPH, statistics)},
};
static const lh__pq_desc_t dph_d = {DESC("DataPageHeader", DPH, dph_f)};

typedef lh_pq_dict_page_header_t DICT;
static const lh__pq_fld_t dict_f[] = {
    {.id = 1, .kind = K_I32, REQ(DICT, num_values)},
    {.id = 2, .kind = K_I32, REQ(DICT, encoding)},
    {.id = 3, .kind = K_BOOL, OPT(DICT, is_sorted)},
};
static const lh__pq_desc_t dict_d = {DESC("DictionaryPageHeader", DICT, dict_f)};

typedef lh_pq_data_page_header_v2_t V2;
static const lh__pq_fld_t v2_f[] = {
    {.id = 1, .kind = K_I32, REQ(V2, num_values)},
    {.id = 2, .kind = K_I32, REQ(V2, num_nulls)},
    {.id = 3, .kind = K_I32, REQ(V2, num_rows)},
    {.id = 4, .kind = K_I32, REQ(V2, encoding)},
    {.id = 5, .kind = K_I32, REQ(V2, def_levels_byte_length)},
    {.id = 6, .kind = K_I32, REQ(V2, rep_levels_byte_length)},
    {.id = 7, .kind = K_BOOL, VAL(V2, is_compressed), .dflt_true = true},
    {.id = 8, .kind = K_STRUCT, .sub = &stats_d, OPT(V2, statistics)},
};
static const lh__pq_desc_t v2_d = {DESC("DataPageHeaderV2", V2, v2_f)};

typedef lh_pq_page_header_t PH;
static const lh__pq_fld_t ph_f[] = {
    {.id = 1, .kind = K_I32, REQ(PH, type)},
    {.id = 2, .kind = K_I32, REQ(PH, uncompressed_page_size)},
    {.id = 3, .kind = K_I32, REQ(PH, compressed_page_size)},
    {.id = 4, .kind = K_I32, OPT(PH, crc)},
    {.id = 5, .kind = K_STRUCT, .sub = &dph_d, OPT(PH, data_page_header)},
    {.id = 7, .kind = K_STRUCT, .sub = &dict_d, OPT(PH, dictionary_page_header)},
    {.id = 8, .kind = K_STRUCT, .sub = &v2_d, OPT(PH, data_page_header_v2)},
};
static const lh__pq_desc_t ph_d = {DESC("PageHeader", PH, ph_f)};

/* ---- public calls ---- */

int lh_pq_file_meta_decode(const void *data, size_t len, lh_pq_file_meta_t **out, lh_err_t *err)
{
    *out = NULL;
    lh_arena_t *a = lh_arena_new(16384);
    lh_pq_file_meta_t *m = a ? lh_arena_calloc(a, sizeof *m) : NULL;
    if (!m) {
        lh_arena_free(a);
        return lh_err_set(err, LH_ENOMEM, "parquet: out of memory for a footer");
    }
    lh__pq_dec_t d = {.a = a};
    d.budget = len > (SIZE_MAX - (1 << 20)) / LH_PQ_DECODE_RATIO
                   ? SIZE_MAX
                   : len * LH_PQ_DECODE_RATIO + ((size_t)1 << 20);
    lh_tc_reader_init(&d.r, data, len, err);
    int rc = lh__pq_dec_struct(&d, &fmd_d, m);
    if (rc) {
        lh_arena_free(a);
        return rc;
    }
    m->arena = a;
    *out = m;
    return 0;
}

void lh_pq_file_meta_free(lh_pq_file_meta_t *m)
{
    if (m) lh_arena_free(m->arena);
}

int lh_pq_file_meta_encode(const lh_pq_file_meta_t *m, lh_buf_t *out)
{
    lh_tc_writer_t w;
    lh_tc_writer_init(&w, out);
    return lh__pq_enc_struct(&w, &fmd_d, m);
}

static int check_page(lh_tc_reader_t *r, const lh_pq_page_header_t *h)
{
    int32_t c = h->compressed_page_size, u = h->uncompressed_page_size;
    if (c < 0 || u < 0)
        return lh_tc_fail(r, "parquet: page sizes %d/%d are negative", (int)c, (int)u);
    if (h->type == LH_PQ_PAGE_DATA && !h->has_data_page_header)
        return lh_tc_fail(r, "parquet: DATA_PAGE without data_page_header");
    if (h->type == LH_PQ_PAGE_DICTIONARY && !h->has_dictionary_page_header)
        return lh_tc_fail(r, "parquet: DICTIONARY_PAGE without dictionary_page_header");
    if (h->type == LH_PQ_PAGE_DATA_V2 && !h->has_data_page_header_v2)
        return lh_tc_fail(r, "parquet: DATA_PAGE_V2 without data_page_header_v2");
    if (h->has_data_page_header && h->data_page_header.num_values < 0)
        return lh_tc_fail(r, "parquet: data page with a negative num_values");
    if (h->has_dictionary_page_header && h->dictionary_page_header.num_values < 0)
        return lh_tc_fail(r, "parquet: dictionary page with a negative num_values");
    if (!h->has_data_page_header_v2) return 0;
    const lh_pq_data_page_header_v2_t *v = &h->data_page_header_v2;
    if (v->num_values < 0 || v->num_rows < 0 || v->num_nulls < 0 || v->num_nulls > v->num_values)
        return lh_tc_fail(r,
                          "parquet: v2 page counts %d values, %d nulls, %d rows are inconsistent",
                          (int)v->num_values, (int)v->num_nulls, (int)v->num_rows);
    int64_t levels = (int64_t)v->def_levels_byte_length + v->rep_levels_byte_length;
    if (v->def_levels_byte_length < 0 || v->rep_levels_byte_length < 0 || levels > c || levels > u)
        return lh_tc_fail(r, "parquet: v2 page levels of %lld bytes do not fit in the page",
                          (long long)levels);
    return 0;
}

int lh_pq_page_header_decode(const void *data, size_t len, lh_pq_page_header_t *out, size_t *used,
                             lh_err_t *err)
{
    memset(out, 0, sizeof *out);
    *used = 0;
    lh__pq_dec_t d = {.a = NULL};
    lh_tc_reader_init(&d.r, data, len, err);
    int rc = lh__pq_dec_struct(&d, &ph_d, out);
    if (!rc) rc = check_page(&d.r, out);
    if (rc) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    *used = lh_tc_reader_pos(&d.r);
    return 0;
}

int lh_pq_page_header_encode(const lh_pq_page_header_t *h, lh_buf_t *out)
{
    lh_tc_writer_t w;
    lh_tc_writer_init(&w, out);
    return lh__pq_enc_struct(&w, &ph_d, h);
}

int lh_pq_check_head(const uint8_t head[4], lh_err_t *err)
{
    if (memcmp(head, LH_PQ_MAGIC, 4))
        return lh_err_set(err, LH_ECORRUPT, "not a parquet file: it does not start with PAR1");
    return 0;
}

int lh_pq_footer_locate(const uint8_t tail[8], uint64_t file_size, uint64_t *meta_off,
                        uint32_t *meta_len, lh_err_t *err)
{
    *meta_off = 0;
    *meta_len = 0;
    if (file_size < 12)
        return lh_err_set(err, LH_ECORRUPT, "not a parquet file: %llu bytes is too short",
                          (unsigned long long)file_size);
    if (!memcmp(tail + 4, "PARE", 4))
        return lh_err_set(err, LH_EINVAL,
                          "parquet files with an encrypted footer are not supported");
    if (memcmp(tail + 4, LH_PQ_MAGIC, 4))
        return lh_err_set(err, LH_ECORRUPT, "not a parquet file: it does not end with PAR1");
    uint32_t n = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
                 (uint32_t)tail[3] << 24;
    if (n == 0) return lh_err_set(err, LH_ECORRUPT, "parquet footer length is 0");
    if ((uint64_t)n > file_size - 12)
        return lh_err_set(err, LH_ECORRUPT,
                          "parquet footer length %u does not fit in a file of %llu bytes", n,
                          (unsigned long long)file_size);
    if (n > LH_PQ_FOOTER_MAX)
        return lh_err_set(err, LH_ETOOBIG, "parquet footer of %u bytes is over the %u-byte limit",
                          n, LH_PQ_FOOTER_MAX);
    *meta_off = file_size - 8 - n;
    *meta_len = n;
    return 0;
}
