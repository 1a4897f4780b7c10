"""The cost gate on the demo data. The thresholds scale the 10M-row defaults down to 20k
rows: a region-to-region join (every sale meets a fifth of all employees, 20M rows) is
refused with the friendly message, `/api/explain` says why, and the same join narrowed to one
load, or to one load and one order, passes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from backend.store.engine import Store
from tests.joins.conftest import api_rows, demo_api_for, normalized
from tests.store.fixtures import Api

GATE_ROWS = 5_000_000  # 20M-row fan-out refused; one load of it (about 1.7M) passes
LOAD = {"load_type": "MONTH_END", "load_id": 20241231}
ORDER = 10_000_000_077
FANOUT: dict[str, Any] = {
    "dataset": "global_sales",
    "joins": [{"dataset": "employee_roster", "on": [{"left": "region", "right": "region"}]}],
    "columns": ["order_id", "full_name", "employee_roster.region"],
    "sort": [{"column": "order_id"}, {"column": "full_name"}],
}
SELF_JOIN: dict[str, Any] = {
    "dataset": "global_sales",
    "joins": [
        {
            "dataset": "global_sales",
            "alias": "other",
            "on": [{"left": "department", "right": "department"}],
        }
    ],
    "measures": [{"agg": "count", "alias": "n"}],
}


@pytest.fixture(scope="module")
def gated_api(
    sqlite_store: Store, tmp_path_factory: pytest.TempPathFactory, demo_warehouse: Path
) -> Iterator[Api]:
    path = tmp_path_factory.mktemp("gated")
    yield from demo_api_for(sqlite_store, path, demo_warehouse, explain_max_rows=GATE_ROWS)


def post(api: Api, path: str, spec: dict[str, Any]) -> Any:
    return api.client.post(path, json=spec, headers=api.headers())


@pytest.mark.parametrize("spec", [FANOUT, SELF_JOIN], ids=["region fan-out", "self-join"])
@pytest.mark.parametrize("path", ["/api/query", "/api/preview"])
def test_fan_out_join_is_refused_with_the_friendly_message(
    gated_api: Api, spec: dict[str, Any], path: str
) -> None:
    response = post(gated_api, path, spec)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "query_too_expensive"
    message = error["message"]
    assert "joining Global sales" in message or "joining Employee roster" in message
    for name in ("Order date", "Department", "Load id"):
        assert name in message
    assert "join on a column that identifies rows" in message


def test_explain_shows_why_the_fan_out_is_refused(gated_api: Api) -> None:
    body = post(gated_api, "/api/explain", FANOUT).json()
    assert body["allowed"] is False
    assert body["estimated_rows"] == 20_000 * 5_000 // 5
    assert "query would process about 20.0 million rows" in body["reason"]
    join = body["steps"][-1]
    assert join["join"] == "inner" and join["rows"] == body["estimated_rows"]
    assert "region" in join["on"]


def test_the_same_join_on_one_load_passes(gated_api: Api) -> None:
    spec = {**FANOUT, "vintage": LOAD}
    body = post(gated_api, "/api/explain", spec).json()
    assert body["allowed"] is True and body["reason"] is None
    assert body["estimated_rows"] < GATE_ROWS
    response = post(gated_api, "/api/query", spec)
    assert response.status_code == 200, response.text
    assert len(response.json()["rows"]) == 50


def test_the_same_join_on_one_load_and_one_order_passes_with_the_right_rows(
    gated_api: Api, raw_demo: duckdb.DuckDBPyConnection
) -> None:
    spec = {
        **FANOUT,
        "vintage": LOAD,
        "filters": {"conditions": [{"column": "order_id", "operator": "=", "value": ORDER}]},
        "page_size": 1000,
    }
    explained = post(gated_api, "/api/explain", spec).json()
    assert explained["allowed"] is True
    assert explained["steps"][0]["input_rows"] <= 2  # one order, estimated from its ndv
    response = post(gated_api, "/api/query", spec)
    assert response.status_code == 200, response.text
    expected = raw_demo.execute(
        "SELECT s.order_id, e.full_name, e.region FROM global_sales s "
        "JOIN employee_roster e ON s.region = e.region "
        f"WHERE s.load_type = 'MONTH_END' AND s.load_id = 20241231 AND s.order_id = {ORDER}"
    ).fetchall()
    assert normalized(api_rows(response.json())) == normalized(expected)


@pytest.fixture(scope="module")
def strict_api(
    sqlite_store: Store, tmp_path_factory: pytest.TempPathFactory, demo_warehouse: Path
) -> Iterator[Api]:
    """A gate below one dataset's size: every path that reads global_sales is refused."""
    path = tmp_path_factory.mktemp("strict")
    yield from demo_api_for(sqlite_store, path, demo_warehouse, explain_max_rows=1_000)


SALES = {"dataset": "global_sales", "columns": ["order_id", "region"]}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/query", SALES),
        ("post", "/api/preview", SALES),
        ("post", "/api/exports", {"query": SALES, "format": "csv"}),
        ("get", "/api/datasets/global_sales/values/region", None),
    ],
)
def test_the_gate_applies_on_every_path(
    strict_api: Api, method: str, path: str, body: dict[str, Any] | None
) -> None:
    call = getattr(strict_api.client, method)
    kwargs = {"json": body} if body is not None else {}
    response = call(path, headers=strict_api.headers(), **kwargs)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "query_too_expensive"


def test_explain_returns_the_refusal_instead_of_raising(strict_api: Api) -> None:
    response = post(strict_api, "/api/explain", SALES)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["allowed"] is False and body["estimated_rows"] >= 20_000
    assert "Load id" in body["reason"]


def test_a_scheduled_export_is_gated_too(gated_api: Api) -> None:
    """Scheduled runs skip `check_export`; the export job's own call refuses the join."""
    from backend.errors import QueryTooExpensive
    from backend.query.spec import QuerySpec
    from tests.joins.conftest import Admin

    queries = gated_api.app.state.context.services.queries
    with pytest.raises(QueryTooExpensive, match="joining"):
        queries.stream_export(QuerySpec.model_validate(FANOUT), Admin())
    columns, batches = queries.stream_export(
        QuerySpec.model_validate({**FANOUT, "vintage": LOAD}), Admin()
    )
    assert [c.name for c in columns] == ["order_id", "full_name", "employee_roster.region"]
    assert sum(b.num_rows for b in batches) > 1_000_000
