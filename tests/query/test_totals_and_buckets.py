"""Totals rows over the groups a measure filter keeps, and date buckets in group-by:
compiled rows against hand-written DuckDB SQL, and golden SQL for the three dialects."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from backend.errors import InvalidQuery
from backend.query.compiler import compile_query
from backend.query.render import render
from backend.query.spec import QuerySpec
from tests.query.catalog import context
from tests.query.test_postgres import normalized, pg  # noqa: F401  (pg: a fixture)

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("AURORA_UPDATE_GOLDEN") == "1"
DIALECTS = ("duckdb", "postgres", "oracle")


def _rows(con: duckdb.DuckDBPyConnection, spec: dict[str, Any]) -> list[tuple[Any, ...]]:
    compiled = compile_query(QuerySpec.model_validate(spec), context())
    return [tuple(r) for r in con.execute(render(compiled.unpaged, "duckdb")).fetchall()]


def _having(alias: str, operator: str, value: Any) -> dict[str, Any]:
    return {"conditions": [{"column": alias, "operator": operator, "value": value}]}


MEASURES = [
    {"agg": "sum", "column": "revenue", "alias": "rev"},
    {"agg": "count_distinct", "column": "employee_id", "alias": "sellers"},
    {"agg": "avg", "column": "quantity", "alias": "qty"},
]
SHOWN_TOTAL = """
WITH kept AS (SELECT region FROM global_sales GROUP BY region HAVING {having})
SELECT NULL, sum(revenue), count(DISTINCT employee_id), avg(quantity), 1
FROM global_sales WHERE region IN (SELECT region FROM kept)
    OR (region IS NULL AND EXISTS (SELECT 1 FROM kept WHERE region IS NULL))"""


@pytest.mark.parametrize(
    ("having", "sql_having"),
    [
        (_having("rev", ">", 1000), "sum(revenue) > 1000"),
        (_having("rev", "<", 4000), "sum(revenue) < 4000"),  # the whole would fail this
        (_having("sellers", ">=", 9), "count(DISTINCT employee_id) >= 9"),
    ],
)
def test_grand_total_adds_up_the_groups_a_measure_filter_keeps(
    warehouse: duckdb.DuckDBPyConnection, having: dict[str, Any], sql_having: str
) -> None:
    spec = {
        "dataset": "global_sales",
        "group_by": ["region"],
        "measures": MEASURES,
        "filters": having,
        "totals": "grand",
    }
    rows = _rows(warehouse, spec)
    groups = warehouse.execute(
        "SELECT region, sum(revenue), count(DISTINCT employee_id), avg(quantity), 0 "
        f"FROM global_sales GROUP BY region HAVING {sql_having}"
    ).fetchall()
    (total,) = warehouse.execute(SHOWN_TOTAL.format(having=sql_having)).fetchall()
    assert _close(rows[0]) == _close(total)
    assert sorted(map(_close, rows[1:]), key=repr) == sorted(map(_close, groups), key=repr)


def test_without_a_measure_filter_the_total_is_every_row(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    spec = {
        "dataset": "global_sales",
        "group_by": ["region"],
        "measures": MEASURES,
        "totals": "grand",
    }
    total = warehouse.execute(
        "SELECT NULL, sum(revenue), count(DISTINCT employee_id), avg(quantity), 1 FROM global_sales"
    ).fetchone()
    assert _close(_rows(warehouse, spec)[0]) == _close(total)


def test_rollup_subtotals_add_up_the_kept_groups_below_them(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    spec = {
        "dataset": "global_sales",
        "group_by": ["region", "channel"],
        "measures": [{"agg": "sum", "column": "revenue", "alias": "rev"}],
        "filters": _having("rev", ">", 500),
        "totals": "rollup",
    }
    rows = _rows(warehouse, spec)
    kept = [r for r in rows if r[3] == 0]
    subtotals = {r[0]: r[2] for r in rows if r[3] == 1}
    assert kept and all(r[2] > 500 for r in kept)
    for region, subtotal in subtotals.items():
        assert subtotal == sum(r[2] for r in kept if r[0] == region)
    assert [r[2] for r in rows if r[3] == 2] == [sum(r[2] for r in kept)]


@pytest.mark.parametrize("bucket", ["day", "week", "month", "quarter", "year"])
@pytest.mark.parametrize("column", ["order_date", "created_at"])
def test_a_date_bucket_groups_by_the_first_day_of_its_period(
    warehouse: duckdb.DuckDBPyConnection, bucket: str, column: str
) -> None:
    spec = {
        "dataset": "global_sales",
        "group_by": [{"column": column, "bucket": bucket}, "region"],
        "measures": [{"agg": "count", "alias": "n"}],
        "page_size": 1000,
    }
    compiled = compile_query(QuerySpec.model_validate(spec), context())
    assert (compiled.columns[0].name, compiled.columns[0].label, compiled.columns[0].type) == (
        f"{column}_{bucket}",
        f"{'Order date' if column == 'order_date' else 'Created at'} ({bucket})",
        "DATE",
    )
    expected = warehouse.execute(
        f"SELECT date_trunc('{bucket}', {column})::DATE, region, count(*) FROM global_sales "
        "GROUP BY 1, 2"
    ).fetchall()
    got = warehouse.execute(render(compiled.unpaged, "duckdb")).fetchall()
    assert sorted(got, key=repr) == sorted(expected, key=repr)


def test_buckets_sort_by_their_name_and_take_an_alias(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    spec = {
        "dataset": "global_sales",
        "group_by": [{"column": "order_date", "bucket": "year", "alias": "yr"}],
        "measures": [{"agg": "count", "alias": "n"}],
        "sort": [{"column": "yr", "direction": "desc"}],
    }
    rows = _rows(warehouse, spec)
    years = [r[0].year for r in rows]
    assert years == sorted(years, reverse=True) and len(years) == len(set(years)) > 1


@pytest.mark.parametrize(
    ("entry", "message", "path"),
    [
        ({"column": "region", "bucket": "month"}, "Region is not a date", "group_by[0].bucket"),
        ({"column": "nope", "bucket": "month"}, "nope", "group_by[0].column"),
    ],
)
def test_a_bucket_needs_a_date_column(entry: dict[str, Any], message: str, path: str) -> None:
    spec = QuerySpec.model_validate(
        {
            "dataset": "global_sales",
            "group_by": [entry],
            "measures": [{"agg": "count", "alias": "n"}],
        }
    )
    with pytest.raises(InvalidQuery) as raised:
        compile_query(spec, context())
    assert message in str(raised.value)
    assert raised.value.path == path


def test_plain_group_by_names_stay_valid() -> None:
    spec = QuerySpec.model_validate(
        {
            "dataset": "global_sales",
            "group_by": ["region", {"column": "order_date", "bucket": "month"}],
            "measures": [{"agg": "count", "alias": "n"}],
        }
    )
    assert [c.name for c in compile_query(spec, context()).columns] == [
        "region",
        "order_date_month",
        "n",
    ]


def _close(row: Any) -> tuple[Any, ...]:
    """Averages come back as floats on both sides but may differ in the last bits."""
    return tuple(round(v, 9) if isinstance(v, float) else v for v in row)


GOLDEN_CASES: dict[str, dict[str, Any]] = {
    "bucket_month_and_quarter": {
        "dataset": "global_sales",
        "group_by": [
            {"column": "order_date", "bucket": "month"},
            {"column": "created_at", "bucket": "quarter"},
        ],
        "measures": [{"agg": "sum", "column": "revenue", "alias": "rev"}],
    },
    "bucket_week_day_year": {
        "dataset": "global_sales",
        "group_by": [
            {"column": "order_date", "bucket": "week"},
            {"column": "order_date", "bucket": "day"},
            {"column": "order_date", "bucket": "year"},
        ],
        "measures": [{"agg": "count", "alias": "n"}],
    },
    "totals_over_kept_groups": {
        "dataset": "global_sales",
        "group_by": ["region", {"column": "order_date", "bucket": "year"}],
        "measures": [{"agg": "sum", "column": "revenue", "alias": "rev"}],
        "filters": _having("rev", ">", 1000),
        "totals": "grand",
    },
}


def _path(case: str, dialect: str) -> Path:
    return GOLDEN / f"{case}.{dialect}.sql"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_compiled_sql_matches_golden_file(case: str, dialect: str) -> None:
    compiled = compile_query(QuerySpec.model_validate(GOLDEN_CASES[case]), context())
    sql = render(compiled.tree, dialect, pretty=True) + "\n"
    if UPDATE:
        _path(case, dialect).write_text(sql)
    assert sql == _path(case, dialect).read_text()


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_golden_sql_runs_on_duckdb_and_oracle_text_parses_back(
    case: str, warehouse: duckdb.DuckDBPyConnection
) -> None:
    warehouse.execute(_path(case, "duckdb").read_text()).fetchall()
    oracle = _path(case, "oracle").read_text()
    tree = sqlglot.parse_one(oracle, read="oracle")
    assert isinstance(tree, exp.Select)
    assert tree.sql("oracle", identify=True, pretty=True) + "\n" == oracle


def test_decimal_sums_stay_exact(warehouse: duckdb.DuckDBPyConnection) -> None:
    spec = {
        "dataset": "global_sales",
        "group_by": ["region"],
        "measures": [{"agg": "sum", "column": "revenue", "alias": "rev"}],
        "totals": "grand",
    }
    assert isinstance(_rows(warehouse, spec)[0][1], Decimal)


@pytest.mark.postgres
@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_postgres_gives_duckdbs_rows(
    case: str,
    pg: Any,  # noqa: F811 (the imported fixture)
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    compiled = compile_query(QuerySpec.model_validate(GOLDEN_CASES[case]), context())
    got = pg.execute(render(compiled.unpaged, "postgres")).fetchall()
    expected = warehouse.execute(render(compiled.unpaged, "duckdb")).fetchall()
    assert normalized(got) == normalized(expected)
