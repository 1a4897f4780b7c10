WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "region",
    "employee_id",
    "quantity"
  FROM "global_sales"
  WHERE
    "quantity" > 1 AND "region" = 'North'
), "employee_roster_rows" AS (
  SELECT
    "employee_id",
    "name"
  FROM "employee_roster"
  WHERE
    LOWER("name") LIKE LOWER('A%') ESCAPE '\'
)
SELECT
  "global_sales"."order_id" AS "order_id",
  "employee_roster"."name" AS "name",
  "global_sales"."region" AS "global_sales.region"
FROM "global_sales_rows" AS "global_sales"
INNER JOIN "employee_roster_rows" AS "employee_roster"
  ON "global_sales"."employee_id" = "employee_roster"."employee_id"
ORDER BY
  "order_id" ASC,
  "name" ASC,
  "global_sales.region" ASC
LIMIT 50
