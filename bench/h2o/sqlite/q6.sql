-- SQLite has no median or stddev: the middle row(s) by row_number, and the
-- sample standard deviation in two passes (the group's mean first)
WITH r AS (SELECT id4, id5, v3,
                  row_number() OVER (PARTITION BY id4, id5 ORDER BY v3) AS rn,
                  count(*) OVER (PARTITION BY id4, id5) AS n
           FROM x WHERE v3 IS NOT NULL),
m AS (SELECT id4, id5, avg(v3) AS median_v3 FROM r
      WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY id4, id5),
a AS (SELECT id4, id5, avg(v3) AS mean FROM x GROUP BY id4, id5),
s AS (SELECT x.id4, x.id5,
             sqrt(sum((v3 - mean) * (v3 - mean)) / (count(v3) - 1)) AS sd_v3
      FROM x JOIN a ON x.id4 = a.id4 AND x.id5 = a.id5 GROUP BY x.id4, x.id5)
SELECT m.id4, m.id5, median_v3, sd_v3 FROM m JOIN s ON m.id4 = s.id4 AND m.id5 = s.id5
