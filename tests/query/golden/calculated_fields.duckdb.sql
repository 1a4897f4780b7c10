WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "order_date",
    "region",
    "channel",
    "quantity",
    "revenue",
    "cost"
  FROM "global_sales"
  WHERE
    (
      "revenue" - "cost"
    ) > 0
    AND DATE_TRUNC('MONTH', CAST("order_date" AS TIMESTAMP)) >= CAST('2023-06-01 00:00:00' AS TIMESTAMP)
)
SELECT
  "global_sales"."order_id" AS "order_id",
  "global_sales"."revenue" - "global_sales"."cost" AS "margin",
  ROUND(
    (
      "global_sales"."revenue" - "global_sales"."cost"
    ) / NULLIF("global_sales"."revenue", 0) * 100,
    1
  ) AS "margin_pct",
  DATE_TRUNC('MONTH', CAST("global_sales"."order_date" AS TIMESTAMP)) AS "order_month",
  UPPER("global_sales"."region") || '-' || LOWER("global_sales"."channel") AS "label",
  CASE
    WHEN "global_sales"."quantity" >= 5
    THEN 'big'
    WHEN "global_sales"."quantity" IS NULL
    THEN 'unknown'
    ELSE 'small'
  END AS "size"
FROM "global_sales_rows" AS "global_sales"
ORDER BY
  "order_id" ASC,
  "margin" ASC,
  "margin_pct" ASC,
  "order_month" ASC,
  "label" ASC,
  "size" ASC
LIMIT 50
