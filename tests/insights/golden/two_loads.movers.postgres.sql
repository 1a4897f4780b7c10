WITH "daily_sales_rows" AS (
  SELECT
    "region",
    "amount",
    "load_id"
  FROM "daily_sales"
  WHERE
    "load_id" IN (20240331, 20240401)
), "insight_grouped" AS (
  SELECT
    "daily_sales"."region" AS "region",
    "daily_sales"."load_id" AS "load_id",
    SUM("daily_sales"."amount") AS "revenue"
  FROM "daily_sales_rows" AS "daily_sales"
  GROUP BY
    "daily_sales"."region",
    "daily_sales"."load_id"
), "insight_ranked" AS (
  SELECT
    "s"."region" AS "g0",
    "s"."load_id" AS "k",
    CAST("s"."revenue" AS DOUBLE PRECISION) AS "v",
    CASE WHEN "s"."load_id" = 20240401 THEN 1 ELSE 2 END AS "slice"
  FROM "insight_grouped" AS "s"
  WHERE
    NOT "s"."load_id" IS NULL
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
