/* The `k8s_pod` and `spark` task types: the task is rendered to a Pod (v1)
 * or a SparkApplication (sparkoperator.k8s.io/v1beta2, or the task's own
 * application_file, rendered) as JSON under <data-dir>/flow/rendered/, and
 * a small sh script (kubectl_script) applies it with `kubectl apply -f`,
 * follows its state with `kubectl get -o jsonpath` until it ends, prints the
 * pod's (driver's) log, deletes what on_finish_action says, and exits 0 when
 * it succeeded, 1 when not. A SIGTERM (timeout, shutdown) deletes it.
 * Resources are named <dag>-<task>-<hash of run and try>, DNS-1123, and
 * labelled with the run's identity (Airflow's reattach labels). */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/task_int.h"

static const char kubectl_script[] =
    "m=$1 kind=$2 ns=$3 fin=$4 startup=$5\n"
    "nsarg=; [ -n \"$ns\" ] && nsarg=--namespace=$ns\n"
    "res=$(kubectl apply $nsarg -f \"$m\" -o name) || exit 1\n"
    "echo \"applied $res\"\n"
    "drop() { kubectl delete $nsarg \"$res\" --wait=false; }\n"
    "trap 'drop; exit 143' TERM INT\n"
    "if [ \"$kind\" = pod ]; then path='{.status.phase}'; else "
    "path='{.status.applicationState.state}'; fi\n"
    "waited=0 rc=\n"
    "while [ -z \"$rc\" ]; do\n"
    "  st=$(kubectl get $nsarg \"$res\" -o \"jsonpath=$path\") || { drop; exit 1; }\n"
    "  case \"$kind:$st\" in\n"
    "    pod:Succeeded|spark:COMPLETED) rc=0 ;;\n"
    "    pod:Failed|spark:FAILED|spark:SUBMISSION_FAILED) rc=1 ;;\n"
    "    pod:Pending|pod:|spark:|spark:SUBMITTED)\n"
    "      if [ \"$waited\" -ge \"$startup\" ]; then echo \"$res: not started within "
    "${startup}s\" >&2; rc=1; fi ;;\n"
    "  esac\n"
    "  [ -n \"$rc\" ] || { sleep 2; waited=$((waited + 2)); }\n"
    "done\n"
    "echo \"$res: $st\"\n"
    "pod=${res#*/}; [ \"$kind\" = pod ] || pod=$pod-driver\n"
    "kubectl logs $nsarg \"$pod\" || true\n"
    "case \"$kind:$fin:$rc\" in\n"
    "  spark:*|pod:delete_pod:*|pod:delete_succeeded_pod:0) drop ;;\n"
    "esac\n"
    "exit $rc\n";

/* A DNS-1123 label from s: lower case, [a-z0-9-], at most cap - 1. */
static void dns_label(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++) {
        char c = (char)tolower((unsigned char)*s);
        out[n++] = isalnum((unsigned char)c) ? c : '-';
    }
    while (n && out[n - 1] == '-')
        n--;
    out[n] = 0;
}

/* <dag>-<task>-<8 hex of FNV-1a over dag, task, run, try>, at most 63. */
static const char *resource_name(lh__flow_job_t *j)
{
    uint32_t h = 2166136261u;
    const char *parts[] = {j->dag->dag_id, "/", j->t->id, "/", j->rc->run_id};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        for (const char *p = parts[i]; *p; p++)
            h = (h ^ (unsigned char)*p) * 16777619u;
    h = (h ^ (uint32_t)j->rc->try_number) * 16777619u;
    char base[64], both[128];
    snprintf(both, sizeof both, "%s-%s", j->dag->dag_id, j->t->id);
    dns_label(both, base, 45);
    return lh_arena_printf(j->a, "%s%s%08x", base, *base ? "-" : "t-", h);
}

/* A label value: [A-Za-z0-9_.-], at most 63, alphanumeric at both ends. */
static json_t *label_value(const char *s)
{
    char v[64];
    size_t n = 0;
    for (; *s && n < 63; s++)
        v[n++] = isalnum((unsigned char)*s) || *s == '_' || *s == '.' || *s == '-' ? *s : '_';
    while (n && !isalnum((unsigned char)v[n - 1]))
        n--;
    v[n] = 0;
    size_t skip = 0;
    while (v[skip] && !isalnum((unsigned char)v[skip]))
        skip++;
    return json_string(v + skip);
}

/* A rendered list field as a JSON array (absent: NULL). */
static int json_list(lh__flow_job_t *j, const char *field, json_t **out)
{
    lh__flow_vec_t v = {.a = j->a};
    *out = NULL;
    int rc = lh__flow_push_list(j, field, &v);
    if (rc || !lh_flow_task_field(j->t, field)) return rc;
    *out = json_array();
    for (int i = 0; i < v.n; i++)
        json_array_append_new(*out, json_string(v.v[i]));
    return v.oom ? lh_err_set(j->err, LH_ENOMEM, "out of memory") : 0;
}

/* A rendered map field into obj (as name: value) or into arr (as {name,
 * value}); nothing when absent. */
static int json_map(lh__flow_job_t *j, const char *field, json_t *obj, json_t *arr)
{
    const lh_flow_value_t *m = lh_flow_task_field(j->t, field);
    for (int i = 0; m && m->kind == LH_FLOW_V_MAP && i < m->n; i++) {
        const char *v;
        int rc = lh__flow_render(j, field, m->items[i], &v);
        if (rc) return rc;
        if (obj) json_object_set_new(obj, m->keys[i], json_string(v));
        if (arr)
            json_array_append_new(arr, json_pack("{s:s, s:s}", "name", m->keys[i], "value", v));
    }
    return 0;
}

static void add_label(void *arg, const char *name, const char *v)
{
    static const char *const keep[] = {"DAG_ID", "TASK_ID", "RUN_ID", "TRY_NUMBER", NULL};
    for (int i = 0; keep[i]; i++)
        if (!strcmp(keep[i], name)) {
            char k[64];
            snprintf(k, sizeof k, "lakehouse.%s", name);
            for (char *p = k; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            json_object_set_new(arg, k, label_value(v));
        }
}

static void add_env(void *arg, const char *name, const char *v)
{
    char k[64];
    snprintf(k, sizeof k, "LAKEHOUSE_CTX_%s", name);
    json_array_append_new(arg, json_pack("{s:s, s:s}", "name", k, "value", v));
}

/* metadata: name, namespace, labels (the run's identity, then the task's) */
static int metadata(lh__flow_job_t *j, const char *name, json_t **out)
{
    json_t *l = json_object();
    *out = json_pack("{s:s, s:o}", "name", name, "labels", l);
    const char *ns = lh__flow_str(j->t, "namespace");
    if (ns) json_object_set_new(*out, "namespace", json_string(ns));
    int rc = lh__flow_ctx_each(j, add_label, l);
    return rc ? rc : json_map(j, "labels", l, NULL);
}

static int pod_manifest(lh__flow_job_t *j, const char *name, json_t **out)
{
    json_t *meta, *cmds, *args, *env = json_array();
    json_t *c = json_pack("{s:s, s:s, s:o}", "name", "base", "image", lh__flow_str(j->t, "image"),
                          "env", env);
    json_t *spec = json_pack("{s:s, s:[o]}", "restartPolicy", "Never", "containers", c);
    *out = json_pack("{s:s, s:s}", "apiVersion", "v1", "kind", "Pod");
    int rc = metadata(j, name, &meta);
    json_object_set_new(*out, "metadata", meta);
    json_object_set_new(*out, "spec", spec);
    if (!rc) rc = lh__flow_ctx_each(j, add_env, env);
    if (!rc) rc = json_map(j, "env_vars", NULL, env);
    if (!rc) rc = json_list(j, "cmds", &cmds);
    if (!rc && cmds) json_object_set_new(c, "command", cmds);
    if (!rc) rc = json_list(j, "arguments", &args);
    if (!rc && args) json_object_set_new(c, "args", args);
    const char *sa = lh__flow_str(j->t, "service_account_name");
    if (sa) json_object_set_new(spec, "serviceAccountName", json_string(sa));
    return rc;
}

/* driver or executor: cores, memory (and instances), the run's labels */
static json_t *spark_role(lh__flow_job_t *j, const char *role, json_t *labels_of)
{
    char k[64];
    snprintf(k, sizeof k, "%s_cores", role);
    json_t *r =
        json_pack("{s:I, s:O}", "cores", (json_int_t)lh__flow_int(j->t, k, 1), "labels", labels_of);
    snprintf(k, sizeof k, "%s_memory", role);
    const char *mem = lh__flow_str(j->t, k);
    json_object_set_new(r, "memory", json_string(mem ? mem : "512m"));
    if (!strcmp(role, "executor"))
        json_object_set_new(r, "instances",
                            json_integer(lh__flow_int(j->t, "executor_instances", 1)));
    return r;
}

static int spark_manifest(lh__flow_job_t *j, const char *name, json_t **out)
{
    json_t *meta, *args, *conf = json_object();
    const char *ty = lh__flow_str(j->t, "spark_type"), *ver = lh__flow_str(j->t, "spark_version");
    const char *file, *cls = lh__flow_str(j->t, "main_class");
    *out = json_pack("{s:s, s:s}", "apiVersion", "sparkoperator.k8s.io/v1beta2", "kind",
                     "SparkApplication");
    int rc = metadata(j, name, &meta);
    json_object_set_new(*out, "metadata", meta);
    if (!rc)
        rc = lh__flow_render(j, "main_application_file",
                             lh__flow_str(j->t, "main_application_file"), &file);
    if (rc) return rc;
    json_t *spec =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s}}", "type", ty ? ty : "Python", "mode",
                  "cluster", "image", lh__flow_str(j->t, "image"), "mainApplicationFile", file,
                  "sparkVersion", ver ? ver : "3.5.0", "restartPolicy", "type", "Never");
    json_object_set_new(*out, "spec", spec);
    if (cls) json_object_set_new(spec, "mainClass", json_string(cls));
    rc = json_list(j, "arguments", &args);
    if (!rc && args) json_object_set_new(spec, "arguments", args);
    if (!rc) rc = json_map(j, "spark_conf", conf, NULL);
    json_object_set_new(spec, "sparkConf", conf);
    json_t *l = json_object_get(meta, "labels");
    json_object_set_new(spec, "driver", spark_role(j, "driver", l));
    json_object_set_new(spec, "executor", spark_role(j, "executor", l));
    return rc;
}

/* The task's own SparkApplication file, rendered. */
static int spark_file(lh__flow_job_t *j, const char **text)
{
    const char *path = lh__flow_str(j->t, "application_file");
    FILE *f = fopen(path, "rb");
    char *buf = lh_arena_alloc(j->a, LH_FLOW_MAX_FILE + 1);
    size_t n = f && buf ? fread(buf, 1, LH_FLOW_MAX_FILE, f) : 0;
    if (f) fclose(f);
    if (!f || !buf) return lh_err_set(j->err, LH_EIO, "task %s: cannot read %s", j->t->id, path);
    buf[n] = 0;
    return lh__flow_render(j, "application_file", buf, text);
}

/* argv: sh -c kubectl_script sh MANIFEST KIND NAMESPACE ON_FINISH STARTUP */
static int run_manifest(lh__flow_job_t *j, lh_flow_cmd_t *out, const char *kind, json_t *doc,
                        const char *text, int64_t startup)
{
    char *dump = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (doc && !dump) return lh_err_set(j->err, LH_ENOMEM, "out of memory");
    const char *path, *fin = lh__flow_str(j->t, "on_finish_action");
    const char *ns = lh__flow_str(j->t, "namespace");
    const char *body = dump ? dump : text;
    int rc = lh__flow_write_rendered(j, dump ? "json" : "yaml", body, strlen(body), &path);
    free(dump);
    if (rc) return rc;
    const char *argv[] = {"sh",
                          "-c",
                          kubectl_script,
                          "sh",
                          path,
                          kind,
                          ns ? ns : "",
                          fin ? fin : "delete_pod",
                          lh_arena_printf(j->a, "%lld", (long long)startup)};
    for (size_t i = 0; i < sizeof argv / sizeof argv[0]; i++)
        lh__flow_vec_push(&j->argv, argv[i]);
    out->memory_mode = LH_FLOW_MEM_NONE;
    return 0;
}

int lh__flow_pod_command(lh__flow_job_t *j, lh_flow_cmd_t *out)
{
    json_t *doc = NULL;
    int rc = pod_manifest(j, resource_name(j), &doc);
    if (!rc)
        rc = run_manifest(j, out, "pod", doc, NULL, lh__flow_int(j->t, "startup_timeout", 120));
    json_decref(doc);
    return rc;
}

int lh__flow_spark_command(lh__flow_job_t *j, lh_flow_cmd_t *out)
{
    json_t *doc = NULL;
    const char *text = NULL;
    int rc = lh__flow_str(j->t, "application_file") ? spark_file(j, &text)
                                                    : spark_manifest(j, resource_name(j), &doc);
    if (!rc) rc = run_manifest(j, out, "spark", doc, text, 600);
    json_decref(doc);
    return rc;
}
