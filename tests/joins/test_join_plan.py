"""From the generated SQL tree, with real estimates from column statistics on the demo data:
single-dataset filters sit inside their dataset's CTE, and the smallest filtered input drives
inner joins; outer joins keep their written order. `/api/explain` reports the order."""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from backend.services.queries import QueryService
from tests.joins.conftest import Admin
from tests.store.fixtures import Api

# Written biggest first: employees, then all sales, then products.
SPEC: dict[str, Any] = {
    "dataset": "employee_roster",
    "joins": [
        {"dataset": "global_sales", "on": [{"left": "employee_id", "right": "employee_id"}]},
        {
            "dataset": "products",
            "on": [{"left": "global_sales.product_id", "right": "product_id"}],
        },
    ],
    "columns": ["order_id", "full_name", "product_name"],
    "filters": {
        "op": "and",
        "conditions": [
            {"column": "order_id", "operator": "=", "value": 10_000_000_042},
            {"column": "category", "operator": "=", "value": "Software"},
            {"column": "salary_band", "operator": "in", "value": ["P1", "P2", "P3", "P4"]},
        ],
    },
}


def explain(api: Api, spec: dict[str, Any]) -> dict[str, Any]:
    response = api.client.post("/api/explain", json=spec, headers=api.headers())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def service(api: Api) -> QueryService:
    queries: QueryService = api.app.state.context.services.queries
    return queries


def ctes(tree: exp.Select) -> dict[str, exp.Select]:
    return {cte.alias: cte.this for cte in tree.ctes}


def where_sql(select: exp.Expr) -> str:
    where = select.args.get("where")
    return where.this.sql() if where is not None else ""


def test_single_dataset_filters_sit_inside_their_cte(demo_api: Api) -> None:
    tree = service(demo_api).compile(_model(SPEC), Admin()).unpaged
    by_name = ctes(tree)
    sales = next(s for n, s in by_name.items() if n.startswith("global_sales"))
    products = next(s for n, s in by_name.items() if n.startswith("products"))
    roster = next(s for n, s in by_name.items() if n.startswith("employee_roster"))
    assert where_sql(sales) == "order_id = 10000000042"
    assert where_sql(products) == "category = 'Software'"
    assert where_sql(roster) == "salary_band IN ('P1', 'P2', 'P3', 'P4')"
    assert tree.args.get("where") is None  # nothing left above the joins


def test_smallest_filtered_input_drives_inner_joins(demo_api: Api) -> None:
    body = explain(demo_api, SPEC)  # loads the statistics the estimates need
    assert body["join_order"] == ["global_sales", "products", "employee_roster"]
    inputs = {s["alias"]: s["input_rows"] for s in body["steps"]}
    assert inputs["global_sales"] <= 2  # a unique order id: rows / ndv (ndv is approximate)
    assert 200 <= inputs["products"] <= 450  # one of six categories of 2,000 products
    assert 2_000 <= inputs["employee_roster"] <= 2_500  # 4 of 9 salary bands
    tree = service(demo_api).compile(_model(SPEC), Admin()).tree
    assert tree.args["from_"].this.alias == "global_sales"
    assert [j.this.alias for j in tree.args["joins"]] == ["products", "employee_roster"]


def test_outer_joins_keep_their_written_order(demo_api: Api) -> None:
    spec = {
        **SPEC,
        "joins": [{**SPEC["joins"][0], "type": "left"}, SPEC["joins"][1]],
    }
    assert explain(demo_api, spec)["join_order"] == [
        "employee_roster",
        "global_sales",
        "products",
    ]


def test_join_estimates_follow_the_keys(demo_api: Api) -> None:
    """On a key (employee id) a join gives about the sales rows; on a 5-value column
    (region) every sale meets a fifth of all employees."""
    on_key = {
        "dataset": "global_sales",
        "joins": [
            {"dataset": "employee_roster", "on": [{"left": "employee_id", "right": "employee_id"}]}
        ],
        "columns": ["order_id"],
    }
    on_region = {
        **on_key,
        "joins": [{"dataset": "employee_roster", "on": [{"left": "region", "right": "region"}]}],
    }
    key_rows = explain(demo_api, on_key)["steps"][-1]["rows"]
    region_rows = explain(demo_api, on_region)["steps"][-1]["rows"]
    assert 15_000 <= key_rows <= 25_000
    assert region_rows == 20_000 * 5_000 // 5


def _model(spec: dict[str, Any]) -> Any:
    from backend.query.spec import QuerySpec

    return QuerySpec.model_validate(spec)
