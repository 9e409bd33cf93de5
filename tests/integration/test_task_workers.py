"""The launcher's warm workers (src/flow/workers.c): `lakehouse sql` tries
through `task-run --launcher --workers N` run one after the other in the same
worker process, each with its own environment, working directory and log;
the task contract holds as for a try run in its own process (exit codes, the
memory error, a timeout's SIGTERM, a worker killed mid-try read as its
signal, a supervisor killed outright taking the worker along); a worker
leaks no descriptors from try to try; more tries at once than workers run in
their own processes, as before; idle workers leave with the launcher."""
import os
import signal
import time
from pathlib import Path

import pytest

from helpers.server import lakehouse_bin
from test_task_run import Launcher, final_status, gone, launcher, wait_for  # noqa: F401

LONG_QUERY = "SELECT count(*) FROM range(100000000000)"
BIG_GROUP_BY = ("SELECT x, count(*) FROM (SELECT range AS x FROM range(2000000)) "
                "GROUP BY x ORDER BY x LIMIT 1")


@pytest.fixture
def pool():
    lc = Launcher(workers=2)
    yield lc
    lc.close()


def sql_try(lc, tmp_path, name, query, env=None, cwd=None, **kw):
    """Launches `lakehouse sql -c query` as one try; (supervisor pid, log, status)."""
    log, status = tmp_path / f"{name}.log", tmp_path / f"{name}.status"
    run_env = dict(os.environ)
    run_env.update(env or {})
    pid, start = lc.launch(log, status, [lakehouse_bin(), "sql", "-c", query], env=run_env,
                           cwd=str(cwd or tmp_path), **kw)
    assert pid > 0 and start > 0
    return pid, log, status


def run_sql(lc, tmp_path, name, query, **kw):
    pid, log, status = sql_try(lc, tmp_path, name, query, **kw)
    return final_status(status, pid), log.read_text()


def worker_of(log_text):
    """(worker pid, its try number) from the try's log line."""
    for line in log_text.splitlines():
        if line.startswith("[task-run] in warm worker "):
            words = line.split()
            return int(words[4]), int(words[7].rstrip(")"))
    return None


def worker_line(log_path):
    return worker_of(log_path.read_text()) if log_path.exists() else None


def test_tries_share_a_worker_each_with_its_own_environment(tmp_path, pool):
    st, log = run_sql(pool, tmp_path, "a", "SELECT 40 + 2 AS answer")
    assert st["outcome"] == "success"
    assert " 42\n" in log
    first = worker_of(log)
    assert first is not None and first[1] == 1
    # the same worker, the memory limit of this try's environment (exit 3)
    st, log = run_sql(pool, tmp_path, "b", BIG_GROUP_BY,
                      env={"LAKEHOUSE_SQL_MEMORY_LIMIT": "1048576"})
    assert (st["exit_code"], st["outcome"]) == (3, "resource"), log
    assert "sql.memory_limit 1048576" in log and " 42\n" not in log
    assert worker_of(log) == (first[0], 2)
    # and without it the next try in the same worker has no limit
    st, log = run_sql(pool, tmp_path, "c", BIG_GROUP_BY)
    assert st["outcome"] == "success", log
    assert worker_of(log) == (first[0], 3)
    assert "Out of Memory" not in log
    assert st["task_pid"] != first[0]  # the try's own process is the proxy


def test_working_directory_is_the_tries(tmp_path, pool):
    for name in ("one", "two"):
        d = tmp_path / name
        d.mkdir()
        st, log = run_sql(pool, tmp_path, name,
                          f"COPY (SELECT '{name}' AS v) TO 'out.csv' (HEADER false)", cwd=d)
        assert st["outcome"] == "success", log
        assert (d / "out.csv").read_text().strip() == name
    assert worker_of((tmp_path / "one.log").read_text())[0] == \
        worker_of((tmp_path / "two.log").read_text())[0]


def test_syntax_error_is_exit_2_and_the_worker_goes_on(tmp_path, pool):
    st, log = run_sql(pool, tmp_path, "bad", "SELEC 1")
    assert (st["exit_code"], st["outcome"]) == (2, "invalid"), log
    w = worker_of(log)
    st, log = run_sql(pool, tmp_path, "good", "SELECT 7 AS seven")
    assert st["outcome"] == "success" and " 7\n" in log
    assert worker_of(log) == (w[0], w[1] + 1)


def test_timeout_ends_the_worker_and_the_next_try_gets_another(tmp_path, pool):
    st, log = run_sql(pool, tmp_path, "slow", LONG_QUERY, timeout_ms=1500)
    assert st["timed_out"] and st["reason"] == "timeout"
    assert st["signal"] == signal.SIGTERM
    w = worker_of(log)
    assert w is not None
    wait_for(lambda: gone(w[0]), "the timed-out worker to end")
    st, log = run_sql(pool, tmp_path, "next", "SELECT 1 AS one")
    assert st["outcome"] == "success"
    nw = worker_of(log)
    assert nw is not None and nw[0] != w[0]


def test_a_worker_killed_mid_try_is_the_tries_signal(tmp_path, pool):
    sup, log, status = sql_try(pool, tmp_path, "victim", LONG_QUERY)
    w = wait_for(lambda: worker_line(log), "the try to start in a worker")
    time.sleep(0.2)
    os.kill(w[0], signal.SIGKILL)
    st = final_status(status, sup)
    assert (st["exit_code"], st["signal"], st["outcome"]) == (-1, 9, "resource")
    assert "[task-run] signal 9 after " in log.read_text()


def test_a_supervisor_killed_outright_takes_the_worker_along(tmp_path, pool):
    sup, log, status = sql_try(pool, tmp_path, "orphan", LONG_QUERY)
    w = wait_for(lambda: worker_line(log), "the try to start in a worker")
    os.kill(sup, signal.SIGKILL)
    wait_for(lambda: gone(w[0]), "the worker to follow its proxy", deadline=30)


def test_stop_goes_on_to_the_worker(tmp_path, pool):
    sup, log, status = sql_try(pool, tmp_path, "stopped", LONG_QUERY)
    w = wait_for(lambda: worker_line(log), "the try to start in a worker")
    os.kill(sup, signal.SIGTERM)
    st = final_status(status, sup)
    assert st["shutdown"] and st["signal"] == signal.SIGTERM
    wait_for(lambda: gone(w[0]), "the stopped worker to end")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_a_worker_keeps_no_descriptor_of_a_try(tmp_path, pool):
    st, log = run_sql(pool, tmp_path, "t0", "SELECT 1 AS x")
    w = worker_of(log)[0]
    wait_for(lambda: Path(f"/proc/{w}/cmdline").read_bytes().startswith(
        b"lakehouse task-run worker\0"), "the worker to be idle (its title)")
    before = sorted(os.listdir(f"/proc/{w}/fd"))
    for i in range(1, 6):
        st, log = run_sql(pool, tmp_path, f"t{i}", f"SELECT {i} AS x")
        assert st["outcome"] == "success" and worker_of(log) == (w, i + 1)
    wait_for(lambda: sorted(os.listdir(f"/proc/{w}/fd")) == before,
             "the worker's descriptors to be as before", deadline=10)
    # no try's log stays open in it
    targets = [os.readlink(f"/proc/{w}/fd/{fd}") for fd in os.listdir(f"/proc/{w}/fd")]
    assert not [t for t in targets if t.endswith(".log")]


def test_more_tries_than_workers_run_in_their_own_processes(tmp_path, pool):
    tries = [sql_try(pool, tmp_path, f"p{i}", "SELECT count(*) AS n FROM range(30000000)")
             for i in range(4)]
    workers = set()
    for sup, log, status in tries:
        st = final_status(status, sup)
        assert st["outcome"] == "success"
        assert " 30000000\n" in log.read_text()
        w = worker_of(log.read_text())
        if w:
            workers.add(w[0])
    assert 1 <= len(workers) <= 2


def test_idle_workers_leave_with_the_launcher(tmp_path):
    lc = Launcher(workers=2)
    st, log = run_sql(lc, tmp_path, "x", "SELECT 1 AS x")
    w = worker_of(log)[0]
    assert w in dict(lc.children())
    assert lc.close() == 0
    wait_for(lambda: gone(w), "the idle worker to leave")


def test_an_address_space_limit_keeps_the_try_in_its_own_process(tmp_path, pool):
    """RLIMIT_AS (memory mode rlimit) limits the try's own process, so such
    a try is not handed to a worker, where it would not hold."""
    # 64 TiB: a limit all the same, and room for AddressSanitizer's shadow
    st, log = run_sql(pool, tmp_path, "limited", "SELECT 5 AS five", memory=1 << 46,
                      mode="rlimit")
    assert st["outcome"] == "success" and " 5\n" in log
    assert worker_of(log) is None


def test_no_workers_without_the_option(tmp_path, launcher):
    st, log = run_sql(launcher, tmp_path, "plain", "SELECT 1 AS x")
    assert st["outcome"] == "success" and worker_of(log) is None
