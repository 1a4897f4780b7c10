WITH "global_sales_rows" AS (
  SELECT
    "order_date",
    "region",
    "channel",
    "employee_id",
    "quantity",
    "discount",
    "revenue"
  FROM "global_sales"
)
SELECT
  "global_sales"."region" AS "region",
  "global_sales"."channel" AS "channel",
  SUM("global_sales"."revenue") AS "total_revenue",
  AVG("global_sales"."discount") AS "avg_discount",
  MIN("global_sales"."order_date") AS "first_order",
  MAX("global_sales"."quantity") AS "max_quantity",
  COUNT(*) AS "orders",
  COUNT(DISTINCT "global_sales"."employee_id") AS "sellers"
FROM "global_sales_rows" AS "global_sales"
GROUP BY
  "global_sales"."region",
  "global_sales"."channel"
ORDER BY
  "region" ASC,
  "channel" ASC
LIMIT 50
