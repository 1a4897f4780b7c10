"""The aggregation builder modal: group-by columns and measures, applied as a whole.

After Apply the grid's schema is the group columns plus the measure aliases; filters on a
measure alias are sent like any other condition and the API puts them in HAVING.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import reflex as rx

from aurora import buckets as bk
from aurora import filters as flt
from aurora import formatting as fmt
from aurora import spec_builder
from aurora.api_client import ApiError
from aurora.state import convert, dialog_apply, session
from aurora.state.base import PageState
from aurora.state.explorer import ExplorerState
from aurora.state.models import GroupPill, Measure, SortKey

AGGS = ["sum", "avg", "min", "max", "count", "count_distinct"]


def auto_alias(m: Measure) -> str:
    if m.mode == "expr":
        return f"{m.agg}_expr"
    if not m.column:
        return "row_count" if m.agg == "count" else m.agg
    return f"{m.agg}_{re.sub(r'[^0-9A-Za-z_]+', '_', m.column)}"


def problems(group_by: list[str], measures: list[Measure]) -> str:
    """What stops this aggregation from being sent, in words; empty when it is fine."""
    aliases = [m.alias.strip() for m in measures]
    if not group_by and not measures:
        return "Choose at least one group column or measure."
    if any(not a for a in aliases):
        return "Every measure needs a name."
    clash = {a for a in aliases if aliases.count(a) > 1 or a in group_by}
    if clash:
        return f"Measure names must be unique: {', '.join(sorted(clash))}."
    for m in measures:
        if m.mode == "expr" and not m.expr.strip():
            return f"Measure '{m.alias}' needs an expression."
        if m.mode == "column" and not m.column and m.agg != "count":
            return f"Measure '{m.alias}' needs a column."
    return ""


@session.forgotten
@dialog_apply.dialog("aggregate")
class AggregateState(PageState, rx.State):
    open: bool = False
    group_by: list[str] = []  # the group columns (a date by period: its date column)
    group_buckets: dict[str, str] = {}  # a date column -> its period (absent: exact dates)
    group_pills: list[GroupPill] = []  # the same columns with their labels, for display
    measures: list[Measure] = []

    async def _labelled(self) -> list[GroupPill]:
        explorer = await self.get_state(ExplorerState)
        columns = {c.name: c for c in explorer.columns}
        pills = []
        for name in self.group_by:
            c, bucket = columns.get(name), self.group_buckets.get(name, "")
            text = c.label if c is not None else name
            pills.append(
                GroupPill(
                    id=name,
                    text=bk.label(text, bucket) if bucket else text,
                    temporal=c is not None and c.kind in fmt.TEMPORAL_KINDS,
                    bucket=bucket,
                )
            )
        return pills

    def _output_names(self) -> list[str]:
        """The group-by as the grid names it (`order_date_month` for a date by month)."""
        return [
            bk.output_name(g, self.group_buckets[g]) if g in self.group_buckets else g
            for g in self.group_by
        ]

    @rx.event
    async def open_modal(self):
        explorer = await self.get_state(ExplorerState)
        periods = {b.name: b for b in explorer.buckets}
        self.group_by = [periods[g].column if g in periods else g for g in explorer.group_by]
        self.group_buckets = {b.column: b.bucket for b in explorer.buckets}
        self.group_pills = await self._labelled()
        self.measures = [dataclasses.replace(m) for m in explorer.measures]
        if not self.measures:
            self.measures = [Measure(id=flt.new_id(), agg="count", alias="row_count")]
        self.error, self.open = "", True

    @rx.event
    def set_open(self, value: bool):
        self.open = value

    @rx.event
    async def add_group_by(self, name: str):
        if name and name not in self.group_by:
            self.group_by = [*self.group_by, name]
            self.group_pills = await self._labelled()

    @rx.event
    async def set_group_bucket(self, name: str, bucket: str):
        """A date column grouped by its exact value ("") or by day, week, month, quarter or
        year."""
        self.group_buckets = {k: v for k, v in self.group_buckets.items() if k != name}
        if bucket in bk.BUCKETS:
            self.group_buckets = {**self.group_buckets, name: bucket}
        self.group_pills = await self._labelled()

    @rx.event
    def remove_group_by(self, name: str):
        self.group_by = [g for g in self.group_by if g != name]
        self.group_buckets = {k: v for k, v in self.group_buckets.items() if k != name}
        self.group_pills = [p for p in self.group_pills if p.id != name]

    @rx.event
    def add_measure(self):
        m = Measure(id=flt.new_id(), agg="sum")
        m.alias = auto_alias(m)
        self.measures = [*self.measures, m]

    @rx.event
    def remove_measure(self, measure_id: str):
        self.measures = [m for m in self.measures if m.id != measure_id]

    @rx.event
    def set_measure(self, measure_id: str, field: str, value: str):
        """Change one field; a name the user never typed follows the column and function."""
        if field not in ("mode", "column", "expr", "agg", "alias"):
            return
        out = []
        for m in self.measures:
            if m.id == measure_id:
                was_auto = m.alias in ("", auto_alias(m))
                m = dataclasses.replace(m, **{field: value}, error="")
                if field != "alias" and was_auto:
                    m.alias = auto_alias(m)
            out.append(m)
        self.measures = out
        self.error = ""

    @rx.event
    async def apply(self):
        self.error = problems(self._output_names(), self.measures)
        if self.error:
            return None
        explorer = await self.get_state(ExplorerState)
        dialog_apply.remember(explorer, "aggregate")  # open until the grid's query answers
        self.measures = [dataclasses.replace(m, error="") for m in self.measures]
        explorer.group_by = self._output_names()
        explorer.buckets = [
            bk.make(g, self.group_buckets[g]) for g in self.group_by if g in self.group_buckets
        ]
        explorer.measures = [dataclasses.replace(m, alias=m.alias.strip()) for m in self.measures]
        _fit_to_schema(explorer)
        return ExplorerState.run_query

    def _apply_refused(self, exc: ApiError, spec: dict[str, Any], paths: dict[str, str]) -> None:
        """Each message under the measure its path names (`measures[1].expr`); the rest, and
        refusals naming no measure (the cost gate), under the measures."""
        sent = [str(m.get("alias")) for m in spec.get("measures", [])]
        marks, rest = {}, []
        for detail in exc.details or [{}]:
            found = re.match(r"measures\[(\d+)\]", str(detail.get("path", "")))
            at = int(found.group(1)) if found else -1
            message = str(detail.get("message") or exc.message)
            if 0 <= at < len(sent):
                marks.setdefault(sent[at], message)
            else:
                rest.append(message)
        self.measures = [
            dataclasses.replace(m, error=marks.get(m.alias.strip(), "")) for m in self.measures
        ]
        title = convert.friendly(exc.code)[0]
        self.error = "" if marks and not rest else f"{title} {exc.message}"

    @rx.event
    async def clear(self):
        explorer = await self.get_state(ExplorerState)
        explorer.group_by, explorer.measures, explorer.buckets = [], [], []
        _fit_to_schema(explorer)
        self.group_by, self.group_pills, self.measures, self.open = [], [], [], False
        self.group_buckets = {}
        return ExplorerState.run_query


def _fit_to_schema(explorer: ExplorerState) -> None:
    """Sort keys and filters that name columns the new schema lacks are dropped."""
    explorer.hidden, explorer.page = [], 1
    names = set(spec_builder.schema(explorer._draft()))
    explorer.sort = [SortKey(s.column, s.direction) for s in explorer.sort if s.column in names]
    known = names | {c.name for c in explorer.columns}
    stale = [r.id for r in flt.conditions(explorer.filter_rows) if r.column not in known]
    for row_id in stale:
        explorer.filter_rows = flt.remove_row(explorer.filter_rows, row_id)
