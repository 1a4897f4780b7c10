WITH "daily_sales_rows" AS (
  SELECT
    "order_date",
    "amount"
  FROM "daily_sales"
  WHERE
    "load_type" = 'DAILY' AND "load_id" = 20240331
), "insight_series" AS (
  SELECT
    CAST(DATE_TRUNC('DAY', CAST("daily_sales"."order_date" AS TIMESTAMP)) AS DATE) AS "order_date_day",
    SUM("daily_sales"."amount") AS "revenue"
  FROM "daily_sales_rows" AS "daily_sales"
  GROUP BY
    CAST(DATE_TRUNC('DAY', CAST("daily_sales"."order_date" AS TIMESTAMP)) AS DATE)
), "insight_points" AS (
  SELECT
    "s"."order_date_day" AS "d",
    CAST((
      "s"."order_date_day" - CAST('1900-01-01' AS DATE)
    ) AS DOUBLE PRECISION) AS "x",
    CAST("s"."revenue" AS DOUBLE PRECISION) AS "y"
  FROM "insight_series" AS "s"
  WHERE
    NOT "s"."order_date_day" IS NULL AND NOT "s"."revenue" IS NULL
)
SELECT
  REGR_SLOPE("y", "x") AS "slope",
  REGR_INTERCEPT("y", "x") AS "intercept",
  REGR_R2("y", "x") AS "r2",
  MIN("x") AS "x0",
  MAX("x") AS "x1",
  MIN("d") AS "d0",
  MAX("d") AS "d1",
  COUNT(*) AS "n"
FROM "insight_points"
