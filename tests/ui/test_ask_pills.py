"""The Ask box's pills: removing or editing one changes the spec /api/ask proposed, and the
pills left still point at their parts (aurora/ask_pills.py)."""

from __future__ import annotations

from typing import Any

import pytest

from aurora import ask_pills
from aurora.state.ask import _choices, _completed

SPEC: dict[str, Any] = {
    "dataset": "sales",
    "group_by": ["region", {"column": "order_date", "bucket": "month"}],
    "measures": [
        {"agg": "sum", "column": "amount", "alias": "total_amount"},
        {"agg": "count", "alias": "orders"},
    ],
    "filters": {
        "conditions": [
            {"column": "region", "operator": "in", "value": ["North", "South"]},
            {"column": "quantity", "operator": ">", "value": 3},
        ]
    },
    "sort": [{"column": "total_amount", "direction": "desc"}, {"column": "order_date_month"}],
    "limit": 10,
}
PARTS: list[dict[str, str]] = [
    {"kind": "dataset", "spec_path": "dataset", "label": "Sales"},
    {"kind": "measure", "spec_path": "measures.0", "label": "Total Amount"},
    {"kind": "measure", "spec_path": "measures.1", "label": "Orders"},
    {"kind": "group", "spec_path": "group_by.0", "label": "by Region"},
    {"kind": "group", "spec_path": "group_by.1", "label": "by Order date (month)"},
    {"kind": "filter", "spec_path": "filters.conditions.0", "label": "Region in North, South"},
    {"kind": "filter", "spec_path": "filters.conditions.1", "label": "Quantity > 3"},
    {"kind": "sort", "spec_path": "sort.0", "label": "Total Amount, highest first"},
    {"kind": "limit", "spec_path": "limit", "label": "first 10"},
]


def _labels(parts: list[dict[str, str]]) -> dict[str, str]:
    return {p["label"]: p["spec_path"] for p in parts}


@pytest.mark.parametrize(
    ("label", "changed", "paths"),
    [
        # A measure goes with the sort on it; the next measure moves up.
        (
            "Total Amount",
            {
                "measures": [{"agg": "count", "alias": "orders"}],
                "sort": [{"column": "order_date_month"}],
            },
            {"Orders": "measures.0", "Total Amount, highest first": None},
        ),
        # A date bucket's output name is what its sort names.
        (
            "by Order date (month)",
            {
                "group_by": ["region"],
                "sort": [{"column": "total_amount", "direction": "desc"}],
            },
            {"by Region": "group_by.0", "Total Amount, highest first": "sort.0"},
        ),
        (
            "Region in North, South",
            {"filters": {"conditions": [{"column": "quantity", "operator": ">", "value": 3}]}},
            {"Quantity > 3": "filters.conditions.0"},
        ),
        ("first 10", {"limit": None}, {"Sales": "dataset"}),
        (
            "Total Amount, highest first",
            {"sort": [{"column": "order_date_month"}]},
            {"Total Amount": "measures.0"},
        ),
    ],
)
def test_removing_a_pill_takes_its_part_and_what_depends_on_it(
    label: str, changed: dict[str, Any], paths: dict[str, str | None]
) -> None:
    at = next(i for i, p in enumerate(PARTS) if p["label"] == label)
    spec, parts = ask_pills.remove(SPEC, PARTS, at)
    expected = {k: v for k, v in {**SPEC, **changed}.items() if v is not None}
    assert spec == expected
    left = _labels(parts)
    assert label not in left
    for other, path in paths.items():
        assert left.get(other) == path
    assert SPEC["measures"][0]["alias"] == "total_amount"  # the input is not changed


def test_the_last_filter_removed_leaves_no_filters() -> None:
    spec, parts = ask_pills.remove(SPEC, PARTS, 5)
    spec, parts = ask_pills.remove(spec, parts, 5)
    assert "filters" not in spec and all(p["kind"] != "filter" for p in parts)


@pytest.mark.parametrize("kind", ["dataset", "join"])
def test_a_dataset_or_join_pill_cannot_be_removed(kind: str) -> None:
    parts = [{"kind": kind, "spec_path": "dataset" if kind == "dataset" else "joins.0"}]
    assert ask_pills.remove(SPEC, parts, 0) == (SPEC, parts)


@pytest.mark.parametrize(
    ("at", "text", "value", "label"),
    [
        (5, "East, West", ["East", "West"], "Region in East, West"),
        (6, "7", 7, "Quantity > 7"),  # a number stays a number
        (6, "2.5", 2.5, "Quantity > 2.5"),
        (8, "3", 3, "first 3"),
    ],
)
def test_editing_a_pill_changes_its_value(at: int, text: str, value: Any, label: str) -> None:
    assert ask_pills.value_of(SPEC, PARTS[at]) in ("North, South", "3", "10")
    spec, parts = ask_pills.edit(SPEC, PARTS, at, text)
    if PARTS[at]["kind"] == "limit":
        assert spec["limit"] == value and "page_size" not in spec
    else:
        index = int(PARTS[at]["spec_path"].rsplit(".", 1)[1])
        assert spec["filters"]["conditions"][index]["value"] == value
    assert parts[at]["label"] == label


@pytest.mark.parametrize(
    ("at", "text"), [(8, "0"), (8, "many"), (8, "10000001"), (5, "  "), (1, "x"), (99, "1")]
)
def test_a_bad_edit_changes_nothing(at: int, text: str) -> None:
    assert ask_pills.edit(SPEC, PARTS, at, text) == (SPEC, PARTS)


def test_completions_replace_the_word_being_typed() -> None:
    assert _completed("total amount by reg", "region") == "total amount by region "
    assert _completed("total amount by ", "region") == "total amount by region "
    assert _completed("", "Sales") == "Sales "


def test_choices_are_flat_and_remember_what_they_stand_for() -> None:
    alternatives = [
        {
            "text": "date",
            "choices": [
                {"label": "Order date", "value": "order date"},
                {"label": "Ship date", "value": "ship date"},
            ],
        },
        {"text": "sales", "choices": [{"label": "Sales", "value": "dataset:sales"}]},
    ]
    shown, meant = _choices(alternatives)
    assert [(c.index, c.label, c.first) for c in shown] == [
        (0, "Order date", True),
        (1, "Ship date", False),
        (2, "Sales", True),
    ]
    assert meant[1] == {"text": "date", "value": "ship date"}
