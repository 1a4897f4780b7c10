"""Dashboard documents for the API tests: a grouped chart of `sales` by region, a detail
table, a text tile, and a date filter on `order_date`."""

from __future__ import annotations

from typing import Any

from tests.store.fixtures import Api

BY_REGION = {
    "dataset": "sales",
    "group_by": ["region"],
    "measures": [{"column": "amount", "agg": "sum", "alias": "total"}],
    "sort": [{"column": "region"}],
}
DETAIL = {
    "dataset": "sales",
    "columns": ["order_id", "order_date", "region", "amount"],
    "sort": [{"column": "order_id"}],
}
DATE_FILTER = {"id": "when", "label": "Order date", "type": "date_range"}
REGION_FILTER = {"id": "reg", "label": "Region", "type": "multi_select", "column": "region"}


def pos(x: int = 0, y: int = 0, w: int = 6, h: int = 4) -> dict[str, int]:
    return {"x": x, "y": y, "w": w, "h": h}


def chart_tile(tile_id: str = "chart", **changes: Any) -> dict[str, Any]:
    return {
        "kind": "report",
        "id": tile_id,
        "title": "Sales by region",
        "position": pos(),
        "spec": BY_REGION,
        "view": "chart",
        "chart": {"kind": "bar", "x": "region", "y": "total"},
        **changes,
    }


def table_tile(tile_id: str = "table", **changes: Any) -> dict[str, Any]:
    return {
        "kind": "report",
        "id": tile_id,
        "title": "Orders",
        "position": pos(x=6),
        "spec": DETAIL,
        **changes,
    }


def text_tile(tile_id: str = "note", **changes: Any) -> dict[str, Any]:
    return {
        "kind": "text",
        "id": tile_id,
        "position": pos(y=4, w=12, h=2),
        "markdown": "**Read me**",
        **changes,
    }


def dashboard(**changes: Any) -> dict[str, Any]:
    tiles = [chart_tile(), table_tile(), text_tile()]
    return {
        "name": "Sales overview",
        "description": "weekly",
        "filters": [DATE_FILTER, REGION_FILTER],
        "tabs": [{"id": "main", "title": "Main", "tiles": tiles}],
        **changes,
    }


def create(api: Api, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    r = api.client.post("/api/dashboards", json=dashboard(**changes), headers=headers)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def tile_rows(api: Api, headers: dict[str, str], dashboard_id: str, tile: str, **body: Any) -> Any:
    url = f"/api/dashboards/{dashboard_id}/tiles/{tile}/data"
    r = api.client.post(url, json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["rows"]


def query_rows(api: Api, headers: dict[str, str], spec: dict[str, Any]) -> Any:
    r = api.client.post("/api/query", json={**spec, "page_size": 500}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["rows"]


def error(r: Any, status: int) -> dict[str, Any]:
    """The error body of a refused request, after checking its status and shape."""
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()["error"]
    assert set(body) == {"code", "message", "details"}
    return body
