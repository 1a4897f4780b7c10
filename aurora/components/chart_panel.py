"""The chart panel above the grid: type, group column, measure, limit, and the chart."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.state.chart import KINDS, MAX_LIMIT, ChartState
from aurora.state.models import Pill

KIND_LABELS = {"bar": "Bar", "line": "Line", "area": "Area", "pie": "Pie", "kpi": "KPI tile"}
HEIGHT = 230
# Axis numbers as people read them (5.4B, 120K); the tooltip keeps the exact value.
_COMPACT = "((v) => new Intl.NumberFormat('en', {notation: 'compact'}).format(v))"


def _pill_option(p: rx.Var[Pill]) -> rx.Component:
    return rx.el.option(p.text, value=p.id)


def _controls() -> rx.Component:
    select = {**theme.PILL_SELECT, "max_width": "200px"}
    return rx.el.div(
        rx.el.select(
            *[rx.el.option(KIND_LABELS[k], value=k) for k in KINDS],
            id="chart-kind",
            aria_label="Chart type",
            value=ChartState.kind,
            on_change=ChartState.set_kind,
            style=select,
        ),
        rx.cond(
            ChartState.kind != "kpi",
            rx.el.select(
                rx.foreach(ChartState.x_options, _pill_option),
                id="chart-x",
                aria_label="Group column",
                value=ChartState.x,
                on_change=ChartState.set_x,
                style=select,
            ),
        ),
        rx.el.select(
            rx.foreach(ChartState.y_options, _pill_option),
            id="chart-y",
            aria_label="Measure",
            value=ChartState.y,
            on_change=ChartState.set_y,
            style=select,
        ),
        rx.cond(
            ChartState.kind != "kpi",
            rx.el.label(
                rx.el.span("Limit", style=theme.LABEL),
                rx.debounce_input(
                    rx.el.input(
                        id="chart-limit",
                        type="number",
                        min=1,
                        max=MAX_LIMIT,
                        value=ChartState.limit.to_string(),
                        on_change=ChartState.set_limit,
                        style={**theme.PILL_INPUT, "width": "70px"},
                    ),
                    debounce_timeout=400,
                ),
                style={"display": "flex", "gap": "4px", "align_items": "center"},
            ),
        ),
        rx.cond(ChartState.loading, rx.spinner(size="1")),
        rx.spacer(),
        theme.icon_button("x", "Close chart", on_click=ChartState.toggle),
        style={
            "display": "flex",
            "gap": "6px",
            "align_items": "center",
            "flex_wrap": "wrap",
            "min_width": "0",
        },
    )


def _axes() -> list[rx.Component]:
    return [
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=theme.SLATE_200),
        rx.recharts.x_axis(data_key="x", tick={"fontSize": 11}),
        rx.recharts.y_axis(tick={"fontSize": 11}, width=64, tick_formatter=_COMPACT),
        rx.recharts.graphing_tooltip(),
    ]


def _chart() -> rx.Component:
    data = ChartState.data
    return rx.match(
        ChartState.kind,
        (
            "line",
            rx.recharts.line_chart(
                rx.recharts.line(
                    data_key="y",
                    name=ChartState.y_label,
                    stroke=theme.BLUE,
                    is_animation_active=False,
                ),
                *_axes(),
                data=data,
                height=HEIGHT,
            ),
        ),
        (
            "area",
            rx.recharts.area_chart(
                rx.recharts.area(
                    data_key="y",
                    name=ChartState.y_label,
                    stroke=theme.BLUE,
                    fill="#93c5fd",
                    is_animation_active=False,
                ),
                *_axes(),
                data=data,
                height=HEIGHT,
            ),
        ),
        (
            "pie",
            rx.recharts.pie_chart(
                rx.recharts.pie(
                    data=data,
                    data_key="y",
                    name_key="x",
                    label=True,
                    is_animation_active=False,
                    outer_radius=90,
                ),
                rx.recharts.graphing_tooltip(),
                height=HEIGHT,
            ),
        ),
        (
            "kpi",
            rx.el.div(
                rx.el.div(ChartState.y_label, style=theme.LABEL),
                rx.el.div(
                    ChartState.kpi_text,
                    id="chart-kpi",
                    style={
                        "font_size": "34px",
                        "font_weight": "700",
                        "color": theme.NAVY,
                        "font_variant_numeric": "tabular-nums",
                    },
                ),
                rx.el.div("over every row the grid's filters keep", style=theme.MUTED),
                style={
                    "display": "flex",
                    "flex_direction": "column",
                    "gap": "4px",
                    "padding": "18px 24px",
                    "align_items": "flex-start",
                },
            ),
        ),
        rx.recharts.bar_chart(
            rx.recharts.bar(
                data_key="y", name=ChartState.y_label, fill=theme.BLUE, is_animation_active=False
            ),
            *_axes(),
            data=data,
            height=HEIGHT,
        ),
    )


def chart_panel() -> rx.Component:
    return rx.cond(
        ChartState.show,
        rx.el.section(
            _controls(),
            rx.cond(
                ChartState.error != "",
                rx.el.div(
                    ChartState.error, id="chart-error", role="alert", style=theme.BANNER_INLINE
                ),
                rx.el.div(_chart(), style={"width": "100%", "min_width": "0"}),
            ),
            id="chart-panel",
            aria_label="Chart",
            style={
                **theme.CARD,
                "margin": "6px 10px 0 10px",
                "padding": "8px 10px",
                "flex_shrink": "0",
                "display": "flex",
                "flex_direction": "column",
                "gap": "6px",
            },
        ),
    )
