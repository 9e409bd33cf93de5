-- bench/sql_bench.sh: the TPC-H tables in SQLite, primary keys and an index
-- on every join key; dates are ISO TEXT, money DECIMAL (NUMERIC affinity:
-- REAL values)
CREATE TABLE region (r_regionkey INTEGER PRIMARY KEY, r_name TEXT, r_comment TEXT);
CREATE TABLE nation (n_nationkey INTEGER PRIMARY KEY, n_name TEXT, n_regionkey INTEGER,
                     n_comment TEXT);
CREATE TABLE part (p_partkey INTEGER PRIMARY KEY, p_name TEXT, p_mfgr TEXT, p_brand TEXT,
                   p_type TEXT, p_size INTEGER, p_container TEXT, p_retailprice DECIMAL(15,2),
                   p_comment TEXT);
CREATE TABLE supplier (s_suppkey INTEGER PRIMARY KEY, s_name TEXT, s_address TEXT,
                       s_nationkey INTEGER, s_phone TEXT, s_acctbal DECIMAL(15,2), s_comment TEXT);
CREATE TABLE partsupp (ps_partkey INTEGER, ps_suppkey INTEGER, ps_availqty INTEGER,
                       ps_supplycost DECIMAL(15,2), ps_comment TEXT,
                       PRIMARY KEY (ps_partkey, ps_suppkey));
CREATE TABLE customer (c_custkey INTEGER PRIMARY KEY, c_name TEXT, c_address TEXT,
                       c_nationkey INTEGER, c_phone TEXT, c_acctbal DECIMAL(15,2),
                       c_mktsegment TEXT, c_comment TEXT);
CREATE TABLE orders (o_orderkey INTEGER PRIMARY KEY, o_custkey INTEGER, o_orderstatus TEXT,
                     o_totalprice DECIMAL(15,2), o_orderdate TEXT, o_orderpriority TEXT,
                     o_clerk TEXT, o_shippriority INTEGER, o_comment TEXT);
CREATE TABLE lineitem (l_orderkey INTEGER, l_partkey INTEGER, l_suppkey INTEGER,
                       l_linenumber INTEGER, l_quantity DECIMAL(15,2),
                       l_extendedprice DECIMAL(15,2), l_discount DECIMAL(15,2),
                       l_tax DECIMAL(15,2), l_returnflag TEXT, l_linestatus TEXT,
                       l_shipdate TEXT, l_commitdate TEXT, l_receiptdate TEXT,
                       l_shipinstruct TEXT, l_shipmode TEXT, l_comment TEXT,
                       PRIMARY KEY (l_orderkey, l_linenumber));
-- indexes: sqlite_indexes.sql, after the load
