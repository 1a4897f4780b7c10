WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "region",
    "channel",
    "quantity",
    "is_return"
  FROM "global_sales"
  WHERE
    "quantity" > 1
    AND (
      "region" = 'North' OR "region" = 'South'
    )
    AND NOT (
      "channel" = 'Web' AND "is_return" = TRUE
    )
)
SELECT
  "global_sales"."order_id" AS "order_id"
FROM "global_sales_rows" AS "global_sales"
ORDER BY
  "order_id" ASC
LIMIT 50
