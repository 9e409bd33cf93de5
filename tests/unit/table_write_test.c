/* Writing rows into Delta tables (table/table.h): rows split by partition
 * into Parquet files with statistics, one commit per write; append,
 * overwrite and replace-where; a table created or replaced by the commit
 * that adds its rows; files rolled at file_rows; wrong batches and
 * rows outside a replace-where refused; kill -9 after the files are
 * uploaded and before the log entry leaves the previous version and
 * orphans that vacuum removes (remote back end, two processes). */
#include <signal.h>
#include <sys/wait.h>

#include "core/arena.h"
#include "parquet/meta.h"
#include "parquet/reader.h"
#include "server_fixture.h"
#include "store/engine.h"
#include "table/delta.h"
#include "table/table.h"
#include "table/table_int.h"
#include "test.h"
#include "tmpdir.h"

#define B "lake"
#define DAY0 20418 /* 2025-11-26 */

/* id BIGINT, name VARCHAR, amount DECIMAL(38,0), at TIMESTAMPTZ, ds DATE (partition) */
static lh_type_t g_types[5];
static const char *g_names[5] = {"id", "name", "amount", "at", "ds"};

static int make_table(lh_delta_table_t *t, lh_arena_t *a, lh_err_t *e)
{
    g_types[0] = lh_type(LH_TYPE_BIGINT);
    g_types[1] = lh_type(LH_TYPE_VARCHAR);
    g_types[2] = lh_type_decimal(38, 0);
    g_types[3] = lh_type(LH_TYPE_TIMESTAMP_TZ);
    g_types[4] = lh_type(LH_TYPE_DATE);
    lh_field_t f[5];
    for (int i = 0; i < 5; i++)
        f[i] = (lh_field_t){g_names[i], g_types[i]};
    lh_type_t st;
    lh_delta_schema_t s;
    int rc = lh_type_struct(a, f, 5, &st);
    if (!rc) rc = lh_delta_schema_from_type(a, &st, &s, e);
    static const char *const pcols[] = {"ds"};
    lh_delta_create_t c = {.schema = &s, .partition_columns = pcols, .npartition_columns = 1};
    int64_t v;
    if (!rc) rc = lh_delta_create(t, &c, &v, e);
    return rc;
}

/* Rows first..first+n: id i, name "n<i%7>", amount i * 10^20, at i seconds,
 * ds DAY0 + i % ndays; every 10th name NULL. */
static int write_rows(lh_table_writer_t *w, int64_t first, int64_t n, int ndays, lh_err_t *e)
{
    lh_batch_t *b;
    int rc = lh_batch_new(g_types, 5, &b);
    if (rc) return rc;
    for (int64_t i = first; !rc && i < first + n;) {
        lh_batch_reset(b);
        uint32_t r = 0;
        for (; r < LH_BATCH_ROWS && i < first + n; r++, i++) {
            char name[16];
            snprintf(name, sizeof name, "n%d", (int)(i % 7));
            lh_int128_t amount = (lh_int128_t)i * 100000000000000000 * 1000;
            lh_value_t vals[5] = {
                lh_value_int(LH_TYPE_BIGINT, i),
                i % 10 ? lh_value_varchar(name, strlen(name)) : lh_value_null(g_types[1]),
                lh_value_decimal(38, 0, amount),
                lh_value_int(LH_TYPE_TIMESTAMP_TZ, i * 1000000),
                lh_value_int(LH_TYPE_DATE, DAY0 + (ndays ? i % ndays : 0)),
            };
            for (int c = 0; c < 5 && !rc; c++)
                rc = lh_vector_set_value(&b->cols[c], r, &vals[c]);
        }
        b->count = r;
        if (!rc) rc = lh_table_writer_write(w, b, e);
    }
    lh_batch_free(b);
    return rc;
}

static int64_t total_records(const lh_delta_snapshot_t *s, lh_arena_t *a)
{
    int64_t n = 0;
    for (size_t i = 0; i < s->nfiles; i++) {
        lh_delta_file_stats_t fs;
        lh_err_t e = {0};
        if (!s->files[i].stats || lh_delta_stats_parse(a, s->files[i].stats, &s->schema, &fs, &e) ||
            fs.num_records < 0)
            return -1;
        n += fs.num_records;
    }
    return n;
}

static int write_table(lh_delta_table_t *t, lh_delta_mode_t mode, const lh_delta_pred_t *where,
                       size_t nwhere, int64_t first, int64_t n, int ndays, int64_t file_rows,
                       int64_t *v, lh_err_t *e)
{
    lh_table_write_opts_t o;
    lh_table_write_opts_default(&o);
    o.mode = mode;
    o.where = where;
    o.nwhere = nwhere;
    o.file_rows = file_rows;
    o.parquet.row_group_rows = 3000;
    lh_table_writer_t *w;
    int rc = lh_table_writer_open(t, &o, &w, e);
    if (rc) return rc;
    rc = write_rows(w, first, n, ndays, e);
    if (!rc) rc = lh_table_writer_commit(w, v, e);
    lh_table_writer_free(w);
    return rc;
}

static void c_append_overwrite_replace(lh_objstore_t *os)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_delta_table_t *t;
    lh_err_t e = {0};
    int64_t v = -1;
    CHECK_EQ_INT(lh_delta_open(&t, os, B, "silver/tw", &e), 0);
    CHECK_EQ_INT(make_table(t, a, &e), 0);

    /* 10,000 rows over 3 days, files of at most 2,000 rows */
    int rc = write_table(t, LH_DELTA_APPEND, NULL, 0, 0, 10000, 3, 2000, &v, &e);
    if (rc) fprintf(stderr, "  %s\n", e.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(v, 1);
    lh_delta_snapshot_t *s;
    CHECK_EQ_INT(lh_delta_snapshot_latest(t, &s, &e), 0);
    CHECK_EQ_INT(total_records(s, a), 10000);
    /* 3334/3333/3333 rows per day: two files each */
    CHECK_EQ_INT(s->nfiles, 6);
    int64_t bytes = 0;
    for (size_t i = 0; i < s->nfiles; i++) {
        const lh_delta_add_t *f = &s->files[i];
        CHECK(!strncmp(f->path, "ds=2025-11-2", 12));
        CHECK(strstr(f->path, ".zstd.parquet") != NULL);
        const char *ds = lh_delta_map_get(&f->partition_values, "ds", NULL);
        CHECK(ds && !strncmp(f->path + 3, ds, 10));
        /* the object is a Parquet file of that size whose footer says
         * the rows the stats say */
        char key[512];
        snprintf(key, sizeof key, "silver/tw/%s", f->path);
        lh_buf_t body;
        lh_buf_init(&body, 0);
        CHECK_EQ_INT(lh_objstore_get_buf(os, B, key, 0, -1, &body, NULL, &e), 0);
        CHECK_EQ_INT(body.len, f->size);
        CHECK(!memcmp(body.ptr, "PAR1", 4) && !memcmp(body.ptr + body.len - 4, "PAR1", 4));
        lh_delta_file_stats_t fs;
        CHECK_EQ_INT(lh_delta_stats_parse(a, f->stats, &s->schema, &fs, &e), 0);
        CHECK(fs.num_records > 0 && fs.num_records <= 2000);
        /* id min/max and the name null count are recorded; ds is not in the file */
        bool saw_id = false, saw_name = false;
        for (size_t c = 0; c < fs.ncols; c++) {
            if (!strcmp(fs.cols[c].path, "id")) {
                saw_id = true;
                CHECK(!fs.cols[c].min.is_null && !fs.cols[c].max.is_null);
                CHECK(fs.cols[c].min.v.i <= fs.cols[c].max.v.i);
                CHECK_EQ_INT(fs.cols[c].null_count, 0);
            }
            if (!strcmp(fs.cols[c].path, "name")) {
                saw_name = true;
                CHECK(fs.cols[c].null_count > 0);
            }
        }
        CHECK(saw_id && saw_name);
        CHECK(strstr(f->stats, "\"ds\"") == NULL);
        bytes += f->size;
        lh_buf_free(&body);
    }
    CHECK_EQ_INT(s->bytes, bytes);
    lh_delta_snapshot_free(s);

    /* replace-where one day: its files go, the new rows come, others stay */
    static const char *const day1[] = {"2025-11-27"};
    lh_delta_pred_t where = {"ds", day1, 1};
    rc = write_table(t, LH_DELTA_REPLACE_WHERE, &where, 1, 1000000, 500, 0, 2000, &v, &e);
    /* rows all on DAY0: outside the predicate, refused before any commit */
    CHECK_EQ_INT(rc, LH_EINVAL);
    CHECK(strstr(e.msg, "outside the replace-where") != NULL);
    static const char *const day0[] = {"2025-11-26"};
    where.values = day0;
    rc = write_table(t, LH_DELTA_REPLACE_WHERE, &where, 1, 1000000, 500, 0, 2000, &v, &e);
    if (rc) fprintf(stderr, "  %s\n", e.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(v, 2);
    CHECK_EQ_INT(lh_delta_snapshot_latest(t, &s, &e), 0);
    CHECK_EQ_INT(total_records(s, a), 10000 - 3334 + 500);
    CHECK_EQ_INT(s->nfiles, 5);
    lh_delta_snapshot_free(s);

    /* overwrite: one file of everything new */
    CHECK_EQ_INT(write_table(t, LH_DELTA_OVERWRITE, NULL, 0, 0, 100, 1, 2000, &v, &e), 0);
    CHECK_EQ_INT(v, 3);
    CHECK_EQ_INT(lh_delta_snapshot_latest(t, &s, &e), 0);
    CHECK_EQ_INT(total_records(s, a), 100);
    CHECK_EQ_INT(s->nfiles, 1);
    lh_delta_snapshot_free(s);
    /* time travel still sees version 1 */
    CHECK_EQ_INT(lh_delta_snapshot_at_version(t, 1, &s, &e), 0);
    CHECK_EQ_INT(total_records(s, a), 10000);
    lh_delta_snapshot_free(s);
    lh_delta_close(t);
    lh_arena_free(a);
}

static void c_refusals(lh_objstore_t *os)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_delta_table_t *t;
    lh_err_t e = {0};
    lh_table_write_opts_t o;
    lh_table_write_opts_default(&o);
    lh_table_writer_t *w;
    CHECK_EQ_INT(lh_delta_open(&t, os, B, "silver/none", &e), 0);
    CHECK_EQ_INT(lh_table_writer_open(t, &o, &w, &e), LH_ENOENT);
    lh_delta_close(t);

    CHECK_EQ_INT(lh_delta_open(&t, os, B, "silver/ref", &e), 0);
    CHECK_EQ_INT(make_table(t, a, &e), 0);
    static const char *const vals[] = {"x"};
    lh_delta_pred_t bad = {"id", vals, 1};
    o.mode = LH_DELTA_REPLACE_WHERE;
    CHECK_EQ_INT(lh_table_writer_open(t, &o, &w, &e), LH_EINVAL);
    o.where = &bad;
    o.nwhere = 1;
    CHECK_EQ_INT(lh_table_writer_open(t, &o, &w, &e), LH_EINVAL);
    CHECK(strstr(e.msg, "not a partition column") != NULL);
    lh_table_write_opts_default(&o);
    CHECK_EQ_INT(lh_table_writer_open(t, &o, &w, &e), 0);
    lh_type_t wrong[5] = {lh_type(LH_TYPE_INTEGER), g_types[1], g_types[2], g_types[3], g_types[4]};
    lh_batch_t *b;
    CHECK_EQ_INT(lh_batch_new(wrong, 5, &b), 0);
    b->count = 1;
    CHECK_EQ_INT(lh_table_writer_write(w, b, &e), LH_EINVAL);
    CHECK(strstr(e.msg, "column 'id' is BIGINT, the batch has INTEGER") != NULL);
    lh_batch_free(b);
    /* an empty append still commits a version */
    int64_t v;
    CHECK_EQ_INT(lh_table_writer_commit(w, &v, &e), 0);
    CHECK_EQ_INT(v, 1);
    lh_table_writer_free(w);
    lh_delta_close(t);
    lh_arena_free(a);
}

static void emb_case(void (*fn)(lh_objstore_t *))
{
    const char *dir = lh_test_tmpdir();
    lh_store_t *st = NULL;
    lh_objstore_t *os = NULL;
    lh_err_t err = {0};
    int rc = lh_store_open(&st, dir, &err);
    if (!rc) rc = lh_objstore_open_embedded(&os, st, NULL, &err);
    if (!rc) rc = lh_objstore_bucket_create(os, B, &err);
    if (rc) fprintf(stderr, "  embedded setup: %s\n", err.msg);
    if (!rc) fn(os);
    lh_objstore_close(os);
    lh_store_close(st);
    lh_test_rmtree(dir);
    CHECK_EQ_INT(rc, 0);
}

static void emb_append_overwrite_replace(void)
{
    emb_case(c_append_overwrite_replace);
}

static void emb_refusals(void)
{
    emb_case(c_refusals);
}

/* Sum and count of ids over every live file, read back with the Parquet
 * reader (partition values are not in the files). */
static int read_ids(lh_objstore_t *os, const char *root, const lh_delta_snapshot_t *s,
                    int64_t *count, int64_t *sum)
{
    *count = *sum = 0;
    for (size_t i = 0; i < s->nfiles; i++) {
        char key[512];
        snprintf(key, sizeof key, "%s/%s", root, s->files[i].path);
        lh_pq_reader_t *r;
        lh_err_t e = {0};
        int rc = lh_pq_reader_open_object(os, B, key, &r, &e);
        if (!rc) rc = lh_pq_reader_scan(r, NULL, &e);
        lh_batch_t *b;
        while (!rc && !(rc = lh_pq_reader_next(r, &b, &e)) && b)
            for (uint32_t k = 0; k < b->count; k++) {
                lh_value_t v;
                if ((rc = lh_vector_get_value(&b->cols[0], k, &v))) break;
                *sum += v.v.i;
                ++*count;
            }
        lh_pq_reader_close(r);
        if (rc) {
            fprintf(stderr, "  %s: %s\n", key, e.msg);
            return rc;
        }
    }
    return 0;
}

static void c_optimize(lh_objstore_t *os)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_delta_table_t *t;
    lh_err_t e = {0};
    int64_t v = -1, count, sum;
    CHECK_EQ_INT(lh_delta_open(&t, os, B, "silver/opt", &e), 0);
    CHECK_EQ_INT(make_table(t, a, &e), 0);
    for (int k = 0; k < 6; k++) /* 6 appends of 300 rows over 2 days: 12 small files */
        CHECK_EQ_INT(write_table(t, LH_DELTA_APPEND, NULL, 0, 300 * k, 300, 2, 1000, &v, &e), 0);
    lh_delta_snapshot_t *s;
    CHECK_EQ_INT(lh_delta_snapshot_latest(t, &s, &e), 0);
    CHECK_EQ_INT(s->nfiles, 12);
    int64_t before_count, before_sum;
    CHECK_EQ_INT(read_ids(os, "silver/opt", s, &before_count, &before_sum), 0);
    CHECK_EQ_INT(before_count, 1800);
    lh_delta_snapshot_free(s);

    lh_table_optimize_opts_t o;
    lh_table_optimize_opts_default(&o);
    lh_table_optimize_result_t r;
    int rc = lh_table_optimize(t, &o, &r, &e);
    if (rc) fprintf(stderr, "  %s\n", e.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(r.version, 7);
    CHECK_EQ_INT(r.partitions, 2);
    CHECK_EQ_INT(r.files_removed, 12);
    CHECK_EQ_INT(r.files_added, 2);
    CHECK_EQ_INT(r.rows, 1800);
    CHECK_EQ_INT(lh_delta_snapshot_latest(t, &s, &e), 0);
    CHECK_EQ_INT(s->nfiles, 2);
    CHECK_EQ_INT(total_records(s, a), 1800);
    CHECK_EQ_INT(read_ids(os, "silver/opt", s, &count, &sum), 0);
    CHECK_EQ_INT(count, before_count);
    CHECK_EQ_INT(sum, before_sum);
    for (size_t i = 0; i < s->nfiles; i++) /* each file keeps its partition */
        CHECK(!strncmp(s->files[i].path, "ds=", 3) &&
              !strncmp(s->files[i].path + 3,
                       lh_delta_map_get(&s->files[i].partition_values, "ds", NULL), 10));
    lh_delta_snapshot_free(s);
    /* the commit says OPTIMIZE and changes no data */
    lh_buf_t log;
    lh_buf_init(&log, 0);
    CHECK_EQ_INT(lh_objstore_get_buf(os, B, "silver/opt/_delta_log/00000000000000000007.json", 0,
                                     -1, &log, NULL, &e),
                 0);
    CHECK(strstr(log.ptr, "\"operation\":\"OPTIMIZE\"") != NULL);
    CHECK(strstr(log.ptr, "\"dataChange\":true") == NULL);
    lh_buf_free(&log);
    /* again: nothing small enough to gain from, no commit */
    CHECK_EQ_INT(lh_table_optimize(t, &o, &r, &e), 0);
    CHECK_EQ_INT(r.files_removed, 0);
    CHECK_EQ_INT(r.version, 7);
    /* time travel still reads the 12 files of version 6 */
    CHECK_EQ_INT(lh_delta_snapshot_at_version(t, 6, &s, &e), 0);
    CHECK_EQ_INT(s->nfiles, 12);
    lh_delta_snapshot_free(s);
    lh_delta_close(t);
    lh_arena_free(a);
}

static void emb_optimize(void)
{
    emb_case(c_optimize);
}

/* Replace-where on rows: the rows matching id in [1000, 1500) are deleted
 * from the files holding them and 100 new rows added, in one commit; files
 * without matching rows stay as they are. */
static void c_replace_rows(lh_objstore_t *os)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_delta_table_t *t;
    lh_err_t e = {0};
    int64_t v = -1, count, sum;
    CHECK_EQ_INT(lh_delta_open(&t, os, B, "silver/rows", &e), 0);
    CHECK_EQ_INT(make_table(t, a, &e), 0);
    for (int k = 0; k < 3; k++) /* three appends of 1000 ids, over 2 days: 6 files */
        CHECK_EQ_INT(write_table(t, LH_DELTA_APPEND, NULL, 0, 1000 * k, 1000, 2, 100000, &v, &e),
                     0);
    lh_delta_snapshot_t *s;
    CHECK_EQ_INT(lh_delta_snapshot_latest(t, &s, &e), 0);
    CHECK_EQ_INT(s->nfiles, 6);
    lh_delta_snapshot_free(s);

    lh_pred_t where[2] = {
        {.column = {1, {0}}, .op = LH_PRED_GE, .value = lh_value_int(LH_TYPE_BIGINT, 1000)},
        {.column = {1, {0}}, .op = LH_PRED_LT, .value = lh_value_int(LH_TYPE_BIGINT, 1500)},
    };
    lh_table_write_opts_t o;
    lh_table_write_opts_default(&o);
    o.row_where = where;
    o.nrow_where = 2;
    lh_table_writer_t *w;
    /* a row outside the predicate is refused */
    CHECK_EQ_INT(lh_table_writer_open(t, &o, &w, &e), 0);
    CHECK_EQ_INT(write_rows(w, 999, 2, 2, &e), LH_EINVAL);
    CHECK(strstr(e.msg, "outside the replace-where predicate") != NULL);
    lh_table_writer_free(w);
    /* the first row outside it is named, past rows inside (1400..1499 are) */
    CHECK_EQ_INT(lh_table_writer_open(t, &o, &w, &e), 0);
    CHECK_EQ_INT(write_rows(w, 1400, 200, 2, &e), LH_EINVAL);
    CHECK(strstr(e.msg, "row 100 of the batch is outside the replace-where predicate") != NULL);
    lh_table_writer_free(w);
    CHECK_EQ_INT(lh_table_writer_open(t, &o, &w, &e), 0);
    CHECK_EQ_INT(write_rows(w, 1000, 100, 2, &e), 0);
    int rc = lh_table_writer_commit(w, &v, &e);
    if (rc) fprintf(stderr, "  %s\n", e.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(v, 4);
    lh_table_writer_free(w);
    CHECK_EQ_INT(lh_delta_snapshot_latest(t, &s, &e), 0);
    CHECK_EQ_INT(total_records(s, a), 3000 - 500 + 100);
    CHECK_EQ_INT(read_ids(os, "silver/rows", s, &count, &sum), 0);
    CHECK_EQ_INT(count, 2600);
    int64_t want = 0;
    for (int64_t i = 0; i < 3000; i++)
        if (i < 1000 || i >= 1500) want += i;
    for (int64_t i = 1000; i < 1100; i++)
        want += i;
    CHECK_EQ_INT(sum, want);
    /* the first and last appends' 4 files are untouched; the middle one's 2
     * are rewritten, their kept rows sharing a file per day with the new ones */
    CHECK_EQ_INT(s->nfiles, 6);

    /* ids [0, 1000): the first append's two files hold nothing else, as their
     * statistics prove, so they are dropped unread; the others are not whole */
    lh_pred_t first[2] = {
        {.column = {1, {0}}, .op = LH_PRED_GE, .value = lh_value_int(LH_TYPE_BIGINT, 0)},
        {.column = {1, {0}}, .op = LH_PRED_LT, .value = lh_value_int(LH_TYPE_BIGINT, 1000)},
    };
    int whole = 0, whole_where = 0;
    for (size_t i = 0; i < s->nfiles; i++) {
        whole += lh__table_file_matches(a, s, &s->files[i], first, 2) == LH__FILE_ALL;
        whole_where += lh__table_file_matches(a, s, &s->files[i], where, 2) == LH__FILE_ALL;
    }
    CHECK_EQ_INT(whole, 2);
    CHECK_EQ_INT(whole_where, 0); /* [1000, 1500) shares its files with ids 1500.. */
    lh_delta_snapshot_free(s);
    o.row_where = first;
    CHECK_EQ_INT(lh_table_writer_open(t, &o, &w, &e), 0);
    CHECK_EQ_INT(write_rows(w, 0, 50, 2, &e), 0);
    CHECK_EQ_INT(lh_table_writer_commit(w, &v, &e), 0);
    lh_table_writer_free(w);
    CHECK_EQ_INT(lh_delta_snapshot_latest(t, &s, &e), 0);
    CHECK_EQ_INT(read_ids(os, "silver/rows", s, &count, &sum), 0);
    CHECK_EQ_INT(count, 2600 - 1000 + 50);
    CHECK_EQ_INT(sum, want - 999 * 1000 / 2 + 49 * 50 / 2);
    lh_delta_snapshot_free(s);
    lh_delta_close(t);
    lh_arena_free(a);
}

static void emb_replace_rows(void)
{
    emb_case(c_replace_rows);
}

/* An unpartitioned table: every row in one part, files rolled at file_rows. */
static void c_unpartitioned(lh_objstore_t *os)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_delta_table_t *t;
    lh_err_t e = {0};
    int64_t v;
    lh_type_t types[2] = {lh_type(LH_TYPE_BIGINT), lh_type(LH_TYPE_VARCHAR)};
    lh_field_t f[2] = {{"id", types[0]}, {"s", types[1]}};
    lh_type_t row;
    lh_delta_schema_t sch;
    lh_delta_create_t c = {.schema = &sch};
    CHECK_EQ_INT(lh_delta_open(&t, os, B, "silver/flat", &e), 0);
    CHECK_EQ_INT(lh_type_struct(a, f, 2, &row), 0);
    CHECK_EQ_INT(lh_delta_schema_from_type(a, &row, &sch, &e), 0);
    CHECK_EQ_INT(lh_delta_create(t, &c, &v, &e), 0);
    lh_table_write_opts_t o;
    lh_table_write_opts_default(&o);
    o.file_rows = 3000;
    lh_table_writer_t *w;
    lh_batch_t *b;
    CHECK_EQ_INT(lh_table_writer_open(t, &o, &w, &e), 0);
    CHECK_EQ_INT(lh_batch_new(types, 2, &b), 0);
    for (int64_t i = 0; i < 5000;) {
        lh_batch_reset(b);
        uint32_t r = 0;
        for (; r < LH_BATCH_ROWS && i < 5000; r++, i++) {
            lh_value_t id = lh_value_int(LH_TYPE_BIGINT, i), sv = lh_value_varchar("x", 1);
            CHECK_EQ_INT(lh_vector_set_value(&b->cols[0], r, &id), 0);
            CHECK_EQ_INT(lh_vector_set_value(&b->cols[1], r, &sv), 0);
        }
        b->count = r;
        CHECK_EQ_INT(lh_table_writer_write(w, b, &e), 0);
    }
    CHECK_EQ_INT(lh_table_writer_commit(w, &v, &e), 0);
    lh_table_writer_free(w);
    lh_batch_free(b);
    lh_delta_snapshot_t *s;
    CHECK_EQ_INT(lh_delta_snapshot_latest(t, &s, &e), 0);
    CHECK_EQ_INT(s->nfiles, 2);
    CHECK_EQ_INT(total_records(s, a), 5000);
    for (size_t i = 0; i < s->nfiles; i++)
        CHECK(!strncmp(s->files[i].path, "part-", 5)); /* no partition directory */
    lh_delta_snapshot_free(s);
    lh_delta_close(t);
    lh_arena_free(a);
}

static void emb_unpartitioned(void)
{
    emb_case(c_unpartitioned);
}

/* A writer whose commit creates the table (opts.create): version 0 holds
 * the metaData and the files; again with APPEND is LH_EEXIST; with
 * OVERWRITE it replaces the table (a new schema, the old files removed,
 * the id kept) in one commit. */
static int create_write(lh_delta_table_t *t, const lh_delta_create_t *c, lh_delta_mode_t mode,
                        int64_t n, int64_t *v, lh_err_t *e)
{
    lh_table_write_opts_t o;
    lh_table_write_opts_default(&o);
    o.create = c;
    o.mode = mode;
    lh_table_writer_t *w;
    int rc = lh_table_writer_open(t, &o, &w, e);
    if (rc) return rc;
    rc = write_rows(w, 0, n, 3, e);
    if (!rc) rc = lh_table_writer_commit(w, v, e);
    lh_table_writer_free(w);
    return rc;
}

static void c_create_with_rows(lh_objstore_t *os)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_delta_table_t *t;
    lh_err_t e = {0};
    int64_t v = -1;
    lh_delta_table_t *probe;
    CHECK_EQ_INT(lh_delta_open(&probe, os, B, "silver/ctas", &e), 0);
    CHECK_EQ_INT(make_table(probe, a, &e), 0); /* fills g_types; a table elsewhere */
    lh_delta_close(probe);
    lh_field_t f[5];
    for (int i = 0; i < 5; i++)
        f[i] = (lh_field_t){g_names[i], g_types[i]};
    lh_type_t st;
    lh_delta_schema_t s;
    CHECK_EQ_INT(lh_type_struct(a, f, 5, &st), 0);
    CHECK_EQ_INT(lh_delta_schema_from_type(a, &st, &s, &e), 0);
    static const char *const pcols[] = {"ds"};
    lh_delta_create_t c = {.schema = &s, .partition_columns = pcols, .npartition_columns = 1};
    CHECK_EQ_INT(lh_delta_open(&t, os, B, "gold/ctas", &e), 0);
    CHECK_EQ_INT(create_write(t, &c, LH_DELTA_APPEND, 5000, &v, &e), 0);
    CHECK_EQ_INT(v, 0);
    lh_delta_snapshot_t *snap;
    CHECK_EQ_INT(lh_delta_snapshot_latest(t, &snap, &e), 0);
    CHECK_EQ_INT(snap->nfiles, 3);
    CHECK_EQ_INT(total_records(snap, a), 5000);
    char *id = strdup(snap->metadata.id);
    lh_delta_snapshot_free(snap);
    CHECK_EQ_INT(create_write(t, &c, LH_DELTA_APPEND, 10, &v, &e), LH_EEXIST);
    /* replace: id and ds only, unpartitioned */
    lh_delta_schema_t s2;
    lh_field_t f2[2] = {f[0], f[4]};
    CHECK_EQ_INT(lh_type_struct(a, f2, 2, &st), 0);
    CHECK_EQ_INT(lh_delta_schema_from_type(a, &st, &s2, &e), 0);
    lh_delta_create_t c2 = {.schema = &s2};
    lh_table_write_opts_t o;
    lh_table_write_opts_default(&o);
    o.create = &c2;
    o.mode = LH_DELTA_OVERWRITE;
    lh_table_writer_t *w;
    lh_batch_t *b;
    lh_type_t types2[2] = {g_types[0], g_types[4]};
    CHECK_EQ_INT(lh_table_writer_open(t, &o, &w, &e), 0);
    CHECK_EQ_INT(lh_batch_new(types2, 2, &b), 0);
    for (uint32_t r = 0; r < 7; r++) {
        lh_value_t id_v = lh_value_int(LH_TYPE_BIGINT, r), ds_v = lh_value_int(LH_TYPE_DATE, DAY0);
        CHECK_EQ_INT(lh_vector_set_value(&b->cols[0], r, &id_v), 0);
        CHECK_EQ_INT(lh_vector_set_value(&b->cols[1], r, &ds_v), 0);
    }
    b->count = 7;
    CHECK_EQ_INT(lh_table_writer_write(w, b, &e), 0);
    CHECK_EQ_INT(lh_table_writer_commit(w, &v, &e), 0);
    CHECK_EQ_INT(v, 1);
    lh_batch_free(b);
    lh_table_writer_free(w);
    CHECK_EQ_INT(lh_delta_snapshot_latest(t, &snap, &e), 0);
    CHECK_EQ_INT(snap->schema.ncolumns, 2);
    CHECK_EQ_INT(snap->metadata.npartition_columns, 0);
    CHECK_EQ_INT(snap->nfiles, 1);
    CHECK_EQ_INT(snap->nremoved, 3);
    CHECK_EQ_INT(total_records(snap, a), 7);
    CHECK_EQ_STR(snap->metadata.id, id);
    lh_delta_snapshot_free(snap);
    lh_delta_history_t h;
    CHECK_EQ_INT(lh_delta_history(t, 0, &h, &e), 0);
    CHECK_EQ_INT(h.n, 2);
    CHECK_EQ_STR(h.entries[0].operation, "CREATE OR REPLACE TABLE AS SELECT");
    CHECK_EQ_STR(h.entries[1].operation, "CREATE TABLE AS SELECT");
    lh_delta_history_free(&h);
    free(id);
    lh_delta_close(t);
    lh_arena_free(a);
}

static void emb_create_with_rows(void)
{
    emb_case(c_create_with_rows);
}

static int remote_lake(lh_objstore_t **os, lh_err_t *err)
{
    if (g_remote_error[0]) return lh_err_set(err, LH_EIO, "%s", g_remote_error);
    int rc = remote_open(os, err);
    if (!rc) rc = lh_objstore_bucket_create(*os, B, err);
    return rc == LH_EEXIST ? 0 : rc;
}

static int count_data(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *m)
{
    (void)is_prefix, (void)m;
    if (strstr(key, ".parquet") && !strstr(key, "_delta_log")) ++*(int *)arg;
    return 0;
}

/* kill -9 after the data files are uploaded, before the log entry. */
static void s3_kill_before_log(void)
{
    lh_objstore_t *os = NULL;
    lh_delta_table_t *t;
    lh_err_t e = {0};
    lh_arena_t *a = lh_arena_new(0);
    int64_t v;
    int rc = remote_lake(&os, &e);
    if (rc) fprintf(stderr, "  remote setup: %s\n", e.msg);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(lh_delta_open(&t, os, B, "silver/kill", &e), 0);
    CHECK_EQ_INT(make_table(t, a, &e), 0);
    CHECK_EQ_INT(write_table(t, LH_DELTA_APPEND, NULL, 0, 0, 3000, 1, 100000, &v, &e), 0);
    fflush(NULL);
    pid_t kid = fork();
    if (kid == 0) {
        lh_objstore_t *cos = NULL;
        lh_delta_table_t *ct = NULL;
        lh_err_t ce = {0};
        lh_table_write_opts_t o;
        lh_table_write_opts_default(&o);
        o.file_rows = 1000; /* files are uploaded while rows arrive */
        lh_table_writer_t *w;
        if (remote_open(&cos, &ce) || lh_delta_open(&ct, cos, B, "silver/kill", &ce) ||
            lh_table_writer_open(ct, &o, &w, &ce) || write_rows(w, 0, 5000, 2, &ce)) {
            fprintf(stderr, "child: %s\n", ce.msg);
            _exit(2);
        }
#if defined(LH_TEST_HOOKS) && LH_TEST_HOOKS
        setenv("LAKEHOUSE_CRASH_AT", "table_before_log", 1);
        lh_table_writer_commit(w, &v, &ce); /* dies at the crash point */
#else
        raise(SIGKILL); /* no crash points in this build: the same moment by hand */
#endif
        _exit(4);
    }
    int st = 0;
    waitpid(kid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    int files = 0;
    CHECK_EQ_INT(lh_objstore_list(os, B, "silver/kill/", NULL, count_data, &files, &e), 0);
    CHECK(files > 1); /* the one committed file and the orphans */
    lh_delta_snapshot_t *s;
    CHECK_EQ_INT(lh_delta_snapshot_latest(t, &s, &e), 0);
    CHECK_EQ_INT(s->version, 1);
    CHECK_EQ_INT(total_records(s, a), 3000);
    lh_delta_snapshot_free(s);
    lh_delta_vacuum_opts_t vo = {.retention_hours = 0};
    lh_delta_vacuum_result_t r;
    CHECK_EQ_INT(lh_delta_vacuum(t, &vo, &r, &e), 0);
    CHECK_EQ_INT(r.files, files - 1);
    files = 0;
    CHECK_EQ_INT(lh_objstore_list(os, B, "silver/kill/", NULL, count_data, &files, &e), 0);
    CHECK_EQ_INT(files, 1);
    CHECK_EQ_INT(lh_delta_snapshot_latest(t, &s, &e), 0);
    CHECK_EQ_INT(total_records(s, a), 3000);
    lh_delta_snapshot_free(s);
    lh_delta_close(t);
    lh_objstore_close(os);
    lh_arena_free(a);
}

/* A part's data file open (its first 2048 rows of one day written) while
 * rows of twelve more days arrive: the parts array grows (realloc) under the
 * open Parquet writer, whose output must not move with it (it wrote into the
 * freed array once the file writer became part of the part). */
static void c_many_parts(lh_objstore_t *os)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_delta_table_t *t;
    lh_err_t e = {0};
    int64_t v = -1;
    CHECK_EQ_INT(lh_delta_open(&t, os, B, "silver/mp", &e), 0);
    CHECK_EQ_INT(make_table(t, a, &e), 0);
    lh_table_write_opts_t o;
    lh_table_write_opts_default(&o);
    o.mode = LH_DELTA_APPEND;
    lh_table_writer_t *w;
    CHECK_EQ_INT(lh_table_writer_open(t, &o, &w, &e), 0);
    int rc = write_rows(w, 0, 2048, 1, &e);          /* part 0's file opened */
    if (!rc) rc = write_rows(w, 2048, 4096, 12, &e); /* parts 1..11: realloc */
    if (!rc) rc = lh_table_writer_commit(w, &v, &e);
    if (rc) fprintf(stderr, "  %s\n", e.msg);
    CHECK_EQ_INT(rc, 0);
    lh_table_writer_free(w);
    lh_delta_snapshot_t *s;
    CHECK_EQ_INT(lh_delta_snapshot_latest(t, &s, &e), 0);
    int64_t count = 0, sum = 0;
    rc = read_ids(os, "silver/mp", s, &count, &sum);
    if (rc) fprintf(stderr, "  read_ids rc=%d\n", rc);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(count, 6144);
    CHECK_EQ_INT(sum, (int64_t)6143 * 6144 / 2); /* ids 0..6143, each once */
    lh_delta_snapshot_free(s);
    lh_delta_close(t);
    lh_arena_free(a);
}
static void emb_many_parts(void)
{
    emb_case(c_many_parts);
}

static const lh_test_t tests[] = {
    {"emb/append_overwrite_replace", emb_append_overwrite_replace},
    {"emb/refusals", emb_refusals},
    {"emb/optimize", emb_optimize},
    {"emb/replace_rows", emb_replace_rows},
    {"emb/unpartitioned", emb_unpartitioned},
    {"emb/create_with_rows", emb_create_with_rows},
    {"s3/kill_before_log", s3_kill_before_log},
    {"emb/many_parts", emb_many_parts},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return remote_test_main(tests, argc, argv);
}
