WITH "global_sales_rows" AS (
  SELECT
    "region",
    "product_id",
    "employee_id",
    "revenue"
  FROM "global_sales"
  WHERE
    "region" IN ('North', 'South')
), "employee_roster_rows" AS (
  SELECT
    "employee_id",
    "name",
    "department"
  FROM "employee_roster"
), "products_rows" AS (
  SELECT
    "product_id",
    "category",
    "list_price"
  FROM "products"
)
SELECT
  "employee_roster"."department" AS "employee_roster.department",
  "products"."category" AS "category",
  SUM("global_sales"."revenue") AS "revenue"
FROM "global_sales_rows" AS "global_sales"
INNER JOIN "employee_roster_rows" AS "employee_roster"
  ON "global_sales"."employee_id" = "employee_roster"."employee_id"
LEFT JOIN "products_rows" AS "products"
  ON "global_sales"."product_id" = "products"."product_id"
WHERE
  "products"."category" <> 'Garden'
  AND (
    "employee_roster"."name" = 'Ann' OR "products"."list_price" > 10
  )
GROUP BY
  "employee_roster"."department",
  "products"."category"
ORDER BY
  "employee_roster.department" ASC,
  "category" ASC
LIMIT 50
