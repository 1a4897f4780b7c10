WITH "global_sales_rows" AS (
  SELECT
    "order_id"
  FROM "global_sales"
  WHERE
    FALSE
)
SELECT
  "global_sales"."order_id" AS "order_id"
FROM "global_sales_rows" AS "global_sales"
ORDER BY
  "order_id" ASC
LIMIT 50
