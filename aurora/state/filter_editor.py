"""The filter builder modal: a draft copy of the filter tree, applied as a whole.

It edits the explorer's filters, or those of a state registered in `TARGETS` (the pivot
view registers itself: this module imports no state above the explorer)."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from aurora import filters as flt
from aurora import vocabulary
from aurora.api_client import ApiError
from aurora.state import convert, dialog_apply, session
from aurora.state.base import PageState
from aurora.state.explorer import ON_FILTER_ERRORS, ExplorerState
from aurora.state.models import ColumnMeta, Pill

SUGGESTIONS = 20
# Whose filters the builder may edit, by name: each has `dataset_key` and, but for the
# explorer, `_apply_filters(rows)`.
TARGETS: dict[str, type[rx.State]] = {"explorer": ExplorerState}


@session.forgotten
@dialog_apply.dialog("filter")
class FilterState(PageState, rx.State):
    """The rows being edited. Nothing is queried until Apply."""

    open: bool = False
    rows: list[flt.FilterRow] = []
    # Whose filters are edited: the explorer's, or the pivot view's (with its columns).
    target: str = "explorer"
    columns: list[ColumnMeta] = []
    suggestions: list[str] = []
    suggest_for: str = ""
    # The operator lists (id = operator, text = its label) by the kind of a row's column, as
    # the API offers them (aurora.vocabulary); the other numeric and temporal kinds alike.
    ops_text: list[Pill] = []
    ops_integer: list[Pill] = []
    ops_date: list[Pill] = []
    ops_boolean: list[Pill] = []
    # error (PageState): a refusal of the filters that names no condition

    @rx.var
    def condition_text(self) -> str:
        """`3 conditions`: those that would be sent, not rows still blank."""
        count = sum(1 for r in flt.conditions(self.rows) if flt.is_complete(r))
        return f"{count} condition{'' if count == 1 else 's'}"

    def _offer_operators(self, words: vocabulary.Vocabulary) -> None:
        for kind in ("text", "integer", "date", "boolean"):
            choices = [Pill(id=op, text=words.label(op)) for op in words.operators_for(kind)]
            setattr(self, f"ops_{kind}", choices)

    def _show_errors(self, rows: list[flt.FilterRow]) -> None:
        """The API named conditions it refused: reopen the builder with the messages."""
        self.rows = [dataclasses.replace(r) for r in rows] or flt.new_tree()
        self._offer_operators(vocabulary.current())  # loaded when the page was entered
        self.target, self.open = "explorer", True

    async def _columns(self) -> dict[str, str]:
        return {c.name: c.kind for c in self.columns}

    async def _dataset(self) -> str:
        return str((await self.get_state(TARGETS[self.target])).dataset_key)

    @rx.event
    async def open_modal(self):
        explorer = await self.get_state(ExplorerState)
        await self._edit("explorer", explorer.filter_columns, explorer.filter_rows)

    async def _edit(self, target: str, columns: list[ColumnMeta], rows: list[flt.FilterRow]):
        """Open the builder on `target`'s filter rows ("explorer" or "pivot")."""
        self._offer_operators(await vocabulary.load(await self._api()))
        self.target, self.columns = target, list(columns)
        self.rows = [dataclasses.replace(r) for r in rows] or flt.new_tree()
        if not flt.conditions(self.rows):
            await self._add_condition(flt.ROOT)
        self.suggestions, self.suggest_for, self.error, self.open = [], "", "", True

    @rx.event
    def set_open(self, value: bool):
        self.open = value

    async def _add_condition(self, group_id: str) -> None:
        """A blank condition: the user picks its column (no guessed "Order id equals")."""
        self.rows = flt.add_row(self.rows, group_id, flt.blank_condition())

    @rx.event
    async def add_condition(self, group_id: str = flt.ROOT):
        await self._add_condition(group_id)

    @rx.event
    async def add_group(self, group_id: str = flt.ROOT):
        sub = flt.group("or")
        self.rows = flt.add_row(self.rows, group_id, sub)
        await self._add_condition(sub.id)

    @rx.event
    def remove(self, row_id: str):
        self.rows = flt.remove_row(self.rows, row_id)

    @rx.event
    def set_group_op(self, row_id: str, op: str):
        self.rows = flt.update_row(self.rows, row_id, op="or" if op == "or" else "and")

    @rx.event
    def toggle_negate(self, row_id: str):
        row = next((r for r in self.rows if r.id == row_id), None)
        if row is not None:
            self.rows = flt.update_row(self.rows, row_id, negate=not row.negate)

    @rx.event
    async def set_column(self, row_id: str, column: str):
        kind = (await self._columns()).get(column, "text")
        row = next((r for r in self.rows if r.id == row_id), None)
        words = vocabulary.current()
        operator = row.operator if row and row.operator in words.operators_for(kind) else ""
        self.rows = flt.update_row(
            self.rows,
            row_id,
            column=column,
            col_kind=kind,
            operator=operator or words.default_operator(kind),
            value="",
            value2="",
            error="",
        )

    @rx.event
    def set_operator(self, row_id: str, operator: str):
        self.rows = flt.update_row(self.rows, row_id, operator=operator, error="")

    @rx.event
    def set_value(self, row_id: str, value: str):
        self.rows = flt.update_row(self.rows, row_id, value=value, error="")

    @rx.event
    def set_value2(self, row_id: str, value: str):
        self.rows = flt.update_row(self.rows, row_id, value2=value, error="")

    @rx.event
    async def set_text_value(self, row_id: str, value: str):
        """A text value changed: keep it, then offer matching values from `/values`."""
        self.rows = flt.update_row(self.rows, row_id, value=value, error="")
        yield
        row = next((r for r in self.rows if r.id == row_id), None)
        if row is None or not row.column:
            return
        try:
            values = await (await self._api()).values(
                await self._dataset(), row.column, q=value, limit=SUGGESTIONS
            )
        except ApiError:
            values = []
        self.suggestions = [str(v) for v in values if v is not None][:SUGGESTIONS]
        self.suggest_for = row_id

    @rx.event
    def clear(self):
        self.rows = flt.new_tree()

    @rx.event
    async def apply(self):
        if self.target != "explorer":
            self.open = False
            return (await self.get_state(TARGETS[self.target]))._apply_filters(self.rows)  # type: ignore[attr-defined]
        explorer = await self.get_state(ExplorerState)
        dialog_apply.remember(explorer, "filter")  # open until the grid's query answers
        self.rows = [dataclasses.replace(r, error="") for r in self.rows]
        self.error = ""
        explorer.filter_rows = [dataclasses.replace(r) for r in self.rows]
        explorer.page = 1
        return ExplorerState.run_query

    def _apply_refused(self, exc: ApiError, spec: dict[str, Any], paths: dict[str, str]) -> None:
        """Messages beside the conditions their paths name; any other refusal below them."""
        marked = convert.mark_filter_errors(self.rows, exc, paths)
        if marked is not None:
            self.rows = marked
        self.error = "" if marked is not None else f"{convert.friendly(exc.code)[0]} {exc.message}"


async def _reopen_on_errors(explorer: ExplorerState, rows: list[flt.FilterRow]) -> None:
    """The API named conditions it refused: the builder reopens with the messages."""
    (await explorer.get_state(FilterState))._show_errors(rows)


ON_FILTER_ERRORS.append(_reopen_on_errors)
