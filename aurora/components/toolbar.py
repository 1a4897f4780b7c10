"""The bar above the grid: quick search, builders, column toggles, vintage, export, reset."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components.history_panel import as_of_pill, history_button
from aurora.components.top_n_pill import top_n_pill
from aurora.components.vintage_pill import vintage_warning
from aurora.state.aggregate import AggregateState
from aurora.state.calculated import CalcState
from aurora.state.chart import ChartState
from aurora.state.column_picker import ColumnPickerState
from aurora.state.column_summary import ColumnSummaryState
from aurora.state.explorer import ExplorerState
from aurora.state.export import ExportState
from aurora.state.filter_editor import FilterState
from aurora.state.join import JoinState
from aurora.state.models import ColumnMeta, LoadIdOption
from aurora.state.pivot import PivotState
from aurora.state.reports import SaveReportState


def quick_search() -> rx.Component:
    return rx.el.div(
        theme.icon("search", 13),
        rx.debounce_input(
            rx.el.input(
                id="quick-search",
                type="search",
                placeholder="Quick search",
                aria_label="Quick search in the visible text columns",
                value=ExplorerState.quick_search,
                on_change=ExplorerState.set_quick_search,
                style=theme.QUICK_SEARCH_INPUT,
            ),
            debounce_timeout=400,
        ),
        style=theme.QUICK_SEARCH,
    )


def _column_checkbox(col: rx.Var[ColumnMeta]) -> rx.Component:
    needle = ColumnPickerState.search.strip().lower()
    matches = (needle == "") | (col.label + " " + col.name).lower().contains(needle)
    return rx.cond(matches, _column_label(col))


def _column_label(col: rx.Var[ColumnMeta]) -> rx.Component:
    return rx.el.div(
        _column_check(col),
        theme.icon_button(
            "info",
            "Summary of " + col.label,
            class_name="column-summary-open",
            on_click=ColumnSummaryState.show(col.name),
        ),
        style=theme.COLUMN_PICK_ROW,
    )


def _column_check(col: rx.Var[ColumnMeta]) -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="checkbox",
            checked=col.visible,
            on_change=lambda _checked: ExplorerState.toggle_column(col.name),
            style=theme.CHECKBOX,
        ),
        rx.el.span(col.label, style=theme.PILL_TEXT),
        title=col.name,
        style=theme.COLUMN_PICK_LABEL,
    )


def columns_toggle() -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(theme.button("Columns", icon_name="columns-3", id="columns-toggle")),
        rx.popover.content(
            rx.el.div("Show columns", style=theme.LABEL),
            rx.el.input(
                type="search",
                id="columns-search",
                value=ColumnPickerState.search,
                on_change=ColumnPickerState.set_search,
                placeholder="Find a column",
                aria_label="Find a column",
                style=theme.COLUMN_SEARCH,
            ),
            rx.el.div(
                theme.button(
                    "All", kind="ghost", id="columns-all", on_click=ColumnPickerState.show_all
                ),
                theme.button(
                    "None", kind="ghost", id="columns-none", on_click=ColumnPickerState.show_none
                ),
                style=theme.COLUMN_PICK_BUTTONS,
            ),
            rx.el.div(
                rx.foreach(ExplorerState.schema_columns, _column_checkbox),
                id="columns-list",
                style=theme.COLUMN_PICK_LIST,
            ),
            style=theme.COLUMN_PICKER,
            align="start",
        ),
    )


def _load_id_option(o: rx.Var[LoadIdOption]) -> rx.Component:
    return rx.el.option(o.label, value=o.value)


def vintage_picker() -> rx.Component:
    return rx.cond(
        ExplorerState.has_vintage,
        rx.el.div(
            rx.el.span(theme.icon("calendar-clock", 14), title="Data vintage", style=theme.FLEX),
            rx.el.select(
                rx.el.option("All load types", value=""),
                rx.foreach(ExplorerState.load_types, lambda t: rx.el.option(t, value=t)),
                id="vintage-load-type",
                aria_label="Load type",
                value=ExplorerState.load_type,
                on_change=ExplorerState.set_load_type,
                style=theme.VINTAGE_TYPE_SELECT,
            ),
            rx.el.select(
                rx.el.option("All loads", value=""),
                rx.foreach(ExplorerState.load_ids, _load_id_option),
                id="vintage-load-id",
                aria_label="Load id",
                value=ExplorerState.load_id,
                disabled=ExplorerState.load_type == "",
                on_change=ExplorerState.set_load_id,
                style=theme.VINTAGE_ID_SELECT,
            ),
            style=theme.VINTAGE_PICKER,
        ),
    )


def toolbar() -> rx.Component:
    return rx.hstack(
        quick_search(),
        theme.button(
            "Filter", icon_name="filter", id="filter-open", on_click=FilterState.open_modal
        ),
        theme.button(
            "Aggregate", icon_name="sigma", id="aggregate-open", on_click=AggregateState.open_modal
        ),
        theme.button(
            "Calculated",
            icon_name="calculator",
            id="calc-open",
            on_click=CalcState.open_modal,
        ),
        theme.button("Join", icon_name="merge", id="join-open", on_click=JoinState.open_modal),
        theme.button(
            "Chart",
            icon_name="chart-column",
            id="chart-open",
            aria_pressed=ChartState.show,
            disabled=~ExplorerState.aggregated,
            title="Charts draw aggregated results",
            on_click=ChartState.toggle,
        ),
        theme.button(
            "Pivot this",
            icon_name="table-2",
            id="pivot-this",
            disabled=ExplorerState.dataset_key == "",
            title="This dataset, its filters and vintage in the pivot view",
            on_click=PivotState.from_explorer,
        ),
        columns_toggle(),
        vintage_picker(),
        vintage_warning(),
        history_button(),
        as_of_pill(),
        top_n_pill(),
        rx.spacer(),
        theme.button(
            "Save", icon_name="save", id="report-save", on_click=SaveReportState.open_modal
        ),
        rx.cond(  # an open saved report with a measure: watch that measure
            (ExplorerState.report_id != "") & (ExplorerState.measures.length() > 0),
            rx.link(
                theme.icon("bell-plus"),
                rx.el.span("Create alert"),
                href="/alerts?report=" + ExplorerState.report_id,
                id="alert-create",
                style=theme.LINK_BUTTON_SECONDARY,
            ),
        ),
        theme.button(
            "Export", icon_name="download", id="export-open", on_click=ExportState.open_modal
        ),
        theme.button(
            "Reset all",
            icon_name="rotate-ccw",
            id="reset-all",
            kind="ghost",
            on_click=ExplorerState.reset_all,
        ),
        style=theme.TOOLBAR,
    )
