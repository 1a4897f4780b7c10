WITH "employee_roster_rows" AS (
  SELECT
    "name",
    "manager_id"
  FROM "employee_roster"
), "employee_roster_2" AS (
  SELECT
    "employee_id",
    "name"
  FROM "employee_roster"
)
SELECT
  "employee_roster"."name" AS "employee_roster.name",
  "employee_roster_2"."name" AS "employee_roster_2.name"
FROM "employee_roster_rows" AS "employee_roster"
INNER JOIN "employee_roster_2" AS "employee_roster_2"
  ON "employee_roster"."manager_id" = "employee_roster_2"."employee_id"
ORDER BY
  "employee_roster.name" ASC,
  "employee_roster_2.name" ASC
LIMIT 50
