WITH "products_rows" AS (
  SELECT
    "product_id",
    "category"
  FROM "products"
)
SELECT
  "products"."category" AS "category",
  "products"."product_id" AS "product_id"
FROM "products_rows" AS "products"
ORDER BY
  "product_id" ASC,
  "category" ASC
LIMIT 50
