/* The `lakehouse dag` verbs that change something: trigger, pause and
 * unpause (one call each), backfill and clear (several). backfill asks for
 * a backfill (POST /api/v1/backfills), then follows its runs (GET
 * /api/v1/backfills/{id}) until none is queued or running: a progress bar
 * on a terminal, a line per change otherwise (both on stderr, so --json
 * output stays clean); --no-wait returns at once. clear first asks for a
 * dry run and lists what would be cleared; it clears after --yes, or after
 * a "y" on a terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/dag_client.h"

static const char *const dag_pos[] = {"DAG", NULL};

/* --- one call each --- */

int lh_dag_trigger(int argc, char **argv)
{
    lh_dag_cli_t cl;
    char id[1024], path[1200], when[32];
    json_t *body = NULL, *conf = NULL, *run = NULL;
    int rc = lh_dag_cli_parse(&cl, "trigger", argc, argv, dag_pos,
                              "--json --conf --run-id --logical-date");
    if (rc) goto done;
    conf = cl.conf ? json_loads(cl.conf, 0, NULL) : NULL; /* json_is_* evaluates twice */
    if (cl.conf && !json_is_object(conf)) {
        fprintf(stderr, "lakehouse dag trigger: --conf must be a JSON object\n");
        rc = 2;
        goto done;
    }
    body = json_pack("{s:O?, s:s?, s:s?}", "conf", conf, "dag_run_id", cl.run_id, "logical_date",
                     cl.logical_date);
    lh_dag_esc(cl.pos[0], id, sizeof id);
    snprintf(path, sizeof path, "/api/v1/dags/%s/dagRuns", id);
    rc = (run = lh_dag_call(&cl, "POST", path, body)) ? 0 : 1;
    if (run && cl.json)
        lh_dag_print_json(run);
    else if (run)
        printf("triggered %s: run %s (logical date %s)\n", cl.pos[0], lh_dag_str(run, "dag_run_id"),
               lh_dag_when(run, "logical_date", when, sizeof when));
done:
    json_decref(conf);
    json_decref(body);
    json_decref(run);
    lh_dag_cli_free(&cl);
    return rc;
}

static int set_paused(int argc, char **argv, int paused)
{
    lh_dag_cli_t cl;
    char id[1024], path[1200];
    json_t *body = json_pack("{s:b}", "is_paused", paused), *dag = NULL;
    int rc = lh_dag_cli_parse(&cl, paused ? "pause" : "unpause", argc, argv, dag_pos, "--json");
    if (rc) goto done;
    lh_dag_esc(cl.pos[0], id, sizeof id);
    snprintf(path, sizeof path, "/api/v1/dags/%s?update_mask=is_paused", id);
    rc = (dag = lh_dag_call(&cl, "PATCH", path, body)) ? 0 : 1;
    if (dag && cl.json)
        lh_dag_print_json(dag);
    else if (dag)
        printf("%s %s\n", paused ? "paused" : "unpaused", cl.pos[0]);
done:
    json_decref(body);
    json_decref(dag);
    lh_dag_cli_free(&cl);
    return rc;
}

int lh_dag_pause(int argc, char **argv)
{
    return set_paused(argc, argv, 1);
}

int lh_dag_unpause(int argc, char **argv)
{
    return set_paused(argc, argv, 0);
}

/* --- backfill --- */

/* --reprocess as Airflow 3 names it; NULL when unknown. */
static const char *reprocess_name(const char *s)
{
    if (!s || !strcmp(s, "none")) return "none";
    if (!strcmp(s, "failed")) return "failed";
    if (!strcmp(s, "all") || !strcmp(s, "completed")) return "completed";
    return NULL;
}

typedef struct {
    long long total, queued, running, success, failed;
} counts_t;

static counts_t counts_of(const json_t *b)
{
    json_t *s = json_object_get(b, "runs_by_state");
    return (counts_t){
        .total = json_integer_value(json_object_get(b, "num_runs")),
        .queued = json_integer_value(json_object_get(s, "queued")),
        .running = json_integer_value(json_object_get(s, "running")),
        .success = json_integer_value(json_object_get(s, "success")),
        .failed = json_integer_value(json_object_get(s, "failed")),
    };
}

static void progress(const counts_t *c, int tty)
{
    long long done = c->success + c->failed;
    if (!tty) {
        fprintf(stderr, "backfill: %lld/%lld runs done (%lld running, %lld queued, %lld failed)\n",
                done, c->total, c->running, c->queued, c->failed);
        return;
    }
    int width = 30, fill = c->total ? (int)(done * width / c->total) : width;
    fprintf(stderr, "\r[%.*s%*s] %lld/%lld runs done, %lld running, %lld failed ", fill,
            "##############################", width - fill, "", done, c->total, c->running,
            c->failed);
    fflush(stderr);
}

/* Polls backfill id until done: its last state (caller's), or NULL. */
static json_t *follow(lh_dag_cli_t *cl, long long id)
{
    char path[64];
    counts_t last = {-1, -1, -1, -1, -1};
    int tty = isatty(fileno(stderr));
    snprintf(path, sizeof path, "/api/v1/backfills/%lld", id);
    for (;;) {
        json_t *b = lh_dag_call(cl, "GET", path, NULL);
        if (!b) return NULL;
        counts_t c = counts_of(b);
        if (memcmp(&c, &last, sizeof c)) progress(&c, tty);
        last = c;
        if (!json_is_null(json_object_get(b, "completed_at"))) {
            if (tty) fputc('\n', stderr);
            return b;
        }
        json_decref(b);
        nanosleep(&(struct timespec){.tv_nsec = 300 * 1000 * 1000}, NULL);
    }
}

/* The request body from the command line, or NULL after a usage message. */
static json_t *backfill_body(const lh_dag_cli_t *cl)
{
    const char *reprocess = reprocess_name(cl->reprocess);
    json_t *conf = cl->conf ? json_loads(cl->conf, 0, NULL) : NULL;
    const char *msg = !cl->start || !cl->end ? "--start and --end are required"
                      : !reprocess           ? "--reprocess must be none, failed or all"
                      : cl->conf && !json_is_object(conf) ? "--conf must be a JSON object"
                                                          : NULL;
    if (msg) {
        fprintf(stderr, "lakehouse dag backfill: %s\n", msg);
        json_decref(conf);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:o?}", "dag_id", cl->pos[0], "from_date", cl->start,
                     "to_date", cl->end, "reprocess_behavior", reprocess, "dag_run_conf", conf);
}

int lh_dag_backfill(int argc, char **argv)
{
    lh_dag_cli_t cl;
    json_t *body = NULL, *bf = NULL, *last = NULL;
    char a[32], b[32];
    int rc = lh_dag_cli_parse(&cl, "backfill", argc, argv, dag_pos,
                              "--json --start --end --reprocess --conf --no-wait");
    if (rc || !(body = backfill_body(&cl))) {
        rc = 2;
        goto done;
    }
    rc = 1;
    if (!(bf = lh_dag_call(&cl, "POST", "/api/v1/backfills", body))) goto done;
    long long id = json_integer_value(json_object_get(bf, "id"));
    long long n = json_integer_value(json_object_get(bf, "num_runs"));
    if (!cl.json)
        printf("backfill %lld of %s: %lld run%s from %s to %s\n", id, cl.pos[0], n,
               n == 1 ? "" : "s", lh_dag_when(bf, "from_date", a, sizeof a),
               lh_dag_when(bf, "to_date", b, sizeof b));
    if (n == 0 || cl.no_wait) {
        if (cl.json) lh_dag_print_json(bf);
        rc = 0;
        goto done;
    }
    if (!(last = follow(&cl, id))) goto done;
    counts_t c = counts_of(last);
    if (cl.json)
        lh_dag_print_json(last);
    else
        printf("backfill %lld done: %lld success, %lld failed\n", id, c.success, c.failed);
    rc = c.failed ? 1 : 0;
done:
    json_decref(body);
    json_decref(bf);
    json_decref(last);
    lh_dag_cli_free(&cl);
    return rc;
}

/* --- clear --- */

static json_t *clear_body(const lh_dag_cli_t *cl, int dry_run)
{
    json_t *ids = NULL;
    if (cl->ntasks) {
        ids = json_array();
        for (int i = 0; i < cl->ntasks; i++)
            json_array_append_new(ids, json_string(cl->tasks[i]));
    }
    return json_pack("{s:b, s:b, s:b, s:b, s:b, s:o?, s:s?, s:s?, s:s?}", "dry_run", dry_run,
                     "only_failed", cl->only_failed, "include_upstream", cl->upstream,
                     "include_downstream", cl->downstream, "reset_dag_runs", 1, "task_ids", ids,
                     "dag_run_id", cl->run_id, "start_date", cl->start, "end_date", cl->end);
}

static void list_cleared(const json_t *doc)
{
    json_t *t;
    size_t i;
    printf("%-48s %-24s %s\n", "RUN_ID", "TASK_ID", "STATE");
    json_array_foreach(json_object_get(doc, "task_instances"), i, t)
        printf("%-48s %-24s %s\n", lh_dag_str(t, "dag_run_id"), lh_dag_str(t, "task_id"),
               json_is_null(json_object_get(t, "state")) ? "none" : lh_dag_str(t, "state"));
}

/* 1 when the user says yes on a terminal. */
static int confirm(size_t n)
{
    char line[16];
    if (!isatty(fileno(stdin))) return 0;
    fprintf(stderr, "clear %zu task instance%s? [y/N] ", n, n == 1 ? "" : "s");
    return fgets(line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y');
}

/* POST clearTaskInstances; the reply or NULL. */
static json_t *clear_call(lh_dag_cli_t *cl, int dry_run)
{
    char id[1024], path[1200];
    json_t *body = clear_body(cl, dry_run);
    lh_dag_esc(cl->pos[0], id, sizeof id);
    snprintf(path, sizeof path, "/api/v1/dags/%s/clearTaskInstances", id);
    json_t *doc = lh_dag_call(cl, "POST", path, body);
    json_decref(body);
    return doc;
}

int lh_dag_clear(int argc, char **argv)
{
    lh_dag_cli_t cl;
    json_t *dry = NULL, *done_doc = NULL;
    int rc = lh_dag_cli_parse(&cl, "clear", argc, argv, dag_pos,
                              "--json --run-id --start --end --task --upstream --downstream "
                              "--only-failed --yes");
    if (!rc && cl.run_id && (cl.start || cl.end)) {
        fprintf(stderr, "lakehouse dag clear: give --run-id or --start/--end, not both\n");
        rc = 2;
    }
    if (rc) goto done;
    rc = 1;
    if (!(dry = clear_call(&cl, 1))) goto done;
    size_t n = json_array_size(json_object_get(dry, "task_instances"));
    rc = 0;
    if (n == 0 || (!cl.yes && cl.json)) {
        if (cl.json) lh_dag_print_json(dry);
        if (!cl.json) printf("nothing to clear\n");
        goto done;
    }
    if (!cl.yes) {
        list_cleared(dry);
        if (!confirm(n)) {
            fprintf(stderr, "lakehouse dag: nothing cleared (dry run; --yes clears them)\n");
            goto done;
        }
    }
    rc = 1;
    if (!(done_doc = clear_call(&cl, 0))) goto done;
    rc = 0;
    n = json_array_size(json_object_get(done_doc, "task_instances"));
    if (cl.json)
        lh_dag_print_json(done_doc);
    else
        printf("cleared %zu task instance%s of %s\n", n, n == 1 ? "" : "s", cl.pos[0]);
done:
    json_decref(dry);
    json_decref(done_doc);
    lh_dag_cli_free(&cl);
    return rc;
}
