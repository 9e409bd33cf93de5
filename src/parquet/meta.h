/* Parquet metadata as C structs (apache/parquet-format parquet.thrift): the
 * footer (FileMetaData and everything in it) and page headers, decoded from
 * and encoded to the Thrift compact protocol; and the footer locator.
 *
 * Decoding skips unknown fields of any type, refuses a missing required
 * field, and treats a known field id with an unexpected type as unknown (as
 * Thrift's generated code does). Optional fields carry a has_* flag where 0
 * and absent differ (Statistics.null_count); optional strings are NULL and
 * optional lists have a count of 0 when absent.
 *
 * Errors: LH_ECORRUPT for malformed input (the message names the problem and
 * the byte offset), LH_ETOOBIG when a footer would decode into more memory
 * than LH_PQ_DECODE_RATIO times its size (plus 1 MiB) or is longer than
 * LH_PQ_FOOTER_MAX, LH_EINVAL for what is valid Parquet we do not read
 * (encrypted footers), LH_ENOMEM. */
#ifndef LH_PARQUET_META_H
#define LH_PARQUET_META_H

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Physical types (Type) */
enum {
    LH_PQ_BOOLEAN = 0,
    LH_PQ_INT32 = 1,
    LH_PQ_INT64 = 2,
    LH_PQ_INT96 = 3,
    LH_PQ_FLOAT = 4,
    LH_PQ_DOUBLE = 5,
    LH_PQ_BYTE_ARRAY = 6,
    LH_PQ_FIXED_LEN_BYTE_ARRAY = 7,
};

/* FieldRepetitionType */
enum { LH_PQ_REQUIRED = 0, LH_PQ_OPTIONAL = 1, LH_PQ_REPEATED = 2 };

/* ConvertedType (deprecated; still written beside the logical type) */
enum {
    LH_PQ_CT_UTF8 = 0,
    LH_PQ_CT_MAP = 1,
    LH_PQ_CT_MAP_KEY_VALUE = 2,
    LH_PQ_CT_LIST = 3,
    LH_PQ_CT_ENUM = 4,
    LH_PQ_CT_DECIMAL = 5,
    LH_PQ_CT_DATE = 6,
    LH_PQ_CT_TIME_MILLIS = 7,
    LH_PQ_CT_TIME_MICROS = 8,
    LH_PQ_CT_TIMESTAMP_MILLIS = 9,
    LH_PQ_CT_TIMESTAMP_MICROS = 10,
    LH_PQ_CT_UINT_8 = 11,
    LH_PQ_CT_UINT_16 = 12,
    LH_PQ_CT_UINT_32 = 13,
    LH_PQ_CT_UINT_64 = 14,
    LH_PQ_CT_INT_8 = 15,
    LH_PQ_CT_INT_16 = 16,
    LH_PQ_CT_INT_32 = 17,
    LH_PQ_CT_INT_64 = 18,
    LH_PQ_CT_JSON = 19,
    LH_PQ_CT_BSON = 20,
    LH_PQ_CT_INTERVAL = 21,
};

/* The LogicalType union: kind is the id of the member present */
enum {
    LH_PQ_LT_NONE = 0, /* no logical type */
    LH_PQ_LT_STRING = 1,
    LH_PQ_LT_MAP = 2,
    LH_PQ_LT_LIST = 3,
    LH_PQ_LT_ENUM = 4,
    LH_PQ_LT_DECIMAL = 5,
    LH_PQ_LT_DATE = 6,
    LH_PQ_LT_TIME = 7,
    LH_PQ_LT_TIMESTAMP = 8,
    LH_PQ_LT_INTEGER = 10,
    LH_PQ_LT_UNKNOWN = 11, /* NullType: always null */
    LH_PQ_LT_JSON = 12,
    LH_PQ_LT_BSON = 13,
    LH_PQ_LT_UUID = 14,
    LH_PQ_LT_FLOAT16 = 15,
    LH_PQ_LT_VARIANT = 16,   /* parameters not decoded */
    LH_PQ_LT_GEOMETRY = 17,  /* parameters not decoded */
    LH_PQ_LT_GEOGRAPHY = 18, /* parameters not decoded */
    LH_PQ_LT_FILE = 19,
};

/* TimeUnit members */
enum { LH_PQ_MILLIS = 1, LH_PQ_MICROS = 2, LH_PQ_NANOS = 3 };

/* Encoding */
enum {
    LH_PQ_ENC_PLAIN = 0,
    LH_PQ_ENC_PLAIN_DICTIONARY = 2,
    LH_PQ_ENC_RLE = 3,
    LH_PQ_ENC_BIT_PACKED = 4,
    LH_PQ_ENC_DELTA_BINARY_PACKED = 5,
    LH_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
    LH_PQ_ENC_DELTA_BYTE_ARRAY = 7,
    LH_PQ_ENC_RLE_DICTIONARY = 8,
    LH_PQ_ENC_BYTE_STREAM_SPLIT = 9,
    LH_PQ_ENC_ALP = 10,
};

/* PageType */
enum {
    LH_PQ_PAGE_DATA = 0,
    LH_PQ_PAGE_INDEX = 1,
    LH_PQ_PAGE_DICTIONARY = 2,
    LH_PQ_PAGE_DATA_V2 = 3,
};

/* ColumnOrder members */
enum { LH_PQ_ORDER_TYPE_DEFINED = 1, LH_PQ_ORDER_IEEE754_TOTAL = 2, LH_PQ_ORDER_INT96 = 3 };

/* Enum-valued fields are kept as the int32 on the wire, so values newer than
 * this code survive a decode; whoever acts on one checks it. */

typedef struct lh_pq_logical {
    int32_t kind;             /* LH_PQ_LT_*; the member's id when not listed above */
    int32_t scale, precision; /* DECIMAL */
    bool utc;                 /* TIME, TIMESTAMP: isAdjustedToUTC */
    int32_t unit;             /* TIME, TIMESTAMP: LH_PQ_MILLIS/MICROS/NANOS */
    int8_t bit_width;         /* INTEGER: 8, 16, 32, 64 */
    bool is_signed;           /* INTEGER */
} lh_pq_logical_t;

typedef struct lh_pq_schema_elem {
    char *name; /* required; NUL-free */
    bool has_type, has_type_length, has_repetition, has_num_children, has_converted_type;
    bool has_scale, has_precision, has_field_id;
    int32_t type; /* LH_PQ_BOOLEAN..; absent on groups */
    int32_t type_length;
    int32_t repetition; /* LH_PQ_REQUIRED/OPTIONAL/REPEATED */
    int32_t num_children;
    int32_t converted_type; /* LH_PQ_CT_* */
    int32_t scale, precision, field_id;
    lh_pq_logical_t logical; /* kind LH_PQ_LT_NONE when absent */
} lh_pq_schema_elem_t;

/* Values are PLAIN without a length prefix, possibly truncated bounds. */
typedef struct lh_pq_stats {
    bool has_max, has_min, has_null_count, has_distinct_count, has_max_value, has_min_value;
    bool has_is_max_value_exact, has_is_min_value_exact, has_nan_count;
    lh_str_t max, min; /* deprecated, signed order */
    int64_t null_count, distinct_count;
    lh_str_t max_value, min_value; /* in the column's ColumnOrder */
    bool is_max_value_exact, is_min_value_exact;
    int64_t nan_count;
} lh_pq_stats_t;

typedef struct lh_pq_kv {
    lh_str_t key;
    bool has_value;
    lh_str_t value;
} lh_pq_kv_t;

typedef struct lh_pq_page_enc_stats {
    int32_t page_type, encoding, count;
} lh_pq_page_enc_stats_t;

typedef struct lh_pq_column_meta {
    int32_t type;
    int32_t *encodings;
    uint32_t nencodings;
    char **path; /* path_in_schema, one name per level below the root */
    uint32_t npath;
    int32_t codec; /* LH_PQ_CODEC_* (parquet/codec.h) */
    int64_t num_values, total_uncompressed_size, total_compressed_size;
    lh_pq_kv_t *kv; /* key_value_metadata */
    uint32_t nkv;
    int64_t data_page_offset;
    bool has_index_page_offset, has_dictionary_page_offset, has_statistics;
    bool has_bloom_filter_offset, has_bloom_filter_length;
    int64_t index_page_offset, dictionary_page_offset;
    lh_pq_stats_t statistics;
    lh_pq_page_enc_stats_t *encoding_stats;
    uint32_t nencoding_stats;
    int64_t bloom_filter_offset;
    int32_t bloom_filter_length;
} lh_pq_column_meta_t;

typedef struct lh_pq_column_chunk {
    char *file_path; /* NULL: this file */
    int64_t file_offset;
    bool has_meta_data;
    lh_pq_column_meta_t meta_data;
    bool has_offset_index_offset, has_offset_index_length;
    bool has_column_index_offset, has_column_index_length;
    int64_t offset_index_offset, column_index_offset;
    int32_t offset_index_length, column_index_length;
    bool encrypted; /* decode only: crypto_metadata or encrypted_column_metadata seen */
} lh_pq_column_chunk_t;

typedef struct lh_pq_sorting_column {
    int32_t column_idx;
    bool descending, nulls_first;
} lh_pq_sorting_column_t;

typedef struct lh_pq_row_group {
    lh_pq_column_chunk_t *columns;
    uint32_t ncolumns;
    int64_t total_byte_size, num_rows;
    lh_pq_sorting_column_t *sorting_columns;
    uint32_t nsorting_columns;
    bool has_file_offset, has_total_compressed_size, has_ordinal;
    int64_t file_offset, total_compressed_size;
    int16_t ordinal;
} lh_pq_row_group_t;

typedef struct lh_pq_file_meta {
    int32_t version;
    lh_pq_schema_elem_t *schema; /* flattened depth-first; [0] is the root */
    uint32_t nschema;
    int64_t num_rows;
    lh_pq_row_group_t *row_groups;
    uint32_t nrow_groups;
    lh_pq_kv_t *kv; /* key_value_metadata */
    uint32_t nkv;
    char *created_by;       /* NULL when absent */
    int32_t *column_orders; /* LH_PQ_ORDER_* per leaf column */
    uint32_t ncolumn_orders;
    bool encrypted;    /* decode only: encryption_algorithm seen (plaintext footer) */
    lh_arena_t *arena; /* owns all of the above after a decode; NULL when built by hand */
} lh_pq_file_meta_t;

/* A footer may decode into at most this many times its size (plus 1 MiB):
 * lists of tiny elements cannot blow up into gigabytes of structs. */
#define LH_PQ_DECODE_RATIO 64

/* Decodes a FileMetaData from data[0..len) (bytes after its end are ignored:
 * encrypted files with a plaintext footer append a signature). On success
 * *out is a new footer whose every string, list and binary lives in its own
 * arena (data may be freed); free it with lh_pq_file_meta_free. Strings are
 * NUL-terminated and refused when they contain a NUL byte; binaries (stats,
 * key/value) are NUL-terminated copies with their length. On failure *out is
 * NULL. Errors: see the top of this file. */
int lh_pq_file_meta_decode(const void *data, size_t len, lh_pq_file_meta_t **out, lh_err_t *err);
/* Frees a decoded footer (its arena) in one call. NULL is fine. */
void lh_pq_file_meta_free(lh_pq_file_meta_t *m);
/* Appends m in the compact protocol to out. Returns lh_buf_err(out):
 * LH_ENOMEM, LH_ETOOBIG (out's cap). The decode-only flags are not written. */
int lh_pq_file_meta_encode(const lh_pq_file_meta_t *m, lh_buf_t *out);

typedef struct lh_pq_data_page_header {
    int32_t num_values, encoding, def_encoding, rep_encoding;
    bool has_statistics;
    lh_pq_stats_t statistics;
} lh_pq_data_page_header_t;

typedef struct lh_pq_dict_page_header {
    int32_t num_values, encoding;
    bool has_is_sorted, is_sorted;
} lh_pq_dict_page_header_t;

typedef struct lh_pq_data_page_header_v2 {
    int32_t num_values, num_nulls, num_rows, encoding;
    int32_t def_levels_byte_length, rep_levels_byte_length;
    bool is_compressed; /* true when absent, as the format says */
    bool has_statistics;
    lh_pq_stats_t statistics;
} lh_pq_data_page_header_v2_t;

typedef struct lh_pq_page_header {
    int32_t type; /* LH_PQ_PAGE_* */
    int32_t uncompressed_page_size, compressed_page_size;
    bool has_crc;
    int32_t crc;
    bool has_data_page_header, has_dictionary_page_header, has_data_page_header_v2;
    lh_pq_data_page_header_t data_page_header;
    lh_pq_dict_page_header_t dictionary_page_header;
    lh_pq_data_page_header_v2_t data_page_header_v2;
} lh_pq_page_header_t;

/* Decodes the page header at the start of data[0..len) into *out (zeroed
 * first) and sets *used to its length: the page's bytes follow it. No memory
 * is allocated: the statistics' binaries point into data. Beyond the
 * protocol it checks what a page reader relies on: sizes and counts are not
 * negative, num_nulls <= num_values, a v2 page's level lengths fit in both
 * page sizes, and a DATA_PAGE, DICTIONARY_PAGE or DATA_PAGE_V2 carries its
 * own sub-header. Returns 0, LH_ECORRUPT (also when data ends inside the
 * header). */
int lh_pq_page_header_decode(const void *data, size_t len, lh_pq_page_header_t *out, size_t *used,
                             lh_err_t *err);
/* Appends h to out; returns lh_buf_err(out). */
int lh_pq_page_header_encode(const lh_pq_page_header_t *h, lh_buf_t *out);

/* ---- the page index (PageIndex.md): per column chunk, written between the
 * row groups and the footer and located by the ColumnChunk's
 * column_index_offset/length and offset_index_offset/length ---- */

/* BoundaryOrder */
enum { LH_PQ_UNORDERED = 0, LH_PQ_ASCENDING = 1, LH_PQ_DESCENDING = 2 };

typedef struct lh_pq_page_loc {
    int64_t offset;               /* of the page header in the file */
    int32_t compressed_page_size; /* header included */
    int64_t first_row_index;      /* in the row group */
} lh_pq_page_loc_t;

typedef struct lh_pq_offset_index {
    lh_pq_page_loc_t *page_locations; /* data pages only, in file order */
    uint32_t npage_locations;
    int64_t *unencoded_byte_array_data_bytes; /* optional; count 0 when absent */
    uint32_t nunencoded_byte_array_data_bytes;
} lh_pq_offset_index_t;

/* Per data page: whether it holds only NULLs, its bounds (PLAIN without a
 * length prefix in the column order, empty for a null page), its NULL
 * count (optional), and whether pages' bounds ascend or descend. */
typedef struct lh_pq_column_index {
    bool *null_pages;
    uint32_t nnull_pages;
    lh_str_t *min_values, *max_values;
    uint32_t nmin_values, nmax_values;
    int32_t boundary_order; /* LH_PQ_UNORDERED/ASCENDING/DESCENDING */
    int64_t *null_counts;   /* optional; count 0 when absent */
    uint32_t nnull_counts;
    int64_t *rep_histograms, *def_histograms; /* optional level histograms */
    uint32_t nrep_histograms, ndef_histograms;
} lh_pq_column_index_t;

/* Decode a ColumnIndex / OffsetIndex from data[0..len) into *out (zeroed
 * first); lists and binaries live in arena a (charged like a footer: at most
 * LH_PQ_DECODE_RATIO times len plus 1 MiB). Beyond the protocol they check
 * what a reader relies on: a ColumnIndex's null_pages, min_values and
 * max_values (and null_counts when present) have one entry per page and the
 * null counts are not negative; an OffsetIndex has at least one page, its
 * offsets ascend, its sizes are positive and its first rows start at 0 and
 * ascend strictly. Returns 0, LH_ECORRUPT, LH_ETOOBIG, LH_ENOMEM. */
int lh_pq_column_index_decode(const void *data, size_t len, lh_arena_t *a,
                              lh_pq_column_index_t *out, lh_err_t *err);
int lh_pq_offset_index_decode(const void *data, size_t len, lh_arena_t *a,
                              lh_pq_offset_index_t *out, lh_err_t *err);
/* Append one to out; return lh_buf_err(out). */
int lh_pq_column_index_encode(const lh_pq_column_index_t *ci, lh_buf_t *out);
int lh_pq_offset_index_encode(const lh_pq_offset_index_t *oi, lh_buf_t *out);

/* The file's first and last four bytes. */
#define LH_PQ_MAGIC "PAR1"
/* Footers longer than this are refused before anyone reads them. */
#define LH_PQ_FOOTER_MAX ((uint32_t)256 << 20)

/* Checks a file's first four bytes. Returns 0 or LH_ECORRUPT. */
int lh_pq_check_head(const uint8_t head[4], lh_err_t *err);
/* Given a file's last 8 bytes (the little-endian footer length and the
 * magic) and its size, sets the FileMetaData's offset and length. Returns 0,
 * LH_ECORRUPT (a file shorter than 12 bytes, a wrong magic, a length of 0 or
 * one that would reach into the leading magic), LH_EINVAL ("PARE": an
 * encrypted footer, not supported), LH_ETOOBIG (over LH_PQ_FOOTER_MAX). */
int lh_pq_footer_locate(const uint8_t tail[8], uint64_t file_size, uint64_t *meta_off,
                        uint32_t *meta_len, lh_err_t *err);

#endif
