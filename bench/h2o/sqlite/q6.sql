-- SQLite has no median or stddev: the middle row(s) by row_number, and the
-- sample standard deviation in two passes (the group's mean by a window)
WITH r AS (SELECT id4, id5, v3,
                  row_number() OVER (PARTITION BY id4, id5 ORDER BY v3) AS rn,
                  count(*) OVER (PARTITION BY id4, id5) AS n,
                  avg(v3) OVER (PARTITION BY id4, id5) AS mean
           FROM x WHERE v3 IS NOT NULL)
SELECT id4, id5,
       avg(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN v3 END) AS median_v3,
       sqrt(sum((v3 - mean) * (v3 - mean)) / (count(*) - 1)) AS sd_v3
FROM r GROUP BY id4, id5
