-- bench/sql_bench.sh: the H2O table in SQLite (no index, as db-benchmark)
CREATE TABLE x (id1 TEXT, id2 TEXT, id3 TEXT, id4 INTEGER, id5 INTEGER, id6 INTEGER,
                v1 INTEGER, v2 INTEGER, v3 REAL);
