WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "is_return"
  FROM "global_sales"
  WHERE
    "is_return" = TRUE
)
SELECT
  "global_sales"."order_id" AS "order_id",
  "global_sales"."is_return" AS "is_return"
FROM "global_sales_rows" AS "global_sales"
ORDER BY
  "order_id" ASC,
  "is_return" ASC
LIMIT 50
