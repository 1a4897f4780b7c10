WITH "global_sales_rows" AS (
  SELECT
    "order_date"
  FROM "global_sales"
)
SELECT
  CAST(DATE_TRUNC('WEEK', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE) AS "order_date_week",
  CAST(DATE_TRUNC('DAY', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE) AS "order_date_day",
  CAST(DATE_TRUNC('YEAR', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE) AS "order_date_year",
  COUNT(*) AS "n"
FROM "global_sales_rows" AS "global_sales"
GROUP BY
  CAST(DATE_TRUNC('WEEK', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE),
  CAST(DATE_TRUNC('DAY', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE),
  CAST(DATE_TRUNC('YEAR', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE)
ORDER BY
  "order_date_week" ASC,
  "order_date_day" ASC,
  "order_date_year" ASC
LIMIT 50
