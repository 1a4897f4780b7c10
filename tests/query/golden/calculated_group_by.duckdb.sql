WITH "global_sales_rows" AS (
  SELECT
    "order_date",
    "revenue"
  FROM "global_sales"
)
SELECT
  EXTRACT(YEAR FROM "global_sales"."order_date") AS "order_year",
  SUM("global_sales"."revenue") AS "revenue_sum"
FROM "global_sales_rows" AS "global_sales"
GROUP BY
  EXTRACT(YEAR FROM "global_sales"."order_date")
ORDER BY
  "order_year" DESC NULLS FIRST
LIMIT 50
