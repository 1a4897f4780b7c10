"""POST /api/totals (the totals row of an aggregated grid) and GET
/api/datasets/{key}/summary/{column} (a column at a glance), through the real app on the
tiny warehouse, against hand-written DuckDB SQL; under row-level security and vintage."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.api.test_query_api import raw
from tests.store.fixtures import Api

ONE_LOAD = {"load_type": "DAILY", "load_id": 20240102}
IN_LOAD = "load_type = 'DAILY' AND load_id = 20240102"


def _totals(api: Api, spec: dict[str, Any]) -> Any:
    return api.client.post("/api/totals", json=spec, headers=api.headers())


def _number(value: Any) -> Any:
    """Numbers (decimals may come as exact strings) compared as rounded floats."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return value
    try:
        return round(float(value), 6)
    except ValueError:
        return value


@pytest.mark.parametrize(
    ("spec", "sql"),
    [
        (
            {
                "group_by": ["region"],
                "measures": [
                    {"agg": "sum", "column": "amount", "alias": "total"},
                    {"agg": "count_distinct", "column": "customer", "alias": "buyers"},
                    {"agg": "avg", "column": "quantity", "alias": "qty"},
                ],
            },
            f"SELECT sum(amount), count(DISTINCT customer), avg(quantity) FROM sales "
            f"WHERE {IN_LOAD}",
        ),
        (
            {
                "group_by": ["region", {"column": "order_date", "bucket": "month"}],
                "measures": [{"agg": "count", "alias": "n"}],
                "filters": {"conditions": [{"column": "n", "operator": ">", "value": 3}]},
            },
            f"""WITH kept AS (SELECT region, date_trunc('month', order_date) AS m FROM sales
                WHERE {IN_LOAD} GROUP BY ALL HAVING count(*) > 3)
            SELECT count(*) FROM sales s WHERE {IN_LOAD} AND EXISTS (SELECT 1 FROM kept k
                WHERE k.region IS NOT DISTINCT FROM s.region
                AND k.m = date_trunc('month', s.order_date))""",
        ),
    ],
    ids=["every row", "groups a measure filter keeps"],
)
def test_totals_row_is_the_measures_over_the_rows_shown(
    api: Api, shared_warehouse: Any, spec: dict[str, Any], sql: str
) -> None:
    r = _totals(api, {"dataset": "sales", "vintage": ONE_LOAD, "page": 3, **spec})
    assert r.status_code == 200, r.text
    body = r.json()
    groups = len(spec["group_by"])
    assert [c["name"] for c in body["columns"]][groups:] == [m["alias"] for m in spec["measures"]]
    assert body["row"][:groups] == [None] * groups
    (expected,) = raw(shared_warehouse, sql)
    assert [_number(v) for v in body["row"][groups:]] == [_number(v) for v in expected]


def test_totals_follow_row_level_security(api: Api, shared_warehouse: Any) -> None:
    r = api.client.patch(
        "/api/admin/datasets/sales",
        json={"rls": [{"column": "region", "attribute": "region"}]},
        headers=api.headers(),
    )
    assert r.status_code == 200, r.text
    viewer = api.new_user("norma", attributes={"region": ["North"]})
    spec = {
        "dataset": "sales",
        "vintage": ONE_LOAD,
        "group_by": ["customer"],
        "measures": [{"agg": "sum", "column": "amount", "alias": "total"}],
    }
    r = api.client.post("/api/totals", json=spec, headers=viewer)
    assert r.status_code == 200, r.text
    (expected,) = raw(
        shared_warehouse, f"SELECT sum(amount) FROM sales WHERE {IN_LOAD} AND region = 'North'"
    )
    assert _number(r.json()["row"][1]) == _number(expected[0])


def test_a_totals_row_needs_group_by_columns(api: Api) -> None:
    spec = {"dataset": "sales", "measures": [{"agg": "count", "alias": "n"}]}
    r = _totals(api, spec)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["path"] == "group_by"


def _summary(api: Api, column: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    query = params or ONE_LOAD
    return api.client.get(
        f"/api/datasets/sales/summary/{column}", params=query, headers=headers or api.headers()
    )


@pytest.mark.parametrize(
    ("column", "ordered"),
    [("region", True), ("amount", True), ("order_date", True), ("is_return", False)],
)
def test_a_column_summary_counts_ranges_and_ranks_values(
    api: Api, shared_warehouse: Any, column: str, ordered: bool
) -> None:
    r = _summary(api, column)
    assert r.status_code == 200, r.text
    body = r.json()
    rows, values, distinct, low, high = raw(
        shared_warehouse,
        f"SELECT count(*), count({column}), count(DISTINCT {column}), min({column}), "
        f"max({column}) FROM sales WHERE {IN_LOAD}",
    )[0]
    assert (body["rows"], body["nulls"], body["distinct"]) == (rows, rows - values, distinct)
    if ordered:
        assert (_number(body["min"]), _number(body["max"])) == (_number(low), _number(high))
    else:
        assert body["min"] is None and body["max"] is None
    top = raw(
        shared_warehouse,
        f"SELECT {column}, count(*) AS n FROM sales WHERE {IN_LOAD} AND {column} IS NOT NULL "
        f"GROUP BY 1 ORDER BY n DESC, 1 LIMIT 5",
    )
    assert [[_number(t["value"]), t["rows"]] for t in body["top"]] == [
        [_number(v), n] for v, n in top
    ]
    assert body["label"] and body["type"]


def test_a_summary_reads_the_vintage_asked_for(api: Api, shared_warehouse: Any) -> None:
    every = _summary(api, "order_id", all_loads="true").json()
    month = _summary(api, "order_id", load_type="MONTH_END").json()
    assert every["rows"] == raw(shared_warehouse, "SELECT count(*) FROM sales")[0][0]
    assert (
        month["rows"]
        == raw(shared_warehouse, "SELECT count(*) FROM sales WHERE load_type = 'MONTH_END'")[0][0]
    )


def test_a_summary_shows_only_the_callers_rows(api: Api, shared_warehouse: Any) -> None:
    r = api.client.patch(
        "/api/admin/datasets/sales",
        json={
            "rls": [{"column": "region", "attribute": "region"}],
            "columns": {"amount": {"hidden": True}},
        },
        headers=api.headers(),
    )
    assert r.status_code == 200, r.text
    viewer = api.new_user("sam", attributes={"region": ["South"]})
    body = _summary(api, "region", viewer).json()
    south = raw(
        shared_warehouse, f"SELECT count(*) FROM sales WHERE {IN_LOAD} AND region = 'South'"
    )
    assert (body["rows"], body["distinct"], body["top"][0]["value"]) == (south[0][0], 1, "South")
    hidden = _summary(api, "amount", viewer)
    assert hidden.status_code == 422 and hidden.json()["error"]["code"] == "invalid_query"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/datasets/sales/summary/nope", 422), ("/api/datasets/nope/summary/region", 404)],
)
def test_unknown_columns_and_datasets_are_clear_errors(api: Api, path: str, status: int) -> None:
    r = api.client.get(path, headers=api.headers())
    assert r.status_code == status
    assert r.json()["error"]["message"]
