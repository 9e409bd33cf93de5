"""`lakehouse demo install` and `demo run` without the whole pipeline (the
demo end to end, its resume and its idempotency are test_medallion_idem.py):
the example built into the binary is examples/medallion/ byte for byte, and
`demo run` refuses to generate into a demo topic that already holds records
while the lake has no manifest (an interrupted generation), saying how out,
and leaves the topic as it was."""
import json
import subprocess
from pathlib import Path

from confluent_kafka import Producer

from helpers.server import clean_env, lakehouse_bin

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "medallion"


def test_install_writes_the_example_built_into_the_binary(tmp_path):
    """Every file of examples/medallion/, same bytes, nothing else; a second
    install leaves the files (and their mtimes) alone."""
    dags = tmp_path / "dags"
    env = clean_env({"LAKEHOUSE_DAGS_DIR": str(dags)})
    r = subprocess.run([lakehouse_bin(), "demo", "install", "--data-dir", str(tmp_path / "d")],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert str(dags / "medallion") in r.stdout
    got = {p.name: p.read_bytes() for p in (dags / "medallion").iterdir()}
    assert got == {p.name: p.read_bytes() for p in EXAMPLE.iterdir()}
    mtimes = {p.name: p.stat().st_mtime_ns for p in (dags / "medallion").iterdir()}
    r = subprocess.run([lakehouse_bin(), "demo", "install", "--data-dir", str(tmp_path / "d")],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert {p.name: p.stat().st_mtime_ns for p in (dags / "medallion").iterdir()} == mtimes


def test_run_refuses_a_topic_with_records_but_no_manifest(server):
    """One record produced to chain.transfers, no manifest: exit 1 with the
    way out, and the topic still holds exactly that record."""
    topic = "chain.transfers.interrupted"
    p = Producer({"bootstrap.servers": server.endpoints["kafka"]})
    p.produce(topic, b'{"partial": true}')
    assert p.flush(30) == 0
    r = server.cli("demo", "run", "--data-dir", str(server.data_dir), "--demo-topic", topic,
                   timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"the topic {topic} holds 1 records but the lake has no demo manifest" in r.stderr
    assert f"lakehouse topic delete {topic}" in r.stderr
    d = server.cli("topic", "describe", topic, "--json", "--data-dir", str(server.data_dir))
    assert d.returncode == 0, d.stderr
    assert sum(part["high"] for part in json.loads(d.stdout)["partitions"]) == 1, d.stdout
