"""The column summary panel above the grid (opened from the Columns menu)."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.state.column_summary import ColumnSummaryState as S
from aurora.state.models import Pill


def _line(p: rx.Var[Pill]) -> rx.Component:
    return rx.el.span(
        rx.el.span(p.id + " ", style=theme.MUTED),
        rx.el.strong(p.text),
        class_name="column-summary-line",
    )


def _top(p: rx.Var[Pill]) -> rx.Component:
    return rx.el.span(
        p.id + " (" + p.text + ")", class_name="column-summary-top", style=theme.BADGE
    )


def column_summary() -> rx.Component:
    return rx.cond(
        S.open,
        rx.el.div(
            rx.el.strong(S.label),
            rx.foreach(S.lines, _line),
            rx.cond(S.top.length() > 0, rx.el.span("Most frequent", style=theme.MUTED)),
            rx.foreach(S.top, _top),
            rx.cond(S.error != "", rx.el.span(S.error, role="alert", style=theme.FIELD_ERROR)),
            theme.icon_button("x", "Close summary", id="column-summary-close", on_click=S.close),
            id="column-summary",
            role="region",
            aria_label="Column summary",
            style=theme.NOTICE_ROW,
        ),
    )
