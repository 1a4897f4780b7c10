WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "region",
    "revenue"
  FROM "global_sales"
)
SELECT
  "global_sales"."region" AS "region",
  "global_sales"."order_id" AS "order_id",
  "global_sales"."revenue" AS "revenue"
FROM "global_sales_rows" AS "global_sales"
ORDER BY
  "revenue" DESC NULLS FIRST,
  "region" ASC,
  "order_id" ASC
LIMIT 50
