"""Dashboard filters become conditions on a tile's columns.

A value is checked against its filter's type (a date range for `date_range`, a list for
`multi_select`, ...); an empty value filters nothing. Date presets are counted from today
(UTC): "last 30 days" is today and the 29 days before it, "this quarter" runs from the
quarter's first day to today, "previous year" is last calendar year. Days are whole:
`start <= column < end + 1 day`, so a timestamp column keeps the last day's hours too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

from backend.dashboards.models import (
    CrossFilter,
    DatePreset,
    DateRange,
    Filter,
    FilterValue,
    NumberRange,
)
from backend.errors import InvalidQuery
from backend.query.spec import Condition, FilterGroup, Op, QuerySpec


def preset_range(preset: DatePreset, today: dt.date) -> tuple[dt.date, dt.date]:
    """
    >>> preset_range("last_30_days", dt.date(2024, 3, 1))
    (datetime.date(2024, 2, 1), datetime.date(2024, 3, 1))
    >>> preset_range("this_quarter", dt.date(2024, 5, 17))
    (datetime.date(2024, 4, 1), datetime.date(2024, 5, 17))
    >>> preset_range("previous_year", dt.date(2024, 5, 17))
    (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31))
    """
    if preset == "last_30_days":
        return today - dt.timedelta(days=29), today
    if preset == "this_quarter":
        return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)


def checked(f: Filter, value: FilterValue, path: str) -> FilterValue:
    """`value` as its filter's type takes it; 422 at `path` when it is of another type. An
    empty range (`{}`) is no value: it reads the same for either kind of range."""
    if isinstance(value, DateRange | NumberRange) and not value.model_dump(exclude_none=True):
        return None
    expected = {
        "date_range": DateRange,
        "number_range": NumberRange,
        "multi_select": list,
        "text_contains": str,
    }[f.type]
    if value is not None and not isinstance(value, expected):
        raise InvalidQuery(f"filter '{f.id}' ({f.type}) cannot take {value!r}", path=path)
    return value


def conditions(f: Filter, value: FilterValue, column: str, today: dt.date) -> list[Condition]:
    """The conditions `value` of filter `f` puts on `column`; none for an empty value."""
    if isinstance(value, DateRange):
        start, end = value.start, value.end
        if value.preset is not None:
            start, end = preset_range(value.preset, today)
        found = [] if start is None else [Condition(column=column, operator=Op.GE, value=start)]
        if end is not None:
            after = end + dt.timedelta(days=1)
            found.append(Condition(column=column, operator=Op.LT, value=after))
        return found
    if isinstance(value, NumberRange):
        bounds = ((Op.GE, value.min), (Op.LE, value.max))
        return [Condition(column=column, operator=op, value=v) for op, v in bounds if v is not None]
    if isinstance(value, list):
        return [Condition(column=column, operator=Op.IN, value=value)] if value else []
    if isinstance(value, str) and value:
        return [Condition(column=column, operator=Op.CONTAINS, value=value)]
    return []


def filtered(spec: QuerySpec, extra: Iterable[Condition]) -> QuerySpec:
    """`spec` with `extra` ANDed onto its own filters (which stay as they are)."""
    added = list(extra)
    if not added:
        return spec
    nodes = added if spec.filters is None else [spec.filters, *added]
    return spec.model_copy(update={"filters": FilterGroup(op="and", conditions=nodes)})


def cross_conditions(cross: Iterable[CrossFilter], columns: set[str]) -> list[Condition]:
    """A clicked group filters the tiles that have its column; the others ignore it."""
    found = []
    for c in cross:
        if c.column in columns:
            op = Op.IS_NULL if c.value is None else Op.EQ
            found.append(Condition(column=c.column, operator=op, value=c.value))
    return found


def _words(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def propose(f: Filter, columns: Mapping[str, str]) -> str | None:
    """The tile column a filter is proposed for: the one named like the filter's column,
    else one whose name or label reads like the filter's label; None when nothing fits.
    `columns` maps each column name to its label.

    >>> cols = {"order_date": "Order date", "region": "Sales region", "amount": "Amount"}
    >>> propose(Filter(id="d", label="Order date", type="date_range"), cols)
    'order_date'
    >>> propose(Filter(id="r", label="Region", type="multi_select", column="region"), cols)
    'region'
    >>> propose(Filter(id="r", label="Sales region", type="multi_select"), cols)
    'region'
    >>> propose(Filter(id="c", label="Customer", type="text_contains"), cols) is None
    True
    """
    if f.column is not None and f.column in columns:
        return f.column
    wanted = {_words(w) for w in (f.label, f.column or "") if w}
    for name, label in columns.items():
        short = name.rsplit(".", 1)[-1]
        if {_words(name), _words(short), _words(label)} & wanted:
            return name
    return None
