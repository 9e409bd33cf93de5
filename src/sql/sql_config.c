/* The `sql` configuration section, and the memory budget every query of a
 * database draws from: operators that hold rows (sort, hash join, group by,
 * window, DISTINCT sets) charge what they keep and give it back when they
 * close; a query that would pass the limit fails with an Out of Memory
 * Error (exit status 3) instead of being killed by the kernel. */
#include <stdio.h>
#include <unistd.h>

#include <pthread.h>

#include "core/config.h"
#include "core/pool.h"
#include "sql/exec/exec_int.h"
#include "sql/sql.h"

static const lh_config_key_t sql_keys[] = {
    {.section = "sql",
     .key = "memory_limit",
     .type = LH_CFG_SIZE,
     .min = 1 << 20,
     .help = "memory the SQL engine's queries may hold (sorts, hash tables, in-memory "
             "tables); unset = 80% of the machine's or the cgroup's memory"},
    {.section = "sql",
     .key = "threads",
     .type = LH_CFG_INT,
     .def = "0",
     .min = 0,
     .max = 256,
     .help = "threads a query's parallel pipelines use; 0 = one per core"},
    {.section = "sql",
     .key = "tune_malloc",
     .type = LH_CFG_BOOL,
     .def = "true",
     .help = "`lakehouse sql` starts itself again with glibc's malloc tuned for a query engine: "
             "glibc.malloc.arena_max=1 (memory freed by one thread reused by the others), "
             "glibc.malloc.mmap_threshold=67108864 and trim_threshold=536870912 (buffers of a few "
             "MB from the heap, not mapped and faulted in each time) and, where the kernel gives "
             "transparent huge pages on request (`madvise` mode), glibc.malloc.hugetlb=1, added "
             "to GLIBC_TUNABLES unless set there (large queries "
             "30-40% faster; not in sanitizer builds, whose malloc is the sanitizer's); false = as "
             "started"},
    {.section = "sql",
     .key = "cache_dir",
     .type = LH_CFG_PATH,
     .help = "a directory where read_csv/read_json keep what they made of each object of the "
             "lake (its rows in the engine's layout), so the next query of the same object "
             "reads them from there instead of fetching, decompressing and parsing it again; "
             "keyed by the object's ETag and size, the reading options and this binary; unset "
             "= none. The orchestrator gives its tasks `<data-dir>/cache/sql`"},
    {.section = "sql",
     .key = "cache_size",
     .type = LH_CFG_SIZE,
     .def = "4GiB",
     .min = 0,
     .help = "bytes sql.cache_dir may hold (and never more than half of what its file system "
             "has left with it): least recently used entries go first; 0 = no cache"},
};
int lh_sql_register_config(void)
{
    return lh_config_register(sql_keys, (int)(sizeof sql_keys / sizeof sql_keys[0]));
}

/* The cgroup v2 limit of this process, or 0 when there is none. */
static int64_t cgroup_limit(void)
{
    FILE *f = fopen("/sys/fs/cgroup/memory.max", "r");
    if (!f) return 0;
    long long v = 0;
    int n = fscanf(f, "%lld", &v);
    fclose(f);
    return n == 1 && v > 0 ? (int64_t)v : 0;
}

static lh_pool_t *sql_pool;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void start_pool(void)
{
    lh_pool_opts_t o = {.name = "sql", .threads = 0};
    lh_err_t e = {0};
    if (lh_pool_new(&o, &sql_pool, &e)) sql_pool = NULL;
}

lh_pool_t *lh__sql_pool(void)
{
    pthread_once(&pool_once, start_pool);
    return sql_pool;
}

int64_t lh_sql_default_memory_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    int64_t ram = pages > 0 && size > 0 ? (int64_t)pages * size : (int64_t)8 << 30;
    int64_t cg = cgroup_limit();
    if (cg && cg < ram) ram = cg;
    return ram / 10 * 8;
}

int lh__exec_charge(lh_exec_t *ex, int64_t bytes)
{
    if (!ex->mem || bytes <= 0) return 0;
    int64_t now = atomic_fetch_add(&ex->mem->used, bytes) + bytes;
    if (ex->mem->limit > 0 && now > ex->mem->limit) {
        atomic_fetch_sub(&ex->mem->used, bytes);
        return lh_sql_err(ex->err, LH_ETOOBIG, LH_SQL_EOOM, -1,
                          "could not allocate %lld bytes: the query would hold %lld of "
                          "sql.memory_limit %lld bytes",
                          (long long)bytes, (long long)now, (long long)ex->mem->limit);
    }
    return 0;
}

void lh__exec_release(lh_exec_t *ex, int64_t bytes)
{
    if (ex->mem && bytes > 0) atomic_fetch_sub(&ex->mem->used, bytes);
}

int64_t lh__batch_bytes(const lh_type_t *types, uint32_t ncols)
{
    int64_t row = 0;
    for (uint32_t i = 0; i < ncols; i++)
        row += (int64_t)lh_type_size(&types[i]) + 1;
    return row * LH_BATCH_ROWS + 256;
}
