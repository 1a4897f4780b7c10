"""The vintage a dataset opens on: the admin's default type's newest load, else the newest
load of the most recent type (greatest newest load id; ties: more rows, then name)."""

from __future__ import annotations

from typing import Any

import pytest

from backend.catalog.vintage import default_vintage


def _option(load_type: str | None, *loads: tuple[Any, int]) -> dict[str, Any]:
    return {"load_type": load_type, "load_ids": [{"load_id": i, "rows": r} for i, r in loads]}


DAILY = _option("DAILY", (20240103, 80), (20240102, 80))
MONTH_END = _option("MONTH_END", (20240131, 80), (20231231, 80))


@pytest.mark.parametrize(
    ("options", "admin_default", "expected"),
    [
        ([DAILY, MONTH_END], None, ("MONTH_END", 20240131)),
        ([DAILY, MONTH_END], "DAILY", ("DAILY", 20240103)),
        ([DAILY, MONTH_END], "GONE", ("MONTH_END", 20240131)),
        (
            [_option("DAILY", (20240131, 70)), MONTH_END],
            None,
            ("MONTH_END", 20240131),
        ),
        (
            [_option("DAILY", (20240131, 80)), MONTH_END],
            None,
            ("DAILY", 20240131),
        ),
        ([_option("A", ("2024-02", 5)), _option("B", ("2024-01", 9))], None, ("A", "2024-02")),
        ([_option(None, (3, 1), (2, 1))], None, (None, 3)),
        ([_option("DAILY", (None, 4)), _option("MONTH_END")], None, None),
        ([], None, None),
    ],
    ids=[
        "most recent type",
        "admin default",
        "admin default without loads",
        "tie: more rows wins",
        "tie and same rows: first by name",
        "text load ids",
        "no load type column",
        "no load ids",
        "no loads",
    ],
)
def test_default_vintage_is_one_load(
    options: list[dict[str, Any]], admin_default: str | None, expected: tuple[Any, Any] | None
) -> None:
    found = default_vintage(options, admin_default)
    got = None if found is None else (found["load_type"], found["load_id"])
    assert got == expected
