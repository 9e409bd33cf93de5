#!/usr/bin/env python3
"""Writes docs/dag.schema.json (the JSON Schema of a DAG file, docs/dags.md) to
standard output: python3 scripts/dag_schema.py > docs/dag.schema.json. Keep its
rows in step with src/flow/dag_types.c (one entry per task type)."""
import json
DUR = {"description": "integer seconds, or a string like 30s, 5m, 1h30m, 2d",
       "oneOf": [{"type": "integer", "minimum": 0},
                 {"type": "string", "pattern": "^([0-9]+|([0-9]+(ms|s|m|h|d))+)$"}]}
DATE = {"type": "string", "description": "YYYY-MM-DD or an ISO 8601 date-time (UTC, Z or +hh:mm)",
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"}
ID = {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,250}$"}
TEXT = {"type": "string", "description": "templated (docs/dags.md#templating)"}
SCALAR = {"type": ["string", "number", "boolean"]}
LIST = {"oneOf": [SCALAR, {"type": "array", "items": SCALAR}], "description": "templated items"}
MAP = {"type": "object", "additionalProperties": SCALAR, "description": "templated values"}
RULES = ["all_success", "all_failed", "all_done", "one_success", "one_failed", "none_failed",
         "none_failed_min_one_success", "none_skipped", "always"]
ARGS = {
    "retries": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 0},
    "retry_delay": dict(DUR, default=300),
    "retry_exponential_backoff": {"type": "boolean", "default": False},
    "depends_on_past": {"description": "start only when the same task of the previous run (by logical date) succeeded or was skipped",
                        "type": "boolean", "default": False},
    "max_retry_delay": DUR,
    "execution_timeout": DUR,
    "memory_limit": {"description": "bytes, or a size like 512MiB, 2GiB; default flow.task_memory_limit",
                     "oneOf": [{"type": "integer", "minimum": 0},
                               {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?([kKMGT]i?B?|B)?$"}]},
    "pool": dict(ID, default="default_pool"),
    "priority_weight": {"type": "integer", "default": 1},
    "on_failure": {"oneOf": [{"type": "null"}, {"type": "string", "description": "a command"},
                             {"type": "object", "additionalProperties": False,
                              "properties": {"command": {"type": "string"},
                                             "webhook": {"type": "string", "pattern": "^https?://"}},
                              "minProperties": 1, "maxProperties": 1}]},
}
COMMON = dict({"id": ID, "depends_on": {"oneOf": [ID, {"type": "array", "items": ID}, {"type": "null"}]},
               "trigger_rule": {"enum": RULES, "default": "all_success"}}, **ARGS)
def one(a, b):
    return [{"required": [a]}, {"required": [b]}]
TYPES = {
    "shell": ({"command": TEXT, "env": MAP}, {"required": ["command"]}),
    "python": ({"script": {"type": "string", "description": "a path, relative to the DAG file"},
                "callable": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_]*$"},
                "args": LIST, "env": MAP}, {"oneOf": one("script", "callable")}),
    "sql": ({"sql": TEXT, "file": {"type": "string", "pattern": "\\.sql$",
                                   "description": "a .sql file, relative to the DAG file; templated"}},
            {"oneOf": one("sql", "file")}),
    "sensor": ({"object": TEXT, "topic": ID, "partition": {"type": "integer", "minimum": 0},
                "poke_interval": DUR, "timeout": DUR, "mode": {"enum": ["poke", "reschedule"]}},
               {"oneOf": one("object", "topic")}),
    "k8s_pod": ({"image": {"type": "string"}, "cmds": LIST, "arguments": LIST, "namespace": ID,
                 "env_vars": MAP, "labels": MAP, "service_account_name": ID, "startup_timeout": DUR,
                 "on_finish_action": {"enum": ["delete_pod", "delete_succeeded_pod", "keep_pod"]}},
                {"required": ["image"]}),
    "spark": ({"application_file": {"type": "string", "description": "a SparkApplication YAML/JSON file"},
               "main_application_file": TEXT, "image": {"type": "string"},
               "spark_type": {"enum": ["Python", "Scala", "Java", "R"]}, "main_class": {"type": "string"},
               "arguments": LIST, "spark_version": {"type": "string"}, "namespace": ID,
               "driver_cores": {"type": "integer", "minimum": 1}, "driver_memory": {"type": "string"},
               "executor_instances": {"type": "integer", "minimum": 1},
               "executor_cores": {"type": "integer", "minimum": 1}, "executor_memory": {"type": "string"},
               "spark_conf": MAP}, {"oneOf": one("application_file", "main_application_file")}),
    "ingest": ({"topic": ID, "prefix": TEXT, "bootstrap_servers": TEXT, "format": {"enum": ["jsonl.zst"]},
                "lateness": DUR, "idle_timeout": DUR}, {"required": ["topic", "prefix"]}),
}
defs = {"duration": DUR, "id": ID, "text": TEXT, "list": LIST, "map": MAP, "date": DATE,
        "on_failure": ARGS["on_failure"]}
import copy
def refize(props):
    out = {}
    for k, v in props.items():
        for name in ("duration", "id", "text", "list", "map", "date", "on_failure"):
            if v is defs[name]:
                v = {"$ref": "#/definitions/" + name}
        out[k] = v
    return out
ARGS = refize(ARGS); COMMON = refize(COMMON)
TYPES = {k: (refize(p), e) for k, (p, e) in TYPES.items()}
for name, (props, extra) in TYPES.items():
    p = dict(COMMON); p.update(props); p["type"] = {"const": name}
    d = {"type": "object", "required": ["id", "type"], "additionalProperties": False, "properties": p}
    d.update(extra)
    defs[name + "_task"] = d
schema = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "$id": "https://lakehouse.local/schemas/dag.schema.json",
    "title": "lakehouse DAG file",
    "description": "One DAG per YAML file; see docs/dags.md. `lakehouse dag validate` checks more than this schema can (cycles, unknown dependencies, cron expressions, templates, files).",
    "type": "object",
    "required": ["dag_id", "tasks"],
    "additionalProperties": False,
    "properties": {
        "dag_id": {"$ref": "#/definitions/id"},
        "description": {"type": ["string", "null"]},
        "schedule": {"description": "a 5-field cron expression, @hourly, @daily, @weekly, @monthly, @yearly, @once, or null/none (manual only)",
                     "oneOf": [{"type": "null"}, {"type": "string"}]},
        "start_date": {"$ref": "#/definitions/date"}, "end_date": {"$ref": "#/definitions/date"},
        "catchup": {"type": "boolean", "default": False},
        "max_active_runs": {"type": "integer", "minimum": 1, "default": 16},
        "max_active_tasks": {"type": "integer", "minimum": 1, "default": 16},
        "params": {"type": ["object", "null"], "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                   "additionalProperties": {"oneOf": [
                       {"type": ["string", "number", "boolean", "null"]},
                       {"type": "object", "additionalProperties": False,
                        "properties": {"type": {"enum": ["string", "integer", "number", "boolean"]},
                                       "default": {"type": ["string", "number", "boolean", "null"]},
                                       "description": {"type": "string"}}}]}},
        "default_args": {"type": ["object", "null"], "additionalProperties": False, "properties": ARGS},
        "tasks": {"type": "array", "minItems": 1,
                  "items": {"oneOf": [{"$ref": "#/definitions/%s_task" % n} for n in TYPES]}},
    },
    "definitions": defs,
}
print(json.dumps(schema, indent=2))
