WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "quantity",
    "discount",
    "revenue"
  FROM "global_sales"
  WHERE
    "quantity" < 5 AND "quantity" > 1 AND "revenue" <= 1234.50 AND "discount" >= 0.05
)
SELECT
  "global_sales"."order_id" AS "order_id"
FROM "global_sales_rows" AS "global_sales"
ORDER BY
  "order_id" ASC
LIMIT 50
