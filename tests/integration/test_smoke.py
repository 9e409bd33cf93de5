"""The binary runs and tells its version."""
import os
import subprocess

BIN = os.environ.get("LAKEHOUSE_BIN", os.path.join(os.path.dirname(__file__), "../../build/lakehouse"))


def test_version_prints():
    out = subprocess.run([BIN, "version"], capture_output=True, text=True, check=True).stdout
    assert out.startswith("lakehouse ")
