/* The Parquet writer on several threads (opts.threads, opts.pool): the same
 * batches written on 1, 2 and 3 threads and on a borrowed pool give the same
 * bytes, for every column type with nesting, several row groups, dictionary,
 * PLAIN, a dictionary that falls back to PLAIN inside a chunk, small pages,
 * each codec, with and without the page index; an error made on a worker
 * thread (a GZIP level zlib refuses) and a sink's error come back to the
 * caller, the writer then only accepts free, and nothing leaks or hangs
 * (ASan; also built with -fsanitize=thread), also when a writer is freed
 * with pages in flight. (parquet_write_test.c: a row group reaches the sink
 * one row group later.) */
#include "test.h"

#include "core/pool.h"
#include "parquet/meta.h"
#include "parquet/writer.h"

#define ROWS 12000

static const char *SCHEMA =
    "STRUCT(b BOOLEAN, i8 TINYINT, i16 SMALLINT, i32 INTEGER, i64 BIGINT, u8 UTINYINT, "
    "u32 UINTEGER, u64 UBIGINT, h HUGEINT, f FLOAT, d DOUBLE, dec4 DECIMAL(4,2), "
    "dec18 DECIMAL(18,6), dec38 DECIMAL(38,10), dt DATE, tm TIME, ts TIMESTAMP, tz TIMESTAMPTZ, "
    "iv INTERVAL, s VARCHAR, bl BLOB, st STRUCT(a INTEGER, b VARCHAR), li INTEGER[], "
    "m MAP(VARCHAR, BIGINT), deep STRUCT(p MAP(VARCHAR, VARCHAR), q SMALLINT[][]))";

/* Value number k of scalar type t. */
static lh_value_t scalar(const lh_type_t *t, uint64_t k, char *buf, size_t cap)
{
    int64_t i = (int64_t)k;
    switch (t->id) {
    case LH_TYPE_BOOLEAN:
        return lh_value_bool(k % 3 == 0);
    case LH_TYPE_TINYINT:
        return lh_value_int(t->id, i % 200 - 100);
    case LH_TYPE_SMALLINT:
        return lh_value_int(t->id, i % 30000 - 15000);
    case LH_TYPE_INTEGER:
    case LH_TYPE_DATE:
        return lh_value_int(t->id, i * 7919 % 2000000 - 1000000);
    case LH_TYPE_TIME:
        return lh_value_int(t->id, i * 1000003 % 86400000000LL);
    case LH_TYPE_BIGINT:
    case LH_TYPE_TIMESTAMP:
    case LH_TYPE_TIMESTAMP_TZ:
        return lh_value_int(t->id, 1700000000000000LL - i * 1000000007LL);
    case LH_TYPE_UTINYINT:
        return lh_value_uint(t->id, k % 256);
    case LH_TYPE_UINTEGER:
        return lh_value_uint(t->id, 4000000000u - k * 3);
    case LH_TYPE_UBIGINT:
        return lh_value_uint(t->id, 18000000000000000000ull - k * 7);
    case LH_TYPE_HUGEINT:
        return lh_value_hugeint(((lh_int128_t)i << 70) - i);
    case LH_TYPE_FLOAT:
        return lh_value_float((float)(i % 1000) * 0.5f - 100);
    case LH_TYPE_DOUBLE:
        return lh_value_double((double)i * 0.25 - 300.125);
    case LH_TYPE_DECIMAL:
        return lh_value_decimal(t->width, t->scale,
                                t->width <= 4 ? i % 1999 - 999 : (lh_int128_t)i * 123456789 - 7);
    case LH_TYPE_INTERVAL:
        return lh_value_interval(
            (lh_interval_t){(int32_t)(k % 13), (int32_t)(k % 31), (int64_t)(k % 86400) * 1000000});
    default: { /* VARCHAR, BLOB */
        int n = snprintf(buf, cap, k % 5 ? "v%llu" : "a longer string value %llu",
                         (unsigned long long)k);
        return t->id == LH_TYPE_BLOB ? lh_value_blob(buf, (size_t)n)
                                     : lh_value_varchar(buf, (size_t)n);
    }
    }
}

/* Sets row of v (type t) to value number k, nested types included; some NULLs. */
static int gen(lh_vector_t *v, uint32_t row, const lh_type_t *t, uint64_t k)
{
    if (k % 11 == 3) {
        lh_vector_set_null(v, row);
        return 0;
    }
    int rc = 0;
    if (t->id == LH_TYPE_STRUCT) {
        for (uint32_t f = 0; !rc && f < t->nfields; f++)
            rc = gen(&v->children[f], row, &t->fields[f].type, k * 31 + f);
        return rc;
    }
    if (t->id == LH_TYPE_LIST || t->id == LH_TYPE_MAP) {
        uint32_t len = (uint32_t)(k % 4), off;
        if ((rc = lh_vector_list_append(v, row, len, &off))) return rc;
        for (uint32_t e = 0; !rc && e < len; e++) {
            if (t->id == LH_TYPE_MAP) {
                char key[16];
                lh_value_t kv = lh_value_varchar(key, (size_t)snprintf(key, sizeof key, "k%u", e));
                rc = lh_vector_set_value(lh_vector_map_keys(v), off + e, &kv);
                if (!rc) rc = gen(&v->child->children[1], off + e, lh_type_map_value(t), k * 7 + e);
            } else {
                rc = gen(v->child, off + e, lh_type_child(t), k * 7 + e);
            }
        }
        return rc;
    }
    char buf[64];
    lh_value_t val = scalar(t, k, buf, sizeof buf);
    return lh_vector_set_value(v, row, &val);
}

/* Row number r's value number k: the first rows of a row group repeat 37
 * values, later ones are all distinct when unique (the dictionary falls back
 * to PLAIN inside the chunk); the first columns always repeat. */
static uint64_t value_no(uint32_t r, uint32_t col, bool unique)
{
    if (!unique || col < 4 || r % 5000 < 3000) return r % 37 + col;
    return r + col;
}

/* Writes ROWS rows through o into out and closes (or, close false, frees
 * the writer as it is); 0 or the writer's error. */
static int write_rows(const lh_type_t *schema, const lh_pq_write_opts_t *o, bool unique,
                      lh_buf_t *out, lh_err_t *err, bool close)
{
    lh_type_t types[32];
    for (uint32_t c = 0; c < schema->nfields; c++)
        types[c] = schema->fields[c].type;
    lh_batch_t *b = NULL;
    lh_pq_writer_t *w = NULL;
    int rc = lh_batch_new(types, schema->nfields, &b);
    if (!rc) rc = lh_pq_writer_open(schema, o, lh_pq_sink_buf, out, &w, err);
    for (uint32_t r0 = 0; !rc && r0 < ROWS; r0 += 1500) { /* batches straddle row groups */
        lh_batch_reset(b);
        uint32_t n = ROWS - r0 < 1500 ? ROWS - r0 : 1500;
        for (uint32_t i = 0; !rc && i < n; i++)
            for (uint32_t c = 0; !rc && c < schema->nfields; c++)
                rc = gen(&b->cols[c], i, &types[c], value_no(r0 + i, c, unique));
        b->count = n;
        if (!rc) rc = lh_pq_writer_write_batch(w, b, err);
    }
    lh_pq_file_stats_t st;
    if (!rc && close) rc = lh_pq_writer_close(w, &st, err);
    if (!rc && close && st.num_rows != ROWS) rc = -100;
    lh_pq_writer_free(w);
    lh_batch_free(b);
    return rc;
}

static void test_threads_write_the_same_bytes(void)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_type_t schema;
    lh_err_t err = {0};
    CHECK_EQ_INT(lh_type_parse(a, SCHEMA, strlen(SCHEMA), &schema, &err), 0);
    lh_pool_t *pool = NULL;
    lh_pool_opts_t po = {.name = "pq_par_test", .threads = 2};
    CHECK_EQ_INT(lh_pool_new(&po, &pool, &err), 0);
    static const struct {
        int codec;
        bool dict, unique, page_index;
        uint32_t page_bytes, dict_limit;
    } vs[] = {
        {LH_PQ_CODEC_ZSTD, true, true, true, 0, 0},
        {LH_PQ_CODEC_ZSTD, true, false, true, 2048, 0},
        {LH_PQ_CODEC_SNAPPY, true, true, true, 4096, 1500},
        {LH_PQ_CODEC_SNAPPY, false, true, false, 3000, 0},
        {LH_PQ_CODEC_UNCOMPRESSED, true, true, true, 1024, 0},
        {LH_PQ_CODEC_GZIP, true, false, true, 0, 0},
    };
    for (size_t v = 0; v < sizeof vs / sizeof vs[0]; v++) {
        lh_pq_write_opts_t o;
        lh_pq_write_opts_default(&o);
        o.codec = vs[v].codec;
        o.dictionary = vs[v].dict;
        o.page_index = vs[v].page_index;
        o.row_group_rows = 5000;
        if (vs[v].page_bytes) o.page_bytes = vs[v].page_bytes;
        if (vs[v].dict_limit) o.dict_limit_bytes = vs[v].dict_limit;
        lh_buf_t one;
        lh_buf_init(&one, (size_t)1 << 30);
        CHECK_EQ_INT(write_rows(&schema, &o, vs[v].unique, &one, &err, true), 0);
        CHECK(one.len > 10000);
        for (int threads = 2; threads <= 4; threads++) { /* 4: the borrowed pool */
            lh_pq_write_opts_t p = o;
            p.threads = threads < 4 ? threads : 0;
            p.pool = threads < 4 ? NULL : pool;
            lh_buf_t many;
            lh_buf_init(&many, (size_t)1 << 30);
            CHECK_EQ_INT(write_rows(&schema, &p, vs[v].unique, &many, &err, true), 0);
            CHECK_EQ_INT(many.len, one.len);
            CHECK(many.len == one.len && !memcmp(many.ptr, one.ptr, one.len));
            lh_buf_free(&many);
        }
        if (v == 0) { /* the file is what it should be: three row groups, the rows */
            uint64_t off;
            uint32_t len;
            lh_pq_file_meta_t *m = NULL;
            CHECK_EQ_INT(lh_pq_footer_locate((const uint8_t *)one.ptr + one.len - 8, one.len, &off,
                                             &len, &err),
                         0);
            CHECK_EQ_INT(lh_pq_file_meta_decode(one.ptr + off, len, &m, &err), 0);
            CHECK_EQ_INT(m->num_rows, ROWS);
            CHECK_EQ_INT(m->nrow_groups, 3);
            lh_pq_file_meta_free(m);
        }
        lh_buf_free(&one);
    }
    lh_pool_destroy(pool);
    lh_arena_free(a);
}

static void test_worker_error_reaches_the_caller(void)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_type_t schema;
    lh_err_t err = {0};
    CHECK_EQ_INT(lh_type_parse(a, SCHEMA, strlen(SCHEMA), &schema, &err), 0);
    for (int threads = 1; threads <= 3; threads++) {
        lh_pq_write_opts_t o;
        lh_pq_write_opts_default(&o);
        o.codec = LH_PQ_CODEC_GZIP;
        o.level = 42; /* zlib refuses it when the first page is compressed */
        o.row_group_rows = 1000;
        o.threads = threads;
        lh_buf_t out;
        lh_buf_init(&out, (size_t)1 << 30);
        memset(&err, 0, sizeof err);
        CHECK_EQ_INT(write_rows(&schema, &o, true, &out, &err, true), LH_EINVAL);
        CHECK(strstr(err.msg, "GZIP: bad level 42") != NULL);
        CHECK(out.len <= 4); /* no page reached the sink */
        lh_buf_free(&out);
    }
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    o.threads = -1;
    lh_pq_writer_t *w = NULL;
    lh_buf_t out;
    lh_buf_init(&out, 0);
    CHECK_EQ_INT(lh_pq_writer_open(&schema, &o, lh_pq_sink_buf, &out, &w, &err), LH_EINVAL);
    CHECK(w == NULL && strstr(err.msg, "threads") != NULL);
    lh_buf_free(&out);
    lh_arena_free(a);
}

/* Takes `left` bytes, then fails. */
static int short_sink(void *ctx, const void *data, size_t len, lh_err_t *err)
{
    (void)data;
    size_t *left = ctx;
    if (len > *left) return lh_err_set(err, LH_EIO, "disk full");
    *left -= len;
    return 0;
}

static void test_sink_error_with_threads(void)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_type_t schema;
    lh_err_t err = {0};
    CHECK_EQ_INT(lh_type_parse(a, SCHEMA, strlen(SCHEMA), &schema, &err), 0);
    lh_type_t types[32];
    for (uint32_t c = 0; c < schema.nfields; c++)
        types[c] = schema.fields[c].type;
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    o.row_group_rows = 500;
    o.threads = 3;
    size_t left = 20000; /* the first row group or so */
    lh_pq_writer_t *w = NULL;
    lh_batch_t *b = NULL;
    CHECK_EQ_INT(lh_batch_new(types, schema.nfields, &b), 0);
    CHECK_EQ_INT(lh_pq_writer_open(&schema, &o, short_sink, &left, &w, &err), 0);
    int rc = 0;
    for (uint32_t r0 = 0; !rc && r0 < ROWS; r0 += 1000) {
        lh_batch_reset(b);
        for (uint32_t i = 0; !rc && i < 1000; i++)
            for (uint32_t c = 0; !rc && c < schema.nfields; c++)
                rc = gen(&b->cols[c], i, &types[c], r0 + i + c);
        b->count = 1000;
        if (!rc) rc = lh_pq_writer_write_batch(w, b, &err);
    }
    CHECK_EQ_INT(rc, LH_EIO);
    CHECK(strstr(err.msg, "disk full") != NULL);
    CHECK_EQ_INT(lh_pq_writer_write_batch(w, b, &err), LH_EINVAL); /* failed: only free */
    CHECK_EQ_INT(lh_pq_writer_close(w, NULL, &err), LH_EINVAL);
    lh_pq_writer_free(w);
    lh_batch_free(b);
    /* freed unclosed with a row group's pages in flight: they are waited for */
    lh_buf_t out;
    lh_buf_init(&out, (size_t)1 << 30);
    CHECK_EQ_INT(write_rows(&schema, &o, true, &out, &err, false), 0);
    CHECK(out.len > 4);
    lh_buf_free(&out);
    lh_arena_free(a);
}

typedef struct job_write {
    const lh_type_t *schema;
    lh_pq_write_opts_t o;
    lh_buf_t out;
    lh_err_t err;
} job_write_t;

static int write_job(lh_job_t *job, void *arg)
{
    (void)job;
    job_write_t *j = arg;
    return write_rows(j->schema, &j->o, true, &j->out, &j->err, true);
}

/* A writer inside a job of the one-thread pool it borrows: no pool thread is
 * free for its jobs, so the caller's thread makes every page; no hang. */
static void test_borrowed_pool_from_its_own_job(void)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_type_t schema;
    lh_err_t err = {0};
    CHECK_EQ_INT(lh_type_parse(a, SCHEMA, strlen(SCHEMA), &schema, &err), 0);
    lh_pool_t *pool = NULL;
    lh_pool_opts_t po = {.name = "pq_par_one", .threads = 1};
    CHECK_EQ_INT(lh_pool_new(&po, &pool, &err), 0);
    job_write_t j = {.schema = &schema};
    lh_pq_write_opts_default(&j.o);
    j.o.row_group_rows = 3000;
    lh_buf_init(&j.out, (size_t)1 << 30);
    lh_buf_t one;
    lh_buf_init(&one, (size_t)1 << 30);
    CHECK_EQ_INT(write_rows(&schema, &j.o, true, &one, &err, true), 0);
    j.o.pool = pool;
    lh_job_spec_t spec = {.run = write_job, .arg = &j};
    lh_job_t *h = NULL;
    CHECK_EQ_INT(lh_pool_submit(pool, &spec, &h), 0);
    CHECK_EQ_INT(lh_job_wait(h), 0);
    lh_job_release(h);
    CHECK(j.out.len == one.len && !memcmp(j.out.ptr, one.ptr, one.len));
    lh_buf_free(&j.out);
    lh_buf_free(&one);
    lh_pool_destroy(pool);
    lh_arena_free(a);
}

static const lh_test_t tests[] = {
    {"threads_write_the_same_bytes", test_threads_write_the_same_bytes},
    {"worker_error_reaches_the_caller", test_worker_error_reaches_the_caller},
    {"sink_error_with_threads", test_sink_error_with_threads},
    {"borrowed_pool_from_its_own_job", test_borrowed_pool_from_its_own_job},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
