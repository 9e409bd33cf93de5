/* What a try runs: lh_flow_task_command builds the job (the task's
 * environment first, then the type row's command function fills argv and
 * the type's settings), and the helpers the type files share: string
 * vectors in the arena, templates rendered with a task-named error, fields
 * by name, files under <data-dir>/flow/rendered/<dag>/<run>/. The
 * environment itself is in task_env.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "flow/dag_int.h"
#include "flow/exec_int.h"
#include "flow/task_int.h"

void lh__flow_vec_push(lh__flow_vec_t *v, const char *s)
{
    if (v->oom) return;
    if (!s) {
        v->oom = 1;
        return;
    }
    if (v->n + 2 > v->cap) {
        int cap = v->cap ? v->cap * 2 : 16;
        const char **nv = lh_arena_alloc(v->a, (size_t)cap * sizeof *nv);
        if (!nv) {
            v->oom = 1;
            return;
        }
        if (v->n) memcpy(nv, v->v, (size_t)v->n * sizeof *nv);
        v->v = nv;
        v->cap = cap;
    }
    v->v[v->n++] = s;
    v->v[v->n] = NULL;
}

int lh__flow_env_find(const lh__flow_vec_t *env, const char *key)
{
    size_t kl = strlen(key);
    for (int i = 0; i < env->n; i++)
        if (!strncmp(env->v[i], key, kl) && env->v[i][kl] == '=') return i;
    return -1;
}

void lh__flow_env_set(lh__flow_vec_t *env, const char *key, const char *value)
{
    const char *kv = lh_arena_printf(env->a, "%s=%s", key, value ? value : "");
    int i = kv ? lh__flow_env_find(env, key) : -1; /* out of memory: the push records it */
    if (i >= 0)
        env->v[i] = kv;
    else
        lh__flow_vec_push(env, kv);
}

const char *lh__flow_str(const lh_flow_task_t *t, const char *name)
{
    const lh_flow_value_t *v = lh_flow_task_field(t, name);
    return v && v->kind == LH_FLOW_V_STR ? v->str : NULL;
}

int64_t lh__flow_int(const lh_flow_task_t *t, const char *name, int64_t def)
{
    const lh_flow_value_t *v = lh_flow_task_field(t, name);
    return v && v->kind != LH_FLOW_V_STR ? v->num : def;
}

int lh__flow_render(lh__flow_job_t *j, const char *field, const char *text, const char **out)
{
    lh_buf_t b;
    char why[256] = "";
    lh_buf_init(&b, (size_t)64 << 20);
    int rc = lh_flow_template_render(text, j->rc, &b, why, sizeof why);
    if (!rc) rc = lh_buf_err(&b);
    if (!rc) {
        *out = lh_arena_strndup(j->a, b.ptr ? b.ptr : "", b.len);
        rc = *out ? 0 : LH_ENOMEM;
    }
    lh_buf_free(&b);
    if (rc == LH_EINVAL) return lh_err_set(j->err, rc, "task %s: %s: %s", j->t->id, field, why);
    if (rc) return lh_err_set(j->err, rc, "task %s: %s: cannot render", j->t->id, field);
    return 0;
}

int lh__flow_push_list(lh__flow_job_t *j, const char *field, lh__flow_vec_t *v)
{
    const lh_flow_value_t *l = lh_flow_task_field(j->t, field);
    for (int i = 0; l && i < l->n; i++) {
        const char *s;
        int rc = lh__flow_render(j, field, l->items[i], &s);
        if (rc) return rc;
        lh__flow_vec_push(v, s);
    }
    return 0;
}

static int write_all(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += (size_t)n;
    }
    return close(fd) || off != len ? -1 : 0;
}

int lh__flow_write_rendered(lh__flow_job_t *j, const char *ext, const char *data, size_t len,
                            const char **path)
{
    char *dir = lh_arena_printf(j->a, "%s/flow/rendered/%s/%s", j->pf->data_dir, j->dag->dag_id,
                                j->rc->run_id);
    const char *file = dir ? lh_arena_printf(j->a, "%s/%s.%lld.%s", dir, j->t->id,
                                             (long long)j->rc->try_number, ext)
                           : NULL;
    const char *tmp = file ? lh_arena_printf(j->a, "%s.tmp", file) : NULL;
    if (!tmp) return lh_err_set(j->err, LH_ENOMEM, "out of memory");
    if (lh__flow_make_parents(file) || write_all(tmp, data, len) || rename(tmp, file)) {
        int e = errno;
        unlink(tmp);
        return lh_err_set(j->err, LH_EIO, "task %s: cannot write %s: %s", j->t->id, file,
                          strerror(e));
    }
    *path = file;
    return 0;
}

int lh_flow_task_command(const lh_flow_dag_t *dag, const lh_flow_task_t *t,
                         const lh_flow_run_ctx_t *rc, const lh_flow_platform_t *pf, lh_arena_t *a,
                         lh_flow_cmd_t *out, lh_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!t->ty || !t->ty->command)
        return lh_err_set(err, LH_EINVAL, "task %s: unknown type %s", t->id, t->type);
    lh__flow_job_t j = {.dag = dag, .t = t, .rc = rc, .pf = pf, .a = a, .err = err};
    j.argv.a = j.env.a = a;
    out->cwd = dag->dir;
    /* the task's own memory_limit, else flow.task_memory_limit */
    out->memory_limit = t->args.memory_limit > 0 ? t->args.memory_limit : pf->memory_limit;
    int r = lh__flow_task_env(&j);
    if (!r) r = t->ty->command(&j, out);
    if (!r && out->memory_mode == LH_FLOW_MEM_ENV && out->memory_limit > 0) {
        const char *lim = lh_arena_printf(a, "%lld", (long long)out->memory_limit);
        lh__flow_env_set(&j.env, "LAKEHOUSE_SQL_MEMORY_LIMIT", lim);
    }
    if (r) return r;
    if (j.argv.oom || j.env.oom || !j.argv.n) return lh_err_set(err, LH_ENOMEM, "out of memory");
    out->argv = j.argv.v;
    out->env = j.env.v;
    return 0;
}
