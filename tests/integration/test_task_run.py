"""`lakehouse task-run`, the supervisor of one task try, driven directly:
the task contract's exits (0, 1, 2, 3, 75, a signal, the timeout, the memory
limit in rlimit and env modes) land in the status file with the right
outcome; stdout and stderr land in the log with a last "[task-run]" line;
the status file reads "running" with the supervisor's pid and start time
while the task runs; SIGTERM to the supervisor ends the task's whole group
and records "shutdown"; a task's background children never outlive it; bad
command lines exit 2 and write nothing; the supervisor writes only its two
files. The tries run twice: by `task-run` on the command line and through
the launcher (`task-run --launcher`, the executor's fork server, driven
here over its socket), which also exits at EOF leaving its supervisors
running, answers a bad request with an error, and leaves no zombies."""
import errno
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.server import lakehouse_bin

WRAPPED_MEMORY_ERROR = (
    "import sys\n"
    "try:\n"
    "    x = bytearray(1 << 31)\n"
    "except MemoryError:\n"
    "    sys.exit(3)\n")


def attempt(tmp_path):
    base = tmp_path / "data" / "flow" / "logs" / "dag_id=d" / "run_id=manual__x" / "task_id=t"
    return base / "attempt=1.log", base / "attempt=1.status"


def task_run_args(log, status, *opts):
    return [lakehouse_bin(), "task-run", "--log", str(log), "--status", str(status), *opts]


MODES = {"none": 0, "rlimit": 1, "env": 2}


def put_str(s):
    b = os.fsencode(s) + b"\0"
    return struct.pack("=I", len(b)) + b


class Launcher:
    """`lakehouse task-run --launcher` with our end of its socket (its stdin),
    speaking its wire format (src/flow/launch_wire.c)."""

    def __init__(self, workers=0):
        self.sock, theirs = socket.socketpair()
        args = [lakehouse_bin(), "task-run", "--launcher"]
        if workers:  # its warm workers (tests/integration/test_task_workers.py)
            args += ["--workers", str(workers)]
        self.proc = subprocess.Popen(args, stdin=theirs,
                                     stdout=subprocess.DEVNULL, start_new_session=True)
        theirs.close()

    @staticmethod
    def request(log, status, argv, env=None, cwd=None, timeout_ms=0, memory=0, mode="none"):
        env = os.environ if env is None else env
        body = struct.pack("=qqi", timeout_ms, memory, MODES[mode])
        body += put_str(log) + put_str(status) + put_str(cwd or "")
        body += struct.pack("=I", len(argv)) + b"".join(put_str(a) for a in argv)
        pairs = [f"{k}={v}" for k, v in env.items()]
        body += struct.pack("=I", len(pairs)) + b"".join(put_str(e) for e in pairs)
        return struct.pack("=I", len(body)) + body

    def send(self, frame):
        """Sends one framed request; returns the answer (pid or -errno, start)."""
        self.sock.sendall(frame)
        answer = b""
        while len(answer) < 16:
            chunk = self.sock.recv(16 - len(answer))
            assert chunk, "the launcher closed its socket"
            answer += chunk
        pid, _, start = struct.unpack("=iiq", answer)
        return pid, start

    def launch(self, log, status, argv, **kw):
        return self.send(self.request(str(log), str(status), argv, **kw))

    def children(self):
        """(pid, state) of the launcher's children, from /proc."""
        out = []
        for d in Path("/proc").iterdir():
            if not d.name.isdigit():
                continue
            try:
                stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(stat[1]) == self.proc.pid:
                out.append((int(d.name), stat[0]))
        return out

    def close(self):
        self.sock.close()
        return self.proc.wait(timeout=60)


@pytest.fixture(scope="module")
def launcher():
    lc = Launcher()
    yield lc
    assert lc.close() == 0


@pytest.fixture(params=["cli", "launcher"])
def via(request):
    return request.param


def launch_opts(tmp_path, opts):
    kw = {"cwd": str(tmp_path)}
    names = {"--timeout-ms": "timeout_ms", "--memory": "memory", "--memory-mode": "mode"}
    for name, value in zip(opts[::2], opts[1::2]):
        kw[names[name]] = value if name == "--memory-mode" else int(value)
    return kw


def final_status(status, pid):
    """The final status of a launched supervisor, once it is gone."""
    wait_for(lambda: gone(pid), f"supervisor {pid} to end", deadline=120)
    st = json.loads(status.read_text())
    assert st["state"] == "exited"
    return st


def run(tmp_path, argv, *opts, via="cli", launcher=None):
    """Runs one try to its end; returns (status dict, log text)."""
    log, status = attempt(tmp_path)
    if via == "launcher":
        pid, start = launcher.launch(log, status, argv, **launch_opts(tmp_path, opts))
        assert pid > 0 and start > 0
        st = final_status(status, pid)
        assert (st["pid"], st["pid_start"]) == (pid, start)
        return st, log.read_text()
    p = subprocess.run([*task_run_args(log, status, "--cwd", str(tmp_path), *opts), "--", *argv],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(status.read_text()), log.read_text()


def sh(tmp_path, script, *opts, **kw):
    return run(tmp_path, ["sh", "-c", script], *opts, **kw)


def gone(pid):
    """True when pid is no process (or only a zombie nobody reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def wait_for(pred, what, deadline=30):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("code,outcome", [
    (0, "success"), (1, "execution"), (2, "invalid"), (3, "resource"), (75, "reschedule"),
    (42, "execution")])
def test_exit_codes(tmp_path, code, outcome, via, launcher):
    st, log = sh(tmp_path, f"exit {code}", via=via, launcher=launcher)
    assert st["state"] == "exited"
    assert st["exit_code"] == code and st["signal"] == 0
    assert st["outcome"] == outcome and st["reason"] == f"exit {code}"
    assert not st["timed_out"] and not st["memory"] and not st["shutdown"]
    assert st["end_us"] >= st["start_us"] > 0
    assert log.splitlines()[-1].startswith(f"[task-run] exit {code} after ")


def test_killed_by_a_signal(tmp_path, via, launcher):
    st, log = sh(tmp_path, "kill -9 $$", via=via, launcher=launcher)
    assert (st["exit_code"], st["signal"], st["outcome"]) == (-1, 9, "resource")
    assert st["reason"] == "signal 9"
    assert "[task-run] signal 9 after " in log


def test_stdout_and_stderr_in_the_log(tmp_path, via, launcher):
    st, log = sh(tmp_path, "echo out-line; echo err-line >&2; pwd", via=via, launcher=launcher)
    assert st["outcome"] == "success"
    assert "out-line\n" in log and "err-line\n" in log and f"{tmp_path}\n" in log
    log_path, status_path = attempt(tmp_path)
    assert log_path.stat().st_mode & 0o777 == 0o600
    assert status_path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "data" / "flow").stat().st_mode & 0o777 == 0o700
    # the supervisor wrote its two files and nothing else
    files = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "data").rglob("*")
                   if p.is_file())
    assert files == sorted(str(p.relative_to(tmp_path)) for p in (log_path, status_path))


def test_last_line_starts_a_line(tmp_path, via, launcher):
    _, log = sh(tmp_path, "printf no-newline", via=via, launcher=launcher)
    assert log.splitlines()[0] == "no-newline"
    assert log.splitlines()[1].startswith("[task-run] exit 0 after ")


def test_timeout_ends_the_whole_group(tmp_path, via, launcher):
    st, log = sh(tmp_path, "sleep 60 & echo $! > bg.pid; sleep 60", "--timeout-ms", "1000",
                 via=via, launcher=launcher)
    assert st["timed_out"] and st["outcome"] == "resource" and st["reason"] == "timeout"
    assert st["signal"] == signal.SIGTERM
    assert "[task-run] timeout after " in log
    assert gone(st["task_pid"])
    assert gone(int((tmp_path / "bg.pid").read_text()))


def test_huge_timeout_is_no_timeout(tmp_path, via, launcher):
    st, _ = sh(tmp_path, "exit 0", "--timeout-ms", str(2**63 - 1), via=via, launcher=launcher)
    assert st["outcome"] == "success" and not st["timed_out"]


def test_background_children_do_not_outlive_the_task(tmp_path, via, launcher):
    st, _ = sh(tmp_path, "sleep 60 & echo $! > bg.pid; exit 0", via=via, launcher=launcher)
    assert st["outcome"] == "success"
    assert gone(int((tmp_path / "bg.pid").read_text()))


def test_memory_limit_rlimit(tmp_path, via, launcher):
    limit = str(200 << 20)
    st, log = run(tmp_path, [sys.executable, "-c", "x = bytearray(1 << 31)"],
                  "--memory", limit, "--memory-mode", "rlimit", via=via, launcher=launcher)
    assert st["exit_code"] == 1 and not st["memory"] and st["outcome"] == "execution"
    assert "MemoryError" in log
    st, log = run(tmp_path, [sys.executable, "-c", WRAPPED_MEMORY_ERROR],
                  "--memory", limit, "--memory-mode", "rlimit", via=via, launcher=launcher)
    assert st["exit_code"] == 3 and st["memory"] and st["outcome"] == "resource"
    assert st["reason"] == "memory"
    assert "[task-run] memory after " in log


def test_memory_limit_env(tmp_path, via, launcher):
    st, log = sh(tmp_path, 'echo "limit=$LAKEHOUSE_SQL_MEMORY_LIMIT"; ulimit -v',
                 "--memory", "123456789", "--memory-mode", "env", via=via, launcher=launcher)
    assert st["outcome"] == "success"
    assert "limit=123456789\n" in log and "unlimited\n" in log


def test_environment_is_the_supervisors(tmp_path):
    log, status = attempt(tmp_path)
    env = {"PATH": os.environ["PATH"], "TASK_VALUE": "from-env"}
    p = subprocess.run([*task_run_args(log, status), "--", "sh", "-c", 'echo "v=$TASK_VALUE"'],
                       env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "v=from-env\n" in log.read_text()


def test_environment_through_the_launcher(tmp_path, launcher):
    log, status = attempt(tmp_path)
    env = {"PATH": os.environ["PATH"], "TASK_VALUE": "from-env"}
    pid, _ = launcher.launch(log, status, ["sh", "-c", 'echo "v=$TASK_VALUE home=${HOME-none}"'],
                             env=env)
    assert final_status(status, pid)["outcome"] == "success"
    assert "v=from-env home=none\n" in log.read_text()


def test_command_not_found(tmp_path, via, launcher):
    st, log = run(tmp_path, ["no-such-command-here"], via=via, launcher=launcher)
    assert st["exit_code"] == 127 and st["outcome"] == "execution"
    assert "cannot run no-such-command-here" in log


class Launched:
    """A supervisor the launcher started: not our child."""

    def __init__(self, pid):
        self.pid = pid

    def send_signal(self, sig):
        os.kill(self.pid, sig)

    def wait(self, timeout):
        wait_for(lambda: gone(self.pid), f"supervisor {self.pid} to end", deadline=timeout)
        return 0


def start_waiting(tmp_path, via="cli", launcher=None):
    log, status = attempt(tmp_path)
    script = "sleep 60 & echo $! > bg.pid; while [ ! -e go ]; do sleep 0.02; done; echo went"
    if via == "launcher":
        pid, _ = launcher.launch(log, status, ["sh", "-c", script], cwd=str(tmp_path))
        sup = Launched(pid)
    else:
        sup = subprocess.Popen([*task_run_args(log, status, "--cwd", str(tmp_path)), "--",
                                "sh", "-c", script], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)

    def running():
        try:
            st = json.loads(status.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return st if st["state"] == "running" else None
    st = wait_for(running, "the running status")
    bg = int(wait_for(lambda: (tmp_path / "bg.pid").exists()
                      and (tmp_path / "bg.pid").read_text().strip(), "bg.pid"))
    return sup, st, bg, status, log


def test_running_then_exited(tmp_path, via, launcher):
    sup, st, bg, status, log = start_waiting(tmp_path, via, launcher)
    assert st["pid"] == sup.pid
    assert os.getsid(sup.pid) == sup.pid
    if via == "launcher":  # told apart from the launcher in ps
        cmdline = Path(f"/proc/{sup.pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
        assert cmdline[1:] == [b"task-run", b"supervise"]
    stat = Path(f"/proc/{sup.pid}/stat").read_text().rsplit(")", 1)[1].split()
    assert st["pid_start"] == int(stat[19])  # field 22
    assert os.getpgid(st["task_pid"]) == st["task_pid"]
    assert st["start_us"] > 0 and "exit_code" not in st
    (tmp_path / "go").touch()
    assert sup.wait(timeout=60) == 0
    fin = json.loads(status.read_text())
    assert fin["state"] == "exited" and fin["outcome"] == "success"
    if via == "launcher":
        wait_for(lambda: sup.pid not in dict(launcher.children()), "the launcher to reap")
    assert (fin["pid"], fin["pid_start"], fin["task_pid"], fin["start_us"]) == \
        (st["pid"], st["pid_start"], st["task_pid"], st["start_us"])
    assert "went\n" in log.read_text()
    assert gone(bg)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_supervisor_ends_the_group(tmp_path, sig, via, launcher):
    sup, st, bg, status, log = start_waiting(tmp_path, via, launcher)
    sup.send_signal(sig)
    assert sup.wait(timeout=60) == 0
    fin = json.loads(status.read_text())
    assert fin["outcome"] == "shutdown" and fin["shutdown"] and fin["reason"] == "shutdown"
    assert gone(st["task_pid"]) and gone(bg)
    assert "[task-run] shutdown after " in log.read_text()


@pytest.mark.parametrize("args,message", [
    ([], "--log and --status are required"),
    (["--log", "L"], "--log and --status are required"),
    (["--log", "L", "--status", "S"], "no command after --"),
    (["--log", "L", "--status", "S", "--"], "no command after --"),
    (["--bogus", "1", "--log", "L", "--status", "S", "--", "true"], "unknown option --bogus"),
    (["--log", "L", "--status", "S", "--timeout-ms", "soon", "--", "true"],
     "bad value for --timeout-ms"),
    (["--log", "L", "--status", "S", "--memory", "-5", "--", "true"], "bad value for --memory"),
    (["--log", "L", "--status", "S", "--memory-mode", "cgroup", "--", "true"],
     "bad value for --memory-mode"),
    (["--log", "L", "--status", "S", "--memory", "1000", "--", "true"],
     "--memory and --memory-mode go together"),
    (["--log", "L", "--status", "S", "--timeout-ms"], "bad value for --timeout-ms"),
])
def test_bad_command_lines(tmp_path, args, message):
    p = subprocess.run([lakehouse_bin(), "task-run", *args], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert message in p.stderr and "usage: lakehouse task-run" in p.stderr
    assert list(tmp_path.iterdir()) == []


def test_unwritable_log_is_an_error(tmp_path):
    (tmp_path / "file").write_text("x")
    p = subprocess.run([lakehouse_bin(), "task-run", "--log", str(tmp_path / "file" / "a.log"),
                        "--status", str(tmp_path / "a.status"), "--", "true"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert "task-run: cannot open" in p.stderr and "a.log: Not a directory" in p.stderr
    assert not (tmp_path / "a.status").exists()


def test_unwritable_status_stops_the_task(tmp_path):
    """A try whose status cannot be written is not left running unseen."""
    (tmp_path / "a.status").mkdir()  # rename(2) cannot replace a folder
    log = tmp_path / "a.log"
    p = subprocess.run([lakehouse_bin(), "task-run", "--log", str(log),
                        "--status", str(tmp_path / "a.status"), "--",
                        "sh", "-c", "sleep 60 & echo $! > bg.pid; sleep 60"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert "[task-run] cannot rename" in log.read_text()
    if (tmp_path / "bg.pid").exists() and (tmp_path / "bg.pid").read_text().strip():
        assert gone(int((tmp_path / "bg.pid").read_text()))


@pytest.mark.parametrize("how", ["eof", "kill"])
def test_supervisors_outlive_the_launcher(tmp_path, how):
    """The launcher exits at EOF (the executor closed) or is killed; the
    supervisors it started go on in their own sessions to their end."""
    lc = Launcher()
    sup, st, bg, status, log = start_waiting(tmp_path, "launcher", lc)
    assert sup.pid in dict(lc.children())
    if how == "eof":
        assert lc.close() == 0
    else:
        lc.proc.kill()
        assert lc.close() == -signal.SIGKILL
    assert not gone(sup.pid) and not gone(st["task_pid"])
    (tmp_path / "go").touch()
    fin = final_status(status, sup.pid)
    assert fin["outcome"] == "success"
    assert (fin["pid"], fin["task_pid"]) == (sup.pid, st["task_pid"])
    assert "went\n" in log.read_text()
    assert gone(bg)


def test_launcher_leaves_no_zombies(tmp_path, launcher):
    pids = []
    for i in range(8):
        pid, start = launcher.launch(tmp_path / f"{i}.log", tmp_path / f"{i}.status",
                                     ["sh", "-c", f"exit {i % 3}"])
        assert pid > 0 and start > 0
        pids.append(pid)
    for i, pid in enumerate(pids):
        assert final_status(tmp_path / f"{i}.status", pid)["exit_code"] == i % 3
    wait_for(lambda: not set(pids) & set(dict(launcher.children())), "the launcher to reap")
    assert [c for c in launcher.children() if c[1] == "Z"] == []


def test_launcher_answers_a_bad_request_and_goes_on(tmp_path, launcher):
    log, status = attempt(tmp_path)
    bad = Launcher.request(str(log), str(status), ["true"], memory=1000)  # no memory mode
    assert launcher.send(bad) == (-errno.EINVAL, -1)
    assert launcher.send(struct.pack("=I", 3) + b"abc") == (-errno.EINVAL, -1)  # malformed
    assert launcher.send(Launcher.request(str(log), str(status), [])) == (-errno.EINVAL, -1)
    assert not status.exists()
    pid, _ = launcher.launch(log, status, ["true"])
    assert final_status(status, pid)["outcome"] == "success"


def test_launcher_needs_a_socket(tmp_path):
    p = subprocess.run([lakehouse_bin(), "task-run", "--launcher"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "--launcher reads the executor's socket on stdin" in p.stderr


def test_launcher_dies_with_its_parent(tmp_path):
    """PR_SET_PDEATHSIG backs up EOF: a launcher whose parent is killed
    exits even while its socket stays open elsewhere (here, in the test)."""
    ours, theirs = socket.socketpair()
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys, time\n"
         "p = subprocess.Popen([sys.argv[1], 'task-run', '--launcher'], stdin=int(sys.argv[2]),"
         " stdout=subprocess.DEVNULL)\n"
         "print(p.pid, flush=True)\n"
         "time.sleep(600)\n",
         lakehouse_bin(), str(theirs.fileno())],
        pass_fds=[theirs.fileno()], stdout=subprocess.PIPE, text=True)
    pid = int(parent.stdout.readline())
    lc = Launcher.__new__(Launcher)
    lc.sock = ours
    assert lc.send(struct.pack("=I", 3) + b"abc") == (-errno.EINVAL, -1)  # it is serving
    assert not gone(pid)
    parent.kill()
    parent.wait(timeout=60)
    wait_for(lambda: gone(pid), "the launcher to exit with its parent")
    ours.close()
    theirs.close()
