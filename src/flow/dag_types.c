/* The task types, one row each: the type's own fields (declarative rows,
 * checked by lh__flow_apply) and a validate function for the rules that
 * span fields, and the command function that says what a try runs
 * (flow/task*.c). Adding a type is adding a row here. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "flow/dag_int.h"
#include "flow/task_int.h"

#define TF(...)                                                                                    \
    {                                                                                              \
        .off = LH__NO_OFF, __VA_ARGS__                                                             \
    }

/* Exactly one of fields a and b is present. */
static int one_of(lh__flow_ctx_t *x, yaml_node_t *n, const lh_flow_task_t *t, const char *path,
                  const char *a, const char *b)
{
    int ha = lh_flow_task_field(t, a) != NULL, hb = lh_flow_task_field(t, b) != NULL;
    if (ha != hb) return ha ? 1 : 2;
    lh__flow_diag(x, n, path,
                  ha ? "give only one of %s and %s" : "missing required field: %s or %s", a, b);
    return 0;
}

static const char *sub(lh__flow_ctx_t *x, const char *path, const char *name)
{
    const char *f = lh_arena_printf(x->dag->arena, "%s.%s", path, name);
    return f ? f : path;
}

static int ident_path(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || (s[i] == '.' && i && i + 1 < n)))
            return 0;
    return n > 0 && !isdigit((unsigned char)s[0]);
}

static void python_validate(lh__flow_ctx_t *x, yaml_node_t *n, lh_flow_task_t *t, const char *path)
{
    if (one_of(x, n, t, path, "script", "callable") != 2) return;
    const lh_flow_value_t *c = lh_flow_task_field(t, "callable");
    const char *colon = strchr(c->str, ':');
    if (!colon || !ident_path(c->str, (size_t)(colon - c->str)) ||
        !ident_path(colon + 1, strlen(colon + 1)) || strchr(colon + 1, '.'))
        lh__flow_diag(x, n, sub(x, path, "callable"), "expected module:function, got \"%s\"",
                      c->str);
}

/* The .sql file's text is a template too. */
static void sql_validate(lh__flow_ctx_t *x, yaml_node_t *n, lh_flow_task_t *t, const char *path)
{
    if (one_of(x, n, t, path, "sql", "file") != 2) return;
    const char *file = lh_flow_task_field(t, "file")->str;
    FILE *f = fopen(file, "rb");
    char *text = malloc(LH_FLOW_MAX_FILE + 1);
    size_t len = f && text ? fread(text, 1, LH_FLOW_MAX_FILE, f) : 0;
    if (f) fclose(f);
    if (text) {
        text[len] = 0;
        if (strlen(text) == len)
            lh__flow_check_template(x, n, sub(x, path, "file"), text);
        else
            lh__flow_diag(x, n, sub(x, path, "file"), "NUL byte in %s", file);
    }
    free(text);
}

static void sensor_validate(lh__flow_ctx_t *x, yaml_node_t *n, lh_flow_task_t *t, const char *path)
{
    int which = one_of(x, n, t, path, "object", "topic");
    if (which == 1 && lh_flow_task_field(t, "partition"))
        lh__flow_diag(x, n, sub(x, path, "partition"), "partition goes with topic, not object");
}

static void spark_validate(lh__flow_ctx_t *x, yaml_node_t *n, lh_flow_task_t *t, const char *path)
{
    if (one_of(x, n, t, path, "application_file", "main_application_file") != 2) return;
    if (!lh_flow_task_field(t, "image"))
        lh__flow_diag(x, n, sub(x, path, "image"),
                      "missing required field (with main_application_file)");
    const lh_flow_value_t *ty = lh_flow_task_field(t, "spark_type");
    if (ty && (!strcmp(ty->str, "Scala") || !strcmp(ty->str, "Java")) &&
        !lh_flow_task_field(t, "main_class"))
        lh__flow_diag(x, n, sub(x, path, "main_class"), "missing required field (for %s)", ty->str);
}

/* The prefix is an s3:// URL (or a template that renders one). */
static void ingest_validate(lh__flow_ctx_t *x, yaml_node_t *n, lh_flow_task_t *t, const char *path)
{
    const lh_flow_value_t *p = lh_flow_task_field(t, "prefix");
    if (p && strncmp(p->str, "s3://", 5) && strncmp(p->str, "{{", 2))
        lh__flow_diag(x, n, sub(x, path, "prefix"), "expected s3://BUCKET/PATH, got \"%s\"",
                      p->str);
}

static const lh__flow_row_t shell_rows[] = {
    TF(.name = "command", .kind = LH__F_TEXT, .required = 1),
    TF(.name = "env", .kind = LH__F_MAP),
    {0},
};
static const lh__flow_row_t python_rows[] = {
    TF(.name = "script", .kind = LH__F_PATH),
    TF(.name = "callable", .kind = LH__F_STR),
    TF(.name = "args", .kind = LH__F_LIST),
    TF(.name = "env", .kind = LH__F_MAP),
    {0},
};
static const lh__flow_row_t sql_rows[] = {
    TF(.name = "sql", .kind = LH__F_TEXT),
    TF(.name = "file", .kind = LH__F_PATH, .suffix = ".sql"),
    {0},
};
static const lh__flow_row_t sensor_rows[] = {
    TF(.name = "object", .kind = LH__F_TEXT),
    TF(.name = "topic", .kind = LH__F_ID),
    TF(.name = "partition", .kind = LH__F_INT, .max = 1000000),
    TF(.name = "poke_interval", .kind = LH__F_DURATION),
    TF(.name = "timeout", .kind = LH__F_DURATION),
    TF(.name = "mode", .kind = LH__F_ENUM, .choices = "poke|reschedule"),
    {0},
};
static const lh__flow_row_t k8s_pod_rows[] = {
    TF(.name = "image", .kind = LH__F_STR, .required = 1),
    TF(.name = "cmds", .kind = LH__F_LIST),
    TF(.name = "arguments", .kind = LH__F_LIST),
    TF(.name = "namespace", .kind = LH__F_ID),
    TF(.name = "env_vars", .kind = LH__F_MAP),
    TF(.name = "labels", .kind = LH__F_MAP),
    TF(.name = "service_account_name", .kind = LH__F_ID),
    TF(.name = "startup_timeout", .kind = LH__F_DURATION),
    TF(.name = "on_finish_action", .kind = LH__F_ENUM,
       .choices = "delete_pod|delete_succeeded_pod|keep_pod"),
    {0},
};
static const lh__flow_row_t spark_rows[] = {
    TF(.name = "application_file", .kind = LH__F_PATH),
    TF(.name = "main_application_file", .kind = LH__F_TEXT),
    TF(.name = "image", .kind = LH__F_STR),
    TF(.name = "spark_type", .kind = LH__F_ENUM, .choices = "Python|Scala|Java|R"),
    TF(.name = "main_class", .kind = LH__F_STR),
    TF(.name = "arguments", .kind = LH__F_LIST),
    TF(.name = "spark_version", .kind = LH__F_STR),
    TF(.name = "namespace", .kind = LH__F_ID),
    TF(.name = "driver_cores", .kind = LH__F_INT, .min = 1, .max = 1024),
    TF(.name = "driver_memory", .kind = LH__F_STR),
    TF(.name = "executor_instances", .kind = LH__F_INT, .min = 1, .max = 100000),
    TF(.name = "executor_cores", .kind = LH__F_INT, .min = 1, .max = 1024),
    TF(.name = "executor_memory", .kind = LH__F_STR),
    TF(.name = "spark_conf", .kind = LH__F_MAP),
    {0},
};
static const lh__flow_row_t ingest_rows[] = {
    TF(.name = "topic", .kind = LH__F_ID, .required = 1),
    TF(.name = "prefix", .kind = LH__F_TEXT, .required = 1),
    TF(.name = "bootstrap_servers", .kind = LH__F_TEXT),
    TF(.name = "format", .kind = LH__F_ENUM, .choices = "jsonl.zst"),
    TF(.name = "lateness", .kind = LH__F_DURATION),
    TF(.name = "idle_timeout", .kind = LH__F_DURATION),
    TF(.name = "warm_cache", .kind = LH__F_BOOL),
    {0},
};

static const struct lh_flow_task_type types[] = {
    {.name = "shell", .fields = shell_rows, .command = lh__flow_shell_command},
    {.name = "python",
     .fields = python_rows,
     .command = lh__flow_python_command,
     .validate = python_validate},
    {.name = "sql", .fields = sql_rows, .command = lh__flow_sql_command, .validate = sql_validate},
    {.name = "sensor",
     .fields = sensor_rows,
     .command = lh__flow_sensor_command,
     .validate = sensor_validate,
     .off_cores = true},
    {.name = "k8s_pod", .fields = k8s_pod_rows, .command = lh__flow_pod_command, .off_cores = true},
    {.name = "spark",
     .fields = spark_rows,
     .command = lh__flow_spark_command,
     .validate = spark_validate,
     .off_cores = true},
    {.name = "ingest",
     .fields = ingest_rows,
     .command = lh__flow_ingest_command,
     .validate = ingest_validate},
};

const struct lh_flow_task_type *lh__flow_type_find(const char *name)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(types[i].name, name)) return &types[i];
    return NULL;
}

void lh__flow_type_list(char *out, size_t cap)
{
    out[0] = 0;
    for (size_t i = 0, n = 0; i < sizeof types / sizeof types[0] && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "", types[i].name);
}
