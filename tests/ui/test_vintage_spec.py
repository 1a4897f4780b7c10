"""The vintage on screen is the vintage queried: one load, a type's loads, or every load;
a report saved without a vintage comes back without one (the API's default, as then)."""

from __future__ import annotations

from typing import Any

import pytest

from aurora.spec_builder import Draft, build
from aurora.spec_restore import restore
from aurora.state.models import ColumnMeta

COLUMNS = [ColumnMeta(name="amount", kind="decimal")]


@pytest.mark.parametrize(
    ("load_type", "load_id", "all_loads", "expected"),
    [
        ("MONTH_END", "20241231", False, {"load_type": "MONTH_END", "load_id": 20241231}),
        ("MONTH_END", "", False, {"load_type": "MONTH_END", "load_id": None}),
        ("", "", True, {"all_loads": True}),
        ("", "", False, None),
    ],
)
def test_the_chosen_vintage_is_sent(
    load_type: str, load_id: str, all_loads: bool, expected: dict[str, Any] | None
) -> None:
    draft = Draft(
        dataset="s", columns=COLUMNS, load_type=load_type, load_id=load_id, all_loads=all_loads
    )
    assert build(draft)[0].get("vintage") == expected


@pytest.mark.parametrize(
    ("vintage", "chosen", "load_type", "load_id"),
    [
        ({"load_type": "DAILY", "load_id": 20240103}, True, "DAILY", "20240103"),
        ({"all_loads": True}, True, "", ""),
        ({"load_type": None, "load_id": None}, False, "", ""),
        (None, False, "", ""),
    ],
)
def test_a_saved_vintage_is_restored(
    vintage: dict[str, Any] | None, chosen: bool, load_type: str, load_id: str
) -> None:
    spec: dict[str, Any] = {"dataset": "s", "columns": ["amount"]}
    if vintage is not None:
        spec["vintage"] = vintage
    got = restore(spec, COLUMNS)
    assert (got.vintage_chosen, got.load_type, got.load_id) == (chosen, load_type, load_id)
