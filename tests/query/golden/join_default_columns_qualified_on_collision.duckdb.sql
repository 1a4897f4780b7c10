WITH "products_rows" AS (
  SELECT
    "product_id",
    "product_name",
    "category",
    "subcategory",
    "list_price"
  FROM "products"
), "global_sales_rows" AS (
  SELECT
    "order_id",
    "order_date",
    "created_at",
    "region",
    "country",
    "department",
    "channel",
    "product_id",
    "employee_id",
    "quantity",
    "unit_price",
    "discount",
    "revenue",
    "cost",
    "is_return",
    "currency",
    "load_type",
    "load_id"
  FROM "global_sales"
)
SELECT
  "products"."product_id" AS "products.product_id",
  "products"."product_name" AS "product_name",
  "products"."category" AS "category",
  "products"."subcategory" AS "subcategory",
  "products"."list_price" AS "list_price",
  "global_sales"."order_id" AS "order_id",
  "global_sales"."order_date" AS "order_date",
  "global_sales"."created_at" AS "created_at",
  "global_sales"."region" AS "region",
  "global_sales"."country" AS "country",
  "global_sales"."department" AS "department",
  "global_sales"."channel" AS "channel",
  "global_sales"."product_id" AS "global_sales.product_id",
  "global_sales"."employee_id" AS "employee_id",
  "global_sales"."quantity" AS "quantity",
  "global_sales"."unit_price" AS "unit_price",
  "global_sales"."discount" AS "discount",
  "global_sales"."revenue" AS "revenue",
  "global_sales"."cost" AS "cost",
  "global_sales"."is_return" AS "is_return",
  "global_sales"."currency" AS "currency",
  "global_sales"."load_type" AS "load_type",
  "global_sales"."load_id" AS "load_id"
FROM "products_rows" AS "products"
LEFT JOIN "global_sales_rows" AS "global_sales"
  ON "products"."product_id" = "global_sales"."product_id"
ORDER BY
  "products.product_id" ASC,
  "product_name" ASC,
  "category" ASC,
  "subcategory" ASC,
  "list_price" ASC,
  "order_id" ASC,
  "order_date" ASC,
  "created_at" ASC,
  "region" ASC,
  "country" ASC,
  "department" ASC,
  "channel" ASC,
  "global_sales.product_id" ASC,
  "employee_id" ASC,
  "quantity" ASC,
  "unit_price" ASC,
  "discount" ASC,
  "revenue" ASC,
  "cost" ASC,
  "is_return" ASC,
  "currency" ASC,
  "load_type" ASC,
  "load_id" ASC
LIMIT 10
