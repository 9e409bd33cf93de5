-- bronze_to_silver: the events of the data interval [start, end) from bronze
-- into silver.chain_transfers, bad rows into silver.chain_transfers_rejected.
-- Reads the bronze intervals start .. start + lateness (late events arrive up
-- to lateness after their hour), keeps the rows of [start, end) (a row's time:
-- its block time, or its Kafka timestamp when it has no valid one, as a line
-- that is not JSON), validates them, de-duplicates on (chain, tx_hash,
-- log_index) keeping the lowest (partition, offset), and replaces exactly
-- this interval's rows, so a re-run or any run order gives the same tables.
-- A row of the last bronze interval read whose time is before start is
-- too_late here: no run of its own interval reads that bronze.

CREATE TABLE IF NOT EXISTS silver.chain_transfers (
    chain VARCHAR, block_number BIGINT, block_time TIMESTAMP, tx_hash VARCHAR,
    log_index INTEGER, token VARCHAR, from_address VARCHAR, to_address VARCHAR,
    amount DECIMAL(38,0), gas BIGINT, ds DATE) PARTITIONED BY (ds);

-- rejected rows carry the interval whose run rejected them (a too_late row's
-- time is before it, a malformed one may have no block time), the key of
-- REPLACE WHERE
CREATE TABLE IF NOT EXISTS silver.chain_transfers_rejected (
    chain VARCHAR, block_number BIGINT, block_time TIMESTAMP, tx_hash VARCHAR,
    log_index INTEGER, token VARCHAR, from_address VARCHAR, to_address VARCHAR,
    amount DECIMAL(38,0), gas BIGINT, ds DATE, raw VARCHAR, reason VARCHAR,
    interval_start TIMESTAMP) PARTITIONED BY (ds);

CREATE TEMP TABLE parsed AS
WITH bronze AS (
    SELECT "partition", "offset", "timestamp", value AS raw,
           CAST(CAST(ds AS VARCHAR) || ' ' || hour || ':00:00' AS TIMESTAMP) AS bronze_start,
           -- the value when it is JSON, else NULL: the fields below read it
           -- without a CASE each (json_extract_string of NULL is NULL)
           CASE WHEN json_valid(value) THEN value END AS doc
    FROM read_json('s3://lakehouse/bronze/chain_transfers/**/*.jsonl.zst',
                   columns = {'partition': 'INTEGER', 'offset': 'BIGINT', 'timestamp': 'BIGINT',
                              'key': 'VARCHAR', 'value': 'VARCHAR'},
                   hive_partitioning = true, hive_types_autocast = false)
    WHERE ds >= '{{ ds }}'
      AND ds <= '{{ ts_format(ts_add(data_interval_start, params.lateness), '%F') }}'
      -- only the bronze hours this run reads, before any JSON is parsed
      AND CAST(CAST(ds AS VARCHAR) || ' ' || hour || ':00:00' AS TIMESTAMP)
          BETWEEN TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}'
              AND TIMESTAMP '{{ ts_format(ts_add(data_interval_start, params.lateness), '%F %T') }}'
), timed AS (
    -- the row's time first: a row this run does not keep (see the WHERE
    -- below) is not parsed further
    SELECT *, coalesce(block_time, kafka_time) AS t
    FROM (SELECT *, epoch_ms("timestamp") AS kafka_time,
                 TRY_CAST(json_extract_string(doc, '$.block_time') AS TIMESTAMP) AS block_time
          FROM bronze) AS b
    WHERE bronze_start >= TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}'
      AND bronze_start <= TIMESTAMP '{{ ts_format(ts_add(data_interval_start, params.lateness), '%F %T') }}'
), fields AS (
    SELECT "partition", "offset", raw, bronze_start, t, block_time,
           json_extract_string(doc, '$.chain') AS chain,
           TRY_CAST(json_extract_string(doc, '$.block_number') AS BIGINT) AS block_number,
           json_extract_string(doc, '$.tx_hash') AS tx_hash,
           TRY_CAST(json_extract_string(doc, '$.log_index') AS INTEGER) AS log_index,
           json_extract_string(doc, '$.token') AS token,
           json_extract_string(doc, '$.from') AS from_address,
           json_extract_string(doc, '$.to') AS to_address,
           json_extract_string(doc, '$.amount') AS amount_text,
           TRY_CAST(json_extract_string(doc, '$.gas') AS BIGINT) AS gas
    FROM timed
    WHERE t >= TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}'
          AND t < TIMESTAMP '{{ ts_format(data_interval_end, '%F %T') }}'
       OR bronze_start = TIMESTAMP '{{ ts_format(ts_add(data_interval_start, params.lateness), '%F %T') }}'
          AND t < TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}'
), classified AS (
    SELECT *,
           CASE
               WHEN chain IS NULL OR block_number IS NULL OR block_time IS NULL OR tx_hash IS NULL
                    OR log_index IS NULL OR token IS NULL OR from_address IS NULL
                    OR to_address IS NULL OR amount_text IS NULL OR gas IS NULL
                   THEN 'malformed'
               WHEN token NOT IN ('USDC', 'USDT', 'WETH', 'DAI', 'WBTC', 'LINK') THEN 'unknown_token'
               WHEN amount IS NULL THEN 'overflow'
           END AS bad
    FROM (SELECT *, TRY_CAST(amount_text AS DECIMAL(38,0)) AS amount FROM fields) AS f
)
-- what the two INSERTs read: the raw text only for the rejected rows (the
-- ones with a reason), not the columns that only decide the reason
SELECT * EXCLUDE (raw, amount_text, bad, t, bronze_start),
       CASE WHEN bad IS NOT NULL OR t < TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}'
            THEN raw END AS raw,
       -- older than the interval: read from the last bronze interval this run
       -- reads (the WHERE above), which no run of its own hour reads
       CASE WHEN t < TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}' THEN 'too_late'
            ELSE bad END AS reason
FROM classified;

INSERT INTO silver.chain_transfers
REPLACE WHERE block_time >= TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}'
          AND block_time < TIMESTAMP '{{ ts_format(data_interval_end, '%F %T') }}'
SELECT chain, block_number, block_time, tx_hash, log_index, token, from_address, to_address,
       amount, gas, CAST(block_time AS DATE) AS ds
FROM parsed
WHERE reason IS NULL
QUALIFY row_number() OVER (PARTITION BY chain, tx_hash, log_index
                           ORDER BY "partition", "offset") = 1;

INSERT INTO silver.chain_transfers_rejected
REPLACE WHERE ds = DATE '{{ ds }}'
          AND interval_start = TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}'
SELECT chain, block_number, block_time, tx_hash, log_index, token, from_address, to_address,
       amount, gas, DATE '{{ ds }}' AS ds, raw, reason,
       TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}' AS interval_start
FROM parsed
WHERE reason IS NOT NULL;
