/* libFuzzer target for the file readers' text parsers (sql/exec/csv.h,
 * sql/exec/ndjson.h). Input: byte 0 = dialect (bits 0-1 the delimiter
 * , | ; tab, bit 2 escape '\\'), byte 1 = split seed, rest = file text.
 * 1. The CSV records are the same whether the text comes whole or in pieces
 *    (the scan refills at any byte): same count, fields and bytes.
 * 2. The CSV sniffer and the JSON sniffer either succeed with consistent
 *    output or fail with a message; never crash.
 * 3. The NDJSON scan's line parser: each line either splits into spans
 *    inside the line (each converting to every column type or refusing)
 *    or fails with a reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sql/exec/csv.h"
#include "sql/exec/ndjson.h"
#include "sql/func/json_scan.h"

typedef struct rec {
    uint32_t n;
    size_t len;
    unsigned char hash[8];
} rec_t;

/* Parses text fed in pieces of `piece` bytes (0: whole), recording each record. */
static size_t parse(const lh_csv_dialect_t *d, const char *p, size_t n, size_t piece, rec_t *out,
                    size_t max, int *err)
{
    lh_csv_row_t row = {0};
    size_t at = 0, avail = piece ? 0 : n, k = 0;
    *err = 0;
    while (k < max) {
        size_t used = 0;
        lh_err_t e = {0};
        bool eof = avail == n;
        int rc = lh__csv_record(d, p + at, avail - at, eof, &row, &used, &e);
        if (rc < 0) {
            *err = rc;
            break;
        }
        if (rc == 0) {
            if (eof) break;
            avail = avail + piece > n ? n : avail + piece;
            continue;
        }
        if (!used || at + used > avail) abort(); /* must consume inside the input */
        out[k].n = row.n;
        out[k].len = row.len;
        memset(out[k].hash, 0, 8);
        for (size_t i = 0; i < row.len; i++)
            out[k].hash[i % 8] = (unsigned char)(out[k].hash[i % 8] * 31 + row.buf[i]);
        for (uint32_t f = 0; f < row.n; f++)
            if (row.off[f] + row.flen[f] > row.len) abort();
        k++;
        at += used;
    }
    lh__csv_row_free(&row);
    return k;
}

static void json_lines(const char *p, size_t n)
{
    static const char *const keys[] = {"a", "b", "id", "x"};
    static const lh_type_id_t types[] = {LH_TYPE_BOOLEAN, LH_TYPE_BIGINT, LH_TYPE_HUGEINT,
                                         LH_TYPE_DOUBLE,  LH_TYPE_DATE,   LH_TYPE_TIMESTAMP,
                                         LH_TYPE_VARCHAR, LH_TYPE_INTEGER};
    lh_arena_t *a = lh_arena_new(4096);
    lh_vector_t v[8];
    for (int t = 0; t < 8; t++) {
        lh_type_t ty = lh_type(types[t]);
        if (lh_vector_init(&v[t], &ty, 1, a)) abort();
    }
    char *scratch = malloc(n + 1), *ubuf = malloc(n + 1), *chk = malloc(n + 1);
    if (!scratch || !ubuf || !chk) abort();
    for (size_t at = 0; at < n;) {
        const char *nl = memchr(p + at, '\n', n - at);
        size_t len = nl ? (size_t)(nl - p - at) : n - at;
        lh_json_span_t sp[4], su[4];
        const char *why = NULL, *uwhy = NULL;
        int rc = lh__json_line(p + at, len, keys, 4, sp, NULL, &why);
        if (rc < 0 && !why) abort();
        /* strings unescaped while read: the same verdict and spans, and the
           bytes lh_json_unescape makes of them */
        if (lh__json_line(p + at, len, keys, 4, su, ubuf, &uwhy) != rc) abort();
        for (int k = 0; rc == 0 && k < 4; k++) {
            if (su[k].kind != sp[k].kind || su[k].p != sp[k].p || su[k].n != sp[k].n) abort();
            size_t cl;
            if (su[k].u && (lh_json_unescape(su[k].p + 1, su[k].n - 2, true, chk, &cl) ||
                            cl != su[k].un || memcmp(chk, su[k].u, cl)))
                abort();
        }
        for (int k = 0; rc == 0 && k < 4; k++) {
            if (sp[k].kind && (sp[k].p < p + at || sp[k].p + sp[k].n > p + at + len)) abort();
            for (int t = 0; t < 8; t++) {
                lh_vector_reset(&v[t]);
                lh__json_span_to_vector(&v[t], 0, &sp[k], scratch);
            }
        }
        at += len + 1;
    }
    free(scratch);
    free(ubuf);
    free(chk);
    for (int t = 0; t < 8; t++)
        lh_vector_release(&v[t]);
    lh_arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 1 << 16) return 0;
    static const char delims[] = {',', '|', ';', '\t'};
    lh_csv_dialect_t d = {delims[data[0] & 3], '"', (data[0] & 4) ? '\\' : 0};
    size_t piece = 1 + data[1] % 17;
    const char *p = (const char *)data + 2;
    size_t n = size - 2;
    enum { MAX = 4096 };
    rec_t *a = calloc(MAX, sizeof *a), *b = calloc(MAX, sizeof *b);
    if (!a || !b) abort();
    int ea, eb;
    size_t na = parse(&d, p, n, 0, a, MAX, &ea), nb = parse(&d, p, n, piece, b, MAX, &eb);
    if (na != nb || ea != eb || memcmp(a, b, na * sizeof *a)) abort();
    free(a);
    free(b);

    lh_arena_t *ar = lh_arena_new(4096);
    lh_csv_sniff_t s = {.header = -1};
    lh_err_t e = {0};
    if (!lh__csv_sniff(ar, p, n, true, &s, &e)) {
        if (!s.ncols || !s.names || !s.types) abort();
        for (uint32_t c = 0; c < s.ncols; c++)
            if (!s.names[c]) abort();
    } else if (!e.msg[0]) {
        abort();
    }
    lh_json_sniff_t js;
    lh_err_t je = {0};
    if (!lh__json_sniff(ar, p, n, true, &js, &je))
        for (uint32_t c = 0; c < js.ncols; c++)
            if (!js.names[c]) abort();
    json_lines(p, n);
    lh_arena_free(ar);
    return 0;
}
