-- validate: assertion queries over the data interval [start, end); each fails
-- the task through error(...) (exit 2), the first failure ends it.

-- the interval's silver rows, counted once for the checks below (a key lands
-- in the interval of its block time; each run checks its own, so the checks
-- do not grow with the table)
CREATE TEMP TABLE silver_interval AS
SELECT count(*) AS n, count(DISTINCT (chain, tx_hash, log_index)) AS keys, sum(amount) AS volume
FROM silver.chain_transfers
WHERE ds = DATE '{{ ds }}'
  AND block_time >= TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}'
  AND block_time < TIMESTAMP '{{ ts_format(data_interval_end, '%F %T') }}';

-- 1. no duplicate keys in silver among the interval's rows
SELECT CASE WHEN n <> keys THEN error('duplicate keys in silver.chain_transfers: ' || (n - keys))
       END AS no_duplicate_keys
FROM silver_interval;

-- 2. bronze reconciles with silver + rejected: every bronze line this interval
-- owns is a silver row, a rejected row or a dropped duplicate (recounted from
-- bronze: the lines that parse with every field, a known token and an amount
-- that fits, minus their distinct keys). A view, not a table: the one query
-- that reads it counts the lines as they are parsed, without keeping them
CREATE TEMP VIEW owned AS
WITH lines AS (
    -- doc: the value when it is JSON, else NULL (json_extract_string of NULL
    -- is NULL, so the fields below need no CASE each)
    SELECT CASE WHEN json_valid(value) THEN value END AS doc, epoch_ms("timestamp") AS kafka_time,
           CAST(CAST(ds AS VARCHAR) || ' ' || hour || ':00:00' AS TIMESTAMP) AS bronze_start
    FROM read_json('s3://lakehouse/bronze/chain_transfers/**/*.jsonl.zst',
                   columns = {'partition': 'INTEGER', 'offset': 'BIGINT', 'timestamp': 'BIGINT',
                              'key': 'VARCHAR', 'value': 'VARCHAR'},
                   hive_partitioning = true, hive_types_autocast = false)
    WHERE ds >= '{{ ds }}'
      AND ds <= '{{ ts_format(ts_add(data_interval_start, params.lateness), '%F') }}'
      -- only the bronze hours this run checks, before any JSON is read
      AND CAST(CAST(ds AS VARCHAR) || ' ' || hour || ':00:00' AS TIMESTAMP)
          BETWEEN TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}'
              AND TIMESTAMP '{{ ts_format(ts_add(data_interval_start, params.lateness), '%F %T') }}'
), timed AS (
    -- a line's time: its block time, or its Kafka timestamp when it has no
    -- valid one (a line that is not JSON has none)
    SELECT *, coalesce(block_time, kafka_time) AS t
    FROM (SELECT *, TRY_CAST(json_extract_string(doc, '$.block_time') AS TIMESTAMP) AS block_time
          FROM lines) AS l
)
-- the lines this interval owns: those of its hour, and those of the last
-- bronze hour read that are older than the interval (too late for their own),
-- with the fields bronze_to_silver requires, read as it reads them
SELECT t, block_time,
       json_extract_string(doc, '$.chain') AS chain,
       TRY_CAST(json_extract_string(doc, '$.block_number') AS BIGINT) AS block_number,
       json_extract_string(doc, '$.tx_hash') AS tx_hash,
       TRY_CAST(json_extract_string(doc, '$.log_index') AS INTEGER) AS log_index,
       json_extract_string(doc, '$.token') AS token,
       json_extract_string(doc, '$.from') AS from_address,
       json_extract_string(doc, '$.to') AS to_address,
       TRY_CAST(json_extract_string(doc, '$.amount') AS DECIMAL(38,0)) AS amount,
       TRY_CAST(json_extract_string(doc, '$.gas') AS BIGINT) AS gas
FROM timed
WHERE t >= TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}'
      AND t < TIMESTAMP '{{ ts_format(data_interval_end, '%F %T') }}'
   OR bronze_start = TIMESTAMP '{{ ts_format(ts_add(data_interval_start, params.lateness), '%F %T') }}'
      AND t < TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}';

-- good: a line silver takes (or drops as a duplicate): every field there, a
-- known token, an amount that fits, and of this interval's hour
SELECT CASE WHEN b.lines <> s.n + r.n + b.good - b.keys
            THEN error('bronze does not reconcile: ' || b.lines || ' bronze lines, ' || s.n
                       || ' silver, ' || r.n || ' rejected, ' || (b.good - b.keys) || ' duplicates')
            WHEN s.n <> b.keys
            THEN error('silver holds ' || s.n || ' rows, bronze ' || b.keys || ' distinct keys')
       END AS reconciled
FROM (SELECT count(*) AS lines, count(*) FILTER (WHERE good) AS good,
             count(DISTINCT (chain, tx_hash, log_index)) FILTER (WHERE good) AS keys
      FROM (SELECT *, block_time IS NOT NULL AND chain IS NOT NULL AND block_number IS NOT NULL
                      AND tx_hash IS NOT NULL AND log_index IS NOT NULL
                      AND from_address IS NOT NULL AND to_address IS NOT NULL AND gas IS NOT NULL
                      AND token IN ('USDC', 'USDT', 'WETH', 'DAI', 'WBTC', 'LINK')
                      AND amount IS NOT NULL AND t >= TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}' AS good
            FROM owned) AS o) AS b,
     silver_interval AS s,
     (SELECT count(*) AS n FROM silver.chain_transfers_rejected
      WHERE ds = DATE '{{ ds }}'
        AND interval_start = TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}') AS r;

-- 3. gold sums equal silver sums for the interval
SELECT CASE WHEN coalesce(g.transfers, 0) <> s.n OR coalesce(g.volume, 0) <> coalesce(s.volume, 0)
            THEN error('gold.transfers_hourly (' || coalesce(g.transfers, 0) || ' transfers, volume '
                       || coalesce(g.volume, 0) || ') differs from silver (' || s.n || ', '
                       || coalesce(s.volume, 0) || ')')
       END AS gold_matches_silver
FROM (SELECT sum(transfers) AS transfers, sum(volume) AS volume FROM gold.transfers_hourly
      WHERE ds = DATE '{{ ds }}' AND hour = {{ ts_format(data_interval_start, '%H') }}) AS g,
     silver_interval AS s;

-- 4. rejected counts per reason match the demo generator's manifest: its
-- counts for the interval's hour, and for too_late the records that arrived
-- lateness hours later. The manifest is one pretty-printed JSON object, one
-- row of read_json; hourly[i] is the hour window.start + i hours
CREATE TEMP TABLE manifest AS
SELECT hourly,
       '$[' || date_diff('hour', CAST(json_extract_string("window", '$.start') AS TIMESTAMP),
                         TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}') || ']' AS here,
       '$[' || date_diff('hour', CAST(json_extract_string("window", '$.start') AS TIMESTAMP),
                         TIMESTAMP '{{ ts_format(ts_add(data_interval_start, params.lateness), '%F %T') }}') || ']' AS arrived
FROM read_json('s3://lakehouse/bronze/_demo/manifest.json',
               columns = {'window': 'VARCHAR', 'hourly': 'VARCHAR'});

SELECT CASE WHEN count(*) FILTER (WHERE got IS DISTINCT FROM want) > 0
            THEN error('rejected counts differ from the manifest: '
                       || string_agg(reason || ' ' || coalesce(got, 0) || ' want ' || coalesce(want, -1), ', '))
       END AS rejected_match_manifest
FROM (SELECT k.reason, coalesce(r.n, 0) AS got,
             TRY_CAST(json_extract_string(m.hourly, CASE WHEN k.reason = 'too_late'
                                                      THEN m.arrived || '.arrived.too_late'
                                                      ELSE m.here || '.counts.' || k.reason END) AS BIGINT) AS want
      FROM (VALUES ('malformed'), ('unknown_token'), ('overflow'), ('too_late')) AS k(reason)
      CROSS JOIN manifest AS m
      LEFT JOIN (SELECT reason, count(*) AS n FROM silver.chain_transfers_rejected
                 WHERE ds = DATE '{{ ds }}'
                   AND interval_start = TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}'
                 GROUP BY reason) AS r ON r.reason = k.reason);
