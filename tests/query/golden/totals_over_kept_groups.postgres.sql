WITH "global_sales_rows" AS (
  SELECT
    "order_date",
    "region",
    "revenue"
  FROM "global_sales"
), "_kept_groups" AS (
  SELECT
    "global_sales"."region" AS "_k0",
    CAST(DATE_TRUNC('YEAR', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE) AS "_k1"
  FROM "global_sales_rows" AS "global_sales"
  GROUP BY
    "global_sales"."region",
    CAST(DATE_TRUNC('YEAR', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE)
  HAVING
    SUM("global_sales"."revenue") > 1000
)
SELECT
  "global_sales"."region" AS "region",
  CAST(DATE_TRUNC('YEAR', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE) AS "order_date_year",
  SUM("global_sales"."revenue") AS "rev",
  GROUPING("global_sales"."region") + GROUPING(CAST(DATE_TRUNC('YEAR', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE)) AS "_total_level"
FROM "global_sales_rows" AS "global_sales"
WHERE
  EXISTS(
    SELECT
      1
    FROM "_kept_groups" AS "_kept"
    WHERE
      (
        "_kept"."_k0" = "global_sales"."region"
        OR (
          "_kept"."_k0" IS NULL AND "global_sales"."region" IS NULL
        )
      )
      AND (
        "_kept"."_k1" = CAST(DATE_TRUNC('YEAR', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE)
        OR (
          "_kept"."_k1" IS NULL
          AND CAST(DATE_TRUNC('YEAR', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE) IS NULL
        )
      )
  )
GROUP BY
  GROUPING SETS (
    (
      "global_sales"."region",
      CAST(DATE_TRUNC('YEAR', CAST("global_sales"."order_date" AS TIMESTAMP)) AS DATE)
    ),
    ()
  )
ORDER BY
  "_total_level" DESC,
  "region" ASC,
  "order_date_year" ASC
LIMIT 50
