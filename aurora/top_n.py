"""The words of a top N (the spec's `limit`) on its pill. Pure.

A limit keeps the first N rows in the grid's sort: with the first sort key descending
that is "Top N", ascending on a measure "Bottom N" (the smallest), otherwise "First N".
"""

from __future__ import annotations

from aurora.state.models import SortKey


def label(limit: int, sort: list[SortKey], measures: list[str]) -> str:
    """`measures`: the aliases of the spec's measures; "" without a limit.

    >>> desc, asc = SortKey("revenue", "desc"), SortKey("revenue", "asc")
    >>> label(5, [desc], ["revenue"]), label(3, [asc], ["revenue"]), label(10, [], [])
    ('Top 5', 'Bottom 3', 'First 10')
    >>> label(0, [desc], []), label(4, [SortKey("name", "asc")], ["revenue"])
    ('', 'First 4')
    """
    if limit <= 0:
        return ""
    first = sort[0] if sort else None
    if first is not None and first.direction == "desc":
        return f"Top {limit:,}"
    if first is not None and first.column in measures:
        return f"Bottom {limit:,}"
    return f"First {limit:,}"
