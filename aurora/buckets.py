"""Date buckets in the group-by: the API's `{"column": "order_date", "bucket": "month"}`
entry <-> the explorer's `Bucket`, and what a period looks like and spans. Pure.

A bucketed group is named by the API `<column>_<bucket>` (`order_date_month`); the
explorer keeps that name in its group-by list, like any other group column, so sort,
visibility, charts and saved reports speak of it by name, and keeps the `Bucket` beside it
to send the entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aurora.state.models import Bucket

BUCKETS = ("day", "week", "month", "quarter", "year")
PERIOD = "period:"  # the column format of a bucket's output (aurora.formatting)


def output_name(column: str, bucket: str) -> str:
    """The API's name for a bucketed column (`backend.query.spec.GroupBucket.name`).

    >>> output_name("global_sales.order_date", "quarter")
    'order_date_quarter'
    """
    return f"{column.rsplit('.', 1)[-1]}_{bucket}"


def make(column: str, bucket: str) -> Bucket:
    return Bucket(name=output_name(column, bucket), column=column, bucket=bucket)


def entry(name: str, buckets: list[Bucket]) -> str | dict[str, Any]:
    """A group-by name as the API's entry: a bucket's `{column, bucket}`, else the name."""
    for b in buckets:
        if b.name == name:
            body: dict[str, Any] = {"column": b.column, "bucket": b.bucket}
            if b.name != output_name(b.column, b.bucket):
                body["alias"] = b.name
            return body
    return name


def from_entry(value: Any) -> tuple[str, Bucket | None]:
    """A saved group-by entry -> (its output name, its bucket if it has one).

    >>> from_entry({"column": "order_date", "bucket": "month"})
    ('order_date_month', Bucket(name='order_date_month', column='order_date', bucket='month'))
    >>> from_entry("region")
    ('region', None)
    """
    if not isinstance(value, dict):
        return str(value), None
    column, bucket = str(value.get("column", "")), str(value.get("bucket", ""))
    name = str(value.get("alias") or output_name(column, bucket))
    return name, Bucket(name=name, column=column, bucket=bucket)


def name_of(value: Any) -> str:
    """The output name of a group-by entry of a spec (a plain name or a bucket)."""
    return from_entry(value)[0]


def label(column_label: str, bucket: str) -> str:
    """The bucketed column's label, as the API writes it: `Order date (month)`."""
    return f"{column_label} ({bucket})"


def next_start(start: dt.date, bucket: str) -> dt.date:
    """The first day of the period after the one starting on `start`.

    >>> next_start(dt.date(2024, 11, 1), "quarter"), next_start(dt.date(2024, 12, 30), "week")
    (datetime.date(2025, 2, 1), datetime.date(2025, 1, 6))
    """
    if bucket == "day":
        return start + dt.timedelta(days=1)
    if bucket == "week":
        return start + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[bucket]
    index = start.year * 12 + start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_text(start: dt.date, bucket: str) -> str:
    """A period as people name it: `Jan 2024`, `Q1 2024`, `2024`, `Week of 29 Jan 2024`.

    >>> [period_text(dt.date(2024, 4, 1), b) for b in BUCKETS]
    ['01 Apr 2024', 'Week of 01 Apr 2024', 'Apr 2024', 'Q2 2024', '2024']
    """
    if bucket == "month":
        return start.strftime("%b %Y")
    if bucket == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if bucket == "year":
        return str(start.year)
    day = start.strftime("%d %b %Y")
    return f"Week of {day}" if bucket == "week" else day


def drill_rows(column: str, kind: str, bucket: str, value: Any) -> list[tuple[str, str, str]]:
    """The clicked period as conditions on its column, (operator, value, value2): a date
    column between the period's first and last day; a timestamp from its first moment to
    before the next period's.

    >>> drill_rows("order_date", "date", "month", "2024-02-01")
    [('between', '2024-02-01', '2024-02-29')]
    >>> drill_rows("at", "timestamp", "year", "2024-01-01")
    [('>=', '2024-01-01', ''), ('<', '2025-01-01', '')]
    """
    start = dt.date.fromisoformat(str(value)[:10])
    after = next_start(start, bucket)
    if kind == "date":
        return [("between", start.isoformat(), (after - dt.timedelta(days=1)).isoformat())]
    return [(">=", start.isoformat(), ""), ("<", after.isoformat(), "")]
