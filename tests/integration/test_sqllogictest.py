"""`lakehouse sqllogictest`: the runner on small .test files written into a
temporary directory (passing and failing records, the line a failure names,
sort modes, hashes, loops, skipif/onlyif, require, mode skip, halt, expected
error messages, labels, directory walking, a fresh database per file, exit
statuses), then our own suite tests/sql with nothing failing."""
import hashlib
import pathlib
import re

from helpers import clients
from helpers.server import clean_env, lakehouse_bin

REPO = pathlib.Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$")


def slt(*paths, expect_rc=0):
    r = clients.run([lakehouse_bin(), "sqllogictest", *map(str, paths)], env=clean_env(),
                    check=False, timeout=600)
    assert r.returncode == expect_rc, f"rc {r.returncode}\n{r.stdout[-4000:]}\n{r.stderr[-2000:]}"
    for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
        assert bad not in r.stderr, r.stderr
    last = r.stdout.rstrip("\n").split("\n")[-1]
    m = SUMMARY.match(last)
    assert m, r.stdout
    return tuple(map(int, m.groups())), r.stdout


def line_of(text, record):
    """The 1-based line where record (a unique piece of text) starts."""
    assert text.count(record) == 1
    return text[:text.index(record)].count("\n") + 1


def write(tmp_path, name, text):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


PASSING = """\
# a comment before the first record
statement ok
CREATE TABLE t AS SELECT range AS i FROM range(4)

query I
SELECT sum(i) FROM t
----
6

# SQLite's layout: one value per line
query IT
SELECT i, 'v' || i FROM t WHERE i < 2 ORDER BY i
----
0
v0
1
v1

# DuckDB's layout: one row per line, values separated by tabs
query IT
SELECT i, 'v' || i FROM t WHERE i < 2 ORDER BY i
----
0\tv0
1\tv1

query TT
SELECT NULL, ''
----
NULL\t(empty)

query T
SELECT true
----
true

# R renders numbers as %.3f
query R
SELECT 1.0 / 3
----
0.333

query I
INSERT INTO t VALUES (10), (11)
----
2

query I
SELECT count(*) FROM t WHERE false
----
0
"""


def test_passing_file(tmp_path):
    counts, out = slt(write(tmp_path, "ok.test", PASSING))
    assert counts == (9, 0, 0), out


def test_failure_names_the_line_and_keeps_going(tmp_path):
    text = "statement ok\nCREATE TABLE t(i INTEGER)\n\nquery I\nSELECT 41 + 1\n----\n43\n\n" \
           "statement ok\nINSERT INTO t VALUES (1)\n\nstatement ok\nSELECT * FROM missing\n\n" \
           "query I\nSELECT count(*) FROM t\n----\n1\n"
    p = write(tmp_path, "bad.test", text)
    counts, out = slt(p, expect_rc=1)
    assert counts == (3, 2, 0), out
    line = line_of(text, "query I\nSELECT 41")
    assert f"{p}:{line}: wrong result" in out
    assert "SELECT 41 + 1" in out and "expected 43, got 42" in out
    line = line_of(text, "statement ok\nSELECT")
    assert f"{p}:{line}: statement failed" in out
    assert "Catalog Error: Table with name missing does not exist!" in out


def test_wrong_column_count_fails(tmp_path):
    counts, out = slt(write(tmp_path, "cols.test", "query I\nSELECT 1, 2\n----\n1\t2\n"),
                      expect_rc=1)
    assert counts == (0, 1, 0) and "wrong column count" in out


def test_rowsort_and_valuesort(tmp_path):
    text = "statement ok\nCREATE TABLE t AS SELECT * FROM (VALUES (2, 'b'), (10, 'a'), " \
           "(1, 'c')) v(i, s)\n\n" \
           "query IT rowsort\nSELECT i, s FROM t\n----\n1\tc\n10\ta\n2\tb\n\n" \
           "query I valuesort\nSELECT i FROM t UNION ALL SELECT 3\n----\n1\n10\n2\n3\n\n" \
           "query IT nosort\nSELECT i, s FROM t ORDER BY s\n----\n10\ta\n2\tb\n1\tc\n\n" \
           "query IT nosort\nSELECT i, s FROM t ORDER BY s DESC\n----\n10\ta\n2\tb\n1\tc\n"
    counts, out = slt(write(tmp_path, "sort.test", text), expect_rc=1)
    assert counts == (4, 1, 0), out
    # nosort keeps the engine's order
    line = line_of(text, "query IT nosort\nSELECT i, s FROM t ORDER BY s DESC")
    assert f":{line}: wrong result" in out


def test_hash_results(tmp_path):
    vals = sorted(str(i) for i in range(20))  # valuesort: strcmp order
    digest = hashlib.md5("".join(v + "\n" for v in vals).encode()).hexdigest()
    text = f"hash-threshold 8\n\nquery I valuesort\nSELECT range FROM range(20)\n----\n" \
           f"20 values hashing to {digest}\n\n" \
           f"query I valuesort\nSELECT range FROM range(21)\n----\n20 values hashing to {digest}\n"
    counts, out = slt(write(tmp_path, "hash.test", text), expect_rc=1)
    assert counts == (1, 1, 0), out
    assert "21 values hashing to" in out


def test_loops_and_substitution(tmp_path):
    text = "statement ok\nCREATE TABLE t(i INTEGER, s VARCHAR)\n\n" \
           "loop i 0 3\n\nstatement ok\nINSERT INTO t VALUES (${i}, 'x${i}')\n\nendloop\n\n" \
           "foreach v a bb ccc\n\nquery I\nSELECT length('${v}')\n----\n" \
           "${v}\n\nendloop\n\n" \
           "loop i 5 5\n\nstatement ok\nSELECT error_here\n\nendloop\n\n" \
           "query IT\nSELECT i, s FROM t ORDER BY i\n----\n0\tx0\n1\tx1\n2\tx2\n"
    counts, out = slt(write(tmp_path, "loop.test", text), expect_rc=1)
    # 1 create + 3 inserts + 3 foreach queries (failing: length 1 != 'a') + the final query
    assert counts == (5, 3, 0), out
    assert "expected a, got 1" in out


def test_skipif_onlyif_require_mode_halt(tmp_path):
    text = "onlyif duckdb\nquery I\nSELECT 1\n----\n2\n\n" \
           "skipif duckdb\nquery I\nSELECT 1\n----\n1\n\n" \
           "onlyif lakehouse\nquery I\nSELECT 2\n----\n2\n\n" \
           "skipif lakehouse\nstatement ok\nSELECT no_such_column\n\n" \
           "mode skip\n\nstatement ok\nTHIS IS NOT SQL\n\nmode unskip\n\n" \
           "load some.db\n\n" \
           "require skip_reload\n\nquery I\nSELECT 3\n----\n3\n\n" \
           "onlyif mysql\nhalt\n\n" \
           "require parquet\n\nstatement ok\nTHIS IS NOT SQL\n\nquery I\nSELECT 1\n----\n5\n"
    counts, out = slt(write(tmp_path, "cond.test", text))
    # passed: skipif duckdb, onlyif lakehouse, after the harmless require;
    # skipped: onlyif duckdb, skipif lakehouse, mode skip, load, 2 after require parquet
    assert counts == (3, 0, 6), out
    counts, out = slt(write(tmp_path, "halt.test", "halt\n\nstatement ok\nNOT SQL\n"))
    assert counts == (0, 0, 0), out


def test_statement_error_messages(tmp_path):
    text = "statement error\nSELECT * FROM nope\n----\nTable with name nope does not exist\n\n" \
           "statement error\nSELECT 'x'::INTEGER\n\n" \
           "statement error\nSELECT 'x'::INTEGER\n----\n<REGEX>:Conversion Error:.*INT32\n\n" \
           "statement error\nSELECT 'x'::INTEGER\n----\n<!REGEX>:Binder Error.*\n\n" \
           "statement maybe\nSELECT 'x'::INTEGER\n----\nConversion Error\n\n" \
           "statement maybe\nSELECT 1\n\n" \
           "statement error\nSELECT 1\n\n" \
           "statement error\nSELECT * FROM nope\n----\nBinder Error\n\n" \
           "bogus command\n"
    p = write(tmp_path, "err.test", text)
    counts, out = slt(p, expect_rc=1)
    assert counts == (6, 3, 0), out
    line = line_of(text, "statement error\nSELECT 1\n")
    assert f"{p}:{line}: statement succeeded, an error was expected" in out
    line = line_of(text, "statement error\nSELECT * FROM nope\n----\nBinder")
    assert f"{p}:{line}: statement failed with another error" in out
    assert "expected: Binder Error" in out and "actual:   Catalog Error: Table with name" in out
    assert f"{p}:{line_of(text, 'bogus')}: unknown command" in out


def test_labels(tmp_path):
    text = "query I nosort same\nSELECT 1 + 1\n----\n2\n\n" \
           "query I nosort same\nSELECT 4 // 2\n----\n2\n\n" \
           "query I nosort other\nSELECT 3\n----\n3\n\n" \
           "query I rowsort other\nSELECT 4 UNION ALL SELECT 3\n----\n3\n4\n"
    counts, out = slt(write(tmp_path, "label.test", text), expect_rc=1)
    assert counts == (3, 1, 0) and "same label" in out, out


def test_directories_fresh_databases_and_usage(tmp_path):
    write(tmp_path, "d/b.test", "statement error\nSELECT * FROM t\n")
    write(tmp_path, "d/a.test", "statement ok\nCREATE TABLE t(i INTEGER)\n")
    write(tmp_path, "d/sub/c.test", "query I\nSELECT 1\n----\n1\n")
    write(tmp_path, "d/notes.txt", "statement ok\nNOT SQL\n")
    # a.test's table is gone in b.test; notes.txt is not a test
    counts, out = slt(tmp_path / "d")
    assert counts == (3, 0, 0), out
    assert slt(tmp_path / "d", tmp_path / "d/a.test")[0] == (4, 0, 0)
    r = clients.run([lakehouse_bin(), "sqllogictest", str(tmp_path / "missing.test")],
                    env=clean_env(), check=False)
    assert r.returncode == 2 and "cannot read" in r.stderr
    r = clients.run([lakehouse_bin(), "sqllogictest"], env=clean_env(), check=False)
    assert r.returncode == 2 and "usage" in r.stderr
    r = clients.run([lakehouse_bin(), "sqllogictest", "--help"], env=clean_env(), check=False)
    assert r.returncode == 0 and "N passed, N failed" in r.stdout.replace("\n", " ")


def test_our_suite_passes():
    counts, out = slt(REPO / "tests" / "sql")
    passed, failed, _ = counts
    assert failed == 0, out
    assert passed >= 280, out
