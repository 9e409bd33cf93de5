/* Writes the Parquet writer's cross-engine matrix into a directory: every
 * column type (scalars, STRUCT, LIST, MAP, nested) in each file, files for
 * each codec (ZSTD, SNAPPY, UNCOMPRESSED, GZIP) x NULL pattern (none, some,
 * all) x encoding (dictionary with few distinct values, PLAIN with unique
 * values and small pages), one whose dictionary falls back to PLAIN inside
 * a chunk, several row groups each (a batch straddles two); the dictionary
 * files and the fallback are written on 2 or 3 threads. Also writes
 * expected.json: per file, per column, the values written in a canonical
 * JSON form that tests/js/pq_read_matrix.mjs produces from DuckDB and
 * hyparquet. Run by tests/integration/test_parquet_write.py.
 *
 *   parquet_write_matrix <dir> */
#include "parquet/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROWS 2500

static const struct {
    const char *name, *type;
} COLS[] = {
    {"b", "BOOLEAN"},
    {"i8", "TINYINT"},
    {"i16", "SMALLINT"},
    {"i32", "INTEGER"},
    {"i64", "BIGINT"},
    {"u8", "UTINYINT"},
    {"u16", "USMALLINT"},
    {"u32", "UINTEGER"},
    {"u64", "UBIGINT"},
    {"h", "HUGEINT"},
    {"f", "FLOAT"},
    {"d", "DOUBLE"},
    {"dec4", "DECIMAL(4,2)"},
    {"dec18", "DECIMAL(18,6)"},
    {"dec22", "DECIMAL(22,3)"},
    {"dec38", "DECIMAL(38,10)"},
    {"dt", "DATE"},
    {"tm", "TIME"},
    {"ts", "TIMESTAMP"},
    {"tstz", "TIMESTAMPTZ"},
    {"iv", "INTERVAL"},
    {"s", "VARCHAR"},
    {"bl", "BLOB"},
    {"st", "STRUCT(a INTEGER, b VARCHAR)"},
    {"li", "INTEGER[]"},
    {"ls", "VARCHAR[]"},
    {"m", "MAP(VARCHAR, BIGINT)"},
    {"deep", "STRUCT(p MAP(VARCHAR, VARCHAR), q SMALLINT[][])"},
};
#define NCOLS (sizeof COLS / sizeof COLS[0])

static void i128_str(lh_int128_t v, char *out)
{
    char tmp[48];
    int n = 0;
    lh_uint128_t u = v < 0 ? (lh_uint128_t)0 - (lh_uint128_t)v : (lh_uint128_t)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    int o = 0;
    if (v < 0) out[o++] = '-';
    while (n)
        out[o++] = tmp[--n];
    out[o] = 0;
}

static lh_int128_t pow10_128(int n)
{
    lh_int128_t p = 1;
    while (n--)
        p *= 10;
    return p;
}

static void json_str(lh_buf_t *j, const char *s, size_t n)
{
    lh_buf_puts(j, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            lh_buf_printf(j, "\\%c", c);
        else if (c < 0x20)
            lh_buf_printf(j, "\\u%04x", c);
        else
            lh_buf_append(j, &s[i], 1);
    }
    lh_buf_puts(j, "\"");
}

/* Sets row of v to the scalar value number k of type t and appends its JSON. */
static int scalar(lh_vector_t *v, uint32_t row, const lh_type_t *t, uint64_t k, lh_buf_t *j)
{
    lh_value_t val;
    char num[64];
    int64_t sk = (int64_t)k;
    switch (t->id) {
    case LH_TYPE_BOOLEAN:
        val = lh_value_bool(k % 2 == 0);
        lh_buf_puts(j, k % 2 == 0 ? "true" : "false");
        break;
    case LH_TYPE_TINYINT:
        val = lh_value_int(LH_TYPE_TINYINT, sk % 200 - 100);
        break;
    case LH_TYPE_SMALLINT:
        val = lh_value_int(LH_TYPE_SMALLINT, sk % 9000 * 7 - 31000);
        break;
    case LH_TYPE_INTEGER:
        val = lh_value_int(LH_TYPE_INTEGER, sk % 20000 * 100003 - 1000000000);
        break;
    case LH_TYPE_BIGINT:
        val = lh_value_int(LH_TYPE_BIGINT, sk * 1000000007LL - 5000000000000LL);
        break;
    case LH_TYPE_UTINYINT:
        val = lh_value_uint(LH_TYPE_UTINYINT, k % 256);
        break;
    case LH_TYPE_USMALLINT:
        val = lh_value_uint(LH_TYPE_USMALLINT, k * 31 % 65536);
        break;
    case LH_TYPE_UINTEGER:
        val = lh_value_uint(LH_TYPE_UINTEGER, 4000000000u - k * 3);
        break;
    case LH_TYPE_UBIGINT:
        val = lh_value_uint(LH_TYPE_UBIGINT, 18000000000000000000ull - k * 7);
        break;
    case LH_TYPE_HUGEINT:
        val = lh_value_hugeint((lh_int128_t)sk * pow10_128(20) - pow10_128(22) + sk);
        break;
    case LH_TYPE_FLOAT:
        val = lh_value_float((float)(sk % 1000) * 0.5f - 100);
        lh_buf_printf(j, "%.9g", (double)val.v.f);
        break;
    case LH_TYPE_DOUBLE:
        val = lh_value_double((double)(sk % 100000) * 0.25 - 300.125);
        lh_buf_printf(j, "%.17g", val.v.d);
        break;
    case LH_TYPE_DECIMAL: {
        lh_int128_t u;
        if (t->width <= 4)
            u = sk % 1999 - 999;
        else if (t->width <= 18)
            u = (lh_int128_t)sk * 123456789 - 1000000000000LL;
        else
            u = (lh_int128_t)sk * pow10_128(t->width - 13) - pow10_128(t->width - 2) + sk;
        val = lh_value_decimal(t->width, t->scale, u);
        i128_str(u, num);
        lh_buf_printf(j, "\"%s\"", num);
        break;
    }
    case LH_TYPE_DATE:
        val = lh_value_int(LH_TYPE_DATE, sk * 13 - 2000);
        lh_buf_printf(j, "%lld", (long long)val.v.i);
        break;
    case LH_TYPE_TIME:
        val = lh_value_int(LH_TYPE_TIME, sk * 1000003 % 86400000000LL);
        break;
    case LH_TYPE_TIMESTAMP:
        val = lh_value_int(LH_TYPE_TIMESTAMP, -1000000000000000LL + sk * 1000000000123LL);
        break;
    case LH_TYPE_TIMESTAMP_TZ:
        val = lh_value_int(LH_TYPE_TIMESTAMP_TZ, 1700000000000000LL + sk * 1000);
        break;
    case LH_TYPE_INTERVAL: {
        lh_interval_t iv = {(int32_t)(k % 13), (int32_t)(k % 31),
                            (int64_t)(k * 1000 % 86400000) * 1000};
        val = lh_value_interval(iv);
        lh_buf_printf(j, "\"%d,%d,%lld\"", iv.months, iv.days, (long long)iv.micros);
        break;
    }
    case LH_TYPE_VARCHAR: {
        int n = k % 5 == 0 ? snprintf(num, sizeof num,
                                      "long string value %llu \xc3\xbc"
                                      "n\xc3\xaf"
                                      "c\xc3\xb8"
                                      "de",
                                      (unsigned long long)k)
                           : snprintf(num, sizeof num, "s%llu", (unsigned long long)k);
        val = lh_value_varchar(num, (size_t)n);
        json_str(j, num, (size_t)n);
        break;
    }
    case LH_TYPE_BLOB: {
        unsigned char b[4] = {(unsigned char)k, (unsigned char)(k >> 8), 0xff, 0};
        val = lh_value_blob(b, 4);
        lh_buf_printf(j, "\"%02x%02x%02x%02x\"", b[0], b[1], b[2], b[3]);
        memcpy(num, b, 4);
        val.v.s.ptr = num;
        break;
    }
    default:
        return -1;
    }
    if (t->id >= LH_TYPE_TINYINT && t->id <= LH_TYPE_BIGINT)
        lh_buf_printf(j, "\"%lld\"", (long long)val.v.i);
    if (t->id >= LH_TYPE_UTINYINT && t->id <= LH_TYPE_UBIGINT)
        lh_buf_printf(j, "\"%llu\"", (unsigned long long)val.v.u);
    if (t->id == LH_TYPE_TIME || t->id == LH_TYPE_TIMESTAMP || t->id == LH_TYPE_TIMESTAMP_TZ)
        lh_buf_printf(j, "\"%lld\"", (long long)val.v.i);
    if (t->id == LH_TYPE_HUGEINT) {
        i128_str(val.v.i128, num);
        lh_buf_printf(j, "\"%s\"", num);
    }
    return lh_vector_set_value(v, row, &val);
}

/* Sets row of v (type t) to value number k, recursing into nested types. */
static int gen(lh_vector_t *v, uint32_t row, const lh_type_t *t, uint64_t k, lh_buf_t *j)
{
    int rc = 0;
    if (t->id == LH_TYPE_STRUCT) {
        lh_buf_puts(j, "{");
        for (uint32_t i = 0; !rc && i < t->nfields; i++) {
            lh_buf_printf(j, "%s\"%s\":", i ? "," : "", t->fields[i].name);
            if (i == 0 && k % 4 == 3) {
                lh_vector_set_null(&v->children[i], row);
                lh_buf_puts(j, "null");
            } else {
                rc = gen(&v->children[i], row, &t->fields[i].type, k * 31 + i, j);
            }
        }
        lh_buf_puts(j, "}");
        return rc;
    }
    if (t->id == LH_TYPE_LIST || t->id == LH_TYPE_MAP) {
        bool map = t->id == LH_TYPE_MAP;
        uint32_t len = (uint32_t)(k % (map ? 3 : 4)), off;
        if ((rc = lh_vector_list_append(v, row, len, &off))) return rc;
        lh_buf_puts(j, "[");
        for (uint32_t e = 0; !rc && e < len; e++) {
            if (e) lh_buf_puts(j, ",");
            if (map) {
                lh_vector_t *kv = v->child;
                char key[16];
                int n = snprintf(key, sizeof key, "k%u", e);
                lh_value_t kval = lh_value_varchar(key, (size_t)n);
                if ((rc = lh_vector_set_value(&kv->children[0], off + e, &kval))) return rc;
                lh_buf_printf(j, "[\"%s\",", key);
                if (e == 2 || (e == 1 && k % 5 == 0)) {
                    lh_vector_set_null(&kv->children[1], off + e);
                    lh_buf_puts(j, "null");
                } else {
                    rc = gen(&kv->children[1], off + e, lh_type_map_value(t), k * 7 + e, j);
                }
                lh_buf_puts(j, "]");
            } else if (e == 1 && k % 5 == 0) {
                lh_vector_set_null(v->child, off + e);
                lh_buf_puts(j, "null");
            } else {
                rc = gen(v->child, off + e, lh_type_child(t), k * 7 + e, j);
            }
        }
        lh_buf_puts(j, "]");
        return rc;
    }
    return scalar(v, row, t, k, j);
}

/* The JSON type descriptor the reader script normalizes with. */
static void type_json(const lh_type_t *t, lh_buf_t *j)
{
    switch (t->id) {
    case LH_TYPE_STRUCT:
        lh_buf_puts(j, "{\"t\":\"struct\",\"f\":{");
        for (uint32_t i = 0; i < t->nfields; i++) {
            lh_buf_printf(j, "%s\"%s\":", i ? "," : "", t->fields[i].name);
            type_json(&t->fields[i].type, j);
        }
        lh_buf_puts(j, "}}");
        return;
    case LH_TYPE_LIST:
        lh_buf_puts(j, "{\"t\":\"list\",\"e\":");
        type_json(lh_type_child(t), j);
        lh_buf_puts(j, "}");
        return;
    case LH_TYPE_MAP:
        lh_buf_puts(j, "{\"t\":\"map\",\"k\":");
        type_json(lh_type_map_key(t), j);
        lh_buf_puts(j, ",\"v\":");
        type_json(lh_type_map_value(t), j);
        lh_buf_puts(j, "}");
        return;
    case LH_TYPE_DECIMAL:
        lh_buf_printf(j, "{\"t\":\"dec\",\"p\":%d,\"s\":%d}", t->width, t->scale);
        return;
    case LH_TYPE_HUGEINT:
        lh_buf_puts(j, "{\"t\":\"dec\",\"p\":38,\"s\":0}");
        return;
    default: {
        static const char *names[LH_TYPE_COUNT_] = {
            [LH_TYPE_BOOLEAN] = "bool",    [LH_TYPE_FLOAT] = "float", [LH_TYPE_DOUBLE] = "float",
            [LH_TYPE_DATE] = "date",       [LH_TYPE_TIME] = "time",   [LH_TYPE_TIMESTAMP] = "ts",
            [LH_TYPE_TIMESTAMP_TZ] = "ts", [LH_TYPE_INTERVAL] = "iv", [LH_TYPE_VARCHAR] = "str",
            [LH_TYPE_BLOB] = "blob"};
        const char *n = names[t->id] ? names[t->id] : "int";
        lh_buf_printf(j, "{\"t\":\"%s\"}", n);
    }
    }
}

typedef struct variant {
    const char *name;
    int codec, nulls; /* nulls: 0 none, 1 some, 2 all */
    bool dict, unique;
    uint32_t dict_limit, page_bytes;
    int threads;
} variant_t;

static int sink_file(void *ctx, const void *data, size_t len, lh_err_t *err)
{
    if (fwrite(data, 1, len, ctx) != len) return lh_err_set(err, LH_EIO, "short write");
    return 0;
}

static int write_file(const char *dir, const variant_t *vr, const lh_type_t *schema,
                      const lh_type_t *types, lh_buf_t *expected, bool first)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.parquet", dir, vr->name);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    o.codec = vr->codec;
    o.row_group_rows = 1000;
    o.dictionary = vr->dict;
    o.threads = vr->threads;
    if (vr->dict_limit) o.dict_limit_bytes = vr->dict_limit;
    if (vr->page_bytes) o.page_bytes = vr->page_bytes;
    lh_err_t err = {0};
    lh_pq_writer_t *w = NULL;
    lh_batch_t *b = NULL;
    lh_buf_t cols[NCOLS];
    for (size_t c = 0; c < NCOLS; c++)
        lh_buf_init(&cols[c], 0), lh_buf_puts(&cols[c], "[");
    int rc = lh_pq_writer_open(schema, &o, sink_file, f, &w, &err);
    if (!rc) rc = lh_batch_new(types, NCOLS, &b);
    for (uint32_t r0 = 0; !rc && r0 < ROWS; r0 += LH_BATCH_ROWS) {
        lh_batch_reset(b);
        uint32_t n = ROWS - r0 < LH_BATCH_ROWS ? ROWS - r0 : LH_BATCH_ROWS;
        for (uint32_t i = 0; !rc && i < n; i++) {
            uint32_t row = r0 + i;
            uint64_t k = vr->unique ? row : row % 37;
            bool null = vr->nulls == 2 || (vr->nulls == 1 && row % 3 == 1);
            for (size_t c = 0; !rc && c < NCOLS; c++) {
                if (row) lh_buf_puts(&cols[c], ",");
                if (null) {
                    lh_vector_set_null(&b->cols[c], i);
                    lh_buf_puts(&cols[c], "null");
                } else {
                    rc = gen(&b->cols[c], i, &types[c], k + c, &cols[c]);
                }
            }
        }
        b->count = n;
        if (!rc) rc = lh_pq_writer_write_batch(w, b, &err);
    }
    lh_pq_file_stats_t st;
    if (!rc) rc = lh_pq_writer_close(w, &st, &err);
    if (rc) fprintf(stderr, "%s: %s (%d)\n", vr->name, err.msg, rc);
    lh_buf_printf(expected, "%s{\"file\":\"%s.parquet\",\"rows\":%d,\"row_groups\":%u,\"cols\":[",
                  first ? "" : ",\n", vr->name, ROWS, rc ? 0 : st.num_row_groups);
    for (size_t c = 0; c < NCOLS; c++) {
        lh_buf_puts(&cols[c], "]");
        lh_buf_printf(expected, "%s{\"name\":\"%s\",\"type\":", c ? "," : "", COLS[c].name);
        type_json(&types[c], expected);
        lh_buf_puts(expected, ",\"values\":");
        lh_buf_append_buf(expected, &cols[c]);
        lh_buf_puts(expected, "}");
        lh_buf_free(&cols[c]);
    }
    lh_buf_puts(expected, "]}");
    lh_batch_free(b);
    lh_pq_writer_free(w);
    if (fclose(f)) rc = rc ? rc : -1;
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: parquet_write_matrix <dir>\n");
        return 2;
    }
    lh_arena_t *a = lh_arena_new(0);
    lh_type_t types[NCOLS];
    lh_field_t fields[NCOLS];
    lh_err_t err = {0};
    for (size_t c = 0; c < NCOLS; c++) {
        if (lh_type_parse(a, COLS[c].type, strlen(COLS[c].type), &types[c], &err)) {
            fprintf(stderr, "%s: %s\n", COLS[c].type, err.msg);
            return 1;
        }
        fields[c].name = COLS[c].name;
        fields[c].type = types[c];
    }
    lh_type_t schema;
    if (lh_type_struct(a, fields, NCOLS, &schema)) return 1;
    static const struct {
        const char *name;
        int codec;
    } codecs[] = {{"zstd", LH_PQ_CODEC_ZSTD},
                  {"snappy", LH_PQ_CODEC_SNAPPY},
                  {"none", LH_PQ_CODEC_UNCOMPRESSED}};
    static const char *nulls[] = {"nonull", "somenull", "allnull"};
    variant_t vs[32];
    char names[32][64];
    int nv = 0;
    for (int c = 0; c < 3; c++)
        for (int n = 0; n < 3; n++)
            for (int d = 0; d < 2; d++) {
                snprintf(names[nv], sizeof names[nv], "%s_%s_%s", codecs[c].name, nulls[n],
                         d ? "dict" : "plain");
                vs[nv] = (variant_t){.name = names[nv],
                                     .codec = codecs[c].codec,
                                     .nulls = n,
                                     .dict = d,
                                     .unique = !d,
                                     .page_bytes = d ? 0 : 2048,
                                     .threads = d ? 2 : 1};
                nv++;
            }
    vs[nv++] = (variant_t){.name = "zstd_fallback",
                           .codec = LH_PQ_CODEC_ZSTD,
                           .nulls = 1,
                           .dict = true,
                           .unique = true,
                           .dict_limit = 300,
                           .threads = 3};
    vs[nv++] = (variant_t){
        .name = "gzip_somenull_dict", .codec = LH_PQ_CODEC_GZIP, .nulls = 1, .dict = true};
    lh_buf_t expected;
    lh_buf_init(&expected, (size_t)1 << 30);
    lh_buf_puts(&expected, "{\"files\":[\n");
    int rc = 0;
    for (int i = 0; i < nv && !rc; i++)
        rc = write_file(argv[1], &vs[i], &schema, types, &expected, i == 0);
    lh_buf_puts(&expected, "]}\n");
    char path[4096];
    snprintf(path, sizeof path, "%s/expected.json", argv[1]);
    FILE *f = fopen(path, "wb");
    if (!f || lh_buf_err(&expected) || fwrite(expected.ptr, 1, expected.len, f) != expected.len)
        rc = 1;
    if (f) fclose(f);
    lh_buf_free(&expected);
    lh_arena_free(a);
    return rc ? 1 : 0;
}
