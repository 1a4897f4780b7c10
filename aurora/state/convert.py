"""API answers -> the small records the explorer state keeps, and errors -> friendly words.

Pure functions, so the state module stays about events.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from aurora import filters as flt
from aurora import formatting as fmt
from aurora.api_client import ApiError
from aurora.state.models import ColumnMeta, LoadIdOption

FRIENDLY: dict[str, tuple[str, str]] = {
    "query_too_expensive": (
        "This query would read too much data to run.",
        "Narrow it with one of those filters, or pick a single load under Data vintage.",
    ),
    "query_timeout": (
        "The query took too long and was stopped.",
        "Narrow it down with a filter, fewer columns or an aggregation.",
    ),
    "row_limit_exceeded": (
        "The result is larger than the row limit.",
        "Add filters or aggregate the data to make the result smaller.",
    ),
    "invalid_query": ("This query cannot run as built.", "Check the highlighted settings."),
    "forbidden": ("You are not allowed to see this.", "Ask an administrator for access."),
    "api_unreachable": ("The Aurora service cannot be reached.", "Try again in a minute."),
}


def friendly(code: str) -> tuple[str, str]:
    return FRIENDLY.get(code, ("The request failed.", ""))


def column_meta(c: dict[str, Any]) -> ColumnMeta:
    type_ = str(c.get("type", ""))
    name = str(c.get("name", ""))
    return ColumnMeta(
        name=name,
        label=str(c.get("label") or name),
        type=type_,
        kind=fmt.kind_of(type_),
        format=str(c.get("format") or ""),
    )


def result_column(c: dict[str, Any], known: ColumnMeta | None) -> ColumnMeta:
    meta = column_meta(c)
    if known is not None:
        # A qualified (joined, ambiguous) name keeps the label that names its dataset.
        plain = not c.get("label") or c.get("label") == meta.name or "." in meta.name
        plain = plain or known.type == "calculated"  # the name the user typed, e.g. "Margin %"
        meta.label = known.label if plain else meta.label
        meta.format = meta.format or known.format
    return meta


def load_id_option(item: dict[str, Any]) -> LoadIdOption:
    value = str(item.get("load_id", ""))
    rows = item.get("rows")
    label = f"{value} · {rows:,} rows" if isinstance(rows, int) else value
    return LoadIdOption(value=value, label=label)


def mark_filter_errors(
    rows: list[flt.FilterRow], exc: ApiError, paths: dict[str, str]
) -> list[flt.FilterRow] | None:
    """Put each validation message on the filter row its path names; None if none match."""
    messages: dict[str, str] = {}
    for detail in exc.details:
        row_id = flt.row_for_path(str(detail.get("path", "")), paths)
        if row_id and row_id not in messages:
            messages[row_id] = str(detail.get("message") or exc.message)
    if not messages:
        return None
    return [dataclasses.replace(r, error=messages.get(r.id, "")) for r in rows]
