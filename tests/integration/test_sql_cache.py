"""The scan cache (sql.cache_dir, LAKEHOUSE_SQL_CACHE_DIR): `lakehouse sql`
keeps what read_json / read_csv made of each object of the lake (uploaded with
boto3) and reads it from there the next time, without a GET; the rows are the
same as without a cache. An object replaced by other bytes (another ETag) is
read again, other column types are another entry, an entry holds the columns
the query that wrote it read (a query of another column writes one of every
column in its place), a damaged entry is removed
(and the file read, or the query fails with a clear error when the damage is
found after rows were handed on), entries of another boot are dropped, the
directory keeps to sql.cache_size, scans that miss at once share one entry, a
writer killed with -9 leaves none, and the orchestrator gives its tasks
`<data-dir>/cache/sql`."""
import gzip
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from helpers import clients
from helpers import s3 as s3h
from helpers.flow import flow_server, log, runs, wait_run
from helpers.server import ROOT_AK, ROOT_SK, clean_env, lakehouse_bin

BUCKET = "lakehouse"
COLUMNS = ("columns = {'id': 'BIGINT', 'name': 'VARCHAR', 'amount': 'DECIMAL(38,0)', "
           "'t': 'TIMESTAMP', 'ok': 'BOOLEAN', 'score': 'DOUBLE'}")


def lines(n, salt=""):
    out = []
    for i in range(n):
        doc = {"id": i, "name": None if i % 7 == 0 else f"{salt}name-{i}-" + "x" * (i % 40),
               "amount": str(10 ** 30 + i), "t": f"2024-05-01 {i % 24:02d}:{i % 60:02d}:00",
               "ok": i % 3 == 0, "score": None if i % 11 == 0 else i / 8}
        out.append(json.dumps(doc))
    return ("\n".join(out) + "\n").encode()


def put_tree(s3, prefix, salt=""):
    for h in range(3):
        body = subprocess.run([clients.need("zstd"), "-q", "-c"], input=lines(3000 + h * 500, salt),
                              capture_output=True, check=True).stdout
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/hour={h:02d}/part.jsonl.zst", Body=body)
    csv = "".join(f"{i},c{i},{i * 3}\n" for i in range(2500)).encode()
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}/c.csv.gz", Body=gzip.compress(csv))


def sql(server, query, cache=None, size=None, check=True):
    env = {"AWS_ENDPOINT_URL": server.s3_url, "AWS_ACCESS_KEY_ID": ROOT_AK,
           "AWS_SECRET_ACCESS_KEY": ROOT_SK}
    if cache:
        env["LAKEHOUSE_SQL_CACHE_DIR"] = str(cache)
    if size:
        env["LAKEHOUSE_SQL_CACHE_SIZE"] = size
    r = clients.run([lakehouse_bin(), "sql", "-q", "--format", "csv", "-c", query],
                    env=clean_env(env), check=False, timeout=120)
    if check:
        assert r.returncode == 0, f"{query}: {r.stdout}\n{r.stderr}"
    return r


def gets(server):
    """GetObject requests the store has answered (a request is counted when its
    body has gone out, which can be just after the client has it: read until
    the count holds still)."""
    def count():
        text = requests.get(server.web_url + "/metrics", timeout=30).text
        return sum(int(float(m.group(1))) for m in re.finditer(
            r'^lakehouse_s3_requests_total\{[^}]*op="GetObject"[^}]*\} (\S+)', text, re.M))
    last = count()
    while True:
        time.sleep(0.3)
        now = count()
        if now == last:
            return now
        last = now


def entries(cache):
    return sorted(Path(cache).glob("*.lsc"))


def json_query(prefix, cols="*"):
    order = " ORDER BY hour, id" if cols == "*" or cols.startswith("hour") else ""
    return (f"SELECT {cols} FROM read_json('s3://{BUCKET}/{prefix}/**/*.jsonl.zst', {COLUMNS}, "
            f"hive_partitioning = true){order}")


def csv_query(prefix):
    return (f"SELECT * FROM read_csv('s3://{BUCKET}/{prefix}/c.csv.gz', header = false, "
            "columns = {'a': 'INTEGER', 'b': 'VARCHAR', 'c': 'BIGINT'}) ORDER BY a")


def test_a_second_read_comes_from_the_cache(server, tmp_path):
    s3 = s3h.client(server)
    put_tree(s3, "cache/a")
    cache = tmp_path / "c"
    for q in (json_query("cache/a"), csv_query("cache/a")):
        plain = sql(server, q).stdout
        before = gets(server)
        first = sql(server, q, cache).stdout
        cold = gets(server) - before
        second = sql(server, q, cache).stdout
        # the binder still reads the first file's first MB to tell its format
        assert gets(server) - before - cold == 1, "a cached read still fetched the objects"
        assert cold >= 2
        assert first == plain and second == plain
        assert len(plain.splitlines()) > 2500
    assert len(entries(cache)) == 4  # three JSON objects, one CSV
    # NULLs, long and short strings, decimals past 64 bits came back as they were
    rows = sql(server, json_query("cache/a", "count(name), count(score), sum(amount), "
                                  "max(length(name)), sum(ok::INT)"), cache).stdout.splitlines()
    assert rows[1] == sql(server, json_query("cache/a", "count(name), count(score), sum(amount), "
                                             "max(length(name)), sum(ok::INT)")).stdout.splitlines()[1]


def raw_lines(n):
    """Lines whose raw field is JSON text kept as a string, as Kafka values in
    bronze: objects, malformed text, missing and unreadable times."""
    out = []
    for i in range(n):
        if i % 13 == 0:
            raw = "{not json " + str(i)
        elif i % 17 == 0:
            raw = json.dumps({"name": f"n{i}"})
        else:
            raw = json.dumps({"name": f"name-{i}-" + "y" * (i % 30),
                              "t": "yesterday" if i % 19 == 0 else
                              f"2024-05-01T{i % 24:02d}:{i % 60:02d}:00Z", "n": i})
        out.append(json.dumps({"id": i, "raw": raw}))
    return ("\n".join(out) + "\n").encode()


RAW = "columns = {'id': 'BIGINT', 'raw': 'VARCHAR'}"


def raw_query(prefix, select="id, ok, t, json_extract_string(doc, '$.name') AS name",
              where="t IS NULL OR t >= TIMESTAMP '2024-05-01 06:00:00'"):
    return (f"SELECT {select} FROM (SELECT id, CASE WHEN json_valid(raw) THEN raw END AS doc, "
            "json_valid(raw) AS ok, TRY_CAST(json_extract_string(CASE WHEN json_valid(raw) "
            "THEN raw END, '$.t') AS TIMESTAMP) AS t "
            f"FROM read_json('s3://{BUCKET}/{prefix}/*.jsonl.zst', {RAW})) AS r "
            f"WHERE {where} ORDER BY id")


def derived_counts(server, query, cache):
    """EXPLAIN ANALYZE's count of derived column batches read from the scan
    cache and computed."""
    text = sql(server, "EXPLAIN ANALYZE " + query, cache).stdout
    m = re.search(r"derived columns: (\d+) column batches from the scan cache, (\d+) computed",
                  text)
    assert m, text
    return int(m.group(1)), int(m.group(2))


def test_json_functions_are_kept_beside_the_entry(server, tmp_path):
    """json_valid and json_extract_string (under TRY_CAST) of a text column,
    evaluated on every row the scan reads, are computed once per object and
    read from the scan cache after: the same rows as without a cache."""
    s3 = s3h.client(server)
    for f in range(2):
        body = subprocess.run([clients.need("zstd"), "-q", "-c"], input=raw_lines(5000 + f * 777),
                              capture_output=True, check=True).stdout
        s3.put_object(Bucket=BUCKET, Key=f"cache/j/p{f}.jsonl.zst", Body=body)
    cache = tmp_path / "c"
    q = raw_query("cache/j")
    plain = sql(server, q).stdout
    assert len(plain.splitlines()) > 5000
    assert ",false,," in plain and ",true,,n" in plain  # malformed; no time
    # without the cache nothing is derived (the plan is as written)
    assert "derived" not in sql(server, "EXPLAIN " + q).stdout
    sql(server, raw_query("cache/j", select="id", where="true"), cache)  # the entries alone
    main = set(entries(cache))
    assert len(main) == 2
    cold = derived_counts(server, q, cache)
    assert cold[0] == 0 and cold[1] > 0
    derived = set(entries(cache)) - main
    assert len(derived) == 4  # json_valid and the time, for each object
    assert sql(server, q, cache).stdout == plain
    assert derived_counts(server, q, cache) == (cold[1], 0)
    # the same expressions in another query: the same entries
    other = raw_query("cache/j", select="count(*), count(t), sum(ok::INT)", where="true")
    other = other.replace(" ORDER BY id", "")
    assert sql(server, other, cache).stdout == sql(server, other).stdout
    assert set(entries(cache)) == main | derived
    # a cut derived entry is not used: computed again, and kept again
    for e in derived:
        data = e.read_bytes()
        e.write_bytes(data[: len(data) // 2])
    assert sql(server, q, cache).stdout == plain
    assert derived_counts(server, q, cache) == (cold[1], 0)
    # what may fail on a row the filter drops is not moved before it:
    # json_extract_string of text that may not be JSON fails as without a cache
    bad = (f"SELECT json_extract_string(raw, '$.name') FROM read_json("
           f"'s3://{BUCKET}/cache/j/*.jsonl.zst', {RAW}) WHERE id = 1")
    assert "derived" not in sql(server, "EXPLAIN " + bad, cache).stdout
    assert sql(server, bad, cache).stdout == sql(server, bad).stdout
    unguarded = (f"SELECT json_extract_string(raw, '$.name') FROM read_json("
                 f"'s3://{BUCKET}/cache/j/*.jsonl.zst', {RAW})")
    r = sql(server, unguarded, cache, check=False)
    assert r.returncode != 0 and "Malformed JSON" in r.stderr, r.stderr
    # above a filter of rows an expression runs on the rows kept: not derived
    late = (f"SELECT json_extract_string(doc, '$.name') FROM (SELECT CASE WHEN json_valid(raw) "
            f"THEN raw END AS doc, id FROM read_json('s3://{BUCKET}/cache/j/*.jsonl.zst', {RAW}) "
            "WHERE id % 2 = 0) AS r")
    assert "derived" not in sql(server, "EXPLAIN " + late, cache).stdout
    assert sql(server, late, cache).stdout == sql(server, late).stdout


def test_a_cache_without_direct_io_works_the_same(server, tmp_path):
    """Entries are written and read with direct I/O (tmp_path's file system);
    a cache on tmpfs, memory with no disk under it, reads and writes the same
    (its direct I/O, where the kernel has one, is a copy; older kernels refuse
    O_DIRECT there and the cache goes through the page cache)."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        return
    s3 = s3h.client(server)
    put_tree(s3, "cache/shm")
    cache = Path(tempfile.mkdtemp(dir=shm, prefix="lh-cache-"))
    try:
        q = json_query("cache/shm")
        plain = sql(server, q).stdout
        assert sql(server, q, cache).stdout == plain
        before = gets(server)
        assert sql(server, q, cache).stdout == plain
        assert gets(server) - before == 1  # the binder's sample only
        assert len(entries(cache)) == 3
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def test_derived_columns_nothing_reads_and_deep_views(server, tmp_path):
    """A derived column that column pruning leaves unread gets no entry (one
    with no rows would stand in the way of the query that reads it); a JSON
    function over a deep stack of projections that name a column twice each
    level is not derived (composed, it would count 2^depth nodes), and the
    query runs as without a cache."""
    s3 = s3h.client(server)
    body = subprocess.run([clients.need("zstd"), "-q", "-c"], input=raw_lines(3000),
                          capture_output=True, check=True).stdout
    s3.put_object(Bucket=BUCKET, Key="cache/u/p.jsonl.zst", Body=body)
    cache = tmp_path / "c"
    src = f"read_json('s3://{BUCKET}/cache/u/*.jsonl.zst', {RAW})"
    inner = (f"SELECT json_extract_string(CASE WHEN json_valid(raw) THEN raw END, '$.name') AS x, "
             f"id FROM {src}")
    sql(server, f"SELECT count(*) FROM ({inner}) AS v", cache)  # x unread
    reads = f"SELECT sum(length(x)), count(x) FROM ({inner}) AS v"
    assert sql(server, reads, cache).stdout == sql(server, reads).stdout
    cached, computed = derived_counts(server, reads, cache)
    assert cached > 0 and computed == 0
    q = f"SELECT raw AS c0, id FROM {src}"
    for i in range(1, 25):
        q = f"SELECT COALESCE(c{i - 1}, c{i - 1}) AS c{i}, id FROM ({q}) AS l{i}"
    deep = f"SELECT count(*), sum(json_valid(c24)::INT) FROM ({q}) AS top"
    assert "derived" not in sql(server, "EXPLAIN " + deep, cache).stdout
    assert sql(server, deep, cache).stdout == sql(server, deep).stdout


def test_other_columns_of_the_same_reading_use_the_entry(server, tmp_path):
    s3 = s3h.client(server)
    put_tree(s3, "cache/b")
    cache = tmp_path / "c"
    sql(server, json_query("cache/b"), cache)
    n = len(entries(cache))
    before = gets(server)
    got = sql(server, json_query("cache/b", "hour, id, name"), cache).stdout
    assert gets(server) == before + 1  # the binder's sample only
    assert got == sql(server, json_query("cache/b", "hour, id, name")).stdout
    # other types for the same file are another reading: another entry
    other = (f"SELECT count(*), sum(id) FROM read_json('s3://{BUCKET}/cache/b/**/*.jsonl.zst', "
             "columns = {'id': 'INTEGER', 'name': 'VARCHAR'})")
    assert sql(server, other, cache).stdout == sql(server, other).stdout
    assert len(entries(cache)) == n + 3


def test_an_entry_holds_the_columns_read(server, tmp_path):
    """A scan writes the columns it reads; a narrower query uses that entry, a
    query of another column reads the objects once more and its entry of
    every column replaces the narrow one, which then serves any query."""
    s3 = s3h.client(server)
    put_tree(s3, "cache/n")
    cache, full = tmp_path / "c", tmp_path / "f"
    sql(server, json_query("cache/n"), full)
    two = json_query("cache/n", "count(*), sum(id), max(name)")
    want = sql(server, two).stdout
    assert sql(server, two, cache).stdout == want
    narrow = {e.name: e.stat().st_size for e in entries(cache)}
    wide = {e.name: e.stat().st_size for e in entries(full)}
    assert len(narrow) == 3 and narrow.keys() == wide.keys()  # one key, whatever is read
    assert all(narrow[k] < wide[k] * 0.6 for k in narrow), (narrow, wide)
    one = json_query("cache/n", "count(*), sum(id)")
    other = json_query("cache/n", "count(*), sum(amount), max(t)")
    plain = {q: sql(server, q).stdout for q in (one, other, json_query("cache/n"))}
    before = gets(server)
    assert sql(server, one, cache).stdout == plain[one]
    assert gets(server) - before == 1  # the binder's sample only
    before = gets(server)
    assert sql(server, other, cache).stdout == plain[other]
    assert gets(server) - before > 1  # the objects again
    assert {e.name: e.stat().st_size for e in entries(cache)} == wide
    before = gets(server)
    plain[two] = want
    for q in (two, other, json_query("cache/n")):
        assert sql(server, q, cache).stdout == plain[q]
    assert gets(server) - before == 3


def test_a_replaced_object_is_read_again(server, tmp_path):
    s3 = s3h.client(server)
    put_tree(s3, "cache/r")
    cache = tmp_path / "c"
    q = json_query("cache/r", "count(*), min(name), max(name)")
    old = sql(server, q, cache).stdout
    put_tree(s3, "cache/r", salt="new-")
    new = sql(server, q, cache).stdout
    assert new != old and "new-name" in new
    assert new == sql(server, q).stdout
    assert len(entries(cache)) == 6


def test_a_damaged_entry_is_removed(server, tmp_path):
    s3 = s3h.client(server)
    put_tree(s3, "cache/d")
    cache = tmp_path / "c"
    q = json_query("cache/d", "count(*), sum(id), max(name)")
    want = sql(server, q, cache).stdout
    # a cut entry (no trailer) is not used: the object is read, and cached again
    for e in entries(cache):
        data = e.read_bytes()
        e.write_bytes(data[: len(data) // 2])
    assert sql(server, q, cache).stdout == want
    assert all(e.stat().st_size % 64 == 0 and e.read_bytes()[-64:-56] == b"LHSCEND1"
               for e in entries(cache))
    # a damaged batch inside a whole entry: the query fails clearly, the entry goes
    victim = entries(cache)[0]
    data = bytearray(victim.read_bytes())
    head = 64 * ((16 + 3 * 6 + 63) // 64)  # the file head of six columns
    data[head:head + 4] = b"XXXX"
    victim.write_bytes(bytes(data))
    r = sql(server, q, cache, check=False)
    assert r.returncode != 0 and "scan cache's entry" in r.stderr and "damaged" in r.stderr, r.stderr
    assert "runtime error" not in r.stderr and "Sanitizer" not in r.stderr
    assert not victim.exists()
    assert sql(server, q, cache).stdout == want


def test_entries_of_another_boot_are_dropped(server, tmp_path):
    s3 = s3h.client(server)
    put_tree(s3, "cache/boot")
    cache = tmp_path / "c"
    q = json_query("cache/boot", "count(*)")
    sql(server, q, cache)
    assert (cache / "boot_id").read_text() == Path("/proc/sys/kernel/random/boot_id").read_text()
    (cache / "boot_id").write_text("00000000-0000-0000-0000-000000000000\n")
    stale = entries(cache)
    before = gets(server)
    sql(server, "SELECT 1", cache)  # opening the cache is enough
    assert not any(e.exists() for e in stale)
    sql(server, q, cache)
    assert gets(server) >= before + 4  # the sample and the three objects again


def test_the_cache_keeps_to_its_size(server, tmp_path):
    s3 = s3h.client(server)
    put_tree(s3, "cache/s")
    cache = tmp_path / "c"
    q = json_query("cache/s", "count(*), sum(id)")
    sql(server, q, cache)
    sizes = [e.stat().st_size for e in entries(cache)]
    assert len(sizes) == 3
    # room for about two entries: the least recently used goes
    limit = max(sizes) * 2 + max(sizes) // 2
    sql(server, csv_query("cache/s"), cache, size=str(limit))
    left = entries(cache)
    assert sum(e.stat().st_size for e in left) <= limit
    assert any(e.stat().st_size < 200_000 for e in left), "the newest entry (the CSV) was evicted"
    # size 0: no cache at all
    empty = tmp_path / "none"
    sql(server, q, empty, size="0")
    assert not entries(empty)


def test_scans_at_once_share_one_entry(server, tmp_path):
    """Scans that miss while another writes the same entry wait for it (a
    lock per entry; the same object twice in one query too), and none leaves
    a lock or a temporary file behind."""
    s3 = s3h.client(server)
    put_tree(s3, "cache/m")
    cache = tmp_path / "c"
    q = json_query("cache/m", "count(*), sum(id), max(name)")
    want = sql(server, q).stdout
    env = clean_env({"AWS_ENDPOINT_URL": server.s3_url, "AWS_ACCESS_KEY_ID": ROOT_AK,
                     "AWS_SECRET_ACCESS_KEY": ROOT_SK, "LAKEHOUSE_SQL_CACHE_DIR": str(cache)})
    procs = [subprocess.Popen([lakehouse_bin(), "sql", "-q", "--format", "csv", "-c", q], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and out == want, err
    one = f"s3://{BUCKET}/cache/m/hour=01/part.jsonl.zst"
    twice = (f"SELECT count(*), sum(id) FROM read_json(['{one}', '{one}'], {COLUMNS})")
    got = sql(server, twice, tmp_path / "twice").stdout.splitlines()[1].split(",")
    single = sql(server, twice.replace(f", '{one}'", "")).stdout.splitlines()[1].split(",")
    assert got == [str(2 * int(v)) for v in single]
    for d in (cache, tmp_path / "twice"):
        assert not [f.name for f in d.iterdir() if f.suffix in (".lock", ".tmp")]
    assert len(entries(cache)) == 3


def test_a_writer_killed_midway_leaves_no_entry(server, tmp_path):
    """kill -9 of a scan writing an entry: its lock dies with it, its
    temporary file is never an entry, and the next scan reads the object and
    writes the entry whole."""
    s3 = s3h.client(server)
    big = b"".join(json.dumps({"id": i, "name": f"n{i}-" + "y" * 200}).encode() + b"\n"
                   for i in range(400_000))
    body = subprocess.run([clients.need("zstd"), "-q", "-1", "-c"], input=big, capture_output=True,
                          check=True).stdout
    s3.put_object(Bucket=BUCKET, Key="cache/k/big.jsonl.zst", Body=body)
    cache = tmp_path / "c"
    q = (f"SELECT count(*), sum(id), max(name) FROM read_json('s3://{BUCKET}/cache/k/*.jsonl.zst', "
         "columns = {'id': 'BIGINT', 'name': 'VARCHAR'})")
    want = sql(server, q).stdout
    env = clean_env({"AWS_ENDPOINT_URL": server.s3_url, "AWS_ACCESS_KEY_ID": ROOT_AK,
                     "AWS_SECRET_ACCESS_KEY": ROOT_SK, "LAKEHOUSE_SQL_CACHE_DIR": str(cache),
                     "LAKEHOUSE_SQL_THREADS": "1"})
    p = subprocess.Popen([lakehouse_bin(), "sql", "-q", "-c", q], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and p.poll() is None:
        if cache.exists() and any(f.suffix == ".tmp" and f.stat().st_size > 0
                                  for f in cache.iterdir()):
            break
        time.sleep(0.005)
    killed = p.poll() is None
    p.kill()
    p.wait()
    if killed:
        assert not entries(cache), "an entry from a killed writer"
    before = gets(server)
    assert sql(server, q, cache).stdout == want
    assert gets(server) > before  # it read the object, not a torn entry
    assert len(entries(cache)) == 1
    before = gets(server)
    assert sql(server, q, cache).stdout == want
    assert gets(server) == before + 1  # the sample only


def test_one_query_reading_an_object_twice_does_not_wait_for_itself(server, tmp_path):
    """A scan stopped early (LIMIT) still holds the entry it was writing; a
    second scan of the same object in the same statement reads it without
    waiting for that entry."""
    s3 = s3h.client(server)
    put_tree(s3, "cache/self")
    one = f"s3://{BUCKET}/cache/self/hour=02/part.jsonl.zst"
    q = (f"SELECT count(*) FROM ((SELECT id FROM read_json('{one}', {COLUMNS}) LIMIT 1) "
         f"UNION ALL SELECT id FROM read_json('{one}', {COLUMNS}))")
    r = clients.run([lakehouse_bin(), "sql", "-q", "--format", "csv", "-c", q],
                    env=clean_env({"AWS_ENDPOINT_URL": server.s3_url, "AWS_ACCESS_KEY_ID": ROOT_AK,
                                   "AWS_SECRET_ACCESS_KEY": ROOT_SK,
                                   "LAKEHOUSE_SQL_CACHE_DIR": str(tmp_path / "c")}),
                    check=False, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == str(1 + 4000)


def test_unread_columns_fail_nothing_and_empty_files_read_again(server, tmp_path):
    """A scan needing a column its entry lacks parses every column, so the
    new entry serves any query: a value there that does not convert does not
    fail the query (the file then keeps its narrower entry), as without a
    cache. Objects without rows give entries without rows."""
    s3 = s3h.client(server)
    text = "".join(json.dumps({"a": i, "b": "x" if i == 500 else i, "c": -i}) + "\n"
                   for i in range(1000))
    s3.put_object(Bucket=BUCKET, Key="cache/u/bad.jsonl", Body=text.encode())
    for i in range(40):
        s3.put_object(Bucket=BUCKET, Key=f"cache/u/empty/e{i:02d}.csv", Body=b"a,b\n")
    cache = tmp_path / "c"
    cols = "columns = {'a': 'BIGINT', 'b': 'BIGINT', 'c': 'BIGINT'}"
    src = f"read_json('s3://{BUCKET}/cache/u/*.jsonl', {cols})"
    # the first reading of c alone: an entry of c, b never parsed
    qc = f"SELECT count(*), sum(c) FROM {src}"
    assert sql(server, qc, cache).stdout == sql(server, qc).stdout
    [narrow] = entries(cache)
    was = narrow.read_bytes()
    # a reads the object again, every column: b does not convert, the entry stays
    q = f"SELECT count(*), sum(a) FROM {src}"
    for _ in range(2):
        assert sql(server, q, cache).stdout == sql(server, q).stdout
    assert entries(cache) == [narrow] and narrow.read_bytes() == was
    assert sql(server, qc, cache).stdout == sql(server, qc).stdout
    r = sql(server, f"SELECT sum(b) FROM {src}", cache, check=False)
    assert r.returncode != 0 and "Could not convert string" in r.stderr, r.stderr
    e = (f"SELECT count(*) FROM read_csv('s3://{BUCKET}/cache/u/empty/*.csv', header = true, "
         "columns = {'a': 'INTEGER', 'b': 'INTEGER'})")
    for _ in range(2):
        assert sql(server, e, cache).stdout.splitlines()[1] == "0"
    assert len(entries(cache)) == 40 + 1  # and the JSON object's narrow one


def test_tasks_get_the_data_directorys_cache(tmp_path):
    dag = """dag_id: cache_env
schedule: "@daily"
start_date: 2024-05-01
end_date: 2024-05-01
catchup: true
tasks:
  - id: show
    type: shell
    command: 'echo "cache $LAKEHOUSE_SQL_CACHE_DIR"'
"""
    srv = flow_server(tmp_path, "cc", {"cache_env.yaml": dag})
    try:
        rid = "scheduled__2024-05-01T00:00:00+00:00"
        run = wait_run(srv, "cache_env", rid)
        assert run["state"] == "success", runs(srv, "cache_env")
        assert f"cache {srv.data_dir / 'cache' / 'sql'}" in log(srv, "cache_env", rid, "show", 1)
    finally:
        srv.stop()
