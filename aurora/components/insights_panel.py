"""The Insights panel beside the chart: a button that asks, then the findings as sentences,
each a link that opens the finding's query in the explorer."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.state.chart import ChartState
from aurora.state.insights import InsightsState as S
from aurora.state.models import Pill


def _finding(p: rx.Var[Pill], index: rx.Var[int]) -> rx.Component:
    return rx.el.li(
        rx.el.button(
            rx.el.span(p.id, style=theme.BADGE, class_name="insight-kind"),
            rx.el.span(p.text, class_name="insight-text"),
            type="button",
            class_name="insight-finding",
            data_kind=p.id,
            title="Open this finding's query",
            on_click=S.open_finding(index),
            style=theme.INSIGHT_FINDING,
        ),
    )


def insights_panel() -> rx.Component:
    return rx.cond(
        ChartState.show,
        rx.el.section(
            rx.el.div(
                rx.el.strong("Insights"),
                theme.button(
                    "Find insights",
                    icon_name="sparkles",
                    id="insights-open",
                    on_click=S.find,
                    disabled=S.loading,
                ),
                rx.cond(S.loading, rx.el.span("Looking…", style=theme.MUTED)),
                style=theme.row("10px"),
            ),
            rx.cond(S.error != "", rx.el.div(S.error, role="alert", style=theme.FIELD_ERROR)),
            rx.cond(S.status != "", rx.el.div(S.status, id="insights-status", style=theme.MUTED)),
            rx.el.ul(
                rx.foreach(S.findings, _finding),
                style=theme.PLAIN_LIST,
            ),
            id="insights-panel",
            aria_label="Insights",
            aria_busy=S.loading,
            style=theme.INSIGHTS_BESIDE,
        ),
    )
