"""What the screen shows is what is queried: visible columns, filters, sort, vintage."""

from __future__ import annotations

from aurora import filters as flt
from aurora.spec_builder import Draft, build
from aurora.state.models import ColumnMeta, Measure, SortKey

COLUMNS = [
    ColumnMeta(name="region", kind="text"),
    ColumnMeta(name="product", kind="text"),
    ColumnMeta(name="amount", kind="decimal"),
]


def test_hidden_columns_are_not_requested():
    spec, _ = build(Draft(dataset="sales", columns=COLUMNS, hidden=["product"]))
    assert spec["columns"] == ["region", "amount"]
    assert spec["page"] == 1 and spec["page_size"] == 50


def test_quick_search_is_an_or_of_contains_over_visible_text_columns():
    draft = Draft(dataset="sales", columns=COLUMNS, hidden=["product"], quick_search=" nor ")
    spec, _ = build(draft)
    assert spec["filters"] == {
        "op": "or",
        "conditions": [{"column": "region", "operator": "contains", "value": "nor"}],
    }


def test_quick_search_wraps_the_filter_tree_and_keeps_error_paths():
    cond = flt.condition("amount", "decimal", ">", "5")
    rows = flt.add_row(flt.new_tree(), flt.ROOT, cond)
    spec, paths = build(Draft(dataset="s", columns=COLUMNS, filter_rows=rows, quick_search="x"))
    assert spec["filters"]["conditions"][0]["conditions"][0]["value"] == 5
    assert paths == {"filters.conditions[0].conditions[0]": cond.id}


def test_aggregation_sends_group_by_and_measures_and_sorts_by_alias():
    draft = Draft(
        dataset="sales",
        columns=COLUMNS,
        group_by=["region"],
        measures=[Measure(id="m", column="amount", agg="sum", alias="total")],
        sort=[SortKey("total", "desc"), SortKey("product", "asc")],
    )
    spec, _ = build(draft)
    assert spec["group_by"] == ["region"]
    assert spec["measures"] == [{"agg": "sum", "alias": "total", "column": "amount"}]
    assert spec["sort"] == [{"column": "total", "direction": "desc"}]
    assert "columns" not in spec


def test_a_hidden_measure_still_goes_out_when_a_filter_names_it():
    rows = flt.add_row(flt.new_tree(), flt.ROOT, flt.condition("total", "float", ">", "10"))
    draft = Draft(
        dataset="s",
        columns=COLUMNS,
        group_by=["region"],
        measures=[Measure(id="m", column="amount", agg="sum", alias="total")],
        hidden=["total"],
        filter_rows=rows,
    )
    spec, _ = build(draft)
    assert [m["alias"] for m in spec["measures"]] == ["total"]


def test_vintage_is_sent_only_when_chosen():
    assert "vintage" not in build(Draft(dataset="s", columns=COLUMNS))[0]
    spec, _ = build(Draft(dataset="s", columns=COLUMNS, load_type="DAILY", load_id="20240131"))
    assert spec["vintage"] == {"load_type": "DAILY", "load_id": 20240131}
