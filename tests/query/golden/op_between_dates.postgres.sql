WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "order_date",
    "created_at"
  FROM "global_sales"
  WHERE
    "order_date" BETWEEN CAST('2023-01-01' AS DATE) AND CAST('2023-03-31' AS DATE)
    AND "created_at" >= CAST('2024-01-15 08:30:00' AS TIMESTAMP)
)
SELECT
  "global_sales"."order_id" AS "order_id",
  "global_sales"."order_date" AS "order_date"
FROM "global_sales_rows" AS "global_sales"
ORDER BY
  "order_id" ASC,
  "order_date" ASC
LIMIT 50
