-- The differential queries: each runs through DuckDB and `lakehouse sql` on the
-- same Parquet files (tests/integration/test_sql_differential.py). A record
-- starts with `-- name: ID`; `-- xfail: reason` right after it marks a query
-- expected to fail. {fact} {dim} {jl} {jr} {special} {parts} become
-- read_parquet('<dir>/<table>.parquet'). Without a top-level ORDER BY rows are
-- compared as multisets; with one, in order (so order by a unique key).

-- ====================================================================
-- projections and filters
-- name: proj_all_limit
SELECT * FROM {fact} ORDER BY id LIMIT 50

-- name: proj_count
SELECT count(*) FROM {fact}

-- name: proj_counts_per_column
SELECT count(id), count(i32), count(i64), count(i16), count(d), count(dec), count(dec2), count(g), count(s), count(b), count(dt), count(ts), count(k), count(u) FROM {fact}

-- name: proj_special_all
SELECT * FROM {special}

-- name: proj_glob_count
SELECT count(*), sum(id), min(id), max(id) FROM {parts}

-- name: proj_glob_filter
SELECT id, g, d FROM {parts} WHERE id % 997 = 0

-- name: filter_eq_int
SELECT id, i32 FROM {fact} WHERE i32 = 1268

-- name: filter_range
SELECT id, i32, d FROM {fact} WHERE i32 > 9900 AND d < 0

-- name: filter_is_null
SELECT count(*) FROM {fact} WHERE i32 IS NULL

-- name: filter_is_not_null_or
SELECT count(*) FROM {fact} WHERE i32 IS NOT NULL OR d IS NULL

-- name: filter_null_compare
SELECT count(*) FROM {fact} WHERE i32 <> 5 OR i32 IS NULL

-- name: filter_not_null_logic
SELECT count(*) FROM {fact} WHERE NOT (i32 > 0 AND b)

-- name: filter_bool_col
SELECT count(*), count(DISTINCT g) FROM {fact} WHERE b

-- name: filter_bool_not
SELECT count(*) FROM {fact} WHERE NOT b

-- name: filter_between
SELECT id, i16 FROM {fact} WHERE i16 BETWEEN -2 AND 2 AND id < 3000

-- name: filter_not_between
SELECT count(*) FROM {fact} WHERE i16 NOT BETWEEN -290 AND 290

-- name: filter_in_list
SELECT id, k FROM {fact} WHERE k IN (3, 5, 117) AND id < 2000

-- name: filter_not_in_list
SELECT count(*) FROM {fact} WHERE k NOT IN (1, 2, 3)

-- name: filter_in_list_with_null
SELECT count(*) FROM {fact} WHERE k NOT IN (1, NULL)

-- name: filter_string_eq
SELECT id, s FROM {fact} WHERE s = 'beta_40503'

-- name: filter_string_range
SELECT count(*) FROM {fact} WHERE s >= 'Gamma' AND s < 'beta'

-- name: filter_decimal
SELECT id, dec FROM {fact} WHERE dec > 4990 ORDER BY id

-- name: filter_decimal_literal
SELECT count(*) FROM {fact} WHERE dec2 = 12.5 OR dec BETWEEN -0.5 AND 0.5

-- name: filter_date
SELECT count(*) FROM {fact} WHERE dt >= DATE '2020-02-29' AND dt < DATE '2020-04-01'

-- name: filter_date_string_cast
SELECT count(*) FROM {fact} WHERE dt = '2016-08-24'

-- name: filter_timestamp
SELECT id, ts FROM {fact} WHERE ts BETWEEN TIMESTAMP '2020-01-01 00:00:00' AND TIMESTAMP '2020-01-01 06:00:00' ORDER BY ts, id

-- name: filter_double_special
SELECT id, x FROM {special} WHERE x > 0

-- name: filter_nan_eq
SELECT id FROM {special} WHERE x = 'nan'::DOUBLE

-- name: filter_distinct_from
SELECT count(*) FROM {fact} WHERE i32 IS DISTINCT FROM k

-- name: filter_not_distinct_from
SELECT id, i32, k FROM {fact} WHERE i32 IS NOT DISTINCT FROM k ORDER BY id

-- name: filter_distinct_from_null
SELECT count(*) FROM {fact} WHERE g IS DISTINCT FROM NULL

-- ====================================================================
-- arithmetic, casts, expressions
-- name: arith_int
SELECT id, i32 + k, i32 - k, i32 * k, -i32, abs(i32) FROM {fact} WHERE id < 200

-- name: arith_int_div
SELECT id, i32 / 7, i32 // 7, i32 % 7, i16 // 3, i16 % -3 FROM {fact} WHERE id < 300

-- name: arith_div_by_zero
SELECT i32 / 0, i32 // 0, i32 % 0, d / 0 FROM {fact} WHERE id < 5

-- name: arith_bigint
SELECT id, i64 * 3, i64 // 1000, i64 % 1000, i64 + i32 FROM {fact} WHERE id < 300

-- name: arith_double
SELECT id, d * 2.5, d / 3, d + i32, d - dec FROM {fact} WHERE id < 300

-- name: arith_decimal
SELECT id, dec + dec2, dec - 1.25, dec * 2, dec2 * dec2, dec * i16 FROM {fact} WHERE id < 300

-- name: arith_decimal_div
SELECT id, dec / 3, dec2 / dec FROM {fact} WHERE id < 100 AND dec <> 0

-- name: arith_mixed_literals
SELECT 1 + 2 * 3, 7 / 2, 7 // 2, -7 // 2, -7 % 3, 2 ** 10, 1.5 + 1, 0.1 + 0.2, 10 / 4.0, 3 * 1.10

-- name: arith_special_double
SELECT id, x + 1, x * -1, x * 0, x / x FROM {special}

-- name: arith_special_int
SELECT id, big // 2, big % 7, int + 1::BIGINT, abs(int::BIGINT) FROM {special} WHERE big IS NOT NULL AND big > -9223372036854775807

-- name: math_functions
SELECT id, round(d, 1), round(d), floor(d), ceil(d), sqrt(abs(d)), ln(abs(d) + 1), log10(abs(d) + 1), exp(d / 1000), power(abs(d), 0.5), sign(d) FROM {fact} WHERE id < 300

-- name: math_int_functions
SELECT id, greatest(i32, k, i16), least(i32, k, i16), abs(i16), sign(i32), gcd(i32, 12) FROM {fact} WHERE id < 300

-- name: math_bitwise
SELECT id, abs(i32) << 2, i32 >> 1, i32 & 255, i32 | 1, xor(i32, 5) FROM {fact} WHERE id < 300

-- name: math_round_decimal
SELECT id, round(dec, 2), round(dec, 0), floor(dec), ceil(dec), abs(dec), round(dec2, -1) FROM {fact} WHERE id < 300

-- name: math_trig
SELECT id, sin(d), cos(d), tan(d / 1000), atan(d), atan2(d, 3), pi() * d, degrees(d), radians(d) FROM {fact} WHERE id < 300

-- name: cast_int_to_types
SELECT id, CAST(i32 AS VARCHAR), i32::DOUBLE, i32::BIGINT, i32::DECIMAL(10,2), i16::INTEGER, CAST(i32 AS SMALLINT) FROM {fact} WHERE id < 300

-- name: cast_double_to_int
SELECT id, d::INTEGER, d::BIGINT, CAST(d AS DECIMAL(10,3)), d::VARCHAR FROM {fact} WHERE id < 300

-- name: cast_decimal
SELECT id, dec::DOUBLE, dec::INTEGER, dec::VARCHAR, dec::DECIMAL(20,1), dec2::DECIMAL(18,6) FROM {fact} WHERE id < 300

-- name: cast_string_to_num
SELECT '42'::INTEGER, ' 17 '::INTEGER, '-3.5'::DOUBLE, '1e3'::DOUBLE, '12.345'::DECIMAL(10,2), '0012'::BIGINT, 'true'::BOOLEAN, 'f'::BOOLEAN

-- name: cast_date_time
SELECT id, dt::VARCHAR, ts::DATE, dt::TIMESTAMP, ts::VARCHAR, CAST(ts AS TIME) FROM {fact} WHERE id < 300

-- name: cast_bool
SELECT id, b::INTEGER, b::VARCHAR, (i32 > 0)::INTEGER, i16::BOOLEAN FROM {fact} WHERE id < 300

-- name: try_cast_strings
SELECT s, TRY_CAST(s AS INTEGER), TRY_CAST(substr(s, strpos(s, '_') + 1) AS INTEGER) FROM {fact} WHERE id < 200

-- name: try_cast_huge_decimal
SELECT TRY_CAST('123456789012345678901234567890123456789012' AS DECIMAL(38,0)), TRY_CAST('12345678901234567890123456789012345678' AS DECIMAL(38,0))

-- name: case_simple
SELECT id, CASE k WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END, CASE WHEN i32 > 0 THEN i32 WHEN i32 < -5000 THEN -1 END FROM {fact} WHERE id < 300

-- name: case_types
SELECT id, CASE WHEN b THEN d ELSE i32 END, CASE WHEN d > 0 THEN dec ELSE 0 END, CASE WHEN g = 'g1' THEN NULL ELSE s END FROM {fact} WHERE id < 300

-- name: coalesce_nullif
SELECT id, coalesce(i32, k, -1), coalesce(g, s, 'none'), nullif(k, 37), nullif(g, 'g0'), ifnull(d, 0) FROM {fact} WHERE id < 300

-- name: expr_in_select
SELECT id, k IN (1, 2, 37), g IN ('g1', 'g2'), i32 BETWEEN -100 AND 100, s LIKE 'A%' FROM {fact} WHERE id < 300

-- name: expr_null_logic
SELECT id, b AND i32 > 0, b OR i32 > 0, NOT b, b IS TRUE, b IS NOT FALSE, b IS NULL FROM {fact} WHERE id < 300

-- ====================================================================
-- strings
-- name: str_basic
SELECT id, length(s), lower(s), upper(s), trim(s), ltrim(s), rtrim(s), reverse(s) FROM {fact} WHERE id < 300

-- name: str_substr
SELECT id, substr(s, 2, 3), substring(s, 3), substring(s FROM 2 FOR 4), left(s, 3), right(s, 2) FROM {fact} WHERE id < 300

-- name: str_slice
SELECT id, s[1:3], s[2:] FROM {fact} WHERE id < 300

-- name: str_concat
SELECT id, s || '-' || g, concat(s, g), concat(s, NULL, g), g || NULL, s || k FROM {fact} WHERE id < 300

-- name: str_concat_any_type
SELECT id, concat(s, g, k), concat(k, dt), concat_ws('|', g, s, k) FROM {fact} WHERE id < 300

-- name: str_replace_split
SELECT id, replace(s, 'a', 'A'), starts_with(s, 'Gam'), ends_with(s, '7'), contains(s, '_1') FROM {fact} WHERE id < 300

-- name: str_split_part
SELECT id, split_part(s, '_', 1), split_part(s, '_', 2), split_part(s, '_', 3), split_part(s, '', 1) FROM {fact} WHERE id < 300

-- name: str_position_pad
SELECT id, strpos(s, '_'), instr(s, 'e'), repeat(g, 2) FROM {fact} WHERE id < 300

-- name: str_position_in
SELECT id, s, position('a' IN s), position('_' IN s) FROM {fact} WHERE id < 100

-- name: str_pad
SELECT id, lpad(g, 5, '*'), rpad(g, 4, '.'), lpad(s, 3, 'x') FROM {fact} WHERE id < 300

-- name: str_like
SELECT count(*) FROM {fact} WHERE s LIKE 'Alpha_1%'

-- name: str_like_underscore
SELECT id, s FROM {fact} WHERE s LIKE '_eta\_4%' ESCAPE '\' AND id < 20000

-- name: str_not_like
SELECT count(*) FROM {fact} WHERE s NOT LIKE '%a%'

-- name: str_ilike
SELECT count(*) FROM {fact} WHERE s ILIKE 'alpha%' OR s ILIKE '%DELTA%'

-- name: str_like_special
SELECT id, str, str LIKE 'a\%b%' ESCAPE '\', str LIKE '%b_c', str ILIKE '%STRASSE%', str LIKE '% ' FROM {special}

-- name: str_unicode
SELECT id, str, length(str), upper(str), lower(str), substr(str, 2, 2), reverse(str) FROM {special}

-- name: str_unicode_ilike
SELECT id, str ILIKE '%ÖÜ%', str ILIKE '%STRAẞE', upper(str) ILIKE lower(str), lower(upper(str)) FROM {special}

-- name: str_regexp
SELECT id, regexp_matches(s, '^[A-Z]'), regexp_replace(s, '[0-9]+', '#'), regexp_extract(s, '_([0-9]+)', 1) FROM {fact} WHERE id < 300

-- name: str_regexp_filter
SELECT count(*) FROM {fact} WHERE regexp_matches(s, 'a_[0-9]{3}$')

-- name: str_compare_order
SELECT s FROM {fact} WHERE id < 500 AND s IS NOT NULL ORDER BY s, id LIMIT 40

-- name: str_md5_hash
SELECT id, md5(s), ascii(s), chr(65 + k % 26) FROM {fact} WHERE id < 100

-- ====================================================================
-- aggregates
-- name: agg_global
SELECT count(*), count(i32), sum(i32), avg(i32), min(i32), max(i32), sum(i64), min(s), max(s), min(dt), max(ts) FROM {fact}

-- name: agg_global_double
SELECT sum(d), avg(d), min(d), max(d) FROM {fact}

-- name: agg_global_decimal
SELECT sum(dec), avg(dec), min(dec), max(dec), sum(dec2), avg(dec2) FROM {fact}

-- name: agg_empty_input
SELECT count(*), count(i32), sum(i32), avg(d), min(s), max(dt) FROM {fact} WHERE id < 0

-- name: agg_empty_group_by
SELECT g, count(*) FROM {fact} WHERE id < 0 GROUP BY g

-- name: agg_group_low_card
SELECT g, count(*), count(i32), sum(i32), avg(i32), min(d), max(d), sum(dec) FROM {fact} GROUP BY g

-- name: agg_group_int
SELECT k, count(*), sum(i64), min(s), max(s) FROM {fact} GROUP BY k

-- name: agg_group_bool
SELECT b, count(*), avg(d), sum(i16) FROM {fact} GROUP BY b

-- name: agg_group_date
SELECT dt, count(*), sum(i32) FROM {fact} WHERE dt < DATE '2015-03-01' GROUP BY dt

-- name: agg_group_decimal
SELECT dec2 // 100 AS bucket, count(*), sum(dec2) FROM {fact} GROUP BY bucket

-- name: agg_group_double
SELECT floor(d / 100) AS bucket, count(*), avg(d) FROM {fact} GROUP BY floor(d / 100)

-- name: agg_group_string_high
SELECT s, count(*) AS n FROM {fact} GROUP BY s HAVING count(*) > 2

-- name: agg_group_multi
SELECT g, b, k % 3 AS m, count(*), sum(i32) FROM {fact} GROUP BY g, b, k % 3

-- name: agg_group_expr_ordinal
SELECT g, k % 4, count(*) FROM {fact} GROUP BY 1, 2 ORDER BY 1 NULLS FIRST, 2 NULLS FIRST

-- name: agg_group_by_all
SELECT g, b, count(*) FROM {fact} GROUP BY ALL

-- name: agg_group_timestamp_trunc
SELECT date_trunc('month', ts) AS m, count(*), min(ts), max(ts) FROM {fact} GROUP BY m

-- name: agg_having
SELECT k, count(*) AS n, sum(i32) FROM {fact} GROUP BY k HAVING sum(i32) > 20000 AND count(*) > 800

-- name: agg_having_no_group
SELECT count(*) FROM {fact} HAVING count(*) > 5

-- name: agg_count_distinct
SELECT count(DISTINCT g), count(DISTINCT k), count(DISTINCT s), count(DISTINCT dt), count(DISTINCT b), count(DISTINCT dec2) FROM {fact}

-- name: agg_count_distinct_grouped
SELECT g, count(DISTINCT k), count(DISTINCT b), sum(DISTINCT k) FROM {fact} GROUP BY g

-- name: agg_distinct_rows
SELECT DISTINCT g, b FROM {fact}

-- name: agg_distinct_order
SELECT DISTINCT k FROM {fact} ORDER BY k DESC NULLS LAST LIMIT 10

-- name: agg_stats
SELECT g, stddev(d), stddev_pop(d), variance(d), var_pop(d), stddev_samp(i32), var_samp(i32) FROM {fact} GROUP BY g

-- name: agg_bool_string
SELECT g, bool_and(b), bool_or(b), bool_and(i32 > -10000) FROM {fact} GROUP BY g

-- name: agg_string_agg
SELECT k, string_agg(g, ',' ORDER BY id) FROM {fact} WHERE id < 400 GROUP BY k

-- name: agg_median_quantile
SELECT g, median(i32), quantile_cont(d, 0.25), quantile_cont(i32, 0.9), median(d) FROM {fact} GROUP BY g

-- name: agg_arg_min_max
SELECT g, arg_max(id, i32), arg_min(id, d), arg_max(s, id) FROM {fact} GROUP BY g

-- name: agg_filter_clause
SELECT g, count(*) FILTER (WHERE b), sum(i32) FILTER (WHERE k < 10) FROM {fact} GROUP BY g

-- name: agg_special_double
SELECT count(x), sum(x), min(x), max(x) FROM {special} WHERE x IS NOT NULL AND id > 3

-- name: agg_special_nan
SELECT min(x), max(x), count(DISTINCT x) FROM {special}

-- name: agg_big_sum
SELECT sum(big), avg(big), sum(int) FROM {special}

-- name: agg_sum_types
SELECT sum(i16), sum(i32), sum(i64), sum(dec2), avg(i16), avg(dec2) FROM {fact} WHERE id % 3 = 0

-- name: agg_on_joins
SELECT d.cat, count(*), sum(f.i32), avg(d.weight) FROM {fact} f JOIN {dim} d ON f.k = d.k GROUP BY d.cat

-- ====================================================================
-- ORDER BY, LIMIT, OFFSET
-- name: order_asc_desc
SELECT id, i32 FROM {fact} WHERE id < 2000 ORDER BY i32 DESC NULLS LAST, id

-- name: order_nulls_first
SELECT id, i32 FROM {fact} WHERE id < 500 ORDER BY i32 NULLS FIRST, id

-- name: order_default_nulls
SELECT id, k FROM {fact} WHERE id < 500 ORDER BY k, id

-- name: order_desc_default_nulls
SELECT id, k FROM {fact} WHERE id < 500 ORDER BY k DESC, id DESC

-- name: order_string
SELECT id, s FROM {fact} WHERE id < 1000 ORDER BY s DESC NULLS FIRST, id LIMIT 100

-- name: order_double_special
SELECT id, x FROM {special} ORDER BY x, id

-- name: order_double_special_desc
SELECT id, x FROM {special} ORDER BY x DESC NULLS FIRST, id

-- name: order_limit_offset
SELECT id, d FROM {fact} ORDER BY d DESC NULLS LAST, id LIMIT 10 OFFSET 25

-- name: order_offset_only
SELECT id FROM {fact} WHERE id < 100 ORDER BY id OFFSET 95

-- name: order_limit_no_order
SELECT count(*) FROM (SELECT id FROM {fact} LIMIT 37)

-- name: order_by_expr
SELECT id, i32 FROM {fact} WHERE id < 300 ORDER BY abs(i32) NULLS LAST, id

-- name: order_by_alias
SELECT id, i32 * -1 AS neg FROM {fact} WHERE id < 300 ORDER BY neg, id

-- name: order_by_ordinal
SELECT g, count(*) FROM {fact} GROUP BY g ORDER BY 2 DESC, 1

-- name: order_multi_types
SELECT id, dt, ts, dec, b FROM {fact} WHERE id < 3000 ORDER BY dt DESC NULLS LAST, b NULLS FIRST, dec, id LIMIT 60

-- name: order_by_not_selected
SELECT id FROM {fact} WHERE id < 300 ORDER BY s NULLS FIRST, id

-- name: order_top_n_large
SELECT id, i64 FROM {fact} ORDER BY i64 NULLS LAST, id LIMIT 20

-- ====================================================================
-- joins
-- name: join_inner_dim
SELECT f.id, f.k, d.name, d.weight FROM {fact} f JOIN {dim} d ON f.k = d.k WHERE f.id < 1000

-- name: join_left_dim_missing
SELECT f.id, f.k, d.name FROM {fact} f LEFT JOIN {dim} d ON f.k = d.k WHERE f.id < 1000

-- name: join_count_left
SELECT count(*), count(d.k), count(f.k) FROM {fact} f LEFT JOIN {dim} d ON f.k = d.k

-- name: join_inner_dups_nulls
SELECT l.id, r.rid, l.k FROM {jl} l JOIN {jr} r ON l.k = r.k

-- name: join_left_dups_nulls
SELECT l.id, r.rid, l.k, r.k FROM {jl} l LEFT JOIN {jr} r ON l.k = r.k

-- name: join_right_dups_nulls
SELECT l.id, r.rid, l.k, r.k FROM {jl} l RIGHT JOIN {jr} r ON l.k = r.k

-- name: join_full_dups_nulls
SELECT l.id, r.rid, l.k, r.k FROM {jl} l FULL OUTER JOIN {jr} r ON l.k = r.k

-- name: join_string_key
SELECT l.id, r.rid, l.sk FROM {jl} l JOIN {jr} r ON l.sk = r.sk

-- name: join_full_string_key
SELECT l.id, r.rid, l.sk, r.sk FROM {jl} l FULL JOIN {jr} r ON l.sk = r.sk

-- name: join_two_keys
SELECT l.id, r.rid FROM {jl} l JOIN {jr} r ON l.k = r.k AND l.sk = r.sk

-- name: join_using
SELECT k, l.id, r.rid FROM {jl} l JOIN {jr} r USING (k)

-- name: join_using_full
SELECT k, l.id, r.rid FROM {jl} l FULL JOIN {jr} r USING (k)

-- name: join_cross
SELECT l.id, r.rid FROM {jl} l CROSS JOIN {jr} r WHERE l.id < 5 AND r.rid < 4

-- name: join_comma
SELECT count(*) FROM {jl} l, {jr} r WHERE l.k = r.k

-- name: join_semi
SELECT l.id, l.k FROM {jl} l SEMI JOIN {jr} r ON l.k = r.k

-- name: join_anti
SELECT l.id, l.k FROM {jl} l ANTI JOIN {jr} r ON l.k = r.k

-- name: join_non_equi
SELECT l.id, r.rid FROM {jl} l JOIN {jr} r ON l.k < r.k AND r.rid < 10 AND l.id < 10

-- name: join_equi_plus_range
SELECT l.id, r.rid FROM {jl} l JOIN {jr} r ON l.k = r.k AND l.v > r.rid

-- name: join_left_non_equi
SELECT l.id, r.rid FROM {jl} l LEFT JOIN {jr} r ON l.k = r.k AND r.rid > 20

-- name: join_is_not_distinct
SELECT l.id, r.rid FROM {jl} l JOIN {jr} r ON l.k IS NOT DISTINCT FROM r.k

-- name: join_three_way
SELECT f.id, d.name, r.w FROM {fact} f JOIN {dim} d ON f.k = d.k JOIN {jr} r ON d.k = r.k WHERE f.id < 300

-- name: join_self
SELECT a.id, b.id FROM {jl} a JOIN {jl} b ON a.k = b.k AND a.id < b.id

-- name: join_mixed_types
SELECT count(*) FROM {fact} f JOIN {dim} d ON f.i16 = d.k

-- name: join_fact_agg
SELECT d.name, count(*), sum(f.d) FROM {fact} f JOIN {dim} d ON f.k = d.k GROUP BY d.name ORDER BY d.name LIMIT 20

-- name: join_full_fact_dim
SELECT f.k, d.k, count(*) FROM {fact} f FULL JOIN {dim} d ON f.k = d.k GROUP BY f.k, d.k

-- name: join_subquery_from
SELECT a.g, a.n, b.n FROM (SELECT g, count(*) n FROM {fact} GROUP BY g) a JOIN (SELECT g, count(*) n FROM {fact} WHERE b GROUP BY g) b ON a.g = b.g

-- ====================================================================
-- CTEs and subqueries
-- name: cte_basic
WITH t AS (SELECT k, sum(i32) AS s FROM {fact} GROUP BY k) SELECT k, s FROM t WHERE s > 0

-- name: cte_two
WITH a AS (SELECT k, count(*) n FROM {fact} GROUP BY k), b AS (SELECT k, name FROM {dim}) SELECT a.k, a.n, b.name FROM a LEFT JOIN b ON a.k = b.k

-- name: cte_chain
WITH a AS (SELECT id, i32 FROM {fact} WHERE id < 1000), b AS (SELECT i32 % 10 AS m, count(*) AS n FROM a GROUP BY 1) SELECT m, n FROM b

-- name: cte_used_twice
WITH t AS (SELECT g, count(*) n FROM {fact} GROUP BY g) SELECT x.g, y.g FROM t x JOIN t y ON x.n < y.n

-- name: subq_scalar
SELECT id, i32 - (SELECT avg(i32) FROM {fact}) FROM {fact} WHERE id < 100

-- name: subq_scalar_where
SELECT count(*) FROM {fact} WHERE d > (SELECT avg(d) FROM {fact})

-- name: subq_in
SELECT count(*) FROM {fact} WHERE k IN (SELECT k FROM {dim} WHERE cat = 'red')

-- name: subq_not_in
SELECT count(*) FROM {fact} WHERE k NOT IN (SELECT k FROM {dim} WHERE cat = 'red')

-- name: subq_not_in_with_null
SELECT count(*) FROM {jl} WHERE k NOT IN (SELECT k FROM {jr})

-- name: subq_in_with_null
SELECT id, k, k IN (SELECT k FROM {jr}) FROM {jl}

-- name: subq_exists
SELECT count(*) FROM {jl} WHERE EXISTS (SELECT 1 FROM {jr} WHERE rid > 40)

-- name: subq_not_exists
SELECT count(*) FROM {jl} WHERE NOT EXISTS (SELECT 1 FROM {jr} WHERE rid > 100)

-- name: subq_from
SELECT m, count(*) FROM (SELECT i32 % 5 AS m FROM {fact}) t GROUP BY m

-- name: subq_scalar_empty
SELECT (SELECT max(i32) FROM {fact} WHERE id < 0), (SELECT count(*) FROM {fact} WHERE id < 0)

-- name: subq_correlated_exists
SELECT l.id FROM {jl} l WHERE EXISTS (SELECT 1 FROM {jr} r WHERE r.k = l.k AND r.rid > 10)

-- name: subq_correlated_scalar
SELECT d.k, (SELECT count(*) FROM {fact} f WHERE f.k = d.k) FROM {dim} d

-- name: subq_correlated_where
SELECT f.id FROM {fact} f WHERE f.i32 > (SELECT avg(i32) + 9000 FROM {fact} f2 WHERE f2.g = f.g)

-- ====================================================================
-- set operations
-- name: set_union_all
SELECT k FROM {jl} UNION ALL SELECT k FROM {jr}

-- name: set_union
SELECT k FROM {jl} UNION SELECT k FROM {jr}

-- name: set_union_order
SELECT k, 'l' AS side FROM {jl} UNION SELECT k, 'r' FROM {jr} ORDER BY k NULLS FIRST, side

-- name: set_union_types
SELECT id, i32 FROM {jl} l JOIN {fact} f USING (id) UNION ALL SELECT rid, 1.5 FROM {jr}

-- name: set_intersect
SELECT k FROM {jl} INTERSECT SELECT k FROM {jr}

-- name: set_except
SELECT k FROM {jl} EXCEPT SELECT k FROM {jr}

-- name: set_except_all
SELECT sk FROM {jl} EXCEPT ALL SELECT sk FROM {jr}

-- ====================================================================
-- grouping sets
-- name: group_rollup
SELECT g, b, count(*) FROM {fact} GROUP BY ROLLUP (g, b)

-- name: group_cube
SELECT g, b, count(*), sum(i32) FROM {fact} GROUP BY CUBE (g, b)

-- name: group_grouping_sets
SELECT g, k % 3, count(*) FROM {fact} GROUP BY GROUPING SETS ((g), (k % 3), ())

-- name: group_grouping_ids
SELECT g, b, GROUPING(g), GROUPING(g, b), grouping_id(b, g), count(*), sum(i32) FROM {fact} GROUP BY ROLLUP (g, b) HAVING GROUPING(b) = 1 OR count(*) > 10

-- ====================================================================
-- row values
-- name: rowval_in
SELECT count(*) FROM {jl} WHERE (k, sk) IN (SELECT k, sk FROM {jr})

-- name: rowval_in_select
SELECT id, (k, sk) IN (SELECT k, sk FROM {jr}), (k, sk) NOT IN (SELECT k, sk FROM {jr} WHERE k > 3) FROM {jl}

-- name: quantified_any_all
SELECT id, k > ALL (SELECT k FROM {jr} WHERE rid < 5), k <= ANY (SELECT k - 10 FROM {jr}), sk >= ALL (SELECT sk FROM {jr} WHERE rid % 3 = 1), k = ALL (SELECT 3), k <> ANY (SELECT k FROM {jr} WHERE k > 17) FROM {jl}

-- name: distinct_on_latest
SELECT DISTINCT ON (g) g, id, i32 FROM {fact} ORDER BY g, i32 DESC NULLS LAST, id

-- name: rowval_compare
SELECT id FROM {jl} WHERE (k, v) = (3, 45)

-- name: rowval_count_distinct
SELECT count(DISTINCT (g, b, k)) FROM {fact}

-- ====================================================================
-- window functions
-- name: win_row_number
SELECT id, g, row_number() OVER (PARTITION BY g ORDER BY id) FROM {fact} WHERE id < 500

-- name: win_rank_dense
SELECT id, k, rank() OVER (ORDER BY k), dense_rank() OVER (ORDER BY k) FROM {fact} WHERE id < 500

-- name: win_rank_partition
SELECT id, g, i16, rank() OVER (PARTITION BY g ORDER BY i16 DESC), percent_rank() OVER (PARTITION BY g ORDER BY i16 DESC) FROM {fact} WHERE id < 500

-- name: win_lag_lead
SELECT id, i32, lag(i32) OVER (ORDER BY id), lead(i32, 2) OVER (ORDER BY id), lag(i32, 1, -1) OVER (ORDER BY id) FROM {fact} WHERE id < 300

-- name: win_lag_partition
SELECT id, g, lag(s) OVER (PARTITION BY g ORDER BY id), lead(d) OVER (PARTITION BY g ORDER BY id) FROM {fact} WHERE id < 300

-- name: win_running_sum
SELECT id, i32, sum(i32) OVER (ORDER BY id), count(i32) OVER (ORDER BY id) FROM {fact} WHERE id < 500

-- name: win_running_sum_partition
SELECT id, g, sum(d) OVER (PARTITION BY g ORDER BY id), avg(d) OVER (PARTITION BY g ORDER BY id) FROM {fact} WHERE id < 500

-- name: win_rows_frame
SELECT id, sum(i32) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING), min(i32) OVER (ORDER BY id ROWS BETWEEN 3 PRECEDING AND CURRENT ROW), max(i32) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM {fact} WHERE id < 300

-- name: win_range_frame
SELECT id, k, sum(i16) OVER (ORDER BY k RANGE BETWEEN 2 PRECEDING AND 2 FOLLOWING), count(*) OVER (ORDER BY k RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM {fact} WHERE id < 300

-- name: win_range_peers
SELECT id, g, sum(i16) OVER (PARTITION BY g ORDER BY k) FROM {fact} WHERE id < 400

-- name: win_whole_partition
SELECT id, g, count(*) OVER (PARTITION BY g), sum(i32) OVER (PARTITION BY g), max(s) OVER (PARTITION BY g) FROM {fact} WHERE id < 400

-- name: win_whole_table
SELECT id, avg(d) OVER (), count(*) OVER () FROM {fact} WHERE id < 100

-- name: win_first_last
SELECT id, g, first_value(i32) OVER (PARTITION BY g ORDER BY id), last_value(i32) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING), nth_value(i32, 2) OVER (PARTITION BY g ORDER BY id) FROM {fact} WHERE id < 300

-- name: win_ntile_cume
SELECT id, ntile(4) OVER (ORDER BY id), cume_dist() OVER (ORDER BY k) FROM {fact} WHERE id < 200

-- name: win_order_desc_nulls
SELECT id, i32, row_number() OVER (ORDER BY i32 DESC NULLS FIRST, id) FROM {fact} WHERE id < 300

-- name: win_qualify
SELECT id, g, i32 FROM {fact} WHERE id < 2000 QUALIFY row_number() OVER (PARTITION BY g ORDER BY i32 DESC NULLS LAST, id) <= 2

-- name: win_top_per_group_subquery
SELECT * FROM (SELECT g, id, rank() OVER (PARTITION BY g ORDER BY d DESC NULLS LAST, id) AS r FROM {fact}) t WHERE r <= 3

-- name: win_after_group
SELECT g, count(*) AS n, sum(count(*)) OVER (ORDER BY g NULLS FIRST) FROM {fact} GROUP BY g

-- name: win_date_running
SELECT dt, sum(i16) OVER (ORDER BY dt, id ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) FROM {fact} WHERE id < 300

-- ====================================================================
-- dates and times
-- name: date_trunc_parts
SELECT id, date_trunc('year', dt), date_trunc('month', dt), date_trunc('day', ts), date_trunc('hour', ts), date_trunc('minute', ts), date_trunc('week', dt), date_trunc('quarter', ts) FROM {fact} WHERE id < 300

-- name: date_extract
SELECT id, extract(year FROM dt), extract(month FROM dt), extract(day FROM dt), extract(dow FROM dt), extract(doy FROM dt), extract(hour FROM ts), extract(minute FROM ts), extract(second FROM ts) FROM {fact} WHERE id < 300

-- name: date_part_fn
SELECT id, date_part('year', ts), date_part('quarter', dt), date_part('week', dt), date_part('isodow', dt), date_part('epoch', ts), year(dt), month(ts), day(dt) FROM {fact} WHERE id < 300

-- name: date_arith
SELECT id, dt + 30, dt - 1, dt + INTERVAL 1 MONTH, ts + INTERVAL 90 MINUTE, ts - INTERVAL '1 day', dt - DATE '2015-01-01' FROM {fact} WHERE id < 300

-- name: date_diff
SELECT id, date_diff('day', DATE '2015-01-01', dt), datediff('month', dt, DATE '2025-01-01'), date_diff('hour', TIMESTAMP '2019-06-01 00:00:00', ts) FROM {fact} WHERE id < 300

-- name: date_strftime
SELECT id, strftime(dt, '%Y/%m/%d'), strftime(ts, '%Y-%m-%d %H:%M:%S'), strftime(ts, '%j %a %b') FROM {fact} WHERE id < 300

-- name: date_strptime
SELECT strptime('2021-03-04 05:06:07', '%Y-%m-%d %H:%M:%S'), strptime('04/03/2021', '%d/%m/%Y'), try_strptime('garbage', '%Y')

-- name: date_strftime_more
SELECT id, strftime('%c', ts), strftime(ts, '%G-W%V-%u %U %W %-j %-d/%-m/%-y %I %p %f'), strptime(strftime(ts, '%Y%m%d %H%M%S.%f'), '%Y%m%d %H%M%S.%f') = ts FROM {fact} WHERE id < 300

-- name: date_strptime_rows
SELECT id, try_strptime(strftime(dt, '%d/%m/%Y'), '%m/%d/%Y'), strptime(strftime(ts, '%A %B %-d %Y %-I:%M %p') || ' +0130', '%A %B %d %Y %I:%M %p %z') FROM {fact} WHERE id < 300

-- name: date_age
SELECT id, age(ts, TIMESTAMP '2019-06-15 12:30:00'), age(DATE '2020-02-29', dt) FROM {fact} WHERE id < 300

-- name: date_epoch
SELECT id, epoch(ts), epoch_ms(ts), to_timestamp(epoch(ts)), make_date(2020, k % 12 + 1, 1) FROM {fact} WHERE id < 300 AND k IS NOT NULL

-- name: date_ts_compare_group
SELECT ts::DATE AS day, count(*), min(ts) FROM {fact} WHERE ts < TIMESTAMP '2019-06-03 00:00:00' GROUP BY day

-- name: date_last_day_names
SELECT id, last_day(dt), dayname(dt), monthname(dt) FROM {fact} WHERE id < 100

-- name: date_interval_arith
SELECT INTERVAL 1 DAY + INTERVAL 2 HOUR, DATE '2020-01-31' + INTERVAL 1 MONTH, TIMESTAMP '2020-02-29 12:00:00' + INTERVAL 1 YEAR, TIMESTAMP '2021-01-01 00:00:00' - TIMESTAMP '2020-12-30 12:00:00'

-- ====================================================================
-- the DISTINCT, empty and constant corner cases
-- name: misc_select_constants
SELECT 1, 'a', NULL, 1.5, TRUE, DATE '2020-01-01', -0.0::DOUBLE

-- name: misc_select_no_from_expr
SELECT 2 * 21 AS x, 'a' || 'b' AS y, CAST(NULL AS INTEGER) IS NULL AS z

-- name: misc_values
SELECT * FROM (VALUES (1, 'x'), (2, NULL), (NULL, 'z')) v(a, b)

-- name: misc_range
SELECT range, range * range FROM range(5)

-- name: misc_distinct_nulls
SELECT DISTINCT i32 IS NULL, k IS NULL FROM {fact}

-- name: misc_where_false
SELECT * FROM {dim} WHERE 1 = 0

-- name: misc_count_star_filter_all_null
SELECT count(*), sum(k), max(g) FROM {fact} WHERE k IS NULL AND g IS NULL

-- name: misc_nested_expr_agg
SELECT g, sum(CASE WHEN b THEN i32 ELSE 0 END) / count(*), max(length(s)) - min(length(s)) FROM {fact} GROUP BY g

-- name: misc_from_first
FROM {dim} SELECT k, name WHERE k < 5

-- name: misc_exclude
SELECT * EXCLUDE (name, valid_from) FROM {dim} WHERE k < 10

-- name: misc_decimal_ratio
SELECT k, ratio, ratio * weight, ratio + 1, sum(ratio) OVER () FROM {dim}

-- name: misc_group_select_star_dim
SELECT cat, count(*), min(valid_from), max(valid_from), sum(weight) FROM {dim} GROUP BY cat

-- ====================================================================
-- more from the issue's list
-- name: json_functions
SELECT id, json_extract_string(j, '$.b'), json_extract(j, '$.a'), j ->> 'b', j -> 'a', json_valid(j), json_valid(j || '}') FROM (SELECT id, '{"a": ' || coalesce(i32, 0) || ', "b": "' || coalesce(g, 'none') || '"}' AS j FROM {fact} WHERE id < 200)

-- name: str_pg_syntax
SELECT E'a\tb' AS t, 'x'::VARCHAR || 1::VARCHAR AS c, 'abc' ILIKE 'A%' AS i, 'ab' ~ '^a' AS r

-- name: str_regexp_full_match
SELECT count(*), count(*) FILTER (WHERE regexp_full_match(s, '[A-Za-z ]+_[0-9]+')) FROM {fact}

-- name: win_range_interval
SELECT id, dt, count(*) OVER (ORDER BY dt RANGE BETWEEN INTERVAL 30 DAY PRECEDING AND CURRENT ROW) FROM {fact} WHERE id < 300 AND dt IS NOT NULL

-- name: win_sum_decimal
SELECT id, g, sum(dec) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), min(dt) OVER (PARTITION BY g) FROM {fact} WHERE id < 300

-- name: set_union_all_order_limit
SELECT id, 'f' AS src FROM {fact} WHERE id < 50 UNION ALL SELECT rid, 'r' FROM {jr} ORDER BY id DESC, src LIMIT 30

-- name: subq_scalar_having
SELECT g, count(*) FROM {fact} GROUP BY g HAVING count(*) > (SELECT count(*) / 8 FROM {fact})

-- name: subq_in_from_cte
WITH ks AS (SELECT k FROM {dim} WHERE weight > 100) SELECT count(*), sum(i32) FROM {fact} WHERE k IN (SELECT k FROM ks)

-- name: subq_correlated_not_exists
SELECT l.id FROM {jl} l WHERE NOT EXISTS (SELECT 1 FROM {jr} r WHERE r.k = l.k)

-- name: subq_correlated_in
SELECT l.id FROM {jl} l WHERE l.sk IN (SELECT r.sk FROM {jr} r WHERE r.k > l.k)

-- name: agg_mode_count_if
SELECT g, mode(k), count_if(b), sum(b::INTEGER) FROM {fact} GROUP BY g

-- name: agg_group_with_nulls_in_key
SELECT k, sk, count(*) FROM {jl} GROUP BY k, sk

-- name: join_left_filter_on_right
SELECT l.id, r.rid FROM {jl} l LEFT JOIN {jr} r ON l.k = r.k WHERE r.rid IS NULL

-- name: join_right_with_agg
SELECT r.k, count(l.id), sum(l.v) FROM {jl} l RIGHT JOIN {jr} r ON l.k = r.k GROUP BY r.k

-- name: cast_timestamp_strings
SELECT '2020-02-29 23:59:59.123'::TIMESTAMP, '2020-02-29'::DATE + 1, CAST('1999-12-31 00:00:00' AS TIMESTAMP) < TIMESTAMP '2000-01-01', '12:34:56'::TIME

-- name: join_order_four_way_filters
SELECT f.id, d.name, l.id, r.rid FROM {fact} f, {dim} d, {jl} l, {jr} r WHERE f.k = d.k AND d.k = l.k AND l.k = r.k AND f.id < 2000 AND d.cat = 'red'

-- name: join_order_from_order_cross_first
SELECT count(*), sum(f.i32), min(l.id), max(r.rid) FROM {jl} l, {jr} r, {fact} f WHERE f.k = l.k AND f.u = r.rid AND f.id < 50000

-- name: join_order_two_keys_across
SELECT l.id, r.rid, d.name FROM {jl} l, {dim} d, {jr} r WHERE l.k = d.k AND r.k = d.k AND l.sk = r.sk

-- name: join_order_residual_three_tables
SELECT l.id, r.rid, d.k FROM {jl} l, {jr} r, {dim} d WHERE l.k = d.k AND r.k = d.k AND l.v + r.rid > d.k * 2

-- name: join_order_residual_or_two_tables
SELECT l.id, r.rid FROM {jl} l, {jr} r, {dim} d WHERE l.k = d.k AND r.rid = d.k AND (l.sk = 'k1' OR r.sk = 'k3')

-- name: join_order_cross_product_needed
SELECT count(*), sum(l.v), sum(r.rid) FROM {jl} l, {jr} r, {dim} d WHERE l.k = d.k AND d.cat = 'blue'

-- name: join_order_bigint_key
SELECT a.id, b.id, c.k FROM {fact} a, {fact} b, {dim} c WHERE a.id = b.id - 1 AND a.k = c.k AND a.id < 500 AND b.id < 500

-- name: join_order_left_join_inside
SELECT l.id, r.rid, d.name FROM {jl} l LEFT JOIN {jr} r ON l.k = r.k, {dim} d WHERE d.k = l.k

-- name: join_order_semi_over_inner
SELECT count(*) FROM {fact} f, {dim} d WHERE f.k = d.k AND f.u IN (SELECT rid FROM {jr}) AND EXISTS (SELECT 1 FROM {jl} l WHERE l.k = f.k)

-- name: join_order_not_in_nulls
SELECT count(*) FROM {fact} f, {dim} d WHERE f.k = d.k AND f.k NOT IN (SELECT k FROM {jr})

-- name: join_order_empty_build
SELECT count(*) FROM {fact} f, {dim} d, {jr} r WHERE f.k = d.k AND d.k = r.k AND r.rid < 0

-- name: join_order_pruned_columns_in_group
SELECT d.cat, count(*), sum(r.rid) FROM {fact} f, {dim} d, {jr} r WHERE f.k = d.k AND r.k = f.k GROUP BY d.cat

-- name: join_left_on_right_only_filter
SELECT d.k, count(f.id), sum(f.i32) FROM {dim} d LEFT JOIN {fact} f ON f.k = d.k AND f.s LIKE '%a_1%' GROUP BY d.k

-- name: join_left_big_right_swapped
SELECT l.id, count(f.id), min(f.g) FROM {jl} l LEFT JOIN {fact} f ON f.k = l.k AND f.id % 3 <> l.id % 3 GROUP BY l.id

-- name: join_anti_on_right_only_filter
SELECT count(*) FROM {fact} f ANTI JOIN {dim} d ON f.k = d.k AND d.cat = 'red'

-- name: join_or_implies_side_filters
SELECT f.id, d.name FROM {fact} f, {dim} d WHERE f.k = d.k AND ((d.cat = 'red' AND f.i32 > 9000) OR (d.cat = 'blue' AND f.g = 'g3' AND f.id < 5000))

-- name: join_date_timestamp_and_decimal_filters
SELECT count(*), sum(f.dec2) FROM {fact} f, {dim} d WHERE f.k = d.k AND f.dt >= date '2016-01-01' AND f.dt < date '2016-01-01' + interval '1' year AND f.dec2 BETWEEN 0.05 - 100 AND 0.07 + 100

-- ====================================================================
-- window and ORDER BY sorts on normalized keys (keysort.c): every key type,
-- NULLS FIRST/LAST, DESC, ties, string keys that share a long prefix

-- name: keysort_win_multi_keys
SELECT id, row_number() OVER (PARTITION BY g ORDER BY d DESC NULLS FIRST, id), rank() OVER (PARTITION BY g, b ORDER BY i32), dense_rank() OVER (PARTITION BY k ORDER BY s NULLS FIRST) FROM {fact}

-- name: keysort_win_top2_per_group
SELECT u, d, id FROM (SELECT u, d, id, row_number() OVER (PARTITION BY u ORDER BY d DESC, id) AS rn FROM {fact} WHERE d IS NOT NULL) WHERE rn <= 2

-- name: keysort_win_long_string_prefix
SELECT id, rank() OVER (ORDER BY 'a shared prefix of many bytes ' || s DESC NULLS FIRST), row_number() OVER (PARTITION BY 'partition key longer than twelve ' || g ORDER BY 'x' || s, id) FROM {fact}

-- name: keysort_win_types
SELECT id, rank() OVER (ORDER BY i64), rank() OVER (ORDER BY i16 DESC), rank() OVER (PARTITION BY b ORDER BY dec NULLS FIRST), rank() OVER (ORDER BY dec2 DESC), rank() OVER (ORDER BY dt DESC NULLS LAST), rank() OVER (ORDER BY ts), rank() OVER (ORDER BY ts - TIMESTAMP '2019-06-01 00:00:00') FROM {fact} WHERE id < 5000

-- name: keysort_win_special
SELECT id, rank() OVER (ORDER BY x), rank() OVER (ORDER BY x DESC NULLS FIRST), rank() OVER (ORDER BY fl DESC), rank() OVER (ORDER BY big), rank() OVER (ORDER BY int DESC), rank() OVER (ORDER BY str), rank() OVER (ORDER BY dec DESC) FROM {special}

-- name: keysort_win_empty
SELECT id, row_number() OVER (PARTITION BY g ORDER BY id), rank() OVER (ORDER BY s) FROM {fact} WHERE id < 0

-- name: keysort_order_long_strings
SELECT id, s FROM {fact} ORDER BY 'a shared prefix of many bytes ' || s DESC NULLS FIRST, id

-- name: keysort_order_mixed
SELECT id, g, d, dt FROM {fact} ORDER BY g NULLS FIRST, d DESC, dt, id

-- name: keysort_order_special
SELECT id, x, fl, big FROM {special} ORDER BY x DESC, id

-- name: keysort_order_special_float
SELECT id, fl, dec FROM {special} ORDER BY fl NULLS FIRST, dec DESC

-- name: agg_quantile_select
SELECT k, median(d), quantile_cont(d, -0.3), quantile_disc(i32, 0.7), quantile_disc(d, -0.1), median(dec), quantile_cont(dt, 0.5), median(i16) FROM {fact} GROUP BY k

-- name: agg_quantile_small_groups
SELECT u % 997 AS grp, median(i16), quantile_cont(i16, 0.75), quantile_cont(i16, -0.75), quantile_disc(s, 0.5) FROM {fact} WHERE id < 3000 GROUP BY grp

-- name: win_range_interval_timestamp
SELECT id, ts, count(*) OVER (PARTITION BY g ORDER BY ts RANGE BETWEEN INTERVAL 2 HOUR PRECEDING AND INTERVAL 90 MINUTE FOLLOWING), sum(i32) OVER (ORDER BY ts DESC RANGE BETWEEN INTERVAL '1 day' PRECEDING AND CURRENT ROW) FROM {fact} WHERE id < 400

-- name: win_range_interval_date_nulls
SELECT id, dt, min(i32) OVER (ORDER BY dt NULLS FIRST RANGE BETWEEN INTERVAL 100 DAY PRECEDING AND INTERVAL 10 DAY FOLLOWING), count(dt) OVER (ORDER BY dt DESC RANGE BETWEEN CURRENT ROW AND INTERVAL 1 WEEK FOLLOWING) FROM {fact} WHERE id < 300

-- name: win_sliding_frames_tree
SELECT id, sum(i32) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 200 PRECEDING AND 100 FOLLOWING), avg(d) OVER (ORDER BY id ROWS BETWEEN 1000 PRECEDING AND CURRENT ROW), min(s) OVER (PARTITION BY k ORDER BY id ROWS BETWEEN 70 PRECEDING AND 70 FOLLOWING), max(dt) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND 300 FOLLOWING), count(u) OVER (ORDER BY d RANGE BETWEEN 5 PRECEDING AND 5 FOLLOWING) FROM {fact}

-- name: win_sliding_frames_order_sensitive
SELECT id, string_agg(g, ',') OVER (ORDER BY id ROWS BETWEEN 100 PRECEDING AND 20 FOLLOWING), median(i32) OVER (ORDER BY id ROWS BETWEEN 90 PRECEDING AND 90 FOLLOWING), stddev_samp(d) OVER (PARTITION BY b ORDER BY dt RANGE BETWEEN INTERVAL 300 DAY PRECEDING AND INTERVAL 100 DAY FOLLOWING) FROM {fact} WHERE id < 3000

-- name: keysort_top_n_ties_offset
SELECT id, g, d FROM {fact} ORDER BY g DESC NULLS FIRST, d, id LIMIT 25 OFFSET 7

-- name: keysort_top_n_hidden_key
SELECT id, s FROM {fact} ORDER BY i32 DESC, id LIMIT 40

-- name: keysort_top_n_zero_and_more_than_rows
SELECT (SELECT count(*) FROM (SELECT id FROM {fact} ORDER BY id LIMIT 0)), (SELECT count(*) FROM (SELECT k FROM {dim} ORDER BY k DESC LIMIT 500 OFFSET 3))

-- name: keysort_top_n_subquery
SELECT * FROM (SELECT id, u * 2 AS v FROM {fact} ORDER BY u NULLS FIRST, id) LIMIT 12
