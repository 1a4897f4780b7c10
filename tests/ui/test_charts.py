"""Charts: the chart's query from the grid's, result rows as Recharts series, the axis
format, drill-through conditions, and the settings a report keeps."""

from __future__ import annotations

from typing import Any

import pytest

from aurora import chart_data as cd
from aurora import filters as flt
from aurora.state.models import Bucket

GRID = {
    "dataset": "s",
    "vintage": {"load_type": "MONTH_END", "load_id": 7},
    "filters": {"op": "and", "conditions": [{"column": "y", "operator": ">", "value": 1}]},
    "group_by": ["region", "channel"],
    "measures": [
        {"column": "amount", "agg": "sum", "alias": "total"},
        {"agg": "count", "alias": "n"},
    ],
    "sort": [{"column": "total", "direction": "desc"}],
    "page": 3,
    "page_size": 50,
}


def test_two_group_bys_make_the_second_a_series_and_settings_name_only_what_exists() -> None:
    fitted = cd.fit(cd.Settings(), ["region", "channel"], ["total", "n"])
    assert (fitted.x, fitted.series, fitted.y) == ("region", "channel", "total")
    kept = cd.fit(cd.Settings(x="channel", y="n", series=""), ["region", "channel"], ["total"])
    assert (kept.x, kept.series, kept.y) == ("channel", "", "total")
    odd = cd.fit(cd.Settings(kind="donut", stack="piled", limit=10_000), ["a"], ["m"])
    assert (odd.kind, odd.stack, odd.limit, odd.series) == ("bar", "stacked", cd.MAX_LIMIT, "")


@pytest.mark.parametrize(
    ("settings", "group_by", "sort", "page_size"),
    [
        (cd.Settings("bar", "region", "total", "", limit=12), ["region"], "total desc", 12),
        (cd.Settings("line", "region", "total", "", limit=12), ["region"], "region asc", 12),
        (
            cd.Settings("bar", "region", "n", "channel", limit=5),
            ["region", "channel"],
            "region asc,channel asc",
            cd.SERIES_ROWS,
        ),
        (cd.Settings("pie", "channel", "n", "region"), ["channel"], "total desc", 20),
        (cd.Settings("kpi", "region", "n"), [], "", 1),
    ],
)
def test_the_chart_query_is_the_grids_regrouped_by_category_and_series(
    settings: cd.Settings, group_by: list[str], sort: str, page_size: int
) -> None:
    spec = cd.chart_spec(GRID, settings)
    assert spec["filters"] == GRID["filters"] and spec["vintage"] == GRID["vintage"]
    assert (spec["group_by"], spec["page"], spec["page_size"]) == (group_by, 1, page_size)
    assert ",".join(f"{k['column']} {k['direction']}" for k in spec.get("sort", [])) == sort
    if settings.kind == "kpi":
        assert [m["alias"] for m in spec["measures"]] == ["n"]


TOP_REGIONS: dict[str, Any] = {**GRID, "group_by": ["region"], "limit": 3}


@pytest.mark.parametrize(
    ("settings", "limit"),
    [
        (cd.Settings("bar", "region", "total", ""), 3),  # the grid's 3 regions, its order
        (cd.Settings("pie", "region", "total", ""), 3),
        (cd.Settings("line", "region", "total", ""), None),  # re-sorted along the regions
        (cd.Settings("bar", "channel", "total", ""), None),  # regrouped
        (cd.Settings("bar", "region", "total", "channel"), None),  # a series regroups too
        (cd.Settings("kpi", "region", "total"), None),  # over every row
    ],
)
def test_a_chart_keeps_the_grids_top_n_only_where_it_means_the_same_rows(
    settings: cd.Settings, limit: int | None
) -> None:
    assert cd.chart_spec(TOP_REGIONS, settings).get("limit") == limit


RESULT: dict[str, Any] = {
    "columns": [
        {"name": "region", "type": "VARCHAR"},
        {"name": "channel", "type": "VARCHAR"},
        {"name": "total", "type": "DECIMAL(18,2)", "format": "currency", "label": "Total"},
    ],
    "rows": [
        ["East", "Online", "1234.5"],
        ["East", "Store", 10],
        ["West", "Online", None],
        ["West", None, 7],
        [None, "Store", 3],
    ],
}


def test_rows_become_one_point_per_category_with_a_value_and_its_text_per_series() -> None:
    drawn = cd.draw(RESULT, cd.Settings("bar", "region", "total", "channel"))
    assert [(s.key, s.label, s.value, s.blank) for s in drawn.series] == [
        ("s0", "Online", "Online", False),
        ("s1", "Store", "Store", False),
        ("s2", "(blank)", "", True),
    ]
    assert drawn.points == [
        {"k": "East", "cat": "East", "s0": 1234.5, "t0": "1,234.50", "s1": 10.0, "t1": "10.00"},
        {"k": "West", "cat": "West", "s2": 7.0, "t2": "7.00"},
        {"k": None, "cat": "(blank)", "s1": 3.0, "t1": "3.00"},
    ]
    by_region = {
        "columns": [RESULT["columns"][0], RESULT["columns"][2]],
        "rows": [["East", "1234.5"], ["West", 7], ["North", 1]],
    }
    single = cd.draw(by_region, cd.Settings("pie", "region", "total", "channel", limit=2))
    assert [(p["cat"], p["s0"], p["fill"]) for p in single.points] == [
        ("East", 1234.5, cd.COLOURS[0]),
        ("West", 7.0, cd.COLOURS[1]),
    ]  # the pie has no series; the limit counts categories
    assert [s.label for s in single.series] == ["Total"]


def test_past_the_colours_only_the_largest_series_are_drawn_and_a_note_says_so() -> None:
    many = {
        "columns": RESULT["columns"],
        "rows": [["East", f"c{i:02}", i] for i in range(cd.MAX_SERIES + 3)],
    }
    drawn = cd.draw(many, cd.Settings("bar", "region", "total", "channel"))
    assert len(drawn.series) == cd.MAX_SERIES
    assert "c00" not in {s.label for s in drawn.series}
    assert drawn.note == f"Showing the {cd.MAX_SERIES} largest of {cd.MAX_SERIES + 3} series."


@pytest.mark.parametrize(
    ("column", "axis"),
    [
        ({"type": "DECIMAL(18,2)", "format": "currency"}, (2, False, "", "")),
        ({"type": "BIGINT"}, (0, False, "", "")),
        ({"type": "DOUBLE", "format": "0.000"}, (3, False, "", "")),
        ({"type": "DOUBLE", "format": "percent"}, (1, True, "", "")),
        ({"type": "DOUBLE", "format": "0%"}, (0, True, "", "")),
    ],
)
def test_the_value_axis_follows_the_columns_format(
    column: dict[str, Any], axis: tuple[int, bool, str, str]
) -> None:
    got = cd.axis_format({"name": "v", **column})
    assert (got["digits"], got["percent"], got["prefix"], got["suffix"]) == axis


def test_a_click_narrows_to_the_group_anded_to_the_filters_even_under_an_or_root() -> None:
    s = cd.Settings("bar", "region", "total", "channel")
    series = cd.Series(key="s2", label="(blank)", value="", blank=True)
    conditions = cd.drill_conditions({"k": "West", "cat": "West"}, s, series)
    assert conditions == [
        {"column": "region", "value": "West"},
        {"column": "channel", "value": None},
    ]
    rows = flt.add_row(flt.new_tree(), flt.ROOT, flt.condition("region", "text", "=", "East"))
    rows = flt.add_row(rows, flt.ROOT, flt.condition("qty", "integer", ">", "5"))
    rows = flt.update_row(rows, flt.ROOT, op="or")
    narrowed = cd.narrowed(rows, conditions, {"region": "text", "channel": "text"})
    tree, _ = flt.to_spec(narrowed)
    assert tree == {
        "op": "and",
        "conditions": [
            {
                "op": "or",
                "conditions": [
                    {"column": "region", "operator": "=", "value": "East"},
                    {"column": "qty", "operator": ">", "value": 5},
                ],
            },
            {"column": "region", "operator": "=", "value": "West"},
            {"column": "channel", "operator": "is_null"},
        ],
    }
    plain, _ = flt.to_spec(cd.narrowed([], conditions[:1], {"region": "text"}))
    assert plain == {
        "op": "and",
        "conditions": [{"column": "region", "operator": "=", "value": "West"}],
    }


def test_a_report_keeps_settings_that_its_spec_can_draw() -> None:
    s = cd.Settings("area", "region", "total", "channel", "grouped", 30)
    saved = cd.to_saved(s, GRID)
    assert saved == {
        "kind": "area",
        "x": "region",
        "y": "total",
        "series": "channel",
        "stack": "grouped",
        "limit": 30,
    }
    assert cd.from_saved(saved) == s
    narrower = {**GRID, "group_by": ["region"]}
    assert cd.to_saved(s, narrower)["series"] is None  # type: ignore[index]
    assert cd.to_saved(s, {"dataset": "s", "columns": ["a"]}) is None
    assert cd.from_saved({"kind": "pivot", "columns": []}) is None


MONTHLY = {
    **GRID,
    "group_by": [{"column": "order_date", "bucket": "month"}, "channel"],
    "sort": [],
}


def test_a_date_by_month_charts_by_month_and_a_click_narrows_to_that_month() -> None:
    s = cd.fit(cd.Settings(), cd.group_names(MONTHLY), ["total", "n"])
    assert (s.x, s.series) == ("order_date_month", "channel")
    spec = cd.chart_spec(MONTHLY, s)
    assert spec["group_by"] == [{"column": "order_date", "bucket": "month"}, "channel"]
    assert cd.to_saved(s, MONTHLY)["x"] == "order_date_month"  # type: ignore[index]
    result = {
        "columns": [
            {"name": "order_date_month", "type": "DATE"},
            {"name": "total", "type": "DECIMAL(18,2)"},
        ],
        "rows": [["2024-02-01", 5]],
    }
    shown = cd.with_formats(result, {"order_date_month": "period:month"})
    drawn = cd.draw(shown, cd.Settings("bar", "order_date_month", "total"))
    assert [(p["k"], p["cat"]) for p in drawn.points] == [("2024-02-01", "Feb 2024")]
    bucket = Bucket(name="order_date_month", column="order_date", bucket="month")
    tree, _ = flt.to_spec(cd.narrowed_to_period([], bucket, "date", "2024-02-01"))
    assert tree == {
        "op": "and",
        "conditions": [
            {"column": "order_date", "operator": "between", "value": ["2024-02-01", "2024-02-29"]}
        ],
    }
    tree, _ = flt.to_spec(cd.narrowed_to_period([], bucket, "timestamp", "2024-12-01"))
    assert tree is not None and tree["conditions"] == [
        {"column": "order_date", "operator": ">=", "value": "2024-12-01"},
        {"column": "order_date", "operator": "<", "value": "2025-01-01"},
    ]
