"""Calculated fields: a name and an expression, validated by the API on save."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components.modal import modal
from aurora.state.calculated import CalcState
from aurora.state.explorer import ExplorerState
from aurora.state.models import Calculated


def _existing(c: rx.Var[Calculated]) -> rx.Component:
    return rx.el.div(
        rx.el.code(c.name, style=theme.BOLD),
        rx.el.span("=", style=theme.MUTED),
        rx.el.code(c.expr, style=theme.PILL_TEXT_FILL),
        theme.icon_button("pencil", "Edit " + c.name, on_click=CalcState.edit(c.name)),
        theme.icon_button("trash-2", "Remove " + c.name, on_click=CalcState.remove(c.name)),
        style=theme.INLINE_ROW,
    )


def _name() -> list[rx.Component]:
    return [
        rx.el.label("Name", html_for="calc-name", style=theme.LABEL),
        rx.el.input(
            id="calc-name",
            value=CalcState.name,
            on_change=CalcState.set_name,
            placeholder="Net amount",
            style=theme.PILL_INPUT_FULL,
        ),
        rx.el.div(
            "Column name: ",
            rx.el.code(CalcState.identifier, id="calc-identifier"),
            style=theme.MUTED_HINT,
        ),
    ]


def _expression() -> list[rx.Component]:
    """The expression, what it may use, and the API's answer when it refused it."""
    return [
        rx.el.label("Expression", html_for="calc-expr", style=theme.LABEL),
        rx.el.textarea(
            id="calc-expr",
            value=CalcState.expr,
            on_change=CalcState.set_expr,
            placeholder="amount * (1 - discount)",
            rows=3,
            style=theme.TEXTAREA,
        ),
        rx.el.div(
            "Columns, numbers, 'text', + - * / %, comparisons, CASE WHEN, and functions "
            "such as round, abs, coalesce, lower, upper, year, month, date_trunc.",
            style=theme.MUTED,
        ),
        rx.cond(
            CalcState.error != "",
            rx.el.div(
                CalcState.error,
                id="calc-error",
                role="alert",
                style=theme.FIELD_ERROR_BELOW,
            ),
        ),
    ]


def calc_modal() -> rx.Component:
    return modal(
        modal_id="calc-modal",
        apply_id="calc-save",
        title="Calculated fields",
        open_=CalcState.open,
        on_open_change=CalcState.set_open,
        width="min(680px, 94vw)",
        body=[
            rx.el.div(
                rx.foreach(ExplorerState.calculated, _existing),
                style=theme.CALC_LIST,
            ),
            *_name(),
            *_expression(),
        ],
        footer=[
            rx.dialog.close(theme.button("Close")),
            theme.button(
                rx.cond(CalcState.editing != "", "Save changes", "Add field"),
                icon_name="check",
                kind="primary",
                id="calc-save",
                disabled=CalcState.busy,
                on_click=CalcState.save,
            ),
        ],
    )
