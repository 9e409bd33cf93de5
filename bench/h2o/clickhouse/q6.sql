-- ClickHouse 18.16's median is approximate and medianExact takes one middle
-- row; DuckDB's median averages the two middle rows of an even count, and
-- its stddev of one row is NULL (ClickHouse: nan)
SELECT id4, id5,
       (arrayElement(s, toUInt64(intDiv(length(s) + 1, 2)))
        + arrayElement(s, toUInt64(intDiv(length(s) + 2, 2)))) / 2 AS median_v3,
       if(length(s) > 1, sd, NULL) AS sd_v3
FROM (SELECT id4, id5, arraySort(groupArray(v3)) AS s, stddevSamp(v3) AS sd
      FROM x GROUP BY id4, id5)
