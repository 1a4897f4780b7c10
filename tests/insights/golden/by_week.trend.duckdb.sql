WITH "daily_sales_rows" AS (
  SELECT
    "order_date",
    "amount"
  FROM "daily_sales"
  WHERE
    "load_type" = 'DAILY' AND "load_id" = 20240331
), "insight_series" AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', CAST("daily_sales"."order_date" AS TIMESTAMP)) AS DATE) AS "order_date_week",
    SUM("daily_sales"."amount") AS "revenue",
    MAX("daily_sales"."order_date") AS "insight_last_day"
  FROM "daily_sales_rows" AS "daily_sales"
  GROUP BY
    CAST(DATE_TRUNC('WEEK', CAST("daily_sales"."order_date" AS TIMESTAMP)) AS DATE)
), "insight_bounds" AS (
  SELECT
    CAST(MAX("s"."insight_last_day") AS DATE) AS "l"
  FROM "insight_series" AS "s"
), "insight_points" AS (
  SELECT
    "s"."order_date_week" AS "d",
    CAST((
      "s"."order_date_week" - CAST('1900-01-01' AS DATE)
    ) AS DOUBLE) AS "x",
    CAST("s"."revenue" AS DOUBLE) AS "y"
  FROM "insight_series" AS "s"
  CROSS JOIN "insight_bounds" AS "b"
  WHERE
    (
      NOT "s"."order_date_week" IS NULL AND NOT "s"."revenue" IS NULL
    )
    AND NOT (
      "s"."order_date_week" = CAST(DATE_TRUNC('WEEK', CAST("b"."l" AS TIMESTAMP)) AS DATE)
      AND CAST(DATE_TRUNC('WEEK', CAST("b"."l" + 1 AS TIMESTAMP)) AS DATE) = CAST(DATE_TRUNC('WEEK', CAST("b"."l" AS TIMESTAMP)) AS DATE)
    )
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
