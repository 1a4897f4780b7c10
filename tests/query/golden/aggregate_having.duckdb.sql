WITH "global_sales_rows" AS (
  SELECT
    "region",
    "channel",
    "quantity"
  FROM "global_sales"
  WHERE
    "channel" = 'Web'
)
SELECT
  "global_sales"."region" AS "region",
  SUM("global_sales"."quantity") AS "units"
FROM "global_sales_rows" AS "global_sales"
GROUP BY
  "global_sales"."region"
HAVING
  SUM("global_sales"."quantity") > 10
  AND (
    "global_sales"."region" = 'North' OR SUM("global_sales"."quantity") < 100
  )
ORDER BY
  "units" DESC NULLS FIRST,
  "region" ASC
LIMIT 50
