"""Date buckets for group-by entries: `{"column": "order_date", "bucket": "month"}` groups
by the first day of each month, without a calculated field.

The bucket is the same truncation a calculated `date_trunc('month', order_date)` compiles to
(`DATE_TRUNC` on DuckDB and PostgreSQL, `TRUNC(d, 'MM')` on Oracle through
`backend.query.render`), cast back to DATE: a period is a day, whatever the column's type.
Weeks start on Monday (ISO) on all three databases.
"""

from __future__ import annotations

import dataclasses

from sqlglot import exp

from backend.catalog.models import type_kind
from backend.errors import InvalidQuery
from backend.query.names import Ref, Scope
from backend.query.spec import GroupBucket, GroupEntry

#: Nodes a bucket adds around its column (cast, truncation, unit, cast), for the budget.
BUCKET_SIZE = 4


def group_ref(scope: Scope, entry: GroupEntry, path: str) -> Ref:
    """The reference a group-by entry stands for: a name as it resolves, or a date column's
    bucket under its own output name and label.

    >>> from tests.query.catalog import plan_for
    >>> from backend.query.steps.sources import resolve_sources
    >>> scope = resolve_sources(plan_for({"dataset": "global_sales"})).scope
    >>> ref = group_ref(scope, GroupBucket(column="order_date", bucket="quarter"), "group_by[0]")
    >>> ref.name, ref.label, ref.type
    ('order_date_quarter', 'Order date (quarter)', 'DATE')
    >>> ref.expr.sql("duckdb")
    "CAST(DATE_TRUNC('QUARTER', CAST(global_sales.order_date AS TIMESTAMP)) AS DATE)"
    >>> group_ref(scope, GroupBucket(column="region", bucket="month"), "group_by[1]")
    Traceback (most recent call last):
    backend.errors.InvalidQuery: Region is not a date: only dates group by month
    """
    if not isinstance(entry, GroupBucket):
        return scope.resolve(entry, path)
    ref = scope.resolve(entry.column, f"{path}.column")
    if type_kind(ref.type) not in ("date", "timestamp"):
        raise InvalidQuery(
            f"{ref.label} is not a date: only dates group by {entry.bucket}", path=f"{path}.bucket"
        )
    return dataclasses.replace(
        ref,
        name=entry.name,
        expr=bucket_expr(ref.expr, entry.bucket),
        type="DATE",
        label=f"{ref.label} ({entry.bucket})",
        format=None,
        source=None,
        size=ref.size + BUCKET_SIZE,
    )


def bucket_expr(value: exp.Expr, bucket: str) -> exp.Expr:
    """The first day of `value`'s period. PostgreSQL truncates a DATE as a TIMESTAMPTZ (at
    the session's midnight), so the value goes in as a TIMESTAMP, as in calculated fields."""
    timestamp = exp.cast(value.copy(), exp.DataType.build("TIMESTAMP"))
    trunc = exp.DateTrunc(this=timestamp, unit=exp.Literal.string(bucket.upper()))  # type: ignore[no-untyped-call]
    return exp.cast(trunc, exp.DataType.build("DATE"))
