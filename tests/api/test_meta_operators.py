"""GET /api/meta/operators: the filter operators as a filter builder offers them, served
from the API's own registry, so the UI keeps no copy of them."""

from __future__ import annotations

from typing import Any

from backend.catalog.models import type_kind
from tests.store.fixtures import Api

SAMPLE = {"integer": 1, "decimal": 1.5, "float": 1.5, "date": "2024-01-01", "boolean": True}
SAMPLE_TIME = "2024-01-01 00:00:00"


def _vocabulary(api: Api, headers: dict[str, str]) -> dict[str, Any]:
    r = api.client.get("/api/meta/operators", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _value(shape: str, kind: str) -> Any:
    one = SAMPLE_TIME if kind == "timestamp" else SAMPLE.get(kind, "North")
    return {"one": one, "list": [one], "pair": [one, one]}.get(shape)


def test_a_viewer_gets_each_operator_with_its_label_and_value_shape(api: Api) -> None:
    body = _vocabulary(api, api.new_user("vic", "viewer"))
    ops = {o["operator"]: o for o in body["operators"]}
    assert ops["contains"] == {"operator": "contains", "label": "contains", "value": "one"}
    assert ops["between"]["value"] == "pair" and ops["not_in"]["label"] == "is none of"
    assert ops["is_null"] == {"operator": "is_null", "label": "is empty", "value": "none"}
    assert body["by_kind"]["text"][0] == "contains"  # the first is the kind's default
    assert body["by_kind"]["date"][0] == "between"
    assert "contains" not in body["by_kind"]["integer"]
    offered = {op for ops_ in body["by_kind"].values() for op in ops_}
    assert offered <= set(ops)


def test_without_credentials_the_vocabulary_is_refused(api: Api) -> None:
    r = api.client.get("/api/meta/operators")
    assert r.status_code == 401


def test_every_operator_offered_for_a_kind_is_accepted_on_a_column_of_that_kind(
    api: Api,
) -> None:
    body = _vocabulary(api, api.headers())
    shapes = {o["operator"]: o["value"] for o in body["operators"]}
    detail = api.client.get("/api/datasets/sales", headers=api.headers()).json()
    by_kind = {type_kind(c["type"]): c["name"] for c in detail["columns"]}
    refused = []
    for kind, column in by_kind.items():
        for op in body["by_kind"].get(kind, []):
            condition: dict[str, Any] = {"column": column, "operator": op}
            if shapes[op] != "none":
                condition["value"] = _value(shapes[op], kind)
            spec = {"dataset": "sales", "filters": {"op": "and", "conditions": [condition]}}
            r = api.client.post("/api/query", json={**spec, "page_size": 1}, headers=api.headers())
            if r.status_code != 200:
                refused.append(f"{kind} {op}: {r.status_code} {r.text[:100]}")
    assert len(by_kind) >= 3 and refused == []
