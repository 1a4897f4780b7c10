WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "region",
    "country",
    "channel"
  FROM "global_sales"
  WHERE
    LOWER("channel") LIKE LOWER('%50\%\_%') ESCAPE '\'
    AND LOWER("country") LIKE LOWER('Ís%') ESCAPE '\'
    AND LOWER("region") LIKE LOWER('%th\\') ESCAPE '\'
)
SELECT
  "global_sales"."order_id" AS "order_id",
  "global_sales"."channel" AS "channel"
FROM "global_sales_rows" AS "global_sales"
ORDER BY
  "order_id" ASC,
  "channel" ASC
LIMIT 50
