/* `lakehouse up --demo`: once every role is ready, the platform starts the
 * demo driver (`lakehouse demo run`, src/cmd/demo_run.c) as its child with
 * the same configuration flags, the REST API's address (LAKEHOUSE_URL) and
 * the task credential (the writer user lakehouse-task that the orchestrator
 * made) in its environment, and the terminal as its output. The platform
 * keeps serving when the driver ends; a stop sends the driver SIGTERM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/up_demo.h"
#include "core/log.h"
#include "flow/flow.h"

extern char **environ;

struct lh_up_demo {
    uv_process_t proc;
    lh_up_demo_t **slot;
    char **env, **args;
    int nenv;
};

/* What the child must not inherit: it gets the task credential instead. */
static const char *const dropped[] = {
    "LAKEHOUSE_URL=",     "LAKEHOUSE_ACCESS_KEY=",  "LAKEHOUSE_SECRET_KEY=", "LAKEHOUSE_TOKEN=",
    "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=",    NULL};

static int is_dropped(const char *kv)
{
    for (int i = 0; dropped[i]; i++)
        if (!strncmp(kv, dropped[i], strlen(dropped[i]))) return 1;
    return 0;
}

static void free_demo(lh_up_demo_t *d)
{
    for (int i = 0; d->env && i < d->nenv; i++)
        free(d->env[i]);
    free(d->env);
    free(d->args);
    free(d);
}

static int add_env(lh_up_demo_t *d, const char *k, const char *v)
{
    size_t n = strlen(k) + strlen(v) + 2;
    char *s = malloc(n);
    if (!s) return LH_ENOMEM;
    snprintf(s, n, "%s=%s", k, v);
    d->env[d->nenv++] = s;
    return 0;
}

static int make_env(lh_up_demo_t *d, const char *url, const lh_user_t *u)
{
    int n = 0;
    while (environ[n])
        n++;
    if (!(d->env = calloc((size_t)n + 4, sizeof *d->env))) return LH_ENOMEM;
    for (int i = 0; i < n; i++)
        if (!is_dropped(environ[i]) && !(d->env[d->nenv++] = strdup(environ[i]))) return LH_ENOMEM;
    if (add_env(d, "LAKEHOUSE_URL", url) || add_env(d, "LAKEHOUSE_ACCESS_KEY", u->access_key) ||
        add_env(d, "LAKEHOUSE_SECRET_KEY", u->secret_key))
        return LH_ENOMEM;
    return 0;
}

static void closed(uv_handle_t *h)
{
    lh_up_demo_t *d = h->data;
    if (d->slot) *d->slot = NULL;
    free_demo(d);
}

static void exited(uv_process_t *p, int64_t status, int sig)
{
    if (sig)
        lh_warn("demo: the driver ended on signal %d", sig);
    else if (status)
        lh_warn("demo: the driver exited with status %lld (its output says why)",
                (long long)status);
    else
        lh_info("demo: done; the platform keeps serving");
    uv_close((uv_handle_t *)p, closed);
}

int lh_up_demo_start(uv_loop_t *loop, lh_meta_t *meta, const char *url, char **args, int nargs,
                     lh_up_demo_t **out, lh_err_t *err)
{
    static char demo[] = "demo", run[] = "run";
    char exe[4096];
    lh_user_t u;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return lh_err_set(err, LH_EIO, "cannot resolve /proc/self/exe");
    exe[n] = 0;
    if (lh_meta_user_get(meta, LH_FLOW_TASK_USER, &u))
        return lh_err_set(err, LH_ENOENT, "no user %s (the orchestrator makes it)",
                          LH_FLOW_TASK_USER);
    lh_up_demo_t *d = calloc(1, sizeof *d);
    int rc = d ? make_env(d, url, &u) : LH_ENOMEM;
    memset(&u, 0, sizeof u);
    if (!rc && !(d->args = calloc((size_t)nargs + 4, sizeof *d->args))) rc = LH_ENOMEM;
    if (rc) {
        if (d) free_demo(d);
        return lh_err_set(err, rc, "out of memory");
    }
    d->args[0] = exe, d->args[1] = demo, d->args[2] = run;
    memcpy(d->args + 3, args, (size_t)nargs * sizeof *args);
    uv_stdio_container_t stdio[3] = {{.flags = UV_INHERIT_FD, .data.fd = 0},
                                     {.flags = UV_INHERIT_FD, .data.fd = 1},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t o = {.file = exe,
                              .args = d->args,
                              .env = d->env,
                              .exit_cb = exited,
                              .stdio_count = 3,
                              .stdio = stdio};
    d->proc.data = d;
    if ((rc = uv_spawn(loop, &d->proc, &o)) != 0) {
        lh_err_set(err, LH_EIO, "cannot start the demo driver: %s", uv_strerror(rc));
        d->slot = NULL;
        uv_close((uv_handle_t *)&d->proc, closed);
        return LH_EIO;
    }
    d->slot = out;
    *out = d;
    return 0;
}

void lh_up_demo_stop(lh_up_demo_t *d)
{
    if (d) uv_process_kill(&d->proc, SIGTERM);
}
