"""Which compiled queries may share a GROUPING SETS statement (backend.query.fusion): plain
aggregates over the same rows; never rows, a top N, totals, a measure filter, a join, nor
queries whose rows differ (filters, vintage, row filters)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlglot import exp

from backend.query.compiler import compile_query
from backend.query.fusion import plan, shape
from backend.query.spec import QuerySpec
from tests.query.catalog import context

SUM = {"column": "revenue", "agg": "sum", "alias": "total"}
BY_REGION = {"dataset": "global_sales", "group_by": ["region"], "measures": [SUM]}
EAST = {"conditions": [{"column": "region", "operator": "=", "value": "East"}]}


def _unpaged(spec: dict[str, Any], **ctx: Any) -> exp.Select:
    return compile_query(QuerySpec.model_validate(spec), context(**ctx)).unpaged


@pytest.mark.parametrize(
    "spec",
    [
        {"dataset": "global_sales", "columns": ["region", "revenue"]},
        {**BY_REGION, "limit": 3},
        {**BY_REGION, "totals": "grand"},
        {
            **BY_REGION,
            "filters": {"conditions": [{"column": "total", "operator": ">", "value": 1}]},
        },
        {
            **BY_REGION,
            "joins": [
                {"dataset": "products", "on": [{"left": "product_id", "right": "product_id"}]}
            ],
        },
    ],
    ids=["rows", "top n", "totals", "measure filter", "join"],
)
def test_a_query_that_is_not_a_plain_aggregate_of_one_dataset_never_fuses(
    spec: dict[str, Any],
) -> None:
    assert shape(_unpaged(spec)) is None


def test_aggregates_over_the_same_rows_fuse_and_over_other_rows_do_not() -> None:
    kpi = {"dataset": "global_sales", "measures": [SUM, {"agg": "count", "alias": "n"}]}
    by_channel = {**BY_REGION, "group_by": ["channel"]}
    east = {**BY_REGION, "filters": EAST}
    east_kpi = {**kpi, "filters": EAST}
    shapes = [shape(_unpaged(s)) for s in (BY_REGION, kpi, east, by_channel, east_kpi)]
    assert plan(shapes) == [[0, 1, 3], [2, 4]]


def test_row_filters_and_vintages_are_part_of_the_rows() -> None:
    mine = {"global_sales": [exp.column("region").eq(exp.Literal.string("North"))]}
    shapes = [shape(_unpaged(BY_REGION)), shape(_unpaged(BY_REGION, rls=mine))]
    vintage = {**BY_REGION, "vintage": {"load_type": "DAILY"}}
    shapes += [shape(_unpaged(vintage)), shape(_unpaged({**vintage, "group_by": ["channel"]}))]
    assert plan(shapes) == [[2, 3]]
