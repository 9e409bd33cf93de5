"""Locating the real clients (pyenv python3/aws-cli 1.45, Debian aws 2.9,
s3cmd, rclone, node) and checking their versions. A missing client is a skip
with the reason; a client older than expected is a failure."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .server import ROOT_AK, ROOT_SK, clean_env

SYSTEM_DIRS = {"/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"}


def _which_outside_system(name):
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep)
            if p and os.path.realpath(p) not in SYSTEM_DIRS and p not in SYSTEM_DIRS]
    found = shutil.which(name, path=os.pathsep.join(path)) if path else None
    if not found:
        cand = Path.home() / ".pyenv" / "shims" / name
        found = str(cand) if cand.exists() else None
    return found


def version_tuple(s):
    return tuple(int(x) for x in re.findall(r"\d+", s)[:3])


def require_version(what, have, minimum):
    print(f"{what} version {have}")
    if version_tuple(have) < version_tuple(minimum):
        pytest.fail(f"{what} {have} is older than the {minimum} these tests are written for")


_pyenv = {}


def pyenv_python():
    """(python executable, boto3 version, botocore version) of the pyenv
    python3, or pytest.skip when there is none."""
    if "py" not in _pyenv:
        shim = _which_outside_system("python3")
        if not shim:
            pytest.skip("pyenv python3 (boto3 1.43) not found outside /usr/bin or in ~/.pyenv/shims")
        r = subprocess.run([shim, "-c", "import sys, boto3, botocore; print(sys.executable);"
                            " print(boto3.__version__); print(botocore.__version__)"],
                           capture_output=True, text=True, env=clean_env(), timeout=120)
        if r.returncode != 0:
            pytest.skip(f"pyenv python3 at {shim} has no boto3: {r.stderr.strip()[-300:]}")
        exe, bv, bcv = r.stdout.split()
        if os.path.realpath(exe).startswith("/usr/"):
            pytest.skip(f"python3 outside /usr/bin resolves to the system one ({exe})")
        _pyenv["py"] = (exe, bv, bcv)
    return _pyenv["py"]


def pyenv_aws():
    """Path of the pyenv aws-cli v1 (next to the pyenv python), or skip."""
    exe, _, _ = pyenv_python()
    cand = Path(exe).parent / "aws"
    if cand.exists():
        return str(cand)
    found = _which_outside_system("aws")
    if not found:
        pytest.skip("pyenv aws-cli 1.x not found")
    return found


def debian_aws():
    if not os.access("/usr/bin/aws", os.X_OK):
        pytest.skip("Debian awscli (/usr/bin/aws) not installed")
    return "/usr/bin/aws"


def need(exe):
    p = shutil.which(exe) or (f"/usr/bin/{exe}" if os.access(f"/usr/bin/{exe}", os.X_OK) else None)
    if not p:
        pytest.skip(f"{exe} not installed")
    return p


def run(args, *, env=None, timeout=600, check=True, input=None, cwd=None):
    r = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout,
                       input=input, cwd=cwd, stdin=None if input is not None else subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {r.returncode}\n"
                             f"stdout: {r.stdout[-3000:]}\nstderr: {r.stderr[-3000:]}")
    return r


def run_pyenv_check(pyenv_py, script, check, srv, bucket, ca=""):
    """Runs one named check of a boto3 1.43 script (helpers/*_checks.py) in the
    pyenv python against srv's S3 endpoint as root, on bucket; asserts that it
    exited 0 and printed "ok <check>". ca: a CA bundle path for https."""
    env = clean_env({"LH_ENDPOINT": srv.s3_url, "LH_AK": ROOT_AK, "LH_SK": ROOT_SK,
                     "LH_BUCKET": bucket, "LH_CA": ca})
    r = run([pyenv_py, str(script), check], env=env, check=False, timeout=170)
    print(r.stdout)
    assert r.returncode == 0, f"{check} failed against {srv.s3_url}:\n{r.stdout}\n{r.stderr}"
    assert f"ok {check}" in r.stdout
    return r
