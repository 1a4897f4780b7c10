"""The one number an alert watches: its report's spec reduced to one total of one measure.

The report's grouping, sort, top-N limit and totals rows are dropped and every filter,
join, calculated field and vintage kept, so the alert reads the measure over everything the
report filters to, as one row. Its other measures stay (a HAVING filter may name them).
"""

from __future__ import annotations

from typing import Any

from backend.errors import BadRequest
from backend.query.spec import QuerySpec


def pick_measure(spec: QuerySpec, wanted: str | None) -> str:
    """The measure's alias: `wanted`, or the report's only measure; BadRequest otherwise."""
    aliases = [m.alias for m in spec.measures]
    if not aliases:
        raise BadRequest(
            "An alert watches a measure, and this report has none: "
            "add an aggregation (sum, count, ...) to the report first."
        )
    if wanted is None:
        if len(aliases) > 1:
            raise BadRequest(f"The report has several measures; pick one of {', '.join(aliases)}.")
        return aliases[0]
    if wanted not in aliases:
        raise BadRequest(f"The report has no measure '{wanted}'; it has {', '.join(aliases)}.")
    return wanted


def total_spec(spec: QuerySpec) -> QuerySpec:
    """The spec as one total row.

    >>> s = QuerySpec.model_validate({"dataset": "sales", "group_by": ["region"],
    ...     "measures": [{"agg": "sum", "column": "amount", "alias": "total"}],
    ...     "sort": [{"column": "total", "direction": "desc"}], "limit": 5, "page": 3})
    >>> t = total_spec(s)
    >>> (t.group_by, t.sort, t.limit, t.page, t.page_size, [m.alias for m in t.measures])
    ([], [], None, 1, 1, ['total'])
    """
    update: dict[str, Any] = {
        "group_by": [],
        "sort": [],
        "totals": None,
        "limit": None,
        "columns": [],
        "page": 1,
        "page_size": 1,
    }
    return spec.model_copy(update=update)


def as_number(value: Any) -> float | None:
    """A measure's value as a float: decimals may come as strings holding the exact value.

    >>> from decimal import Decimal
    >>> as_number("12.50"), as_number(Decimal("3")), as_number(None), as_number(7)
    (12.5, 3.0, None, 7.0)
    """
    if value is None:
        return None
    return float(value)
