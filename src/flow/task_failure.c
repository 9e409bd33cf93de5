/* on_failure: when a task instance ends failed, its on_failure command runs
 * through sh -c in the DAG's folder with the task's environment plus
 * LAKEHOUSE_CTX_FAILURE, or
 * its on_failure_webhook gets a JSON POST {dag_id, run_id, task_id,
 * try_number, failure} (libcurl, 10 s timeout). Either runs in a detached
 * grandchild (fork, setsid, fork again; the middle child exits at once and
 * is reaped here), so the orchestrator never waits for the hook and never
 * has a child of it to reap. Everything the grandchild needs (argv,
 * environment, body) is built before the fork; the command's grandchild only
 * execs, the webhook's calls libcurl (glibc keeps malloc usable after fork). */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flow/task_int.h"

static void post(const char *url, const char *body)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    if (!c) return;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_perform(c);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

/* The grandchild: stdin from /dev/null, then the hook. Never returns. */
static void hook(const char *cwd, const char *const *argv, const char *const *env, const char *url,
                 const char *body)
{
    if (cwd && chdir(cwd)) _exit(127);
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0 && fd != 0) dup2(fd, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (argv) {
        execve("/bin/sh", (char *const *)argv, (char *const *)env);
        _exit(127);
    }
    post(url, body);
    _exit(0);
}

static int detach(const char *cwd, const char *const *argv, const char *const *env, const char *url,
                  const char *body, lh_err_t *err)
{
    pid_t pid = fork();
    if (pid < 0) return lh_err_set(err, LH_EIO, "cannot start on_failure: %s", strerror(errno));
    if (pid == 0) {
        setsid();
        pid_t g = fork();
        if (g == 0) hook(cwd, argv, env, url, body);
        _exit(g < 0 ? 1 : 0);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st))
        return lh_err_set(err, LH_EIO, "cannot start on_failure: fork failed");
    return 0;
}

int lh_flow_task_on_failure(const lh_flow_dag_t *dag, const lh_flow_task_t *t,
                            const lh_flow_run_ctx_t *rc, const lh_flow_platform_t *pf,
                            const char *failure, lh_err_t *err)
{
    const char *cmd = t->args.on_failure, *url = t->args.on_failure_webhook;
    if (!cmd && !url) return 0;
    lh_arena_t *a = lh_arena_new(16384);
    if (!a) return lh_err_set(err, LH_ENOMEM, "out of memory");
    lh__flow_job_t j = {.dag = dag, .t = t, .rc = rc, .pf = pf, .a = a, .err = err};
    j.argv.a = j.env.a = a;
    int r = 0;
    char *body = NULL;
    if (cmd) {
        r = lh__flow_task_env(&j);
        lh__flow_env_set(&j.env, "LAKEHOUSE_CTX_FAILURE", failure);
        const char *argv[] = {"sh", "-c", cmd, NULL};
        for (int i = 0; argv[i]; i++)
            lh__flow_vec_push(&j.argv, argv[i]);
        if (!r && (j.env.oom || j.argv.oom)) r = lh_err_set(err, LH_ENOMEM, "out of memory");
        if (!r) r = detach(dag->dir, j.argv.v, j.env.v, NULL, NULL, err);
    } else {
        json_t *doc = json_pack("{s:s, s:s, s:s, s:I, s:s}", "dag_id", dag->dag_id, "run_id",
                                rc->run_id, "task_id", t->id, "try_number",
                                (json_int_t)rc->try_number, "failure", failure ? failure : "");
        body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        json_decref(doc);
        r = body ? detach(NULL, NULL, NULL, url, body, err)
                 : lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    free(body);
    lh_arena_free(a);
    return r;
}
