WITH "global_sales_rows" AS (
  SELECT
    "order_id",
    "quantity",
    "discount",
    "revenue"
  FROM "global_sales"
  WHERE
    (
      "revenue" > 100
    ) = TRUE
    AND NOT (
      (
        "revenue" > 100
      ) = (
        "quantity" > 5 OR "discount" IS NULL
      )
    ) IS NULL
)
SELECT
  "global_sales"."order_id" AS "order_id",
  "global_sales"."revenue" > 100 AS "big",
  (
    "global_sales"."revenue" > 100
  ) = (
    "global_sales"."quantity" > 5 OR "global_sales"."discount" IS NULL
  ) AS "agrees",
  CASE WHEN (
    "global_sales"."revenue" > 100
  ) THEN 'big' ELSE 'small' END AS "size"
FROM "global_sales_rows" AS "global_sales"
ORDER BY
  "big" DESC,
  "order_id" ASC,
  "agrees" ASC,
  "size" ASC
LIMIT 50
