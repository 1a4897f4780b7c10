"""Time expressions relative to today: "in 2024", "last quarter", "this year", "since March",
"between Jan and Mar 2024", "yesterday", "last 7 days", "Q1 2024", "before 2024-03-01".

A period is a closed range of days. `match` reads one expression at an item of the tagged
question and answers the range it names (either end open) and how many items it used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class Item(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def raw(self) -> str: ...


@dataclass(frozen=True)
class Range:
    start: dt.date | None
    end: dt.date | None  # inclusive


@dataclass(frozen=True)
class _Point:
    """A period named without its context: a year, a month (maybe without its year), a
    quarter, a day."""

    year: int | None
    month: int | None = None
    quarter: int | None = None
    day: dt.date | None = None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    m = year * 12 + month - 1 + n
    return m // 12, m % 12 + 1


def _span(p: _Point, today: dt.date) -> Range:
    if p.day is not None:
        return Range(p.day, p.day)
    year = p.year
    if p.month is not None:
        if year is None:  # the latest such month up to today
            year = today.year if p.month <= today.month else today.year - 1
        return Range(dt.date(year, p.month, 1), _month_end(year, p.month))
    if p.quarter is not None:
        if year is None:
            year = today.year if (p.quarter - 1) * 3 + 1 <= today.month else today.year - 1
        first = (p.quarter - 1) * 3 + 1
        return Range(dt.date(year, first, 1), _month_end(year, first + 2))
    assert year is not None
    return Range(dt.date(year, 1, 1), dt.date(year, 12, 31))


def _year(item: Item) -> int | None:
    raw = item.raw.replace(",", "")
    if item.code == "NUM" and raw.isdigit() and len(raw) == 4 and 1900 <= int(raw) <= 2100:
        return int(raw)
    return None


def _point(items: Sequence[Item], i: int) -> tuple[_Point, int] | None:
    """A year, `March [2024]`, `Q1 [2024]` or a date at items[i]."""
    if i >= len(items):
        return None
    item = items[i]
    if item.code == "DATE":
        try:
            return _Point(None, day=dt.date.fromisoformat(item.raw)), 1
        except ValueError:  # 2024-13-45: not a day, so not a time expression
            return None
    year = _year(item)
    if year is not None:
        return _Point(year), 1
    if item.code.startswith(("M:", "Q:")):
        n = int(item.code[2:])
        following = _year(items[i + 1]) if i + 1 < len(items) else None
        used = 2 if following is not None else 1
        if item.code.startswith("M:"):
            return _Point(following, month=n), used
        return _Point(following, quarter=n), used
    return None


def _relative(unit: str, n: int, today: dt.date, *, this: bool) -> Range:
    """`this month` (n=0) or the `n` whole periods before the current one (`last quarter`)."""
    if unit == "day":
        if this:
            return Range(today, today)
        return Range(today - dt.timedelta(days=n - 1), today) if n > 1 else _yesterday(today)
    if unit == "week":
        monday = today - dt.timedelta(days=today.weekday())
        if this:
            return Range(monday, monday + dt.timedelta(days=6))
        return Range(monday - dt.timedelta(weeks=n), monday - dt.timedelta(days=1))
    size = {"month": 1, "quarter": 3, "year": 12}[unit]
    first_month = {"month": today.month, "quarter": (today.month - 1) // 3 * 3 + 1, "year": 1}[unit]
    if this:
        y, m = _add_months(today.year, first_month, size - 1)
        return Range(dt.date(today.year, first_month, 1), _month_end(y, m))
    sy, sm = _add_months(today.year, first_month, -size * n)
    ey, em = _add_months(today.year, first_month, -1)
    return Range(dt.date(sy, sm, 1), _month_end(ey, em))


def _yesterday(today: dt.date) -> Range:
    day = today - dt.timedelta(days=1)
    return Range(day, day)


def _count(items: Sequence[Item], i: int) -> tuple[int, int]:
    """`last 3 months`: (3, 1); `last month`: (1, 0)."""
    if i < len(items) and items[i].code == "NUM" and items[i].raw.isdigit():
        return int(items[i].raw), 1
    return 1, 0


def _unit(items: Sequence[Item], i: int) -> str | None:
    if i < len(items) and items[i].code.startswith("P:"):
        return items[i].code[2:]
    return None


def _last_or_this(items: Sequence[Item], i: int, today: dt.date) -> tuple[Range, int] | None:
    this = items[i].code == "T:this"
    n, used = (0, 0) if this else _count(items, i + 1)
    unit = _unit(items, i + 1 + used)
    if unit is None:
        return None
    return _relative(unit, n, today, this=this), 2 + used


def _two_points(
    items: Sequence[Item], i: int, today: dt.date, joiners: tuple[str, ...]
) -> tuple[Range, int] | None:
    """`between X and Y`, `from X to Y` (X takes Y's year when it has none)."""
    first = _point(items, i + 1)
    if first is None:
        return None
    p1, used1 = first
    j = i + 1 + used1
    if j >= len(items) or items[j].code not in joiners:
        return None
    second = _point(items, j + 1)
    if second is None:
        return None
    p2, used2 = second
    if p1.year is None and p1.day is None and p2.year is not None:
        p1 = _Point(p2.year, p1.month, p1.quarter)
    return Range(_span(p1, today).start, _span(p2, today).end), 1 + used1 + 1 + used2


def _bounded(items: Sequence[Item], i: int, today: dt.date) -> tuple[Range, int] | None:
    found = _point(items, i + 1)
    if found is None:
        return None
    p, used = found
    span = _span(p, today)
    code = items[i].code
    if code == "T:since":
        return Range(span.start, None), 1 + used
    if code == "T:after":
        assert span.end is not None
        return Range(span.end + dt.timedelta(days=1), None), 1 + used
    if code == "T:before":
        assert span.start is not None
        return Range(None, span.start - dt.timedelta(days=1)), 1 + used
    if code == "T:until":
        return Range(None, span.end), 1 + used
    return span, 1 + used  # in, during, for, on


def match(items: Sequence[Item], i: int, today: dt.date) -> tuple[Range, int] | None:
    """The time expression starting at items[i], with the number of items it spans."""
    if not 0 <= i < len(items):
        return None
    try:
        return _match(items, i, today)
    except (OverflowError, ValueError):  # "after 9999-12-31": no such day to start from
        return None


def _match(items: Sequence[Item], i: int, today: dt.date) -> tuple[Range, int] | None:
    code = items[i].code
    if code == "T:yesterday":
        return _yesterday(today), 1
    if code == "T:today":
        return Range(today, today), 1
    if code == "T:ytd":
        return Range(dt.date(today.year, 1, 1), today), 1
    if code in ("T:last", "T:this"):
        return _last_or_this(items, i, today)
    if code == "BETWEEN":
        return _two_points(items, i, today, ("AND",))
    if code == "T:since":
        both = _two_points(items, i, today, ("T:until", "AND"))
        if both is not None:
            return both
    if code in ("T:in", "T:since", "T:after", "T:before", "T:until"):
        return _bounded(items, i, today)
    found = _point(items, i)
    if found is not None and (found[0].year is not None or code.startswith(("M:", "Q:"))):
        return _span(found[0], today), found[1]
    return None
