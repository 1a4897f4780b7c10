"""The chart panel above the grid: type, category, series, measure, limit, and the chart.

Numbers on the value axis follow the measure's format (its decimals, prefix/suffix, percent;
compact past 10,000); tooltips and pie labels show the value exactly as the grid does (the
`tN` text of each point). A click on a bar, point or slice narrows the grid to that group.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.vars.base import Var
from reflex_base.vars.function import FunctionVar
from reflex_components_recharts import cartesian as rc_cartesian
from reflex_components_recharts import charts as rc_charts
from reflex_components_recharts import general as rc_general
from reflex_components_recharts import polar as rc_polar

from aurora import theme
from aurora.chart_data import Series
from aurora.state.chart import KINDS, MAX_LIMIT, ChartState
from aurora.state.models import Pill

KIND_LABELS = {"bar": "Bar", "line": "Line", "area": "Area", "pie": "Pie", "kpi": "KPI tile"}
HEIGHT = 240

# The text of a point's value for series `key` ("s0" -> "t0"), wherever Recharts nests it.
_TEXT_OF = (
    "((o, k) => { const t = 't' + String(k ?? 's0').slice(1);"
    " for (let p = o; p; p = p.payload) { if (p[t] !== undefined) return p[t]; }"
    " return undefined; })"
)
_CAT_OF = (
    "((o) => { for (let p = o; p; p = p.payload) { if (p.cat !== undefined) return p.cat; }"
    " return ''; })"
)


def _point_clicked(data: Var) -> tuple[Var[str]]:
    """A bar's or slice's click: Recharts passes the drawn item, whose payload is our point."""
    return (Var(f"{_CAT_OF}({data})").to(str),)


def _chart_clicked(state: Var) -> tuple[Var[str]]:
    """A click on a line or area chart: the category under the pointer."""
    label = f"({state}).activeLabel"
    return (Var(f"(({state}) && {label} != null ? String({label}) : '')").to(str),)


# Subclasses keep Recharts' class names: Reflex checks a chart's children by class name.
class GraphingTooltip(rc_general.GraphingTooltip):
    formatter: Var[Any]


class Bar(rc_cartesian.Bar):
    on_click: rx.EventHandler[_point_clicked]


class Pie(rc_polar.Pie):
    @classmethod
    def get_event_triggers(cls) -> dict[str, Any]:
        return {**super().get_event_triggers(), "on_click": _point_clicked}


class LineChart(rc_charts.LineChart):
    on_click: rx.EventHandler[_chart_clicked]


class AreaChart(rc_charts.AreaChart):
    on_click: rx.EventHandler[_chart_clicked]


def _axis_formatter() -> Var:
    axis = ChartState.axis
    body = (
        "((v) => { const o = " + axis._js_expr + " || {}; const d = o.digits || 0;"
        " if (o.percent) return new Intl.NumberFormat('en-US', {style: 'percent',"
        " minimumFractionDigits: 0, maximumFractionDigits: d}).format(v);"
        " const n = Math.abs(v) >= 10000"
        " ? new Intl.NumberFormat('en-US', {notation: 'compact', maximumSignificantDigits: 3})"
        ".format(v)"
        " : new Intl.NumberFormat('en-US', {minimumFractionDigits: d, maximumFractionDigits: d})"
        ".format(v);"
        " return (o.prefix || '') + n + (o.suffix || ''); })"
    )
    return Var(_js_expr=body, _var_data=axis._get_all_var_data()).to(FunctionVar)


def _tooltip() -> rx.Component:
    return GraphingTooltip.create(
        formatter=Var(_js_expr=f"((v, n, item) => {_TEXT_OF}(item, item && item.dataKey) ?? v)"),
        is_animation_active=False,
    )


def _pill_option(p: rx.Var[Pill]) -> rx.Component:
    return rx.el.option(p.text, value=p.id)


def _select(id_: str, label: str, value: Any, handler: Any, *options: Any) -> rx.Component:
    return rx.el.select(
        *options,
        id=id_,
        aria_label=label,
        value=value,
        on_change=handler,
        style=theme.CHART_SELECT,
    )


def _series_selects(not_kpi: Any) -> list[rx.Component]:
    """A series column splits the measure (not on a pie); its layout, once there is one."""
    return [
        rx.cond(
            not_kpi & (ChartState.kind != "pie") & (ChartState.x_options.length() > 1),
            _select(
                "chart-series",
                "Series column",
                ChartState.series,
                ChartState.set_series,
                rx.el.option("No series", value=""),
                rx.foreach(ChartState.series_options, _pill_option),
            ),
        ),
        rx.cond(
            ChartState.has_series & (ChartState.kind != "line"),
            _select(
                "chart-stack",
                "Series layout",
                ChartState.stack,
                ChartState.set_stack,
                rx.el.option("Stacked", value="stacked"),
                rx.el.option("Side by side", value="grouped"),
            ),
        ),
    ]


def _controls() -> rx.Component:
    not_kpi = ChartState.kind != "kpi"
    return rx.el.div(
        _select(
            "chart-kind",
            "Chart type",
            ChartState.kind,
            ChartState.set_kind,
            *[rx.el.option(KIND_LABELS[k], value=k) for k in KINDS],
        ),
        rx.cond(
            not_kpi,
            _select(
                "chart-x",
                "Category column",
                ChartState.x,
                ChartState.set_x,
                rx.foreach(ChartState.x_options, _pill_option),
            ),
        ),
        _select(
            "chart-y",
            "Measure",
            ChartState.y,
            ChartState.set_y,
            rx.foreach(ChartState.y_options, _pill_option),
        ),
        *_series_selects(not_kpi),
        rx.cond(not_kpi, _limit()),
        rx.cond(ChartState.loading, rx.spinner(size="1")),
        rx.spacer(),
        theme.icon_button("x", "Close chart", on_click=ChartState.toggle),
        style=theme.WRAP_ROW,
    )


def _limit() -> rx.Component:
    return rx.el.label(
        rx.el.span("Limit", style=theme.LABEL),
        rx.debounce_input(
            rx.el.input(
                id="chart-limit",
                type="number",
                min=1,
                max=MAX_LIMIT,
                value=ChartState.limit.to_string(),
                on_change=ChartState.set_limit,
                style=theme.LIMIT_INPUT,
            ),
            debounce_timeout=400,
        ),
        title="How many categories the chart shows",
        style=theme.row("4px"),
    )


def _axes() -> list[rx.Component]:
    return [
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=theme.SLATE_200),
        rx.recharts.x_axis(data_key="cat", tick={"fontSize": 11}),
        rx.recharts.y_axis(tick={"fontSize": 11}, width=72, tick_formatter=_axis_formatter()),
        _tooltip(),
        rx.cond(ChartState.has_series, rx.recharts.legend()),
    ]


def _stack() -> Var:
    """Bars or areas of one stack id pile up; without one (null) they stand side by side."""
    return Var(
        _js_expr=f"({ChartState.stack._js_expr} === 'stacked' ? 'total' : undefined)",
        _var_type=str,
        _var_data=ChartState.stack._get_all_var_data(),
    )


def _bar(s: rx.Var[Series]) -> rx.Component:
    return Bar.create(
        data_key=s.key,
        name=s.label,
        fill=s.colour,
        stack_id=_stack(),
        is_animation_active=False,
        on_click=lambda cat: ChartState.drill(cat, s.key),
    )


def _line(s: rx.Var[Series]) -> rx.Component:
    return rx.recharts.line(
        data_key=s.key,
        name=s.label,
        stroke=s.colour,
        is_animation_active=False,
        dot=True,
    )


def _area(s: rx.Var[Series]) -> rx.Component:
    return rx.recharts.area(
        data_key=s.key,
        name=s.label,
        stroke=s.colour,
        fill=s.colour,
        fill_opacity=0.35,
        stack_id=_stack(),
        is_animation_active=False,
    )


def _pie() -> rx.Component:
    return rx.recharts.pie_chart(
        Pie.create(
            rx.foreach(
                ChartState.points,
                lambda p: rx.recharts.cell(fill=p["fill"].to(str), stroke="white"),
            ),
            data=ChartState.points,
            data_key="s0",
            name_key="cat",
            label=Var(_js_expr=f"((e) => {_TEXT_OF}(e, 's0'))"),
            label_line=True,
            is_animation_active=False,
            outer_radius=84,
            on_click=lambda cat: ChartState.drill(cat, ""),
        ),
        _tooltip(),
        rx.recharts.legend(
            layout="vertical", align="right", vertical_align="middle", icon_type="square"
        ),
        height=HEIGHT,
    )


def _kpi() -> rx.Component:
    return rx.el.div(
        rx.el.div(ChartState.y_label, style=theme.LABEL),
        rx.el.div(
            ChartState.kpi_text,
            id="chart-kpi",
            style=theme.KPI_VALUE,
        ),
        rx.el.div("over every row the grid's filters keep", style=theme.MUTED),
        style=theme.KPI_TILE,
    )


def _chart() -> rx.Component:
    data = ChartState.points
    return rx.match(
        ChartState.kind,
        (
            "line",
            LineChart.create(
                rx.foreach(ChartState.lines, _line),
                *_axes(),
                data=data,
                height=HEIGHT,
                on_click=lambda cat: ChartState.drill(cat, ""),
            ),
        ),
        (
            "area",
            AreaChart.create(
                rx.foreach(ChartState.lines, _area),
                *_axes(),
                data=data,
                height=HEIGHT,
                on_click=lambda cat: ChartState.drill(cat, ""),
            ),
        ),
        ("pie", _pie()),
        ("kpi", _kpi()),
        rx.recharts.bar_chart(
            rx.foreach(ChartState.lines, _bar),
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
                rx.el.div(
                    _chart(),
                    rx.cond(
                        ChartState.note != "",
                        rx.el.div(ChartState.note, id="chart-note", style=theme.MUTED),
                    ),
                    style=theme.FULL_WIDTH,
                ),
            ),
            id="chart-panel",
            aria_label="Chart",
            aria_busy=ChartState.loading,
            style=theme.CHART_BESIDE,
        ),
    )
