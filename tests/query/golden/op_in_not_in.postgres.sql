WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "region",
    "channel",
    "product_id"
  FROM "global_sales"
  WHERE
    "region" IN ('North', 'South')
    AND NOT "channel" IN ('50%_off, really', 'Web')
    AND "product_id" IN (1, 2, 3)
)
SELECT
  "global_sales"."order_id" AS "order_id"
FROM "global_sales_rows" AS "global_sales"
ORDER BY
  "order_id" ASC
LIMIT 50
