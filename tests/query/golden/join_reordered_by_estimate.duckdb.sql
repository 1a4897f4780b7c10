WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "product_id",
    "employee_id"
  FROM "global_sales"
), "employee_roster_rows" AS (
  SELECT
    "employee_id",
    "name"
  FROM "employee_roster"
), "products_rows" AS (
  SELECT
    "product_id",
    "product_name"
  FROM "products"
)
SELECT
  "global_sales"."order_id" AS "order_id",
  "employee_roster"."name" AS "name",
  "products"."product_name" AS "product_name"
FROM "products_rows" AS "products"
INNER JOIN "global_sales_rows" AS "global_sales"
  ON "global_sales"."product_id" = "products"."product_id"
INNER JOIN "employee_roster_rows" AS "employee_roster"
  ON "global_sales"."employee_id" = "employee_roster"."employee_id"
ORDER BY
  "order_id" ASC,
  "name" ASC,
  "product_name" ASC
LIMIT 50
