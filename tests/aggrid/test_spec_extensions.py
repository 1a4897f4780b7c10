"""The two compiler options the AG Grid endpoints need, checked against hand-written SQL on
the query tests' tiny DuckDB warehouse (NULL regions and channels included) and on the real
PostgreSQL: a measure's `where` (conditional aggregation) and `totals` (GROUPING SETS and
ROLLUP)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from backend.errors import InvalidQuery, UnknownColumn
from backend.query.compiler import compile_query
from backend.query.render import render
from backend.query.spec import QuerySpec
from backend.query.steps.totals import TOTAL_LEVEL
from tests.query.catalog import context
from tests.query.conftest import build_warehouse
from tests.query.test_postgres import normalized
from tests.query.test_postgres import pg as pg  # the fixture, reused here


@pytest.fixture(scope="module")
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    con = build_warehouse()
    yield con
    con.close()


def run(con: Any, spec: dict[str, Any], dialect: str = "duckdb") -> list[tuple[Any, ...]]:
    compiled = compile_query(QuerySpec.model_validate({"page_size": 1000, **spec}), context())
    return [tuple(r) for r in con.execute(render(compiled.tree, dialect)).fetchall()]


def cond(column: str, operator: str, value: Any = None) -> dict[str, Any]:
    return {"column": column, "operator": operator, "value": value}


CONDITIONAL = [
    (
        {"agg": "sum", "column": "revenue", "alias": "web", "where": cond("channel", "=", "Web")},
        "SUM(revenue) FILTER (WHERE channel = 'Web')",
    ),
    (
        {"agg": "count", "alias": "n", "where": cond("channel", "is_null")},
        "COUNT(*) FILTER (WHERE channel IS NULL)",
    ),
    (
        {
            "agg": "count_distinct",
            "column": "employee_id",
            "alias": "sellers",
            "where": {
                "op": "or",
                "conditions": [
                    cond("channel", "in", ["50%_off", "O'Brien's"]),
                    cond("quantity", ">", 3),
                ],
            },
        },
        "COUNT(DISTINCT employee_id) FILTER "
        "(WHERE channel IN ('50%_off', 'O''Brien''s') OR quantity > 3)",
    ),
    (
        {
            "agg": "avg",
            "column": "discount",
            "alias": "d",
            "where": {"op": "and", "negate": True, "conditions": [cond("department", "=", "Toys")]},
        },
        "AVG(discount) FILTER (WHERE NOT (department = 'Toys'))",
    ),
    (
        {"agg": "max", "column": "order_date", "alias": "last", "where": {"conditions": []}},
        "MAX(order_date)",
    ),
]


@pytest.mark.parametrize(("measure", "expected"), CONDITIONAL)
def test_conditional_measure_equals_filtered_aggregate(
    warehouse: duckdb.DuckDBPyConnection, measure: dict[str, Any], expected: str
) -> None:
    spec = {"dataset": "global_sales", "group_by": ["region"], "measures": [measure]}
    sql = f"SELECT region, {expected} FROM global_sales GROUP BY region ORDER BY region"
    assert run(warehouse, spec) == [tuple(r) for r in warehouse.execute(sql).fetchall()]


def test_conditional_measure_cannot_read_a_measure(warehouse: duckdb.DuckDBPyConnection) -> None:
    spec = {
        "dataset": "global_sales",
        "measures": [
            {"agg": "count", "alias": "n"},
            {"agg": "count", "alias": "m", "where": cond("n", ">", 1)},
        ],
    }
    with pytest.raises(UnknownColumn) as raised:
        run(warehouse, spec)
    assert raised.value.path == "measures[1].where.column"


def test_conditional_value_is_typed_for_the_column(warehouse: duckdb.DuckDBPyConnection) -> None:
    spec = {
        "dataset": "global_sales",
        "measures": [{"agg": "count", "alias": "n", "where": cond("order_date", ">", "soon")}],
    }
    with pytest.raises(InvalidQuery) as raised:
        run(warehouse, spec)
    assert raised.value.path == "measures[0].where.value"


TOTALS_SPEC: dict[str, Any] = {
    "dataset": "global_sales",
    "group_by": ["region", "department"],
    "measures": [
        {"agg": "sum", "column": "revenue", "alias": "revenue"},
        {"agg": "count", "alias": "n"},
    ],
    "sort": [{"column": "revenue", "direction": "desc"}],
}


def test_grand_total_comes_first_and_sums_every_group(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    rows = run(warehouse, {**TOTALS_SPEC, "totals": "grand"})
    total, groups = rows[0], rows[1:]
    assert total[4] == 2 and total[:2] == (None, None)
    assert all(r[4] == 0 for r in groups)
    assert total[2] == sum(r[2] for r in groups if r[2] is not None)
    assert total[3] == sum(r[3] for r in groups) == 120
    plain = run(warehouse, TOTALS_SPEC)
    assert [r[:4] for r in groups] == plain  # same groups, same order as without totals


def test_rollup_puts_each_subtotal_above_its_rows(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = run(warehouse, {**TOTALS_SPEC, "totals": "rollup"})
    assert rows[0][4] == 2
    expected = warehouse.execute(
        "SELECT region, SUM(revenue), COUNT(*) FROM global_sales GROUP BY region"
    ).fetchall()
    subtotals = [r for r in rows if r[4] == 1]
    assert sorted(((r[0], r[2], r[3]) for r in subtotals), key=repr) == sorted(expected, key=repr)
    for i, row in enumerate(rows):
        if row[4] != 1:
            continue
        children = []
        for child in rows[i + 1 :]:
            if child[4] != 0:
                break
            children.append(child)
        assert children and all(c[0] == row[0] for c in children)
        assert row[3] == sum(c[3] for c in children)
        revenues = [c[2] for c in children]
        known = sorted((v for v in revenues if v is not None), reverse=True)
        assert revenues == [None] * (len(revenues) - len(known)) + known  # DESC NULLS FIRST


def test_null_group_is_not_taken_for_a_total(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = run(warehouse, {**TOTALS_SPEC, "group_by": ["region"], "totals": "grand"})
    assert sorted(r[3] for r in rows if r[0] is None) == [0, 1]  # the NULL region, the total


def test_totals_need_group_by(warehouse: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InvalidQuery) as raised:
        run(
            warehouse,
            {
                "dataset": "global_sales",
                "measures": [{"agg": "count", "alias": "n"}],
                "totals": "grand",
            },
        )
    assert raised.value.path == "totals"


def test_total_level_name_is_reserved(warehouse: duckdb.DuckDBPyConnection) -> None:
    spec = {
        **TOTALS_SPEC,
        "measures": [{"agg": "count", "alias": TOTAL_LEVEL}],
        "sort": [],
        "totals": "grand",
    }
    with pytest.raises(InvalidQuery):
        run(warehouse, spec)


@pytest.mark.postgres
@pytest.mark.parametrize("totals", ["grand", "rollup"])
def test_postgres_totals_and_conditional_rows_equal_duckdb(
    pg: Any, warehouse: duckdb.DuckDBPyConnection, totals: str
) -> None:
    spec = {
        **TOTALS_SPEC,
        "totals": totals,
        "measures": [
            *TOTALS_SPEC["measures"],
            {
                "agg": "sum",
                "column": "quantity",
                "alias": "web",
                "where": cond("channel", "=", "Web"),
            },
        ],
    }
    assert normalized(run(pg, spec, "postgres")) == normalized(run(warehouse, spec))
