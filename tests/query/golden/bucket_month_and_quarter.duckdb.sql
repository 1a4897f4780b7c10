WITH "global_sales_rows" AS (
  SELECT
    "order_date",
    "created_at",
    "revenue"
  FROM "global_sales"
)
SELECT
  CAST(DATE_TRUNC('MONTH', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE) AS "order_date_month",
  CAST(DATE_TRUNC('QUARTER', CAST("global_sales"."created_at" AS TIMESTAMP)) AS DATE) AS "created_at_quarter",
  SUM("global_sales"."revenue") AS "rev"
FROM "global_sales_rows" AS "global_sales"
GROUP BY
  CAST(DATE_TRUNC('MONTH', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE),
  CAST(DATE_TRUNC('QUARTER', CAST("global_sales"."created_at" AS TIMESTAMP)) AS DATE)
ORDER BY
  "order_date_month" ASC,
  "created_at_quarter" ASC
LIMIT 50
