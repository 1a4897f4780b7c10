"""A column at a glance (the Columns menu's summary button): type, rows, distinct values,
min and max, empty values and the most frequent values, over the grid's vintage, from
GET /api/datasets/{key}/summary/{column} (row-level security and the cost gate apply)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from aurora import formatting as fmt
from aurora.api_client import ApiError
from aurora.state.base import PageState
from aurora.state.explorer import ExplorerState
from aurora.state.models import Pill


def summary_lines(answer: dict[str, Any], kind: str, format_: str) -> list[Pill]:
    """The summary as label/value lines, numbers and dates written as the grid writes them.

    >>> [f"{p.id} {p.text}" for p in summary_lines(
    ...     {"type": "BIGINT", "rows": 1200, "nulls": 0, "distinct": 5, "min": 1, "max": 9},
    ...     "integer", "")]
    ['Type BIGINT', 'Rows 1,200', 'Distinct 5', 'Min 1', 'Max 9', 'Empty 0']
    """
    shown = [("Type", str(answer.get("type", ""))), ("Rows", f"{int(answer.get('rows') or 0):,}")]
    if answer.get("distinct") is not None:
        shown.append(("Distinct", f"{int(answer['distinct']):,}"))
    for key, label in (("min", "Min"), ("max", "Max")):
        value = fmt.format_value(answer.get(key), kind, format_ or None)
        shown.append((label, "null" if value is None else value))
    shown.append(("Empty", f"{int(answer.get('nulls') or 0):,}"))
    return [Pill(id=label, text=text) for label, text in shown]


class ColumnSummaryState(PageState, rx.State):
    open: bool = False
    label: str = ""
    lines: list[Pill] = []
    top: list[Pill] = []  # id = the value as shown, text = its row count

    @rx.event
    def close(self):
        self.open = False

    @rx.event
    async def show(self, column: str):
        explorer = await self.get_state(ExplorerState)
        meta = next((c for c in explorer.columns if c.name == column), None)
        if meta is None:
            return
        self.label, self.lines, self.top, self.error, self.open = meta.label, [], [], "", True
        yield
        vintage = explorer._current_spec().get("vintage") or {}
        params = {k: str(v) for k, v in vintage.items() if v is not None}
        client = await self._api()
        try:
            answer = await client.column_summary(explorer.dataset_key, column, params)
        except ApiError as exc:
            self.error = exc.message
            return
        self.lines = summary_lines(answer, meta.kind, meta.format)
        self.top = [
            Pill(
                id=fmt.format_value(t.get("value"), meta.kind, meta.format or None) or "null",
                text=f"{int(t.get('rows') or 0):,}",
            )
            for t in answer.get("top", [])
        ]
