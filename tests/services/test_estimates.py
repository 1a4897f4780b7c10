"""Join estimates and the default gate, on compiled trees with statistics measured on the
10M-row demo (global_sales 10M rows, 5,000 employees, 2,000 products), and the statistics
store on a real DuckDB adapter."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest
from sqlglot import exp

from adapters.base import ColumnStats
from adapters.duckdb_adapter import DuckDBAdapter
from backend.catalog.models import Column, Dataset
from backend.config import Settings
from backend.query.compiler import compile_query
from backend.query.spec import QuerySpec
from backend.services.cost_gate import decide
from backend.services.estimates import (
    JoinEstimate,
    RelationStats,
    StatsStore,
    estimate_tree,
    has_row_filters,
    needed_columns,
    read_tree,
)
from tests.query.catalog import DATASETS, context

M = 10_000_000


def stats(rows: int, **distinct: int) -> RelationStats:
    return RelationStats(rows, {c: ColumnStats(rows, n) for c, n in distinct.items()})


# Distinct counts as approx_count_distinct gave them on the 10M demo.
DEMO_10M = {
    "global_sales": stats(
        M, order_id=9_896_906, employee_id=4_724, product_id=1_985, region=5,
        department=8, load_id=12, load_type=3, channel=4,
    ),
    "employee_roster": stats(5_000, employee_id=5_000, region=5, department=8, manager_id=450),
    "products": stats(2_000, product_id=2_000, category=6),
}  # fmt: skip

SALES_ON_EMPLOYEE = {
    "dataset": "employee_roster",
    "on": [{"left": "employee_id", "right": "employee_id"}],
}
SALES_ON_PRODUCT = {
    "dataset": "products",
    "on": [{"left": "global_sales.product_id", "right": "product_id"}],
}
ON_REGION = {"dataset": "employee_roster", "on": [{"left": "region", "right": "region"}]}


def estimate(spec: dict[str, Any]) -> JoinEstimate:
    tree = compile_query(QuerySpec.model_validate(spec), context()).unpaged
    found = estimate_tree(tree, lambda rel: (DATASETS[rel], DEMO_10M[rel]))
    assert found is not None
    return found


def where(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"op": "and", "conditions": list(conditions)}


CASES = [
    (
        "sales to employees on the key: about the sales rows",
        {"dataset": "global_sales", "joins": [SALES_ON_EMPLOYEE], "columns": ["order_id"]},
        M,
    ),
    (
        "three-way on proper keys",
        {
            "dataset": "global_sales",
            "joins": [SALES_ON_EMPLOYEE, SALES_ON_PRODUCT],
            "group_by": ["category"],
            "measures": [{"agg": "count", "alias": "n"}],
        },
        M,
    ),
    (
        "region to region: every sale meets a fifth of the employees",
        {"dataset": "global_sales", "joins": [ON_REGION], "columns": ["order_id"]},
        M * 5_000 // 5,
    ),
    (
        "region to region on one load (the load type adds nothing to the load id)",
        {
            "dataset": "global_sales",
            "vintage": {"load_type": "MONTH_END", "load_id": 20241231},
            "joins": [ON_REGION],
            "columns": ["order_id"],
        },
        (M // 12 + 1) * 1_000,
    ),
    (
        "region to region for one order",
        {
            "dataset": "global_sales",
            "joins": [ON_REGION],
            "columns": ["order_id"],
            "filters": where({"column": "order_id", "operator": "=", "value": 10_000_000_042}),
        },
        5_000,  # the largest input: the employees
    ),
    (
        "products left join sales: a filter on the sales side stays above the join",
        {
            "dataset": "products",
            "joins": [
                {
                    "dataset": "global_sales",
                    "type": "left",
                    "on": [{"left": "product_id", "right": "product_id"}],
                }
            ],
            "filters": where({"column": "order_id", "operator": "=", "value": 10_000_000_042}),
            "columns": ["product_name"],
        },
        M,
    ),
    (
        "self-join on department",
        {
            "dataset": "global_sales",
            "joins": [
                {
                    "dataset": "global_sales",
                    "alias": "other",
                    "on": [{"left": "department", "right": "department"}],
                }
            ],
            "measures": [{"agg": "count", "alias": "n"}],
        },
        M * M // 8,
    ),
]


@pytest.mark.parametrize(("name", "spec", "largest"), CASES, ids=[c[0] for c in CASES])
def test_largest_intermediate_follows_key_distinct_counts(
    name: str, spec: dict[str, Any], largest: int
) -> None:
    assert estimate(spec).largest == pytest.approx(largest, rel=0.01)


@pytest.mark.parametrize(
    ("name", "spec", "allowed"),
    [
        (CASES[1][0], CASES[1][1], True),
        (CASES[2][0], CASES[2][1], False),
        (CASES[3][0], CASES[3][1], False),
        (CASES[4][0], CASES[4][1], True),
    ],
)
def test_default_gate_fits_the_10m_demo(name: str, spec: dict[str, Any], allowed: bool) -> None:
    """The default EXPLAIN_MAX_ROWS lets a three-way join on proper keys over all 10M sales
    through and refuses a region-to-region fan-out, even on one load; one order passes."""
    datasets = [DATASETS[k] for k in ("global_sales", "employee_roster", "products")]
    limit = Settings().explain_max_rows
    decision = decide(None, datasets, max_rows=limit, max_cost=1e12, joins=estimate(spec))
    assert decision.allowed is allowed, decision.reason


def test_needed_columns_are_filter_and_join_key_columns() -> None:
    spec = {
        "dataset": "global_sales",
        "joins": [SALES_ON_EMPLOYEE],
        "columns": ["order_id", "name"],
        "filters": where({"column": "channel", "operator": "=", "value": "Online"}),
    }
    tree = compile_query(QuerySpec.model_validate(spec), context()).unpaged
    assert needed_columns(tree) == {
        "global_sales": {"channel", "employee_id"},
        "employee_roster": {"employee_id"},
    }


def test_missing_statistics_give_no_estimate() -> None:
    tree = compile_query(QuerySpec(dataset="products"), context()).unpaged
    assert estimate_tree(tree, lambda _rel: None) is None


# --- the statistics store, on a real adapter -------------------------------------------------


class CountingAdapter(DuckDBAdapter):
    """The real adapter, counting the statistics scans it is asked for."""

    scans: list[tuple[str, tuple[str, ...]]]

    def column_stats(self, relation: str, columns: Sequence[str]) -> dict[str, ColumnStats]:
        self.scans.append((relation, tuple(columns)))
        return super().column_stats(relation, columns)


@pytest.fixture
def counting(tiny_warehouse: Any) -> Any:
    adapter = CountingAdapter(tiny_warehouse.root, threads=2)
    adapter.scans = []
    adapter.register_parquet("sales", tiny_warehouse.sales_path, hive=True)
    yield adapter
    adapter.close()


SALES = Dataset("sales", "sales", (Column("order_id", "BIGINT"), Column("region", "VARCHAR")))


def test_statistics_are_computed_once_per_dataset_version(counting: CountingAdapter) -> None:
    store = StatsStore(counting)
    v1 = dataclasses.replace(SALES, version="v1", _by_name={})
    store.load(v1, ["region"])
    store.load(v1, ["region"])
    assert store.missing(v1, ["region"]) == []
    got = store.get(v1)
    assert got.rows == 400 and got.columns["region"].distinct == 4
    store.load(v1, ["region", "order_id"])  # only the new column is scanned
    v2 = dataclasses.replace(SALES, version="v2", _by_name={})
    assert store.missing(v2, ["region"]) == ["region"]  # a new load: computed again
    store.load(v2, ["region"])
    assert counting.scans == [
        ("sales", ("region",)),
        ("sales", ("order_id",)),
        ("sales", ("region",)),
    ]


def test_row_count_alone_is_loaded_through_the_first_column(counting: CountingAdapter) -> None:
    store = StatsStore(counting)
    assert store.missing(SALES, []) == ["order_id"]
    store.load(SALES, store.missing(SALES, []))
    assert store.get(SALES).rows == 400


def test_a_failed_statistics_scan_is_not_repeated(counting: CountingAdapter) -> None:
    store = StatsStore(counting)
    gone = Dataset("gone", "no_such_view", (Column("k", "BIGINT"),), row_estimate=10)
    store.load(gone, ["k"])  # the database refuses: defaults apply, nothing raised
    assert store.missing(gone, ["k"]) == []
    store.load(gone, ["k"])
    assert counting.scans == [("no_such_view", ("k",))]
    assert store.get(gone).rows == 10 and store.get(gone).columns["k"].distinct is None


def test_a_callers_row_filters_are_told_from_the_querys_own_filters() -> None:
    """The estimates judge a sliced dataset by its slice's statistics, so they must know
    which conjuncts of its CTE are the caller's row filters and which the query asked for."""
    spec = {
        "dataset": "global_sales",
        "joins": [SALES_ON_PRODUCT],
        "columns": ["order_id", "category"],
        "filters": where({"column": "revenue", "operator": ">", "value": 5}),
    }
    north = [exp.column("region").isin(exp.Literal.string("North"))]
    plain = compile_query(QuerySpec.model_validate(spec), context()).unpaged
    sliced = compile_query(
        QuerySpec.model_validate(spec), context(rls={"global_sales": north})
    ).unpaged
    assert not has_row_filters(plain) and has_row_filters(sliced)
    sales, products = read_tree(sliced)[0]
    assert sales.scope == "region IN ('North')" and products.scope == ""
    assert sales.where is not None and "region" in sales.where.sql()
    assert sales.query_where is not None and sales.query_where.sql() == "revenue > 5"
    assert read_tree(sliced.copy())[0][0].scope == sales.scope  # copies keep the mark
