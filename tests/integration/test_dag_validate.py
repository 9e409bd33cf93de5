"""`lakehouse dag validate` on DAG files, locally with no platform: good
files print "ok <dag_id> (...)" and exit 0; every kind of broken file is
reported as file:line: field: message and exits 2, with every error of a
file listed; --json gives the same as data. The example DAGs of
docs/dags.md validate, docs/dag.schema.json is a valid JSON Schema, and the
examples and the schema agree."""
import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from helpers.server import lakehouse_bin

REPO = Path(__file__).resolve().parents[2]


def validate(*args):
    return subprocess.run([lakehouse_bin(), "dag", "validate", *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def write(d, name, text):
    p = Path(d) / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


GOOD = """\
dag_id: daily
schedule: "@daily"
start_date: 2024-01-01
params:
  region: {type: string, default: eu}
default_args:
  retries: 2
  retry_delay: 1m
tasks:
  - id: extract
    type: python
    script: scripts/extract.py
    args: ["{{ ds }}", "{{ params.region }}"]
  - id: load
    type: sql
    file: sql/load.sql
    depends_on: extract
  - id: report
    type: shell
    command: "echo {{ ts_format(data_interval_end, '%Y-%m-%d %H') }}"
    depends_on: [load]
    trigger_rule: all_done
"""


def good_dag(tmp_path):
    write(tmp_path, "dags/scripts/extract.py", "print('hi')\n")
    write(tmp_path, "dags/sql/load.sql", "SELECT '{{ ds_add(ds, -1) }}'\n")
    return write(tmp_path, "dags/daily.yaml", GOOD)


def test_good_file_is_ok_with_paths_relative_to_it(tmp_path):
    p = good_dag(tmp_path)
    r = validate(p)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "ok daily (3 tasks, schedule @daily)\n"
    assert r.stderr == ""


T = "dag_id: x\ntasks:\n"
SH = "  - id: {}\n    type: shell\n    command: echo\n"

# (kind, file text, line, field, message): one per kind of error
BROKEN = [
    ("yaml syntax", T + "  - id: a\n    type: shell\n   command: [\n", 5, None,
     "yaml syntax error: did not find expected '-' indicator while parsing a block collection"),
    ("cycle", T + SH.format("a") + "    depends_on: [b]\n" + SH.format("b") +
     "    depends_on: [a]\n", 6, "tasks[0].depends_on", "dependency cycle: a -> b -> a"),
    ("unknown dependency", T + SH.format("a") + "    depends_on: [load]\n", 6,
     "tasks[0].depends_on", 'unknown task "load"'),
    ("duplicate task id", T + SH.format("a") + SH.format("a"), 6, "tasks[1].id",
     'duplicate task id "a"'),
    ("bad cron", "dag_id: x\nschedule: '0 0 * * 9'\nstart_date: 2024-01-01\ntasks:\n" +
     SH.format("a"), 2, "schedule",
     'bad cron "0 0 * * 9": day-of-week: bad value "9" (0-7 or names)'),
    ("unknown type", T + "  - id: a\n    type: bash\n", 4, "tasks[0].type",
     'unknown task type "bash" (one of shell, python, sql, sensor, k8s_pod, spark, ingest)'),
    ("unknown field", "dag_id: x\nschedule_interval: '@daily'\ntasks:\n" + SH.format("a"), 2,
     "schedule_interval", "unknown field"),
    ("bad template", T + "  - id: a\n    type: shell\n    command: 'echo {{ execution_date }}'\n",
     5, "tasks[0].command", 'bad template: unknown name "execution_date"'),
    ("bad duration", T + SH.format("a") + "    execution_timeout: 1 hour\n", 6,
     "tasks[0].execution_timeout",
     'bad duration "1 hour" (seconds, or like 30s, 5m, 1h30m)'),
    ("missing required field", T + "  - id: a\n    type: shell\n", 3, "tasks[0].command",
     "missing required field"),
    ("missing file", T + "  - id: a\n    type: sql\n    file: nope.sql\n", 5, "tasks[0].file",
     'no such file "{dir}/nope.sql"'),
]


@pytest.mark.parametrize("kind,text,line,field,msg", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_names_file_line_and_field(tmp_path, kind, text, line, field, msg):
    p = write(tmp_path, "dags/x.yaml", text)
    r = validate(p)
    assert r.returncode == 2, r.stdout
    assert r.stdout == ""
    msg = msg.format(dir=p.parent)
    want = f"{p}:{line}: {field}: {msg}" if field else f"{p}:{line}: {msg}"
    assert r.stderr.splitlines() == [want]


def test_every_error_of_a_file_is_reported(tmp_path):
    p = write(tmp_path, "x.yaml", """\
dag_id: has space
schedule: "61 * * * *"
start_date: 2024-13-01
tasks:
  - id: a
    type: shell
    command: "{{ ds | upper }}"
    depends_on: [ghost]
  - id: b
    type: rocket
  - id: b
    type: shell
    command: x
    trigger_rule: maybe
""")
    r = validate(p)
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert [int(x.split(":")[1]) for x in lines] == [1, 2, 3, 7, 8, 10, 11, 14]
    assert all(x.startswith(f"{p}:") for x in lines)


def test_json_output_and_mixed_exit_status(tmp_path):
    good = good_dag(tmp_path)
    bad = write(tmp_path, "dags/bad.yaml", T + SH.format("a") + "    depends_on: [zz]\n")
    r = subprocess.run([lakehouse_bin(), "dag", "validate", "--json", str(good), str(bad)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    out = json.loads(r.stdout)
    assert [f["ok"] for f in out] == [True, False]
    assert out[0]["dag_id"] == "daily" and out[0]["tasks"] == 3 and out[0]["errors"] == []
    assert out[1]["errors"] == [{"file": str(bad), "line": 6, "field": "tasks[0].depends_on",
                                 "message": 'unknown task "zz"'}]
    r = validate(good, bad)  # text mode: the good one still says ok
    assert r.returncode == 2 and r.stdout == "ok daily (3 tasks, schedule @daily)\n"


def test_unreadable_file_and_usage(tmp_path):
    r = validate(tmp_path / "missing.yaml")
    assert r.returncode == 2
    assert r.stderr == f"{tmp_path}/missing.yaml:1: cannot read file: No such file or directory\n"
    r = subprocess.run([lakehouse_bin(), "dag", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "validate" in r.stdout and "trigger" in r.stdout
    r = subprocess.run([lakehouse_bin(), "dag", "bogus", "x"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown verb 'bogus'" in r.stderr
    assert validate().returncode == 2


class StrDates(yaml.SafeLoader):
    """YAML as our parser reads it: dates stay strings."""


StrDates.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def doc_examples():
    text = (REPO / "docs" / "dags.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    return [b for b in blocks if b.startswith("dag_id:")]


def schema():
    return json.loads((REPO / "docs" / "dag.schema.json").read_text())


def test_schema_is_a_valid_json_schema():
    jsonschema.Draft7Validator.check_schema(schema())


def test_doc_examples_validate_and_fit_the_schema(tmp_path):
    examples = doc_examples()
    assert examples, "docs/dags.md has no example DAG"
    v = jsonschema.Draft7Validator(schema())
    for i, text in enumerate(examples):
        p = write(tmp_path, f"ex{i}.yaml", text)
        r = validate(p)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("ok ")
        v.validate(yaml.load(text, Loader=StrDates))


def test_schema_rejects_what_the_validator_rejects(tmp_path):
    v = jsonschema.Draft7Validator(schema())
    good = yaml.load(GOOD, Loader=StrDates)
    v.validate(good)
    for mutate in (lambda d: d.update(colour="red"),
                   lambda d: d["tasks"][0].update(type="rocket"),
                   lambda d: d["tasks"][2].update(trigger_rule="maybe"),
                   lambda d: d["default_args"].update(retry_delay="1 minute"),
                   lambda d: d["tasks"][2].pop("command"),
                   lambda d: d["tasks"][0].update(callable="m:f")):
        d = yaml.load(GOOD, Loader=StrDates)
        mutate(d)
        assert list(v.iter_errors(d)), d
        good_dag(tmp_path)
        p = write(tmp_path, "dags/m.yaml", yaml.safe_dump(d))
        assert validate(p).returncode == 2


def test_validate_by_dag_id_in_the_dags_folder(tmp_path):
    sub = tmp_path / "team" / "etl"
    sub.mkdir(parents=True)
    (sub / "x.yaml").write_text("dag_id: by_id\nschedule: none\ntasks:\n"
                                "  - {id: a, type: shell, command: 'true'}\n")
    env = {"LAKEHOUSE_DAGS_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([lakehouse_bin(), "dag", "validate", "by_id"], capture_output=True,
                       text=True, env=env)
    assert r.returncode == 0 and r.stdout == "ok by_id (1 task, schedule none)\n", r.stderr
    r = subprocess.run([lakehouse_bin(), "dag", "validate", "no_such_dag"], capture_output=True,
                       text=True, env=env)
    assert r.returncode == 2 and "no DAG file or DAG id no_such_dag" in r.stderr
