WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "revenue"
  FROM "global_sales"
)
SELECT
  "top_rows"."order_id" AS "order_id",
  "top_rows"."revenue" AS "revenue"
FROM (
  SELECT
    "global_sales"."order_id" AS "order_id",
    "global_sales"."revenue" AS "revenue"
  FROM "global_sales_rows" AS "global_sales"
  ORDER BY
    "revenue" DESC,
    "order_id" ASC
  LIMIT 7
) AS "top_rows"
ORDER BY
  "revenue" DESC,
  "order_id" ASC
LIMIT 5
OFFSET 5
