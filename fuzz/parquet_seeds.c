/* Writes the seed corpora of the parquet fuzz targets from structs (the
 * sample footer and pages of tests/unit/parquet_sample.h) and from a few
 * hand-made byte strings. Not a fuzz target; run it once after changing the
 * sample (see fuzz/README.md):
 *   cc -Isrc -Itests/unit fuzz/parquet_seeds.c build/liblh.a $(pkg-config
 *   --libs ...) -o /tmp/pq-seeds && /tmp/pq-seeds fuzz/corpus */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "parquet/codec.h"
#include "parquet/meta.h"
#include "parquet_sample.h"

static const char *dir;

static void put(const char *target, const char *name, const void *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%s", dir, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
        perror(path);
        exit(1);
    }
}

static void footers(void)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_pq_file_meta_t m;
    lh_buf_t b;
    pq_sample_footer(a, &m);
    lh_buf_init(&b, 0);
    lh_pq_file_meta_encode(&m, &b);
    put("parquet_footer", "sample.bin", b.ptr, b.len);
    /* the same as a whole file's tail: footer, length, PAR1 */
    uint8_t tail[8] = {(uint8_t)b.len, (uint8_t)(b.len >> 8), 0, 0, 'P', 'A', 'R', '1'};
    lh_buf_append(&b, tail, 8);
    put("parquet_footer", "sample_tail.bin", b.ptr, b.len);
    /* one row group, three columns */
    m.nrow_groups = 1;
    m.row_groups[0].ncolumns = 3;
    m.nkv = 0;
    m.ncolumn_orders = 0;
    lh_buf_reset(&b);
    lh_pq_file_meta_encode(&m, &b);
    put("parquet_footer", "small.bin", b.ptr, b.len);
    /* schema only */
    m.nrow_groups = 0;
    m.created_by = NULL;
    lh_buf_reset(&b);
    lh_pq_file_meta_encode(&m, &b);
    put("parquet_footer", "schema_only.bin", b.ptr, b.len);
    /* nothing: an empty schema list */
    lh_pq_file_meta_t empty = {.version = 1};
    lh_buf_reset(&b);
    lh_pq_file_meta_encode(&empty, &b);
    put("parquet_footer", "empty.bin", b.ptr, b.len);
    /* hand-made: a schema list promising 2^31-1 elements; an overlong varint */
    put("parquet_footer", "huge_list.bin", "\x15\x02\x19\xFC\xFF\xFF\xFF\xFF\x07\x00\x00", 11);
    put("parquet_footer", "long_varint.bin", "\x15\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x7F\x00",
        12);
    /* page indexes: a ColumnIndex of three pages (one all NULL), an OffsetIndex */
    bool np[3] = {false, true, false};
    lh_str_t lo[3] = {{"a", 1}, {"", 0}, {"m", 1}}, hi[3] = {{"f", 1}, {"", 0}, {"z", 1}};
    int64_t nc[3] = {0, 10, 2};
    lh_pq_column_index_t ci = {.null_pages = np,
                               .nnull_pages = 3,
                               .min_values = lo,
                               .nmin_values = 3,
                               .max_values = hi,
                               .nmax_values = 3,
                               .boundary_order = LH_PQ_ASCENDING,
                               .null_counts = nc,
                               .nnull_counts = 3};
    lh_buf_reset(&b);
    lh_pq_column_index_encode(&ci, &b);
    put("parquet_footer", "column_index.bin", b.ptr, b.len);
    lh_pq_page_loc_t locs[3] = {{4, 100, 0}, {104, 90, 10}, {194, 80, 20}};
    lh_pq_offset_index_t oi = {.page_locations = locs, .npage_locations = 3};
    lh_buf_reset(&b);
    lh_pq_offset_index_encode(&oi, &b);
    put("parquet_footer", "offset_index.bin", b.ptr, b.len);
    lh_buf_free(&b);
    lh_arena_free(a);
}

static void pages(void)
{
    lh_pq_page_header_t ph[3];
    static const char *names[3] = {"v1.bin", "dict.bin", "v2.bin"};
    lh_buf_t b;
    pq_sample_pages(ph);
    lh_buf_init(&b, 0);
    for (int i = 0; i < 3; i++) {
        lh_buf_reset(&b);
        lh_pq_page_header_encode(&ph[i], &b);
        lh_buf_append(&b, "page bytes", 10);
        put("parquet_page", names[i], b.ptr, b.len);
    }
    /* v2 without is_compressed (default true), by hand */
    put("parquet_page", "v2_default.bin",
        "\x15\x06\x15\xC8\x01\x15\x64\x5C\x15\x14\x15\x04\x15\x14\x15\x00\x15\x06\x15\x00\x00\x00",
        22);
    lh_buf_free(&b);
}

static void codecs(void)
{
    static const char text[] = "lakehouse parquet page lakehouse parquet page 0123456789";
    static const char *names[8] = {"uncompressed.bin", "snappy.bin", "gzip.bin", "lzo.bin",
                                   "brotli.bin",       "lz4.bin",    "zstd.bin", "lz4raw.bin"};
    size_t n = sizeof text - 1;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    for (int c = 0; c < 8; c++) {
        uint8_t head[4] = {(uint8_t)c, (uint8_t)n, 0, 0};
        lh_buf_reset(&b);
        lh_buf_append(&b, head, 4);
        if (lh_pq_codec_supported(c))
            lh_pq_compress(c, 0, text, n, &b, NULL);
        else
            lh_buf_append(&b, text, n);
        put("parquet_codec", names[c], b.ptr, b.len);
        if (c == LH_PQ_CODEC_GZIP) { /* two members */
            b.ptr[1] = (uint8_t)(2 * n);
            lh_pq_compress(c, 0, text, n, &b, NULL);
            put("parquet_codec", "gzip_2members.bin", b.ptr, b.len);
        }
    }
    lh_buf_free(&b);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s fuzz/corpus\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    footers();
    pages();
    codecs();
    return 0;
}
