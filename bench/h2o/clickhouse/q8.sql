-- no window functions in ClickHouse 18.16 (db-benchmark's form)
SELECT id6, arrayJoin(arraySlice(arrayReverseSort(groupArray(v3)), 1, 2)) AS largest2_v3
FROM x GROUP BY id6
