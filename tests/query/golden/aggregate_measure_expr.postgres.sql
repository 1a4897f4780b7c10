WITH "global_sales_rows" AS (
  SELECT
    "department",
    "discount",
    "revenue"
  FROM "global_sales"
)
SELECT
  "global_sales"."department" AS "department",
  SUM("global_sales"."revenue" * (
    1 - COALESCE("global_sales"."discount", 0)
  )) AS "net"
FROM "global_sales_rows" AS "global_sales"
GROUP BY
  "global_sales"."department"
ORDER BY
  "department" ASC
LIMIT 50
