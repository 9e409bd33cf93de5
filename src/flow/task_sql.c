/* The `sql` task type: the rendered statements (the `sql` field, or the
 * `.sql` file's text) are written to <data-dir>/flow/rendered/<dag>/<run>/
 * <task>.<try>.sql and run by `lakehouse sql --echo -f FILE`, which prints
 * each statement and its row count into the log. The memory limit reaches
 * the engine as LAKEHOUSE_SQL_MEMORY_LIMIT (no rlimit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/task_int.h"

/* The .sql file's text into the arena; NULL with err set. */
static const char *read_file(lh__flow_job_t *j, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        lh_err_set(j->err, LH_EIO, "task %s: cannot open %s", j->t->id, path);
        return NULL;
    }
    char *text = lh_arena_alloc(j->a, LH_FLOW_MAX_FILE + 1);
    size_t len = text ? fread(text, 1, LH_FLOW_MAX_FILE, f) : 0;
    int bad = ferror(f) || !feof(f);
    fclose(f);
    if (!text) return lh_err_set(j->err, LH_ENOMEM, "out of memory"), NULL;
    if (bad) return lh_err_set(j->err, LH_EIO, "task %s: cannot read %s", j->t->id, path), NULL;
    text[len] = 0;
    return text;
}

int lh__flow_sql_command(lh__flow_job_t *j, lh_flow_cmd_t *out)
{
    const char *file = lh__flow_str(j->t, "file");
    const char *text = file ? read_file(j, file) : lh__flow_str(j->t, "sql");
    if (!text) return j->err->code ? j->err->code : LH_EINVAL;
    const char *sql, *path;
    int rc = lh__flow_render(j, file ? "file" : "sql", text, &sql);
    if (!rc) rc = lh__flow_write_rendered(j, "sql", sql, strlen(sql), &path);
    if (rc) return rc;
    lh__flow_vec_push(&j->argv, j->pf->self_exe);
    lh__flow_vec_push(&j->argv, "sql");
    lh__flow_vec_push(&j->argv, "--echo");
    lh__flow_vec_push(&j->argv, "-f");
    lh__flow_vec_push(&j->argv, path);
    out->memory_mode = LH_FLOW_MEM_ENV;
    return 0;
}
