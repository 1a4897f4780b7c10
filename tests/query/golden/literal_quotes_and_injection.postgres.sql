WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "channel"
  FROM "global_sales"
  WHERE
    "channel" = 'O''Brien''s; DROP TABLE x --'
)
SELECT
  "global_sales"."order_id" AS "order_id"
FROM "global_sales_rows" AS "global_sales"
ORDER BY
  "order_id" ASC
LIMIT 50
