"""Pivot requests and schedule times: pure pieces of the second-half screens (charts:
tests/ui/test_charts.py)."""

from __future__ import annotations

import datetime as dt

from aurora import pivot as pv
from aurora import schedule_times as st

LAYOUT = pv.Layout(
    dataset="sales",
    rows=["region", "country"],
    columns=["channel"],
    values=[pv.ValueCfg(id="sum_revenue", column="revenue", agg="sum")],
    vintage={"load_type": "MONTH_END", "load_id": 202406},
)


def test_a_level_request_is_ag_grids_with_our_separator_and_the_grand_total_on_top() -> None:
    top = pv.request(LAYOUT, [])
    assert top["pivotMode"] is True and top["needsGrandTotal"] is True
    assert top["pivotResultFieldSeparator"] == pv.SEP
    assert top["valueCols"] == [{"id": "sum_revenue", "field": "revenue", "aggFunc": "sum"}]
    below = pv.request(LAYOUT, ["East"], pivot=False)
    assert below["groupKeys"] == ["East"] and below["pivotCols"] == []
    assert below["needsGrandTotal"] is False and below["vintage"]["load_id"] == 202406


def test_pivot_fields_split_into_keys_and_value_and_blanks_mean_null() -> None:
    keys, value = pv.split_field(f"Online{pv.SEP}(Blanks){pv.SEP}sum_revenue")
    assert (keys, value) == (["Online", "(Blanks)"], "sum_revenue")
    assert pv.drill_keys(keys) == ["Online", None]


def test_a_layout_needs_a_value_and_a_row_or_column() -> None:
    assert pv.problems(pv.Layout("s", [], [], [])) != ""
    assert pv.problems(pv.Layout("s", [], ["channel"], LAYOUT.values)) == ""


def test_schedule_presets_and_the_next_three_runs() -> None:
    now = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)  # a Saturday
    assert st.next_times(st.PRESET_CRON["weekly"], "UTC", now) == [
        "2024-06-03 06:00 UTC",
        "2024-06-10 06:00 UTC",
        "2024-06-17 06:00 UTC",
    ]
    assert st.next_times("0 6 1 * *", "Europe/Paris", now)[0] == "2024-07-01 06:00 CEST"
    assert st.next_times("not cron", "UTC", now) == []
    assert st.preset_of("0 6 * * *") == "daily" and st.describe("5 4 * * *") == "5 4 * * *"
