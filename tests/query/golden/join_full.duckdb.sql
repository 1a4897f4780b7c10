WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "product_id",
    "quantity"
  FROM "global_sales"
), "products_rows" AS (
  SELECT
    "product_id",
    "product_name",
    "category"
  FROM "products"
)
SELECT
  "global_sales"."order_id" AS "order_id",
  "products"."product_name" AS "product_name"
FROM "global_sales_rows" AS "global_sales"
FULL JOIN "products_rows" AS "products"
  ON "global_sales"."product_id" = "products"."product_id"
WHERE
  "global_sales"."quantity" > 1 AND "products"."category" = 'Media'
ORDER BY
  "order_id" ASC,
  "product_name" ASC
LIMIT 50
