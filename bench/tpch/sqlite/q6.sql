-- SQLite: dates are TEXT, date arithmetic through date(); the discount
-- bounds are written out, as REAL 0.06 + 0.01 is 0.06999999999999999 and
-- would drop the rows with a discount of 0.07 (DECIMAL in the other engines)
select sum(l_extendedprice * l_discount) as revenue
from lineitem
where l_shipdate >= '1994-01-01' and l_shipdate < date('1994-01-01', '+1 years')
  and l_discount between 0.05 and 0.07 and l_quantity < 24
