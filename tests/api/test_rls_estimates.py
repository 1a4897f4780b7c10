"""Finding 2 of the security review: a viewer limited to one region binary-searched the
global maximum revenue (a row they cannot see) from /api/explain's estimates, which came
from statistics of the whole relation and from DuckDB's planner (Parquet min/max).

Differentially: two filters that differ only in rows outside the viewer's slice must give
the viewer the same explain answer (rows, steps, allowed, reason; the SQL aside) and the
same gate refusal, on one dataset, grouped, and joined. `orders` is one Parquet file, so
DuckDB's planner would see its min/max statistics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from backend.store.engine import Store
from tests.store.fixtures import USER_PASSWORD, Api, _running_api

ORDERS = """
SELECT i AS order_id,
  ['North', 'South', 'East', 'West'][i % 4 + 1] AS region,
  CASE WHEN i % 4 = 0 THEN (i % 100)::DECIMAL(18,2) ELSE i::DECIMAL(18,2) END AS revenue,
  CASE WHEN i % 4 = 1 AND i % 3 = 0 THEN 'south only' ELSE 'c' || (i % 40) END AS customer,
  i % 25 AS manager_id
FROM range(2000) t(i)
"""
MAX_ROWS = 100  # EXPLAIN_MAX_ROWS: the North slice (500 rows) is refused whole


@pytest.fixture(scope="module")
def rls_api(sqlite_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    root = tmp_path_factory.mktemp("rls_estimates") / "warehouse"
    root.mkdir()
    with duckdb.connect() as con:
        con.execute(f"COPY ({ORDERS}) TO '{root}/orders.parquet' (FORMAT parquet)")
        con.execute(
            "COPY (SELECT i AS manager_id, 'm' || i AS manager FROM range(25) t(i)) "
            f"TO '{root}/managers.parquet' (FORMAT parquet)"
        )
    folder = tmp_path_factory.mktemp("rls_estimates_app")
    for api in _running_api(sqlite_store, folder, data_dir=root, explain_max_rows=MAX_ROWS):
        r = api.client.patch(
            "/api/admin/datasets/orders",
            json={"rls": [{"column": "region", "attribute": "region"}]},
            headers=api.headers(),
        )
        assert r.status_code == 200, r.text
        api.new_user("nora", attributes={"region": ["North"]})
        yield api


def cond(column: str, operator: str, value: Any) -> dict[str, Any]:
    return {"column": column, "operator": operator, "value": value}


# Each pair keeps the same North rows and differs elsewhere. North's revenue is 0..99, the
# others' up to 1999; 'south only' is a South customer; 'zzz' is past every customer.
PAIRS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "a range above the slice, below or above the global max": (
        cond("revenue", ">", 500),
        cond("revenue", ">", 5000),
    ),
    "a range covering the slice, and more or less of the rest": (
        cond("revenue", "<=", 100),
        cond("revenue", "<=", 5000),
    ),
    "a value only outside the slice, or nowhere": (
        cond("customer", "=", "south only"),
        cond("customer", "=", "zzz"),
    ),
}


def _detail(condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "dataset": "orders",
        "columns": ["order_id", "revenue"],
        "filters": {"conditions": [condition]},
    }


def _grouped(condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "dataset": "orders",
        "group_by": ["customer"],
        "measures": [{"agg": "sum", "column": "revenue", "alias": "total"}],
        "filters": {"conditions": [condition]},
    }


def _joined(condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "dataset": "orders",
        "joins": [{"dataset": "managers", "on": [{"left": "manager_id", "right": "manager_id"}]}],
        "columns": ["order_id", "manager"],
        "filters": {"conditions": [condition]},
    }


SHAPES = {"detail": _detail, "grouped": _grouped, "joined": _joined}


def _nora(api: Api) -> dict[str, str]:
    return api.headers("nora", USER_PASSWORD)


def _explained(api: Api, spec: dict[str, Any]) -> dict[str, Any]:
    r = api.client.post("/api/explain", json=spec, headers=_nora(api))
    assert r.status_code == 200, r.text
    body = dict(r.json())
    body.pop("sql")
    return body


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("pair", sorted(PAIRS))
def test_filters_differing_outside_the_slice_explain_alike(
    rls_api: Api, pair: str, shape: str
) -> None:
    first, second = (SHAPES[shape](c) for c in PAIRS[pair])
    assert _explained(rls_api, first) == _explained(rls_api, second)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_gate_refuses_alike_and_speaks_of_the_slice_only(rls_api: Api, shape: str) -> None:
    """Both filters keep the whole North slice (500 rows > EXPLAIN_MAX_ROWS): both are
    refused with the same words, and the rows they name are the slice's, not the file's."""
    first, second = (
        SHAPES[shape](c) for c in PAIRS["a range covering the slice, and more or less of the rest"]
    )
    answers = []
    for spec in (first, second):
        r = rls_api.client.post("/api/query", json=spec, headers=_nora(rls_api))
        assert r.status_code == 422, r.text
        answers.append(r.json()["error"])
    assert answers[0] == answers[1]
    assert answers[0]["code"] == "query_too_expensive"
    assert "2,000" not in answers[0]["message"]  # the file's row count


def test_a_viewers_estimates_are_the_slices(rls_api: Api) -> None:
    """Without filters, the estimate is the slice's row count (500 North rows), not the
    file's 2,000, and a small filter inside the slice is allowed."""
    whole = _explained(rls_api, {"dataset": "orders", "columns": ["order_id"]})
    assert whole["estimated_rows"] == 500 and whole["allowed"] is False
    small = _explained(rls_api, _detail(cond("revenue", "<", 10)))
    assert small["allowed"] is True and small["estimated_rows"] <= MAX_ROWS
