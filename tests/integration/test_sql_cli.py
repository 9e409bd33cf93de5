"""`lakehouse sql` as a user runs it, with nothing else running: one-shot
-c and -f scripts in an in-memory session, the three output formats, $name
parameters from -v, the per-statement report on stderr, DuckDB-style errors
with a caret, and the exit status of the task contract."""
import csv
import io
import json
import os
import subprocess
import time

import pytest

from helpers import clients
from helpers.server import REPO, clean_env, glibc_tunables, lakehouse_bin


def run(*args, stdin=None):
    return clients.run([lakehouse_bin(), "sql", *args], env=clean_env(), check=False,
                       timeout=120, input=stdin)


def test_a_script_runs_statement_by_statement_and_prints_the_last_result():
    r = run("--format", "csv", "-c",
            "CREATE TABLE t AS SELECT range AS i, range % 3 AS g FROM range(10); "
            "INSERT INTO t VALUES (100, NULL); "
            "SELECT g, count(*) AS n, sum(i) AS s FROM t GROUP BY g ORDER BY g NULLS FIRST")
    assert r.returncode == 0, r.stderr
    assert list(csv.reader(io.StringIO(r.stdout))) == [
        ["g", "n", "s"], ["", "1", "100"], ["0", "4", "18"], ["1", "3", "12"], ["2", "3", "15"]]
    report = [l.split("\t") for l in r.stderr.splitlines()]
    assert [l[0] for l in report] == ["CREATE TABLE", "INSERT", "SELECT"]
    assert report[0][1] == "rows=10" and report[1][1] == "rows=1" and report[2][1] == "rows=4"


def test_csv_follows_rfc_4180_and_tells_null_from_empty():
    r = run("-q", "--format", "csv", "-c",
            "SELECT * FROM (VALUES (1, 'a,b'), (2, ''), (3, NULL), (4, 'say \"hi\"')) v(x, y) ORDER BY x")
    assert r.returncode == 0, r.stderr
    assert r.stdout == 'x,y\n1,"a,b"\n2,""\n3,\n4,"say ""hi"""\n'


def test_json_is_one_object_per_line_with_typed_values():
    r = run("-q", "--format", "json", "-c",
            "SELECT 1 AS a, 'x' AS b, NULL AS c, true AS d, 2.50 AS e, 0.5::DOUBLE AS f")
    assert r.returncode == 0, r.stderr
    assert [json.loads(l) for l in r.stdout.splitlines()] == [
        {"a": 1, "b": "x", "c": None, "d": True, "e": 2.5, "f": 0.5}]


def test_the_table_format_is_aligned_with_a_row_count():
    r = run("-q", "-c", "SELECT 12 AS num, 'x' AS s UNION ALL SELECT 3, NULL ORDER BY 1")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split("|")[0].strip() == "num" and lines[-1] == "(2 rows)"
    assert lines[2].split("|")[0] == "   3 " and lines[2].split("|")[1].strip() == "NULL"


def test_a_file_and_parameters(tmp_path):
    f = tmp_path / "q.sql"
    f.write_text("-- a comment\nSELECT $name || '!' AS greeting, $n::INT + 1 AS next;\n")
    r = run("-q", "--format", "csv", "-f", str(f), "-v", "name=hello", "-v", "n=41")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "greeting,next\nhello!,42\n"


def test_standard_input_is_read_when_no_script_is_given():
    r = run("-q", "--format", "csv", stdin="SELECT 40 + 2 AS x;")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "x\n42\n"


def tunables_while_reading_stdin(extra, binary=None):
    """The GLIBC_TUNABLES of a `lakehouse sql` reading its script from
    standard input (a set, None when unset), taken once it blocks in
    read(0, ...): past the point where it may start itself again (same
    process id); then it runs SELECT 42."""
    env = {k: v for k, v in clean_env(extra).items() if k != "GLIBC_TUNABLES"}
    env.update(extra)
    p = subprocess.Popen([binary or lakehouse_bin(), "sql", "-q", "--format", "csv"], env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            with open(f"/proc/{p.pid}/syscall") as f:
                call = f.read().split()
            if call[:2] == ["0", "0x0"]:
                break
            assert time.monotonic() < deadline, call
            time.sleep(0.01)
        got = glibc_tunables(p.pid)
        out, err = p.communicate(b"SELECT 42 AS x;", timeout=60)
    finally:
        p.kill()
        p.wait()
    assert p.returncode == 0 and out == b"x\n42\n", err
    return got


def test_the_sql_command_tunes_glibc_malloc_for_a_query_engine():
    # sql.tune_malloc: one malloc arena for every thread, and transparent
    # huge pages where the kernel gives them on request (madvise, Debian's
    # mode), through GLIBC_TUNABLES, which glibc reads only at start: the
    # command starts itself again with them added. The optimized build (the
    # test command builds it); a sanitizer build has the sanitizer's malloc
    # and leaves the environment alone (below)
    optimized = REPO / "build" / "lakehouse"
    if not os.access(optimized, os.X_OK):
        pytest.skip("no optimized build at build/lakehouse")
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            on_request = "[madvise]" in f.read()
    except OSError:
        on_request = False
    huge = {"glibc.malloc.hugetlb=1"} if on_request else set()
    # and the heap kept: buffers of a few MB not mapped and unmapped each time
    kept = {"glibc.malloc.mmap_threshold=67108864", "glibc.malloc.trim_threshold=536870912"}
    assert tunables_while_reading_stdin({}, optimized) == {"glibc.malloc.arena_max=1"} | huge | kept
    # what a user set is kept, what is missing added
    assert tunables_while_reading_stdin({"GLIBC_TUNABLES": "glibc.malloc.hugetlb=0"},
                                        optimized) == {"glibc.malloc.hugetlb=0",
                                                       "glibc.malloc.arena_max=1"} | kept
    mine = ("glibc.malloc.arena_max=3:glibc.malloc.hugetlb=0:glibc.malloc.mmap_threshold=1048576:"
            "glibc.malloc.trim_threshold=0")
    assert tunables_while_reading_stdin({"GLIBC_TUNABLES": mine}, optimized) == set(mine.split(":"))
    # the key off: as started
    assert tunables_while_reading_stdin({"LAKEHOUSE_SQL_TUNE_MALLOC": "false"}, optimized) is None


def test_a_sanitizer_build_leaves_glibc_tunables_alone():
    out = subprocess.run(["ldd", lakehouse_bin()], capture_output=True, text=True).stdout
    if "libasan" not in out:
        pytest.skip("not a sanitizer build")
    assert tunables_while_reading_stdin({}) is None


def test_a_syntax_error_points_at_the_token_and_exits_2():
    r = run("-c", "SELECT 1;\nSELEC 2")
    assert r.returncode == 2
    assert r.stderr.splitlines()[-3:] == [
        'Parser Error: syntax error at or near "SELEC"', "LINE 2: SELEC 2", "        ^"]


def test_a_binder_error_exits_2_and_names_the_column():
    r = run("-c", "SELECT nope FROM range(3)")
    assert r.returncode == 2
    assert 'Binder Error: Referenced column "nope" not found' in r.stderr


def test_error_is_a_failed_assertion_that_exits_2():
    ok = run("-q", "-c", "SELECT error('duplicate keys') WHERE 1 = 0")
    assert ok.returncode == 0, ok.stderr
    r = run("-q", "-c", "SELECT error('duplicate keys in silver') FROM range(3) WHERE range = 2")
    assert r.returncode == 2
    assert "Invalid Input Error: duplicate keys in silver" in r.stderr


def test_a_conversion_error_exits_2_and_try_cast_gives_null():
    r = run("-q", "-c", "SELECT CAST('abc' AS INTEGER)")
    assert r.returncode == 2 and "Conversion Error" in r.stderr
    r = run("-q", "--format", "csv", "-c",
            "SELECT TRY_CAST('abc' AS INTEGER) AS a, "
            "TRY_CAST('123456789012345678901234567890123456789' AS DECIMAL(38,0)) AS b")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "a,b\n,\n"


def test_a_missing_file_is_an_io_error_that_exits_1(tmp_path):
    r = run("-q", "-c", f"SELECT * FROM read_parquet('{tmp_path}/nothing.parquet')")
    assert r.returncode == 1
    assert "IO Error" in r.stderr


def test_format_parquet_writes_the_result_to_a_file(tmp_path):
    out = tmp_path / "r.parquet"
    r = run("-q", "--format", "parquet", "-o", str(out), "-c",
            "SELECT range AS i, 'v' || range AS s, NULLIF(range % 3, 0) AS m FROM range(5000)")
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:4] == b"PAR1"
    back = run("-q", "--format", "csv", "-c",
               f"SELECT count(*), sum(i), count(m), max(s) FROM '{out}'")
    assert back.stdout.splitlines()[1] == "5000,12497500,3333,v999"
    bad = run("-q", "--format", "parquet", "-c", "SELECT 1")
    assert bad.returncode == 2 and "needs -o FILE" in bad.stderr


def test_copy_to_parquet_replaces_the_file_whole(tmp_path):
    out = tmp_path / "g.parquet"
    r = run("--format", "csv", "-c",
            f"COPY (SELECT range % 7 AS g, count(*) AS n FROM range(700) GROUP BY 1) TO '{out}' "
            "(FORMAT parquet, COMPRESSION snappy); "
            f"SELECT sum(n), count(*) FROM '{out}'")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == "700,7"
    assert "COPY\trows=7" in r.stderr
    failed = run("-q", "-c", f"COPY (SELECT error('stop') FROM range(3)) TO '{out}'")
    assert failed.returncode == 2
    assert not list(tmp_path.glob("*.tmp-*"))  # no half-written file left behind
    again = run("-q", "--format", "csv", "-c", f"SELECT count(*) FROM '{out}'")
    assert again.stdout.splitlines()[1] == "7"  # the earlier file is still whole


def test_the_interactive_shell_edits_lines_and_keeps_going_after_an_error():
    """With a terminal on standard input and no -c or -f, `lakehouse sql` is a
    shell (libedit): statements may span lines and end at ';', an error is
    printed and the session goes on, .quit leaves."""
    import os
    import pty
    import select
    import subprocess
    import time

    master, slave = pty.openpty()
    p = subprocess.Popen([lakehouse_bin(), "sql", "-q"], stdin=slave, stdout=slave, stderr=slave,
                         env=clean_env(), close_fds=True)
    os.close(slave)
    seen = b""

    def read_until(token, timeout=60):
        nonlocal seen
        end = time.time() + timeout
        while token not in seen and time.time() < end:
            r, _, _ = select.select([master], [], [], 0.5)
            if r:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
        assert token in seen, seen.decode(errors="replace")

    read_until(b"lakehouse> ")
    os.write(master, b"CREATE TABLE t AS SELECT range AS i FROM range(5);\n")
    os.write(master, b"SELECT sum(i)\n")
    os.write(master, b"  AS total FROM t;\n")
    read_until(b"10")
    os.write(master, b"SELEC 1;\n")
    read_until(b'syntax error at or near "SELEC"')
    os.write(master, b"SELECT count(*) AS n FROM t;\n")
    read_until(b"(1 row)")
    os.write(master, b".quit\n")
    assert p.wait(timeout=60) == 0
    os.close(master)
    assert b" total" in seen and b"   ...> " in seen
