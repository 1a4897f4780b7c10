WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "region"
  FROM "global_sales"
)
SELECT
  "global_sales"."order_id" AS "order_id",
  "global_sales"."region" AS "region"
FROM "global_sales_rows" AS "global_sales"
ORDER BY
  "order_id" ASC,
  "region" ASC
LIMIT 50
