WITH "global_sales_rows" AS (
  SELECT
    "country",
    "revenue"
  FROM "global_sales"
)
SELECT
  "top_rows"."country" AS "country",
  "top_rows"."total_revenue" AS "total_revenue"
FROM (
  SELECT
    "global_sales"."country" AS "country",
    SUM("global_sales"."revenue") AS "total_revenue"
  FROM "global_sales_rows" AS "global_sales"
  GROUP BY
    "global_sales"."country"
  ORDER BY
    "total_revenue" DESC,
    "country" ASC
  LIMIT 5
) AS "top_rows"
ORDER BY
  "total_revenue" DESC,
  "country" ASC
LIMIT 50
