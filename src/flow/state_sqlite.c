/* The flow state's SQLite back end: <dir>/flow.db (WAL, synchronous=NORMAL,
 * a busy timeout so a second handle waits rather than fails), its schema as
 * numbered migrations of module "flow" (lh_sqlite_migrate), the statements
 * every handle prepares once and keeps, transactions, and the helpers the
 * record files share. States and kinds are stored by name (Airflow's), so
 * the table reads the same from the sqlite3 shell or a later back end and
 * does not depend on the order of the enums. Two automated runs of one DAG
 * never share a logical date: a partial unique index says so. */
#include "flow/state_sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/meta.h"

#define BUSY_TIMEOUT_MS 10000

/* A commit is durable at the next checkpoint (WAL with synchronous=NORMAL
 * loses at most the last commits on power loss, never consistency); the
 * page cache holds a large DAG's task instances (8 MiB); sorts stay in
 * memory. */
static const char pragmas[] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                              " PRAGMA foreign_keys=ON; PRAGMA cache_size=-8192;"
                              " PRAGMA temp_store=MEMORY;";

static const lh_migration_t migrations[] = {
    {"flow", 1,
     "CREATE TABLE dag(dag_id TEXT NOT NULL PRIMARY KEY, paused INTEGER NOT NULL,"
     " fileloc TEXT NOT NULL, last_parsed_us INTEGER NOT NULL, has_errors INTEGER NOT NULL,"
     " last_scheduled_logical INTEGER NOT NULL, last_scheduled_end INTEGER NOT NULL)"
     " WITHOUT ROWID;"
     "CREATE TABLE dag_run(id INTEGER PRIMARY KEY, dag_id TEXT NOT NULL, run_id TEXT NOT NULL,"
     " run_type TEXT NOT NULL, state TEXT NOT NULL, logical_date INTEGER NOT NULL,"
     " interval_start INTEGER NOT NULL, interval_end INTEGER NOT NULL, conf TEXT NOT NULL,"
     " queued_us INTEGER NOT NULL, start_us INTEGER NOT NULL, end_us INTEGER NOT NULL,"
     " backfill_id INTEGER NOT NULL, UNIQUE(dag_id, run_id));"
     "CREATE UNIQUE INDEX dag_run_automated_date ON dag_run(dag_id, logical_date)"
     " WHERE run_type IN ('scheduled', 'backfill');"
     "CREATE INDEX dag_run_dag_date ON dag_run(dag_id, logical_date, run_id);"
     "CREATE INDEX dag_run_state ON dag_run(state, dag_id, logical_date);"
     "CREATE TABLE task_instance(dag_id TEXT NOT NULL, run_id TEXT NOT NULL,"
     " task_id TEXT NOT NULL, state TEXT NOT NULL, try_number INTEGER NOT NULL,"
     " max_tries INTEGER NOT NULL, ready_us INTEGER NOT NULL, start_us INTEGER NOT NULL,"
     " end_us INTEGER NOT NULL, next_try_us INTEGER NOT NULL, first_poke_us INTEGER NOT NULL,"
     " pid INTEGER NOT NULL, pid_start INTEGER NOT NULL, exit_code INTEGER NOT NULL,"
     " failure TEXT NOT NULL, pool TEXT NOT NULL, priority_weight INTEGER NOT NULL,"
     " extra_tries INTEGER NOT NULL, UNIQUE(dag_id, run_id, task_id),"
     " FOREIGN KEY(dag_id, run_id) REFERENCES dag_run(dag_id, run_id) ON DELETE CASCADE);"
     "CREATE INDEX task_instance_state ON task_instance(state);"
     "CREATE TABLE task_try(dag_id TEXT NOT NULL, run_id TEXT NOT NULL, task_id TEXT NOT NULL,"
     " try_number INTEGER NOT NULL, state TEXT NOT NULL, start_us INTEGER NOT NULL,"
     " end_us INTEGER NOT NULL, exit_code INTEGER NOT NULL, failure TEXT NOT NULL,"
     " reason TEXT NOT NULL, PRIMARY KEY(dag_id, run_id, task_id, try_number),"
     " FOREIGN KEY(dag_id, run_id, task_id) REFERENCES task_instance(dag_id, run_id, task_id)"
     " ON DELETE CASCADE) WITHOUT ROWID;"},
};

static const char *const sql_text[FQ_COUNT] = {
    [FQ_BEGIN] = "BEGIN IMMEDIATE",
    [FQ_COMMIT] = "COMMIT",
    [FQ_ROLLBACK] = "ROLLBACK",
    [FQ_DAG_PUT] = "INSERT INTO dag(dag_id, paused, fileloc, last_parsed_us, has_errors,"
                   " last_scheduled_logical, last_scheduled_end) VALUES(?1,?2,?3,?4,?5,?6,?7)"
                   " ON CONFLICT(dag_id) DO UPDATE SET paused=?2, fileloc=?3, last_parsed_us=?4,"
                   " has_errors=?5, last_scheduled_logical=?6, last_scheduled_end=?7",
    [FQ_DAG_GET] = "SELECT dag_id, paused, fileloc, last_parsed_us, has_errors,"
                   " last_scheduled_logical, last_scheduled_end FROM dag WHERE dag_id=?1",
    [FQ_DAG_LIST] = "SELECT dag_id, paused, fileloc, last_parsed_us, has_errors,"
                    " last_scheduled_logical, last_scheduled_end FROM dag ORDER BY dag_id",
    [FQ_RUN_INSERT] = "INSERT INTO dag_run(" FSQ_RUN_COLS ")"
                      " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
    [FQ_RUN_UPDATE] = "UPDATE dag_run SET run_type=?3, state=?4, logical_date=?5,"
                      " interval_start=?6, interval_end=?7, conf=?8, queued_us=?9, start_us=?10,"
                      " end_us=?11, backfill_id=?12 WHERE dag_id=?1 AND run_id=?2",
    [FQ_RUN_GET] = "SELECT " FSQ_RUN_COLS " FROM dag_run WHERE dag_id=?1 AND run_id=?2",
    [FQ_RUN_BY_DATE] = "SELECT " FSQ_RUN_COLS " FROM dag_run WHERE dag_id=?1 AND logical_date=?2"
                       " AND run_type IN ('scheduled', 'backfill')",
    [FQ_RUN_DELETE] = "DELETE FROM dag_run WHERE dag_id=?1 AND run_id=?2",
    [FQ_TI_PUT] = "INSERT INTO task_instance(" FSQ_TI_COLS ")"
                  " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)"
                  " ON CONFLICT(dag_id, run_id, task_id) DO UPDATE SET state=?4, try_number=?5,"
                  " max_tries=?6, ready_us=?7, start_us=?8, end_us=?9, next_try_us=?10,"
                  " first_poke_us=?11, pid=?12, pid_start=?13, exit_code=?14, failure=?15,"
                  " pool=?16, priority_weight=?17, extra_tries=?18",
    [FQ_TI_GET] = "SELECT " FSQ_TI_COLS " FROM task_instance"
                  " WHERE dag_id=?1 AND run_id=?2 AND task_id=?3",
    [FQ_TRY_PUT] = "INSERT INTO task_try(dag_id, run_id, task_id, try_number, state, start_us,"
                   " end_us, exit_code, failure, reason) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"
                   " ON CONFLICT(dag_id, run_id, task_id, try_number) DO UPDATE SET state=?5,"
                   " start_us=?6, end_us=?7, exit_code=?8, failure=?9, reason=?10",
    [FQ_TRY_LIST] = "SELECT dag_id, run_id, task_id, try_number, state, start_us, end_us,"
                    " exit_code, failure, reason FROM task_try"
                    " WHERE dag_id=?1 AND run_id=?2 AND task_id=?3 ORDER BY try_number",
};

/* --- helpers shared by the record files --- */

int lh__fsq_err(lh__fsq_t *h, lh_err_t *err, const char *what)
{
    int ext = sqlite3_extended_errcode(h->db), code = LH_EIO;
    switch (ext & 0xff) {
    case SQLITE_CONSTRAINT:
        code = ext == SQLITE_CONSTRAINT_FOREIGNKEY ? LH_ENOENT : LH_EEXIST;
        break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        code = LH_ECORRUPT;
        break;
    case SQLITE_NOMEM:
        code = LH_ENOMEM;
        break;
    }
    return lh_err_set(err, code, "%s: %s (%s)", what, sqlite3_errmsg(h->db), h->path);
}

const char *lh__fsq_sql(int q)
{
    return sql_text[q];
}

sqlite3_stmt *lh__fsq_stmt(lh__fsq_t *h, int q, lh_err_t *err)
{
    if (!h->q[q] && sqlite3_prepare_v3(h->db, sql_text[q], -1, SQLITE_PREPARE_PERSISTENT, &h->q[q],
                                       NULL) != SQLITE_OK) {
        lh__fsq_err(h, err, "cannot prepare a statement");
        h->q[q] = NULL;
    }
    return h->q[q];
}

int lh__fsq_cursor(lh__fsq_t *h, sqlite3_stmt **slot, const char *sql, lh__fsq_cur_t *cur,
                   lh_err_t *err)
{
    cur->owned = *slot && sqlite3_stmt_busy(*slot);
    sqlite3_stmt **dst = cur->owned ? &cur->st : slot;
    if ((cur->owned || !*slot) &&
        sqlite3_prepare_v3(h->db, sql, -1, cur->owned ? 0 : SQLITE_PREPARE_PERSISTENT, dst, NULL) !=
            SQLITE_OK) {
        *dst = NULL;
        return lh__fsq_err(h, err, "cannot prepare a statement");
    }
    cur->st = *dst;
    return 0;
}

void lh__fsq_cursor_done(lh__fsq_cur_t *cur)
{
    if (cur->owned)
        sqlite3_finalize(cur->st);
    else if (cur->st)
        sqlite3_reset(cur->st);
    cur->st = NULL;
}

int lh__fsq_rows(lh__fsq_t *h, lh__fsq_cur_t *cur, lh__fsq_row_fn row, void *ctx, lh_err_t *err,
                 const char *what)
{
    int rc = 0, r = SQLITE_DONE;
    while (rc == 0 && (r = sqlite3_step(cur->st)) == SQLITE_ROW)
        rc = row(h, cur->st, ctx, err);
    if (rc == 0 && r != SQLITE_DONE) rc = lh__fsq_err(h, err, what);
    lh__fsq_cursor_done(cur);
    return rc;
}

int lh__fsq_exec(lh__fsq_t *h, sqlite3_stmt *st, lh_err_t *err, const char *what)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : lh__fsq_err(h, err, what);
    sqlite3_reset(st);
    return rc;
}

const char *lh__fsq_text(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? t : "";
}

int lh__fsq_name(lh__fsq_t *h, sqlite3_stmt *st, int i, const char *const *names, int *out,
                 lh_err_t *err)
{
    const char *t = lh__fsq_text(st, i);
    *out = lh_flow_state_index(names, t);
    if (*out >= 0) return 0;
    return lh_err_set(err, LH_ECORRUPT, "%s: unknown %s '%.64s'", h->path,
                      sqlite3_column_name(st, i), t);
}

int lh__fsq_copy(lh__fsq_t *h, sqlite3_stmt *st, int i, char *dst, size_t cap, lh_err_t *err)
{
    const char *t = lh__fsq_text(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    if (n >= cap)
        return lh_err_set(err, LH_ECORRUPT, "%s: %s longer than %zu bytes", h->path,
                          sqlite3_column_name(st, i), cap - 1);
    memcpy(dst, t, n + 1);
    return 0;
}

void lh__fsq_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

/* --- transactions --- */

static int tx(lh__fsq_t *h, int q, lh_err_t *err, const char *what)
{
    sqlite3_stmt *st = lh__fsq_stmt(h, q, err);
    return st ? lh__fsq_exec(h, st, err, what) : LH_EIO;
}

static int fsq_begin(lh_flow_state_t *s, lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    if (!sqlite3_get_autocommit(h->db))
        return lh_err_set(err, LH_EINVAL, "a transaction is already open on %s", h->path);
    return tx(h, FQ_BEGIN, err, "cannot begin a transaction");
}

static void fsq_rollback(lh_flow_state_t *s)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    if (!sqlite3_get_autocommit(h->db)) tx(h, FQ_ROLLBACK, NULL, "rollback");
}

static int fsq_commit(lh_flow_state_t *s, lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    if (sqlite3_get_autocommit(h->db))
        return lh_err_set(err, LH_EINVAL, "no transaction is open on %s", h->path);
    int rc = tx(h, FQ_COMMIT, err, "cannot commit");
    if (rc) fsq_rollback(s); /* never leave a failed transaction open */
    return rc;
}

/* --- open / close --- */

static void fsq_close(lh_flow_state_t *s)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    for (int i = 0; i < FQ_COUNT; i++)
        sqlite3_finalize(h->q[i]);
    lh__fsq_list_free(h);
    sqlite3_close(h->db);
    free(h);
}

/* The directory (one level) and the file, private to the user: runs carry
 * their conf, which may hold what a DAG's author would not show others. */
static int make_file(lh__fsq_t *h, const char *dir, lh_err_t *err)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return lh_err_set(err, LH_EIO, "cannot create %s: %s", dir, strerror(errno));
    if (snprintf(h->path, sizeof h->path, "%s/flow.db", dir) >= (int)sizeof h->path)
        return lh_err_set(err, LH_EINVAL, "path too long: %s", dir);
    int fd = open(h->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return lh_err_set(err, LH_EIO, "cannot open %s: %s", h->path, strerror(errno));
    close(fd);
    return 0;
}

static int open_db(lh__fsq_t *h, lh_err_t *err)
{
    if (sqlite3_open_v2(h->path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK)
        return h->db ? lh__fsq_err(h, err, "cannot open")
                     : lh_err_set(err, LH_ENOMEM, "cannot open %s: out of memory", h->path);
    sqlite3_extended_result_codes(h->db, 1);
    sqlite3_busy_timeout(h->db, BUSY_TIMEOUT_MS);
    if (sqlite3_exec(h->db, pragmas, NULL, NULL, NULL) != SQLITE_OK)
        return lh__fsq_err(h, err, "cannot open");
    return lh_sqlite_migrate(h->db, migrations, (int)(sizeof migrations / sizeof migrations[0]),
                             err);
}

static int fsq_open(lh_flow_state_t **out, const char *dir, lh_err_t *err)
{
    lh__fsq_t *h = calloc(1, sizeof *h);
    if (!h) return lh_err_set(err, LH_ENOMEM, "out of memory");
    h->base.ops = &lh__flow_state_sqlite;
    int rc = make_file(h, dir, err);
    if (rc == 0) rc = open_db(h, err);
    if (rc) {
        fsq_close(&h->base);
        return rc;
    }
    *out = &h->base;
    return 0;
}

const lh__flow_state_ops_t lh__flow_state_sqlite = {
    .name = "sqlite",
    .open = fsq_open,
    .close = fsq_close,
    .begin = fsq_begin,
    .commit = fsq_commit,
    .rollback = fsq_rollback,
    .dag_put = lh__fsq_dag_put,
    .dag_get = lh__fsq_dag_get,
    .dag_each = lh__fsq_dag_each,
    .run_insert = lh__fsq_run_insert,
    .run_update = lh__fsq_run_update,
    .run_get = lh__fsq_run_get,
    .run_by_date = lh__fsq_run_by_date,
    .run_each = lh__fsq_run_each,
    .run_delete = lh__fsq_run_delete,
    .ti_put = lh__fsq_ti_put,
    .ti_get = lh__fsq_ti_get,
    .ti_each = lh__fsq_ti_each,
    .try_put = lh__fsq_try_put,
    .try_each = lh__fsq_try_each,
};
