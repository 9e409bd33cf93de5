"""The DAG folder scan (issue 10): a DAG id defined by two files is an
import error of the second only while the first defines it; once the first
file is removed, or defines another id, the second file's DAG takes the
id; a removed file's DAG comes back when the file does; a broken edit of a
good file keeps the last good version running; the folder is watched, so a
change is seen without waiting for the next scan."""
import time

from helpers.flow import api, flow_server, q, trigger, wait_run


def dag(dag_id, task):
    return f"dag_id: {dag_id}\nschedule: none\ntasks:\n  - {{id: {task}, type: shell, command: 'true'}}\n"


def task_ids(srv, dag_id):
    r = api(srv, "GET", f"/api/v1/dags/{q(dag_id)}/tasks")
    return sorted(t["task_id"] for t in r.json()["tasks"]) if r.status_code == 200 else None


def import_errors(srv):
    r = api(srv, "GET", "/api/v1/importErrors")
    assert r.status_code == 200, r.text
    return {e["filename"].rsplit("/", 1)[-1]: e["stack_trace"] for e in r.json()["import_errors"]}


def wait_for(what, fn, timeout=60):
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"{what}: last saw {got}")


def test_second_definition_takes_over_when_the_first_goes(tmp_path):
    srv = flow_server(tmp_path, "folder", {"a.yaml": dag("dup", "from_a"),
                                           "b.yaml": dag("dup", "from_b"),
                                           "c.yaml": dag("twice", "from_c"),
                                           "d.yaml": dag("twice", "from_d")},
                      env={"LAKEHOUSE_FLOW_DAG_SCAN_INTERVAL": "200ms"})
    assert task_ids(srv, "dup") == ["from_a"]
    errs = import_errors(srv)
    assert "already defined" in errs["b.yaml"] and "already defined" in errs["d.yaml"]
    # the first file goes: the second defines the DAG now
    (srv.dags_dir / "a.yaml").unlink()
    wait_for("b.yaml defines dup", lambda: task_ids(srv, "dup") == ["from_b"])
    assert "b.yaml" not in import_errors(srv)
    assert wait_run(srv, "dup", trigger(srv, "dup"))["state"] == "success"
    # the first file now defines another id: the second takes the old one
    (srv.dags_dir / "c.yaml").write_text(dag("renamed", "from_c"))
    wait_for("d.yaml defines twice", lambda: task_ids(srv, "twice") == ["from_d"])
    assert task_ids(srv, "renamed") == ["from_c"]
    assert "d.yaml" not in import_errors(srv)
    srv.check_clean_stop()


def test_removed_file_comes_back_and_a_broken_edit_keeps_the_good_version(tmp_path):
    srv = flow_server(tmp_path, "folder2", {"keep.yaml": dag("keep", "one")},
                      env={"LAKEHOUSE_FLOW_DAG_SCAN_INTERVAL": "200ms"})
    f = srv.dags_dir / "keep.yaml"
    f.write_text(dag("keep", "one") + "    depends_on: [nowhere]\n")
    wait_for("the broken edit is reported", lambda: "keep.yaml" in import_errors(srv))
    assert task_ids(srv, "keep") == ["one"]
    assert wait_run(srv, "keep", trigger(srv, "keep"))["state"] == "success"
    f.unlink()
    wait_for("keep is gone", lambda: api(srv, "GET", "/api/v1/dags/keep").status_code == 404)
    assert "keep.yaml" not in import_errors(srv)
    f.write_text(dag("keep", "two"))
    wait_for("keep is back", lambda: task_ids(srv, "keep") == ["two"])
    assert wait_run(srv, "keep", trigger(srv, "keep"))["state"] == "success"
    srv.check_clean_stop()


def test_a_symlink_loop_in_the_folder_defines_each_dag_once(tmp_path):
    srv = flow_server(tmp_path, "folder3", {"one.yaml": dag("one", "t")}, start=False)
    (srv.dags_dir / "sub").mkdir()
    (srv.dags_dir / "sub" / "two.yaml").write_text(dag("two", "t"))
    (srv.dags_dir / "sub" / "back").symlink_to(srv.dags_dir)  # sub/back/sub/back/...
    (srv.dags_dir / "again").symlink_to(srv.dags_dir)
    srv.start()
    assert task_ids(srv, "one") == ["t"] and task_ids(srv, "two") == ["t"]
    assert import_errors(srv) == {}
    srv.check_clean_stop()


def test_the_folder_is_watched_new_subfolders_too(tmp_path):
    # a scan an hour apart: only the folder's watches can find these changes
    srv = flow_server(tmp_path, "folder4", {"top.yaml": dag("top", "t")},
                      env={"LAKEHOUSE_FLOW_DAG_SCAN_INTERVAL": "1h"})
    assert task_ids(srv, "top") == ["t"]
    # a new subfolder and then a file in it, as `cp -r` or the demo's install do
    sub = srv.dags_dir / "team" / "etl"
    sub.mkdir(parents=True)
    (sub / "deep.yaml").write_text(dag("deep", "first"))
    wait_for("the DAG in the new subfolder", lambda: task_ids(srv, "deep") == ["first"])
    assert wait_run(srv, "deep", trigger(srv, "deep"))["state"] == "success"
    # an edit, a broken edit, a removal, each in a watched folder
    (sub / "deep.yaml").write_text(dag("deep", "second"))
    wait_for("the edit", lambda: task_ids(srv, "deep") == ["second"])
    (srv.dags_dir / "top.yaml").write_text("dag_id: top\ntasks: [\n")
    wait_for("the broken edit is reported", lambda: "top.yaml" in import_errors(srv))
    assert task_ids(srv, "top") == ["t"]
    (sub / "deep.yaml").unlink()
    wait_for("deep is gone", lambda: api(srv, "GET", "/api/v1/dags/deep").status_code == 404)
    # a subfolder removed and made again at once (rm -r, cp -r) is another folder: once a
    # scan has seen it (the marker's), a file written into it later is seen too
    sub.rmdir()
    sub.mkdir()
    (srv.dags_dir / "marker.yaml").write_text(dag("marker", "t"))
    wait_for("the marker", lambda: task_ids(srv, "marker") == ["t"])
    (sub / "again.yaml").write_text(dag("again", "t"))
    wait_for("the DAG in the folder made again", lambda: task_ids(srv, "again") == ["t"])
    srv.check_clean_stop()
