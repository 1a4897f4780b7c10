"""Filter selectivity from column statistics: one table of predicates and the share of rows
each is expected to keep."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlglot import exp

from adapters.base import ColumnStats
from backend.services.selectivity import DEFAULT, FilterContext, selectivity

STATS = {
    "order_id": ColumnStats(rows=1_000, distinct=1_000, min_value=1, max_value=1_000),
    "region": ColumnStats(rows=1_000, distinct=5, min_value="Central", max_value="West"),
    "day": ColumnStats(
        rows=1_000, distinct=100, min_value=dt.date(2024, 1, 1), max_value=dt.date(2024, 4, 10)
    ),
    "load_type": ColumnStats(rows=1_000, distinct=3),
    "load_id": ColumnStats(rows=1_000, distinct=10),
}
CTX = FilterContext(STATS, load_id="load_id", load_type="load_type")


def col(name: str) -> exp.Column:
    return exp.column(name)


def num(n: int) -> exp.Literal:
    return exp.Literal.number(n)


def text(s: str) -> exp.Literal:
    return exp.Literal.string(s)


def day(s: str) -> exp.Expr:
    return exp.DateStrToDate(this=text(s))


CASES = [
    ("equality on a unique key", col("order_id").eq(num(7)), 0.001),
    ("equality on a 5-value column", col("region").eq(text("North")), 0.2),
    ("value on the left", exp.EQ(this=text("North"), expression=col("region")), 0.2),
    ("not equal", exp.NEQ(this=col("region"), expression=text("North")), 0.8),
    ("in, two values", exp.In(this=col("region"), expressions=[text("a"), text("b")]), 0.4),
    ("not in", exp.Not(this=exp.In(this=col("region"), expressions=[text("a")])), 0.8),
    ("greater than, numbers", col("order_id") > num(751), 0.249249),
    ("at most, numbers", col("order_id") <= num(251), 0.25025),
    ("flipped comparison", exp.GT(this=num(251), expression=col("order_id")), 0.25025),
    ("out of range", col("order_id") > num(5_000), 0.0),
    (
        "date range",
        exp.Between(this=col("day"), low=day("2024-01-01"), high=day("2024-01-20")),
        0.19,
    ),
    ("date after", col("day") >= day("2024-03-31"), 0.1),
    ("text range gets the default", col("region") > text("M"), DEFAULT),
    ("like gets the default", exp.Like(this=col("region"), expression=text("N%")), DEFAULT),
    ("is null gets the default", exp.Is(this=col("region"), expression=exp.Null()), DEFAULT),
    ("and multiplies", exp.and_(col("region").eq(text("N")), col("order_id") > num(501)), 0.0999),
    ("or adds up", exp.or_(col("region").eq(text("N")), col("region").eq(text("S"))), 0.36),
    ("parentheses", exp.Paren(this=col("region").eq(text("N"))), 0.2),
    ("false (no rows)", exp.false(), 0.0),
    ("unknown column gets the default", col("nope").eq(num(1)), DEFAULT),
    (
        "a load id implies its load type",
        exp.and_(col("load_type").eq(text("DAILY")), col("load_id").eq(num(20240101))),
        0.1,
    ),
    ("load type alone", col("load_type").eq(text("DAILY")), 1 / 3),
]


@pytest.mark.parametrize(("name", "predicate", "share"), CASES, ids=[c[0] for c in CASES])
def test_selectivity_follows_the_textbook_rules(
    name: str, predicate: exp.Expr, share: float
) -> None:
    assert selectivity(predicate, CTX) == pytest.approx(share, rel=1e-3, abs=1e-6)


def test_without_statistics_every_comparison_gets_the_default() -> None:
    empty = FilterContext({})
    assert selectivity(col("order_id").eq(num(1)), empty) == DEFAULT
    assert selectivity(col("order_id") > num(1), empty) == DEFAULT
