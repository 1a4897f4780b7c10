WITH "global_sales_rows" AS (
  SELECT
    "quantity",
    "revenue"
  FROM "global_sales"
)
SELECT
  "global_sales"."revenue" > 100 AS "big",
  COUNT(DISTINCT "global_sales"."quantity" > 5) AS "kinds",
  COUNT("global_sales"."revenue" > 100) AS "known",
  COUNT(CASE WHEN (
    "global_sales"."revenue" > 100
  ) = FALSE THEN 1 END) AS "n"
FROM "global_sales_rows" AS "global_sales"
GROUP BY
  "global_sales"."revenue" > 100
HAVING
  COUNT(CASE WHEN (
    "global_sales"."revenue" > 100
  ) = FALSE THEN 1 END) > 1
ORDER BY
  "big" ASC
LIMIT 50
