/* Warming the scan cache as an object is written (sql/warm.h): an entry
 * written like a scan's, named at its end by the key a read_json scan of
 * the written object computes (op_scan_text.c cache_key), with read_json's
 * options as the binder leaves them when only columns = {...} is given
 * (bind_text.c): newline-delimited JSON (format 2), compression by the
 * object's extension, no CSV dialect, no skipped lines, NULL string "". */
#include <stdlib.h>
#include <string.h>

#include "sql/exec/files.h"
#include "sql/exec/scan_cache.h"
#include "sql/warm.h"

#define FORMAT_NDJSON 2 /* lh_plan_t u.text.format */

struct lh_sql_warm {
    lh_scan_cache_t *c;
};

struct lh_sql_warm_entry {
    lh_sql_warm_t *w;
    lh_scan_cache_wr_t *wr;
    uint32_t ncols;
    const char *const *names;
    lh_type_t *types;
};

int lh_sql_warm_open(const char *dir, int64_t max, lh_sql_warm_t **out, lh_err_t *err)
{
    *out = NULL;
    if (!dir || !*dir || max <= 0) return 0;
    lh_sql_warm_t *w = calloc(1, sizeof *w);
    if (!w) return lh_err_set(err, LH_ENOMEM, "out of memory");
    int rc = lh_scan_cache_open(dir, max, &w->c, err);
    if (rc) {
        free(w);
        return rc;
    }
    *out = w;
    return 0;
}

void lh_sql_warm_close(lh_sql_warm_t *w)
{
    if (!w) return;
    lh_scan_cache_close(w->c);
    free(w);
}

lh_sql_warm_entry_t *lh_sql_warm_begin(lh_sql_warm_t *w, uint32_t ncols, const char *const *names,
                                       const lh_type_t *types, const bool *held)
{
    if (!w || !ncols) return NULL;
    for (uint32_t c = 0; c < ncols; c++)
        if (!lh__scan_cache_type_ok(&types[c])) return NULL;
    lh_sql_warm_entry_t *e = calloc(1, sizeof *e);
    if (!e || !(e->types = malloc(ncols * sizeof *e->types))) {
        free(e);
        return NULL;
    }
    memcpy(e->types, types, ncols * sizeof *types);
    e->w = w;
    e->ncols = ncols;
    e->names = names;
    if (!(e->wr = lh__scan_cache_begin(w->c, NULL, e->types, ncols, held, -1))) {
        free(e->types);
        free(e);
        return NULL;
    }
    return e;
}

void lh_sql_warm_append(lh_sql_warm_entry_t *e, const lh_batch_t *b)
{
    if (e) lh__scan_cache_append(e->wr, b);
}

void lh_sql_warm_end(lh_sql_warm_entry_t *e, const char *bucket, const char *key, const char *etag,
                     int64_t size, bool keep)
{
    if (!e) return;
    lh_scan_cache_key_t k;
    lh_scan_text_id_t id = {.bucket = bucket,
                            .key = key,
                            .etag = etag,
                            .size = size,
                            .format = FORMAT_NDJSON,
                            .compression = LH_COMPRESS_AUTO,
                            .nullstr = "",
                            .ncols = e->ncols,
                            .json_keys = e->names,
                            .names = e->names,
                            .types = e->types};
    keep = keep && etag && *etag && !lh__scan_cache_text_key(&id, &k, NULL, NULL);
    lh__scan_cache_end_as(e->wr, &k, keep);
    free(e->types);
    free(e);
}
