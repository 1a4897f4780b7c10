"""The UI load test's verdict table (bench.ui_targets): each of issue 24's targets against
what a run measured, read off its timeline of answered and unanswered actions."""

from __future__ import annotations

import doctest

import bench.ui_targets
from bench.ui_targets import target_rows


def test_the_examples_hold() -> None:
    result = doctest.testmod(bench.ui_targets)
    assert result.attempted > 0 and result.failed == 0


def _met(rows: list[list[object]]) -> dict[str, object]:
    return {str(row[0]): row[3] for row in rows}


def test_a_burst_of_two_hundred_sign_ins_that_all_get_in_with_fast_pages_meets_every_target() -> (
    None
):
    line = [(i * 0.15, "connect", 200.0, True) for i in range(200)]
    line += [(i * 0.15 + 2, "login", 1500.0, True) for i in range(200)]
    line += [(t, "next page", 300.0, True) for t in range(5, 90)]
    line += [(t, "sort", 400.0, True) for t in range(5, 90, 3)]
    line += [(t, "open dataset", 900.0, True) for t in range(3, 60, 2)]
    assert set(_met(target_rows(line, 30.0)).values()) == {"yes"}


def test_pages_slow_only_while_sign_ins_go_on_miss_the_meanwhile_target() -> None:
    """The sign-ins end at 40 s (after the 30 s of arrivals); a next page at 35 s counts."""
    line = [(40.0, "login", 20000.0, True), (10.0, "login", 900.0, True)]
    line += [(35.0, "next page", 4000.0, True)] + [
        (t, "next page", 100.0, True) for t in range(41, 90)
    ]
    met = _met(target_rows(line, 30.0))
    assert met["next page p95 <= 500 ms, while sign-ins go on"] == "no"
    assert met["next page p95 <= 500 ms, the whole run"] == "yes"
    assert met["sign-ins while users arrive: all succeed"] == "yes"


def test_one_sign_in_unanswered_is_a_missed_target_and_an_unanswered_action() -> None:
    line = [(5.0, "login", 900.0, True), (35.0, "login", 30000.0, False)]
    met = _met(target_rows(line, 30.0))
    assert met["sign-ins while users arrive: all succeed"] == "no"
    assert met["0 unanswered actions"] == "no"
