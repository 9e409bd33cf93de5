-- SQLite has no corr: r squared from the sums (integers, exact in doubles)
SELECT id2, id4,
       (1.0 * n * sxy - 1.0 * sx * sy) * (1.0 * n * sxy - 1.0 * sx * sy)
       / ((1.0 * n * sxx - 1.0 * sx * sx) * (1.0 * n * syy - 1.0 * sy * sy)) AS r2
FROM (SELECT id2, id4, count(*) AS n, sum(v1) AS sx, sum(v2) AS sy, sum(v1 * v2) AS sxy,
             sum(v1 * v1) AS sxx, sum(v2 * v2) AS syy
      FROM x WHERE v1 IS NOT NULL AND v2 IS NOT NULL GROUP BY id2, id4)
