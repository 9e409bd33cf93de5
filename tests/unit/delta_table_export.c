/* Not a test: writes a Delta table with the table layer on an embedded
 * store in a temporary data directory, then copies every object under the
 * table's prefix into OUTDIR as plain files, for
 * tests/integration/test_delta_duckdb.py to reconstruct with DuckDB.
 *
 *   delta_table_export OUTDIR
 *
 * The table: id BIGINT, name VARCHAR (NULL every 10th), amount
 * DECIMAL(38,0) = id * 10^20, at TIMESTAMPTZ = id seconds, ds DATE
 * partition (2025-11-26 + id % 3). Versions: 0 create; 1..12 appends of
 * ids [1000k, 1000k+500) (the commit of version 10 writes a checkpoint, as
 * every 10th does); 13 replace-where
 * ds = 2025-11-26 with ids [50000, 50100) (all on that day); 14 an append
 * with a NULL partition value (ids [60000, 60010), ds NULL).
 * Prints on stdout one line of JSON: {"version":14,"checkpoint":10,
 * "ids":[...every live id...]}. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/engine.h"
#include "store/objstore.h"
#include "table/delta.h"
#include "table/table.h"
#include "tmpdir.h"

#define B "lake"
#define ROOT "silver/export"
#define DAY0 20418 /* 2025-11-26 */

static lh_type_t types[5];

static int die(const char *what, const lh_err_t *e)
{
    fprintf(stderr, "delta_table_export: %s: %s\n", what, e ? e->msg : strerror(errno));
    exit(1);
}

/* ids [first, first + n); day -1: id % 3, -2: NULL, else that day */
static void write_ids(lh_delta_table_t *t, lh_delta_mode_t mode, const lh_delta_pred_t *where,
                      int64_t first, int64_t n, int day)
{
    lh_err_t e = {0};
    lh_table_write_opts_t o;
    lh_table_write_opts_default(&o);
    o.mode = mode;
    o.where = where;
    o.nwhere = where ? 1 : 0;
    o.parquet.row_group_rows = 200;
    lh_table_writer_t *w;
    lh_batch_t *b;
    if (lh_table_writer_open(t, &o, &w, &e)) die("open writer", &e);
    if (lh_batch_new(types, 5, &b)) die("batch", NULL);
    for (int64_t i = first; i < first + n;) {
        lh_batch_reset(b);
        uint32_t r = 0;
        for (; r < LH_BATCH_ROWS && i < first + n; r++, i++) {
            char name[16];
            snprintf(name, sizeof name, "n%d", (int)(i % 7));
            lh_value_t v[5] = {
                lh_value_int(LH_TYPE_BIGINT, i),
                i % 10 ? lh_value_varchar(name, strlen(name)) : lh_value_null(types[1]),
                lh_value_decimal(38, 0, (lh_int128_t)i * 100000000000000000 * 1000),
                lh_value_int(LH_TYPE_TIMESTAMP_TZ, i * 1000000),
                day == -2 ? lh_value_null(types[4])
                          : lh_value_int(LH_TYPE_DATE, DAY0 + (day == -1 ? i % 3 : day)),
            };
            for (int c = 0; c < 5; c++)
                if (lh_vector_set_value(&b->cols[c], r, &v[c])) die("set value", NULL);
        }
        b->count = r;
        if (lh_table_writer_write(w, b, &e)) die("write", &e);
    }
    if (lh_table_writer_commit(w, NULL, &e)) die("commit", &e);
    lh_table_writer_free(w);
    lh_batch_free(b);
}

typedef struct {
    lh_objstore_t *os;
    const char *out;
} export_t;

static int export_one(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *m)
{
    (void)is_prefix, (void)m;
    export_t *x = arg;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", x->out, key + strlen(ROOT "/"));
    for (char *p = path + strlen(x->out) + 1; (p = strchr(p, '/')); p++) {
        *p = 0;
        mkdir(path, 0755);
        *p = '/';
    }
    lh_buf_t body;
    lh_buf_init(&body, (size_t)1 << 30);
    lh_err_t e = {0};
    if (lh_objstore_get_buf(x->os, B, key, 0, -1, &body, NULL, &e)) die("get", &e);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(body.ptr, 1, body.len, f) != body.len || fclose(f)) die(path, NULL);
    lh_buf_free(&body);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: delta_table_export OUTDIR\n");
        return 2;
    }
    const char *dir = lh_test_tmpdir();
    lh_store_t *st;
    lh_objstore_t *os;
    lh_delta_table_t *t;
    lh_err_t e = {0};
    lh_arena_t *a = lh_arena_new(0);
    if (lh_store_open(&st, dir, &e) || lh_objstore_open_embedded(&os, st, NULL, &e) ||
        lh_objstore_bucket_create(os, B, &e) || lh_delta_open(&t, os, B, ROOT, &e))
        die("setup", &e);
    types[0] = lh_type(LH_TYPE_BIGINT);
    types[1] = lh_type(LH_TYPE_VARCHAR);
    types[2] = lh_type_decimal(38, 0);
    types[3] = lh_type(LH_TYPE_TIMESTAMP_TZ);
    types[4] = lh_type(LH_TYPE_DATE);
    static const char *names[5] = {"id", "name", "amount", "at", "ds"};
    lh_field_t f[5];
    for (int i = 0; i < 5; i++)
        f[i] = (lh_field_t){names[i], types[i]};
    lh_type_t row;
    int64_t created;
    lh_delta_schema_t s;
    static const char *const pcols[] = {"ds"};
    lh_delta_create_t c = {.schema = &s, .partition_columns = pcols, .npartition_columns = 1};
    if (lh_type_struct(a, f, 5, &row) || lh_delta_schema_from_type(a, &row, &s, &e) ||
        lh_delta_create(t, &c, &created, &e))
        die("create", &e);
    for (int k = 1; k <= 12; k++) {
        write_ids(t, LH_DELTA_APPEND, NULL, 1000 * k, 500, -1); /* version 10 checkpoints */
    }
    static const char *const day0[] = {"2025-11-26"};
    lh_delta_pred_t where = {"ds", day0, 1};
    write_ids(t, LH_DELTA_REPLACE_WHERE, &where, 50000, 100, 0);
    write_ids(t, LH_DELTA_APPEND, NULL, 60000, 10, -2);
    export_t x = {os, argv[1]};
    mkdir(argv[1], 0755);
    if (lh_objstore_list(os, B, ROOT "/", NULL, export_one, &x, &e)) die("list", &e);
    printf("{\"version\":14,\"checkpoint\":10,\"ids\":[");
    int first = 1;
    for (int k = 1; k <= 12; k++)
        for (int64_t i = 1000 * k; i < 1000 * k + 500; i++)
            if (i % 3 != 0) {
                printf("%s%lld", first ? "" : ",", (long long)i);
                first = 0;
            }
    for (int64_t i = 50000; i < 50100; i++)
        printf(",%lld", (long long)i);
    for (int64_t i = 60000; i < 60010; i++)
        printf(",%lld", (long long)i);
    printf("]}\n");
    lh_delta_close(t);
    lh_objstore_close(os);
    lh_store_close(st);
    lh_test_rmtree(dir);
    lh_arena_free(a);
    return 0;
}
