"""Calculated fields: named expressions, checked by the API before they join the grid."""

from __future__ import annotations

import re

import reflex as rx

from aurora import formatting as fmt
from aurora.api_client import ApiError
from aurora.state import session
from aurora.state.base import PageState
from aurora.state.explorer import ExplorerState
from aurora.state.models import Calculated, ColumnMeta

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_WORDS = {"%": " pct ", "#": " num ", "&": " and ", "+": " plus "}


def identifier(label: str) -> str:
    """The snake_case name the API needs, from what people type as a field's name.

    >>> identifier("Margin %"), identifier("Net amount (EUR)"), identifier("2024 sales")
    ('margin_pct', 'net_amount_eur', 'f_2024_sales')
    """
    text = "".join(_WORDS.get(ch, ch) for ch in label.strip()).lower()
    name = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    if name[:1].isdigit():
        name = f"f_{name}"
    return name[:63].rstrip("_")


@session.forgotten
class CalcState(PageState, rx.State):
    open: bool = False
    editing: str = ""  # the name of the field being edited; empty when adding
    name: str = ""
    expr: str = ""
    busy: bool = False

    @rx.event
    def open_modal(self):
        self.editing, self.name, self.expr, self.error, self.open = "", "", "", "", True

    @rx.event
    def set_open(self, value: bool):
        self.open = value

    @rx.event
    async def edit(self, name: str):
        explorer = await self.get_state(ExplorerState)
        field = next((c for c in explorer.calculated if c.name == name), None)
        if field is not None:
            label = next((c.label for c in explorer.columns if c.name == name), name)
            self.editing, self.name, self.expr, self.error = field.name, label, field.expr, ""

    @rx.event
    def set_name(self, value: str):
        self.name, self.error = value, ""

    @rx.event
    def set_expr(self, value: str):
        self.expr, self.error = value, ""

    @rx.event
    async def remove(self, name: str):
        explorer = await self.get_state(ExplorerState)
        explorer.calculated = [c for c in explorer.calculated if c.name != name]
        explorer.columns = [c for c in explorer.columns if c.name != name]
        explorer.hidden = [h for h in explorer.hidden if h != name]
        explorer.sort = [s for s in explorer.sort if s.column != name]
        return ExplorerState.run_query

    @rx.var
    def identifier(self) -> str:
        """The column name the field gets (`Margin %` -> `margin_pct`)."""
        return identifier(self.name)

    def _clash(self, explorer: ExplorerState) -> str:
        name = identifier(self.name)
        if not NAME.match(name):
            return "Give the field a name with at least one letter or digit."
        taken = {c.name for c in explorer.columns} - {self.editing}
        if name in taken:
            return f"'{name}' is already a column; pick another name."
        if not self.expr.strip():
            return "Enter an expression, for example amount * (1 - discount)."
        return ""

    @rx.event
    async def save(self):
        explorer = await self.get_state(ExplorerState)
        self.error = self._clash(explorer)
        if self.error:
            return
        self.busy = True
        yield
        field = Calculated(name=identifier(self.name), expr=self.expr.strip())
        others = [c for c in explorer.calculated if c.name != self.editing]
        try:
            kind = await self._check(explorer, [*others, field], field.name)
        except ApiError as exc:
            self.busy = False
            ended = self._failed(exc)
            if ended is not None:
                yield ended
            return
        _commit(explorer, others, field, self.editing, kind, self.name.strip())
        self.busy, self.open = False, False
        yield ExplorerState.run_query

    def _show_failure(self, exc: ApiError) -> None:
        self.error = _message(exc)

    async def _check(self, explorer: ExplorerState, calculated: list[Calculated], name: str) -> str:
        """Ask the API for one row of the new field: its answer is the validation."""
        spec = {
            "dataset": explorer.dataset_key,
            "calculated": [{"name": c.name, "expr": c.expr} for c in calculated],
            "columns": [name],
            "page": 1,
            "page_size": 1,
        }
        vintage = explorer._current_spec().get("vintage")
        if vintage:
            spec["vintage"] = vintage
        result = await (await self._api()).query(spec)
        types = [str(c.get("type", "")) for c in result.get("columns", [])]
        return fmt.kind_of(types[0]) if types else "other"


def _commit(
    explorer: ExplorerState,
    others: list[Calculated],
    field: Calculated,
    old: str,
    kind: str,
    label: str,
) -> None:
    explorer.calculated = [*others, field]
    columns = [c for c in explorer.columns if c.name not in (old, field.name)]
    columns.append(ColumnMeta(name=field.name, label=label, type="calculated", kind=kind))
    explorer.columns = columns
    if old and old != field.name:
        explorer.sort = [s for s in explorer.sort if s.column != old]
        explorer.hidden = [h for h in explorer.hidden if h != old]


def _message(exc: ApiError) -> str:
    detail = next((d.get("message") for d in exc.details if d.get("message")), "")
    return exc.message if not detail or detail in exc.message else f"{exc.message} ({detail})"
