WITH "global_sales_rows" AS (
  SELECT
    "region",
    "channel",
    "revenue"
  FROM "global_sales"
), "_kept_groups" AS (
  SELECT
    "global_sales"."region" AS "region",
    "global_sales"."channel" AS "channel",
    SUM("global_sales"."revenue") AS "total_revenue",
    "global_sales"."region" AS "_k0",
    "global_sales"."channel" AS "_k1"
  FROM "global_sales_rows" AS "global_sales"
  GROUP BY
    "global_sales"."region",
    "global_sales"."channel"
  ORDER BY
    "total_revenue" ASC,
    "region" ASC,
    "channel" ASC
  LIMIT 3
)
SELECT
  "global_sales"."region" AS "region",
  "global_sales"."channel" AS "channel",
  SUM("global_sales"."revenue") AS "total_revenue",
  GROUPING("global_sales"."region") + GROUPING("global_sales"."channel") AS "_total_level"
FROM "global_sales_rows" AS "global_sales"
WHERE
  EXISTS(
    SELECT
      1
    FROM "_kept_groups" AS "_kept"
    WHERE
      (
        "_kept"."_k0" = "global_sales"."region"
        OR (
          "_kept"."_k0" IS NULL AND "global_sales"."region" IS NULL
        )
      )
      AND (
        "_kept"."_k1" = "global_sales"."channel"
        OR (
          "_kept"."_k1" IS NULL AND "global_sales"."channel" IS NULL
        )
      )
  )
GROUP BY
  GROUPING SETS (
    ("global_sales"."region", "global_sales"."channel"),
    ()
  )
ORDER BY
  "_total_level" DESC,
  "total_revenue" ASC,
  "region" ASC,
  "channel" ASC
LIMIT 50
