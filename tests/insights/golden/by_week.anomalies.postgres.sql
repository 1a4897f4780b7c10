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
    CAST("s"."revenue" AS DOUBLE PRECISION) AS "v",
    0 AS "w"
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
), "insight_weekly" AS (
  SELECT
    "w",
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY
      "v") AS "base"
  FROM "insight_points"
  GROUP BY
    "w"
), "insight_residuals" AS (
  SELECT
    "p"."d",
    "p"."v",
    "b"."base",
    "p"."v" - "b"."base" AS "r"
  FROM "insight_points" AS "p"
  JOIN "insight_weekly" AS "b"
    ON "p"."w" = "b"."w"
), "insight_center" AS (
  SELECT
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY
      "r") AS "mid",
    COUNT(*) AS "n"
  FROM "insight_residuals"
), "insight_spread" AS (
  SELECT
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY
      ABS("r"."r" - "c"."mid")) AS "mad"
  FROM "insight_residuals" AS "r"
  CROSS JOIN "insight_center" AS "c"
), "insight_scored" AS (
  SELECT
    "r"."d",
    "r"."v",
    "r"."base" + "c"."mid" AS "expected",
    CAST((
      "r"."r" - "c"."mid"
    ) AS DOUBLE PRECISION) / (
      1.4826 * "m"."mad"
    ) AS "z"
  FROM "insight_residuals" AS "r"
  CROSS JOIN "insight_center" AS "c"
  CROSS JOIN "insight_spread" AS "m"
  WHERE
    "m"."mad" > 0 AND "c"."n" >= 8
)
SELECT
  "d",
  "v",
  "expected",
  "z"
FROM "insight_scored"
WHERE
  ABS("z") > 3.5
ORDER BY
  ABS("z") DESC NULLS LAST,
  "d" ASC
LIMIT 3
