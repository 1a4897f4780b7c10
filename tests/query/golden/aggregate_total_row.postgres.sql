WITH "global_sales_rows" AS (
  SELECT
    1 AS "one"
  FROM "global_sales"
)
SELECT
  COUNT(*) AS "n"
FROM "global_sales_rows" AS "global_sales"
LIMIT 50
