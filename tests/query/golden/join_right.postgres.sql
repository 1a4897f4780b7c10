WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "employee_id",
    "quantity"
  FROM "global_sales"
), "employee_roster_rows" AS (
  SELECT
    "employee_id",
    "name",
    "region"
  FROM "employee_roster"
  WHERE
    "region" = 'North'
)
SELECT
  "global_sales"."order_id" AS "order_id",
  "employee_roster"."name" AS "name"
FROM "global_sales_rows" AS "global_sales"
RIGHT JOIN "employee_roster_rows" AS "employee_roster"
  ON "global_sales"."employee_id" = "employee_roster"."employee_id"
WHERE
  "global_sales"."quantity" > 1
ORDER BY
  "order_id" ASC,
  "name" ASC
LIMIT 50
