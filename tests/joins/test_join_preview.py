"""Preview of a join: at most PREVIEW_ROWS rows with the limit inside the SQL, no count over
the whole join, and the joined schema (every column with its source dataset), also from its
own endpoint before anything runs."""

from __future__ import annotations

from typing import Any

from tests.store.fixtures import Api

JOIN: dict[str, Any] = {
    "dataset": "global_sales",
    "joins": [
        {"dataset": "employee_roster", "on": [{"left": "employee_id", "right": "employee_id"}]},
        {
            "dataset": "products",
            "type": "left",
            "on": [{"left": "global_sales.product_id", "right": "product_id"}],
        },
    ],
    "columns": ["order_id", "full_name", "product_name"],
    "page_size": 1000,
}


def post(api: Api, path: str, spec: dict[str, Any]) -> Any:
    return api.client.post(path, json=spec, headers=api.headers())


def test_preview_of_a_join_returns_at_most_preview_rows_with_the_limit_in_sql(
    demo_api: Api,
) -> None:
    response = post(demo_api, "/api/preview", JOIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["rows"]) == 50
    assert body["sql"].endswith("LIMIT 50")
    assert body["total_rows"] is None  # counting would run the whole join


def test_preview_carries_the_joined_schema(demo_api: Api) -> None:
    body = post(demo_api, "/api/preview", JOIN).json()
    schema = {c["name"]: c for c in body["schema"]}
    assert schema["full_name"]["dataset"] == "employee_roster"
    assert schema["global_sales.department"]["column"] == "department"
    assert schema["employee_roster.department"]["dataset"] == "employee_roster"
    assert schema["category"]["dataset"] == "products"
    keys = ("global_sales", "employee_roster", "products")
    details = [demo_api.client.get(f"/api/datasets/{k}", headers=demo_api.headers()) for k in keys]
    widths = [len(d.json()["columns"]) for d in details]
    assert len(body["schema"]) == sum(widths)  # every column of every joined dataset


def test_joined_schema_lists_sources_and_names_to_use_before_running(demo_api: Api) -> None:
    response = post(demo_api, "/api/joined-schema", {**JOIN, "columns": []})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["datasets"] == [
        {"alias": "global_sales", "dataset": "global_sales", "label": "Global sales", "join": None},
        {
            "alias": "employee_roster",
            "dataset": "employee_roster",
            "label": "Employee roster",
            "join": "inner",
        },
        {"alias": "products", "dataset": "products", "label": "Products", "join": "left"},
    ]
    product_ids = [c["name"] for c in body["columns"] if c["column"] == "product_id"]
    assert product_ids == ["global_sales.product_id", "products.product_id"]
    # Every listed name works in a spec as it is.
    names = [c["name"] for c in body["columns"]]
    assert post(demo_api, "/api/sql", {**JOIN, "columns": names}).status_code == 200


def test_joined_schema_of_a_self_join_qualifies_by_alias(demo_api: Api) -> None:
    spec = {
        "dataset": "employee_roster",
        "joins": [
            {
                "dataset": "employee_roster",
                "alias": "manager",
                "on": [{"left": "manager_id", "right": "employee_id"}],
            }
        ],
    }
    body = post(demo_api, "/api/joined-schema", spec).json()
    names = {c["name"] for c in body["columns"] if c["column"] == "full_name"}
    assert names == {"employee_roster.full_name", "manager.full_name"}


def test_joined_schema_refuses_keys_of_different_types(demo_api: Api) -> None:
    spec = {
        "dataset": "global_sales",
        "joins": [{"dataset": "products", "on": [{"left": "order_date", "right": "product_id"}]}],
    }
    response = post(demo_api, "/api/joined-schema", spec)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_query" and "joins[0].on[0]" in str(error["details"])
