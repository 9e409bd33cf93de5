/* The file layer of the table functions that read files (read_parquet,
 * read_csv, read_json): glob patterns over local paths and s3:// URLs, Hive
 * partition directories, and a byte reader that inflates .gz and .zst files
 * as it streams them. Used by the binder (to list and sniff files) and by
 * the scan operators.
 *
 * Ownership: lists and strings live in the arena the caller passes. */
#ifndef LH_SQL_EXEC_FILES_H
#define LH_SQL_EXEC_FILES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

struct lh_objstore;

/* Whether s matches the glob pattern: `*` and `?` within one path part, `[a-z]`
 * / `[!x]` classes, a double star any number of whole parts (also none). */
bool lh__glob_match(const char *pat, const char *s);
/* Whether pattern has a wildcard character (* ? [). */
bool lh__glob_has_wild(const char *pattern);

/* A list of files: local paths (os NULL), or keys of one bucket of os. */
typedef struct lh_file_list {
    struct lh_objstore *os;
    const char *bucket;
    const char **paths; /* n paths or keys, sorted per pattern */
    const char **urls;  /* what the user sees: the path, or s3://bucket/key */
    /* objects: per key, the ETag and size the listing gave (NULL and -1 for a
       key named without a wildcard, which is not listed); NULL for local paths */
    const char **etags;
    int64_t *sizes;
    uint32_t n;
} lh_file_list_t;

/* Expands patterns[0..npat) (each a local path or s3:// URL, with or without
 * wildcards) into out, in arena a. lake is the object store of s3:// URLs
 * (NULL: none). Errors (err says which): LH_ENOENT "No files found that
 * match the pattern", LH_EINVAL (no lake, several buckets, a bad URL),
 * LH_EIO, LH_ENOMEM. */
int lh__files_expand(lh_arena_t *a, struct lh_objstore *lake, const char *const *patterns,
                     uint32_t npat, lh_file_list_t *out, lh_err_t *err);

/* The Hive partition directories of path (`key=value/` parts, in order):
 * up to max pairs into keys[] and vals[] (arena strings, values
 * percent-decoded); returns how many. */
uint32_t lh__hive_parts(lh_arena_t *a, const char *path, const char **keys, const char **vals,
                        uint32_t max);

/* ---- a byte reader over one file, decompressing ---- */
typedef enum lh_compression {
    LH_COMPRESS_AUTO = 0, /* by the file's extension: .gz, .zst, else none */
    LH_COMPRESS_NONE,
    LH_COMPRESS_GZIP,
    LH_COMPRESS_ZSTD,
} lh_compression_t;

/* "auto", "none"/"uncompressed", "gzip", "zstd": 0 and *c set, or -1. */
int lh__compression_by_name(const char *name, lh_compression_t *c);

typedef struct lh_file_reader lh_file_reader_t;
/* Opens path (local, os NULL) or bucket/key of os for reading. The reader is
 * the caller's: lh__file_reader_close. Errors: LH_ENOENT, LH_EIO, LH_ENOMEM. */
int lh__file_reader_open(struct lh_objstore *os, const char *bucket, const char *path,
                         lh_compression_t c, lh_file_reader_t **out, lh_err_t *err);
/* Reads up to cap decompressed bytes into buf; *got 0 at the end. Errors:
 * LH_EIO, LH_ECORRUPT (a damaged compressed stream). */
int lh__file_reader_read(lh_file_reader_t *r, char *buf, size_t cap, size_t *got, lh_err_t *err);
/* An object's ETag, when every get so far saw the same one; else NULL (local
 * files, nothing read yet, or an object replaced while it was read). */
const char *lh__file_reader_etag(const lh_file_reader_t *r);
/* Objects: the bytes fetched so far (all of it at the end: its size). */
int64_t lh__file_reader_fetched(const lh_file_reader_t *r);
void lh__file_reader_close(lh_file_reader_t *r);

#endif
