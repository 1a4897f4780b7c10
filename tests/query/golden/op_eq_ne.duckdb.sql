WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "region",
    "channel"
  FROM "global_sales"
  WHERE
    "region" = 'North' AND "channel" <> 'Web'
)
SELECT
  "global_sales"."order_id" AS "order_id"
FROM "global_sales_rows" AS "global_sales"
ORDER BY
  "order_id" ASC
LIMIT 50
