"""docs/config.md is generated from the key table in the code and must not drift."""
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("LAKEHOUSE_BIN", str(ROOT / "build" / "lakehouse"))


def test_config_doc_matches_the_key_table():
    out = subprocess.run([BIN, "config", "doc"], capture_output=True, text=True, check=True).stdout
    assert "| `store.listen` |" in out
    assert out == (ROOT / "docs" / "config.md").read_text(), \
        "docs/config.md is stale: run `make docs`"
