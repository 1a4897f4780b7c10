WITH "products_rows" AS (
  SELECT
    "product_id",
    "product_name",
    "category",
    "subcategory",
    "list_price"
  FROM "products"
)
SELECT
  "products"."product_id" AS "product_id",
  "products"."product_name" AS "product_name",
  "products"."category" AS "category",
  "products"."subcategory" AS "subcategory",
  "products"."list_price" AS "list_price"
FROM "products_rows" AS "products"
ORDER BY
  "product_id" ASC,
  "product_name" ASC,
  "category" ASC,
  "subcategory" ASC,
  "list_price" ASC
LIMIT 50
