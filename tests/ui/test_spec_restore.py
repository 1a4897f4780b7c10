"""Opening a saved report restores the grid that built it: build(restore(spec)) == spec."""

from __future__ import annotations

from typing import Any

import pytest

from aurora.spec_builder import build
from aurora.spec_restore import joined_columns, restore
from aurora.state.models import ColumnMeta

COLUMNS = [
    ColumnMeta(name="region", kind="text"),
    ColumnMeta(name="country", kind="text"),
    ColumnMeta(name="amount", kind="decimal"),
    ColumnMeta(name="order_date", kind="date"),
]
PAGE = {"page": 1, "page_size": 50}


def _rebuilt(spec: dict[str, Any]) -> dict[str, Any]:
    return build(restore(spec, COLUMNS))[0]


SPECS = {
    "hidden columns and sort": {
        "dataset": "s",
        "columns": ["region", "amount"],
        "sort": [{"column": "amount", "direction": "desc"}],
    },
    "nested filters with lists, ranges and negation": {
        "dataset": "s",
        "columns": ["region", "country", "amount", "order_date"],
        "filters": {
            "op": "and",
            "conditions": [
                {"column": "region", "operator": "in", "value": ["North", "South"]},
                {
                    "op": "or",
                    "negate": True,
                    "conditions": [
                        {
                            "column": "order_date",
                            "operator": "between",
                            "value": ["2024-01-01", "2024-03-31"],
                        },
                        {"column": "amount", "operator": ">", "value": 1000},
                        {"column": "country", "operator": "is_null"},
                    ],
                },
            ],
        },
    },
    "aggregation with an expression measure and a having filter": {
        "dataset": "s",
        "group_by": ["region"],
        "measures": [
            {"column": "amount", "agg": "sum", "alias": "total"},
            {"expr": "amount * 2", "agg": "avg", "alias": "twice"},
        ],
        "filters": {
            "op": "and",
            "conditions": [{"column": "total", "operator": ">=", "value": 5.5}],
        },
        "sort": [{"column": "total", "direction": "desc"}],
    },
    "a date grouped by month, sorted by its period": {
        "dataset": "s",
        "group_by": ["region", {"column": "order_date", "bucket": "month"}],
        "measures": [{"column": "amount", "agg": "sum", "alias": "total"}],
        "sort": [{"column": "order_date_month", "direction": "desc"}],
    },
    "a top N: the first 5 groups by their total": {
        "dataset": "s",
        "group_by": ["region"],
        "measures": [{"column": "amount", "agg": "sum", "alias": "total"}],
        "sort": [{"column": "total", "direction": "desc"}],
        "limit": 5,
    },
    "vintage and calculated fields": {
        "dataset": "s",
        "vintage": {"load_type": "MONTH_END", "load_id": 202406},
        "calculated": [{"name": "net", "expr": "amount * 0.9"}],
        "columns": ["region", "net"],
    },
    "joins": {
        "dataset": "s",
        "joins": [
            {
                "dataset": "e",
                "type": "left",
                "on": [{"left": "s.employee_id", "right": "e.employee_id"}],
            }
        ],
        "columns": ["region", "amount"],
    },
}


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_a_saved_spec_rebuilds_into_the_same_spec(spec: dict[str, Any]) -> None:
    assert _rebuilt(spec) == {"sort": [], **spec, **PAGE}


def test_quick_search_comes_back_into_the_search_box() -> None:
    quick = {
        "op": "or",
        "conditions": [
            {"column": "region", "operator": "contains", "value": "nor"},
            {"column": "country", "operator": "contains", "value": "nor"},
        ],
    }
    tree = {"op": "and", "conditions": [{"column": "amount", "operator": "<", "value": 3}]}
    spec = {"dataset": "s", "filters": {"op": "and", "conditions": [tree, quick]}}
    restored = restore(spec, COLUMNS)
    assert restored.quick_search == "nor"
    assert len(restored.filter_rows) == 2  # the root and the amount condition
    assert _rebuilt(spec)["filters"] == spec["filters"]


def test_an_or_of_contains_over_other_columns_stays_a_filter() -> None:
    tree = {
        "op": "or",
        "conditions": [{"column": "region", "operator": "contains", "value": "x"}],
    }
    restored = restore({"dataset": "s", "filters": tree}, COLUMNS)
    assert restored.quick_search == ""
    assert [r.column for r in restored.filter_rows if r.kind == "cond"] == ["region"]


def test_ambiguous_joined_columns_name_their_dataset_in_the_label() -> None:
    schema = {
        "datasets": [
            {"alias": "s", "dataset": "s", "label": "Sales"},
            {"alias": "e", "dataset": "e", "label": "Staff"},
        ],
        "columns": [
            {
                "name": "s.region",
                "alias": "s",
                "dataset": "s",
                "type": "VARCHAR",
                "label": "Region",
            },
            {
                "name": "amount",
                "alias": "s",
                "dataset": "s",
                "type": "DECIMAL(9,2)",
                "label": "Amt",
            },
            {
                "name": "e.region",
                "alias": "e",
                "dataset": "e",
                "type": "VARCHAR",
                "label": "Region",
            },
        ],
    }
    cols = joined_columns(schema)
    assert [c.label for c in cols] == ["Region (Sales)", "Amt", "Region (Staff)"]
    assert [c.kind for c in cols] == ["text", "decimal", "text"]
