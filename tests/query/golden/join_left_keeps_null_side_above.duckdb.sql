WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "employee_id",
    "quantity"
  FROM "global_sales"
  WHERE
    "quantity" > 1
), "employee_roster_rows" AS (
  SELECT
    "employee_id",
    "name"
  FROM "employee_roster"
)
SELECT
  "global_sales"."order_id" AS "order_id",
  "employee_roster"."name" AS "name"
FROM "global_sales_rows" AS "global_sales"
LEFT JOIN "employee_roster_rows" AS "employee_roster"
  ON "global_sales"."employee_id" = "employee_roster"."employee_id"
WHERE
  "employee_roster"."name" IS NULL
ORDER BY
  "order_id" ASC,
  "name" ASC
LIMIT 50
