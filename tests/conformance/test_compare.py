"""The suite's comparison is strict where it matters: order, text, dates vs timestamps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.conformance.targets import differences


def test_numbers_compare_by_value_across_representations() -> None:
    assert differences([(1, Decimal("2.50"), 3.0)], [(Decimal(1), 2.5, 3)]) == []


def test_order_matters() -> None:
    assert differences([(1,), (2,)], [(2,), (1,)]) != []


def test_text_is_compared_exactly() -> None:
    assert differences([("  padded  ",)], [("padded",)]) != []
    assert differences([("Zürich",)], [("zürich",)]) != []


def test_a_date_is_not_a_timestamp_but_aware_utc_equals_naive() -> None:
    assert differences([(dt.date(2024, 1, 1),)], [(dt.datetime(2024, 1, 1),)]) != []
    aware = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert differences([(dt.datetime(2024, 1, 1),)], [(aware,)]) == []


def test_missing_rows_and_nulls_are_differences() -> None:
    assert differences([(1,), (2,)], [(1,)]) != []
    assert differences([(None,)], [(0,)]) != []
