WITH "daily_sales_rows" AS (
  SELECT
    "order_date",
    "region",
    "amount"
  FROM "daily_sales"
  WHERE
    "load_type" = 'DAILY' AND "load_id" = 20240331
), "insight_grouped" AS (
  SELECT
    "daily_sales"."region" AS "region",
    CAST(DATE_TRUNC('WEEK', CAST("daily_sales"."order_date" AS TIMESTAMP)) AS DATE) AS "order_date_week",
    SUM("daily_sales"."amount") AS "revenue",
    MAX("daily_sales"."order_date") AS "insight_last_day"
  FROM "daily_sales_rows" AS "daily_sales"
  GROUP BY
    "daily_sales"."region",
    CAST(DATE_TRUNC('WEEK', CAST("daily_sales"."order_date" AS TIMESTAMP)) AS DATE)
), "insight_bounds" AS (
  SELECT
    CAST(MAX("s"."insight_last_day") AS DATE) AS "l"
  FROM "insight_grouped" AS "s"
), "insight_ranked" AS (
  SELECT
    "s"."region" AS "g0",
    "s"."order_date_week" AS "k",
    CAST("s"."revenue" AS DOUBLE PRECISION) AS "v",
    DENSE_RANK() OVER (ORDER BY "s"."order_date_week" DESC NULLS LAST) - CASE
      WHEN CAST(DATE_TRUNC('WEEK', CAST("b"."l" + 1 AS TIMESTAMP)) AS DATE) = CAST(DATE_TRUNC('WEEK', CAST("b"."l" AS TIMESTAMP)) AS DATE)
      THEN 1
      ELSE 0
    END AS "slice"
  FROM "insight_grouped" AS "s"
  CROSS JOIN "insight_bounds" AS "b"
  WHERE
    NOT "s"."order_date_week" IS NULL
), "insight_paired" AS (
  SELECT
    "g0",
    MAX(CASE WHEN "slice" = 2 THEN "v" END) AS "before",
    MAX(CASE WHEN "slice" = 1 THEN "v" END) AS "after"
  FROM "insight_ranked"
  WHERE
    "slice" >= 1 AND "slice" <= 2
  GROUP BY
    "g0"
), "insight_keys" AS (
  SELECT
    MAX(CASE WHEN "slice" = 2 THEN "k" END) AS "k_before",
    MAX(CASE WHEN "slice" = 1 THEN "k" END) AS "k_after"
  FROM "insight_ranked"
), "insight_moves" AS (
  SELECT
    "p"."g0",
    "p"."before",
    "p"."after",
    COALESCE("p"."after", 0) - COALESCE("p"."before", 0) AS "change",
    CAST((
      COALESCE("p"."after", 0) - COALESCE("p"."before", 0)
    ) AS DOUBLE PRECISION) / NULLIF(ABS("p"."before"), 0) AS "relative",
    "k"."k_before",
    "k"."k_after"
  FROM "insight_paired" AS "p"
  CROSS JOIN "insight_keys" AS "k"
)
SELECT
  "g0",
  "before",
  "after",
  "change",
  "relative",
  "k_before",
  "k_after"
FROM "insight_moves"
WHERE
  NOT "change" IS NULL AND "change" <> 0
ORDER BY
  ABS("change") DESC NULLS LAST,
  "g0" ASC
LIMIT 3
