/* The table functions that read files (bind_files.c, bind_text.c): their
 * options, the file list with Hive partitions, and the plans. */
#ifndef LH_SQL_BIND_FILES_H
#define LH_SQL_BIND_FILES_H
#include "sql/bind/bind_int.h"
#include "sql/exec/files.h"

typedef enum file_format { FF_PARQUET = 1, FF_CSV, FF_JSON } lh_file_format_t;

typedef struct lh_file_opts {
    lh_file_format_t format;
    const char **patterns;
    uint32_t npat;
    int hive;      /* hive_partitioning: -1 auto, 0, 1 */
    bool filename; /* filename=true */
    bool hive_autocast;
    lh_compression_t compression;
    /* CSV */
    char delim, quote, escape;
    bool quote_set; /* quote = '' turns quoting off */
    int header;     /* -1 auto */
    bool all_varchar, auto_detect;
    const char *nullstr;
    uint32_t skip;
    const char **names; /* names= / column_names= */
    uint32_t nnames;
    const char **types; /* types= / dtypes= / column_types=, a list by position */
    uint32_t ntypes;
    bool columns; /* columns = {'name': 'TYPE', ...}: names and types (no JSON sniffing) */
    /* JSON */
    bool records;
    int json_format; /* 0 auto, 1 newline_delimited, 2 array, 3 unstructured */
} lh_file_opts_t;

/* The files of o with their Hive partitions (hive_keys[k], per file
 * values[f][k]) when o->hive says so. */
typedef struct lh_file_set {
    lh_file_list_t list;
    const char **hive_keys;
    uint32_t nhive;
    const char ***hive_vals;
    lh_type_t *hive_types;
} lh_file_set_t;

int lh__bind_file_set(lh_bind_env_t *env, int32_t pos, const lh_file_opts_t *o, lh_file_set_t *fs);
/* read_csv / read_json once the options are read (bind_text.c). */
int lh__bind_text_scan(lh_bind_env_t *env, int32_t pos, const lh_file_opts_t *o,
                       const lh_file_set_t *fs, lh_plan_t **plan);
/* The scope of a FROM item's plan. */
int lh__bind_files_scope(lh_bind_env_t *env, const lh_plan_t *p, const char *alias,
                         lh_bscope_t *sc);

#endif
