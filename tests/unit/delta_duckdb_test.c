/* A Delta table whose log we write, read back by another engine: DuckDB
 * (tests/js, @duckdb/node-api) writes the Parquet data files, this layer
 * commits them (append, a replace-where, a delete) into a table in the
 * embedded store, the table's objects are copied to a directory, and
 * tests/js/delta_duckdb.mjs replays our `_delta_log` on its own and reads
 * the live files with their typed partition values. The rows it sees must
 * be exactly the rows of the snapshot we committed.
 * Needs node and tests/js/node_modules (`npm ci`, done by
 * scripts/install-deps.sh): without them the case says so and passes. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "store/engine.h"
#include "store/objstore.h"
#include "table/delta.h"
#include "test.h"
#include "tmpdir.h"

static char root[512]; /* the repository, from this binary's path */

static int find_root(void)
{
    char self[512];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return -1;
    self[n] = 0;
    for (int i = 0; i < 3; i++) { /* <root>/<build dir>/tests/<this> */
        char *slash = strrchr(self, '/');
        if (!slash) return -1;
        *slash = 0;
    }
    snprintf(root, sizeof root, "%s", self);
    char probe[600];
    snprintf(probe, sizeof probe, "%s/tests/js/node_modules/@duckdb/node-api", root);
    return access(probe, R_OK);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        lh_buf_append(&b, chunk, n);
    fclose(f);
    return lh_buf_take(&b, len);
}

/* Runs a shell command; 0 when it exited 0. */
static int run(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0) fprintf(stderr, "  command failed (%d): %s\n", rc, cmd);
    return rc;
}

static int mkdirs(const char *path)
{
    char p[1024];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir(p, 0755) && errno != EEXIST) return -1;
            *s = '/';
        }
    return 0;
}

typedef struct {
    lh_objstore_t *os;
    const char *dir;
    size_t skip;
    int failed;
} copy_t;

static int copy_out(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *m)
{
    (void)m;
    copy_t *c = arg;
    if (is_prefix) return 0;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", c->dir, key + c->skip);
    lh_buf_t b;
    lh_err_t e = {0};
    lh_buf_init(&b, 0);
    FILE *f = NULL;
    if (mkdirs(path) || lh_objstore_get_buf(c->os, "lake", key, 0, -1, &b, NULL, &e) ||
        !(f = fopen(path, "wb")) || fwrite(b.ptr ? b.ptr : "", 1, b.len, f) != b.len)
        c->failed = 1;
    if (f) fclose(f);
    lh_buf_free(&b);
    return 0;
}

/* DuckDB writes one Parquet file of (id BIGINT, name VARCHAR) rows. */
static int duck_parquet(const char *file, const char *values)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd '%s/tests/js' && node --input-type=module -e \"import {DuckDBInstance} from "
             "'@duckdb/node-api'; const c = await (await DuckDBInstance.create(':memory:'))"
             ".connect(); await c.run(\\\"COPY (SELECT * FROM (VALUES %s) t(id, name)) TO '%s' "
             "(FORMAT parquet)\\\");\"",
             root, values, file);
    return run(cmd);
}

/* Puts the local file into the table as path and returns its add. */
static int put_file(lh_objstore_t *os, const char *local, const char *path, int64_t *size)
{
    char key[600];
    size_t n;
    char *data = slurp(local, &n);
    lh_err_t e = {0};
    snprintf(key, sizeof key, "gold/duck/%s", path);
    int rc = data ? lh_objstore_put(os, "lake", key, data, n, NULL, NULL, &e) : -1;
    free(data);
    *size = (int64_t)n;
    return rc;
}

static void duckdb_reads_our_log(void)
{
    if (find_root() != 0) {
        printf("  note: no tests/js/node_modules/@duckdb/node-api (npm ci): not run\n");
        return;
    }
    const char *tmp = lh_test_tmpdir();
    char dir[600], out[700], cmd[2048];
    snprintf(dir, sizeof dir, "%s/store", tmp);
    CHECK_EQ_INT(mkdir(dir, 0700), 0);
    lh_store_t *st = NULL;
    lh_objstore_t *os = NULL;
    lh_delta_table_t *t = NULL;
    lh_err_t e = {0};
    CHECK_EQ_INT(lh_store_open(&st, dir, &e), 0);
    CHECK_EQ_INT(lh_objstore_open_embedded(&os, st, NULL, &e), 0);
    CHECK_EQ_INT(lh_objstore_bucket_create(os, "lake", &e), 0);
    CHECK_EQ_INT(lh_delta_open(&t, os, "lake", "gold/duck", &e), 0);

    lh_arena_t *a = lh_arena_new(4096);
    lh_type_t ty;
    lh_delta_schema_t s;
    const char *tt = "STRUCT(ds DATE, id BIGINT, name VARCHAR)";
    CHECK_EQ_INT(lh_type_parse(a, tt, strlen(tt), &ty, &e), 0);
    CHECK_EQ_INT(lh_delta_schema_from_type(a, &ty, &s, &e), 0);
    const char *pcols[] = {"ds"};
    lh_delta_create_t c = {.schema = &s, .partition_columns = pcols, .npartition_columns = 1};
    int64_t v;
    CHECK_EQ_INT(lh_delta_create(t, &c, &v, &e), 0);

    static const struct {
        const char *ds, *values;
    } files[] = {
        {"2026-11-26", "(1, 'a'), (2, 'b')"},
        {"2026-11-27", "(3, 'c d')"},
        {NULL, "(4, NULL)"},
        {"2026-11-26", "(5, 'e')"},
    };
    lh_delta_add_t adds[4];
    lh_delta_kv_t kv[4];
    char *paths[4];
    for (int i = 0; i < 4; i++) {
        char local[700];
        snprintf(local, sizeof local, "%s/f%d.parquet", tmp, i);
        CHECK_EQ_INT(duck_parquet(local, files[i].values), 0);
        kv[i] = (lh_delta_kv_t){"ds", files[i].ds};
        lh_delta_map_t pv = {&kv[i], 1};
        lh_buf_t b;
        lh_buf_init(&b, 0);
        if (i == 1) /* a name that needs %-encoding in the log */
            lh_buf_puts(&b, "ds=2026-11-27/part one.parquet");
        else
            CHECK_EQ_INT(lh_delta_data_path(&b, pcols, 1, &pv, i, "snappy", &e), 0);
        paths[i] = lh_buf_take(&b, NULL);
        adds[i] = (lh_delta_add_t){.path = paths[i], .partition_values = pv, .data_change = true};
        CHECK_EQ_INT(put_file(os, local, paths[i], &adds[i].size), 0);
    }
    CHECK_EQ_INT(lh_delta_append(t, adds, 3, &v, &e), 0);
    const char *d26[] = {"2026-11-26"};
    lh_delta_pred_t where = {"ds", d26, 1};
    CHECK_EQ_INT(lh_delta_replace_where(t, &where, 1, &adds[3], 1, &v, &e), 0);
    CHECK_EQ_INT(v, 2);

    snprintf(out, sizeof out, "%s/table", tmp);
    copy_t cp = {.os = os, .dir = out, .skip = strlen("gold/duck/")};
    CHECK_EQ_INT(lh_objstore_list(os, "lake", "gold/duck/", NULL, copy_out, &cp, &e), 0);
    CHECK(!cp.failed);
    snprintf(cmd, sizeof cmd, "cd '%s/tests/js' && node delta_duckdb.mjs '%s' > '%s/v2.json'", root,
             out, tmp);
    CHECK_EQ_INT(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "cd '%s/tests/js' && node delta_duckdb.mjs '%s' 1 > '%s/v1.json'",
             root, out, tmp);
    CHECK_EQ_INT(run(cmd), 0);

    char path[800];
    snprintf(path, sizeof path, "%s/v2.json", tmp);
    char *got = slurp(path, NULL);
    CHECK(got);
    CHECK(strstr(got, "\"version\":2,"));
    CHECK(strstr(
        got, "\"rows\":[\"{\\\"ds\\\":\\\"2026-11-26\\\",\\\"id\\\":5,\\\"name\\\":\\\"e\\\"}\","
             "\"{\\\"ds\\\":\\\"2026-11-27\\\",\\\"id\\\":3,\\\"name\\\":\\\"c d\\\"}\","
             "\"{\\\"ds\\\":null,\\\"id\\\":4,\\\"name\\\":null}\"]"));
    CHECK(strstr(got, "\"ds=2026-11-27/part one.parquet\""));
    free(got);
    snprintf(path, sizeof path, "%s/v1.json", tmp);
    got = slurp(path, NULL);
    CHECK(got);
    CHECK(strstr(got, "\"version\":1,"));
    CHECK(strstr(got, "\\\"id\\\":1,") && strstr(got, "\\\"id\\\":2,") &&
          strstr(got, "\\\"id\\\":3,") && strstr(got, "\\\"id\\\":4,") &&
          !strstr(got, "\\\"id\\\":5,"));
    free(got);
    for (int i = 0; i < 4; i++)
        free(paths[i]);
    lh_arena_free(a);
    lh_delta_close(t);
    lh_objstore_close(os);
    lh_store_close(st);
}

static const lh_test_t tests[] = {
    {"duckdb_reads_our_log", duckdb_reads_our_log},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
