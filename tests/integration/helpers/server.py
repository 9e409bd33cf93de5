"""Starting, stopping and killing `lakehouse up` for the integration tests.

A Server owns one data directory and one log file per start. It never assumes
default ports: it starts with --listen-ephemeral (every listener on port 0),
reads the bound addresses from <data-dir>/run/endpoints.json, then waits for
GET /readyz to answer 200 (every started role ready).
"""
import atexit
import json
import os
import signal
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
ROOT_AK = "rootadmin"
ROOT_SK = "rootsecret123"
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")

# every `lakehouse up` started here: a test that fails before it stops its
# server would otherwise leave the platform (and its task launcher) running
# after pytest ends, orphaned, its data directory deleted under it
_STARTED = []


@atexit.register
def _kill_leftovers():
    for p in _STARTED:
        if p.poll() is None:
            p.kill()
            p.wait()


def lakehouse_bin():
    b = os.environ.get("LAKEHOUSE_BIN") or str(REPO / "build" / "lakehouse")
    b = os.path.abspath(b)
    if not os.access(b, os.X_OK):
        raise RuntimeError(f"lakehouse binary not found at {b} (set LAKEHOUSE_BIN or run make)")
    return b


def unit_program(name):
    """A Makefile-built helper program (tests/unit/<name>.c) next to the
    binary under test: build/tests/<name> or build-asan/tests/<name>."""
    b = Path(lakehouse_bin()).parent / "tests" / name
    if not os.access(b, os.X_OK):
        raise RuntimeError(f"{b} missing: `make unit` (or unit-asan) builds it")
    return b


def clean_env(extra=None):
    """The test process environment without any LAKEHOUSE_* or AWS_* variable
    (so the user's own settings never leak in), plus extra."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LAKEHOUSE_") and not k.startswith("AWS_")}
    env.update(extra or {})
    return env


def glibc_tunables(pid):
    """The GLIBC_TUNABLES in the environment of process pid, as a set of
    "name=value" (None when unset). glibc reads the variable in place, so a
    process that has started leaves a NUL where each ':' was."""
    with open(f"/proc/{pid}/environ", "rb") as f:
        items = f.read().decode().split("\0")
    at = [i for i, e in enumerate(items) if e.startswith("GLIBC_TUNABLES=")]
    if not at:
        return None
    got = items[at[0]][len("GLIBC_TUNABLES="):].split(":")
    return set(got + [e for e in items[at[0] + 1:] if e.startswith("glibc.")])


def sanitizer_lines(text):
    return [ln for ln in text.splitlines() if any(m in ln for m in SANITIZER_MARKERS)]


def tail(text, n=60):
    return "\n".join(text.splitlines()[-n:])


class Server:
    """One `lakehouse up` process on a data directory.

    root_keys=False starts without LAKEHOUSE_ACCESS_KEY/SECRET_KEY (the server
    then generates a pair). env adds variables (e.g. LAKEHOUSE_CRASH_AT).
    preexec_fn (optional) runs in the child before exec (e.g. to set rlimits).
    """

    def __init__(self, data_dir, log_dir=None, *, name="lakehouse", extra_args=(), env=None,
                 root_keys=True, command=("up",), preexec_fn=None):
        self.data_dir = Path(data_dir)
        self.log_dir = Path(log_dir or self.data_dir.parent)
        self.name = name
        self.extra_args = list(extra_args)
        self.command = list(command)  # ["serve", "store"] runs some roles only
        self.env_extra = dict(env or {})
        self.root_keys = root_keys
        self.preexec_fn = preexec_fn
        self.proc = None
        self.starts = 0
        self.log_path = None
        self.endpoints = {}
        self.expect_clean_exit = True
        self.returncode = None
        self.tls = any(a.startswith("--store-tls-cert") for a in self.extra_args)

    # --- lifecycle ---------------------------------------------------------
    def env(self):
        extra = {}
        if self.root_keys:
            extra.update(LAKEHOUSE_ACCESS_KEY=ROOT_AK, LAKEHOUSE_SECRET_KEY=ROOT_SK)
        extra.update(self.env_extra)
        return clean_env(extra)

    def start(self, timeout=90, env=None):
        """Starts the process and waits until it is ready. env (optional)
        replaces the extra variables for this start only."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        self.log_path = self.log_dir / f"{self.name}-{self.starts}.log"
        ep = self.data_dir / "run" / "endpoints.json"
        if ep.exists():  # left behind by a kill -9
            ep.unlink()
        saved = self.env_extra
        if env is not None:
            self.env_extra = dict(env)
        penv = self.env()
        self.env_extra = saved
        args = [lakehouse_bin(), *self.command, "--data-dir", str(self.data_dir),
                "--listen-ephemeral", *self.extra_args]
        self._logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._logf,
                                     stderr=subprocess.STDOUT, env=penv,
                                     preexec_fn=self.preexec_fn)
        _STARTED[:] = [p for p in _STARTED if p.poll() is None] + [self.proc]
        self.expect_clean_exit = True
        self.returncode = None
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"lakehouse up exited with {self.proc.returncode} before ready;"
                                   f" log {self.log_path}:\n{tail(self.log())}")
            try:
                eps = json.loads(ep.read_text())
                if isinstance(eps, dict) and eps.get("web"):
                    ctx = ssl._create_unverified_context() if self.web_tls else None
                    with urllib.request.urlopen(f"{self.web_scheme}://{eps['web']}/readyz",
                                                timeout=5, context=ctx) as r:
                        if r.status == 200:  # every role published its endpoints
                            self.endpoints = json.loads(ep.read_text())
                            return self
            except Exception as e:  # not there yet
                last = e
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"lakehouse up not ready after {timeout}s (last: {last!r});"
                           f" log:\n{tail(self.log())}")

    def stop(self, sig=signal.SIGTERM, timeout=60):
        """Sends sig and waits; returns the exit code."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.returncode = self.proc.returncode
                self.proc = None
                self._logf.close()
                raise AssertionError(f"lakehouse did not exit within {timeout}s of {sig!r};"
                                     f" log:\n{tail(self.log())}")
        self.returncode = self.proc.returncode
        self.proc = None
        self._logf.close()
        return self.returncode

    def kill(self):
        """kill -9: no clean exit expected from this run."""
        self.expect_clean_exit = False
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        return self.stop()

    def wait_exit(self, timeout=60):
        """Waits for the process to end by itself (crash tests)."""
        self.expect_clean_exit = False
        self.proc.wait(timeout)
        return self.stop()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def restart(self, **kw):
        if self.running():
            self.check_clean_stop()
        return self.start(**kw)

    def check_clean_stop(self):
        """SIGTERM, then assert exit 0 and a log free of sanitizer reports."""
        rc = self.stop()
        self.check_log()
        assert rc == 0, f"lakehouse exited with {rc} after SIGTERM; log:\n{tail(self.log())}"

    def check_log(self):
        bad = sanitizer_lines(self.all_logs())
        assert not bad, "sanitizer report in the server log:\n" + "\n".join(bad[:20]) + \
            "\n--- log tail ---\n" + tail(self.log(), 120)

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except (OSError, AttributeError):
            return ""

    def all_logs(self):
        out = []
        for i in range(1, self.starts + 1):
            p = self.log_dir / f"{self.name}-{i}.log"
            if p.exists():
                out.append(p.read_text(errors="replace"))
        return "\n".join(out)

    # --- addresses -----------------------------------------------------------
    @property
    def s3_hostport(self):
        return self.endpoints["s3"]

    @property
    def s3_port(self):
        return int(self.s3_hostport.rsplit(":", 1)[1])

    @property
    def s3_url(self):
        return ("https://" if self.tls else "http://") + self.s3_hostport

    @property
    def web_tls(self):
        return "--web-tls-cert" in self.extra_args

    @property
    def web_scheme(self):
        return "https" if self.web_tls else "http"

    @property
    def web_url(self):
        return f"{self.web_scheme}://" + self.endpoints["web"]

    # --- CLI clients of the running server ------------------------------------
    def cli(self, *args, ak=ROOT_AK, sk=ROOT_SK, check=False, timeout=60, env=None):
        """Runs `lakehouse ARGS` as a client of this server (LAKEHOUSE_URL)."""
        e = clean_env({"LAKEHOUSE_URL": self.web_url, "LAKEHOUSE_ACCESS_KEY": ak,
                       "LAKEHOUSE_SECRET_KEY": sk, **(env or {})})
        r = subprocess.run([lakehouse_bin(), *args], capture_output=True, text=True, env=e,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise AssertionError(f"lakehouse {' '.join(args)} exited {r.returncode}:\n"
                                 f"stdout: {r.stdout}\nstderr: {r.stderr}")
        return r

    def add_user(self, name, secret, role="writer"):
        self.cli("user", "add", name, "--role", role, "--secret", secret, check=True)
        return name, secret
