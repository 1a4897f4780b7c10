"""The pivot view: pick lists on the left, the cross-tab with totals on the right, a click on
a number shows the rows behind it."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from aurora import pivot as pv
from aurora import theme
from aurora.components import forms
from aurora.components.chrome import top_bar
from aurora.components.filter_modal import filter_modal
from aurora.components.filter_pills import pill_bar
from aurora.components.modal import modal
from aurora.components.report_modal import save_report_modal
from aurora.state.models import ColumnMeta, DatasetItem, LoadIdOption, Pill
from aurora.state.pivot import PivotCell, PivotHeader, PivotRow, PivotState
from aurora.state.reports import SaveReportState

SELECT = theme.PILL_SELECT_FULL


def _column_option(c: rx.Var[ColumnMeta]) -> rx.Component:
    return rx.el.option(c.label, value=c.name)


def _pill(p: rx.Var[Pill], on_remove: rx.EventHandler, cls: str) -> rx.Component:
    return rx.el.span(
        rx.el.span(p.text, style=theme.PILL_TEXT, title=p.id),
        rx.el.button(
            theme.icon("x", 12),
            type="button",
            aria_label="Remove " + p.text,
            on_click=on_remove(p.id),
            style=theme.BUTTON_GHOST_SMALL,
        ),
        class_name=cls,
        style=theme.PILL,
    )


def _picker(
    title: str, pills: rx.Var, on_remove: rx.EventHandler, on_add: rx.EventHandler, key: str
) -> rx.Component:
    return rx.el.div(
        rx.el.div(title, style=theme.LABEL),
        rx.el.div(
            rx.foreach(pills, lambda p: _pill(p, on_remove, f"pivot-{key}-field")),
            style=theme.PILL_WRAP,
        ),
        rx.el.select(
            rx.el.option(f"+ Add {title.lower()[:-1]}", value=""),
            rx.foreach(PivotState.free_columns, _column_option),
            value="",
            id=f"pivot-{key}-add",
            aria_label=f"Add a {title.lower()[:-1]}",
            on_change=on_add,
            style=SELECT,
        ),
        style=theme.FIELD_TIGHT,
    )


def _values() -> rx.Component:
    return rx.el.div(
        rx.el.div("Values", style=theme.LABEL),
        rx.el.div(
            rx.foreach(
                PivotState.values,
                lambda v: rx.el.span(
                    rx.el.span(v.label, style=theme.PILL_TEXT),
                    rx.el.button(
                        theme.icon("x", 12),
                        type="button",
                        aria_label="Remove " + v.label,
                        on_click=PivotState.remove_value(v.id),
                        style=theme.BUTTON_GHOST_SMALL,
                    ),
                    class_name="pivot-value",
                    style=theme.PILL,
                ),
            ),
            style=theme.PILL_WRAP,
        ),
        rx.el.div(
            rx.el.select(
                *[rx.el.option(pv.AGG_LABELS[a], value=a) for a in pv.AGGS],
                id="pivot-value-agg",
                aria_label="Aggregate",
                value=PivotState.value_agg,
                on_change=PivotState.set_value_agg,
                style=theme.PILL_SELECT_AGG,
            ),
            rx.el.select(
                rx.foreach(PivotState.columns, _column_option),
                id="pivot-value-column",
                aria_label="Value column",
                value=PivotState.value_column,
                on_change=PivotState.set_value_column,
                style=theme.PILL_SELECT_FILL,
            ),
            theme.icon_button(
                "plus", "Add value", id="pivot-value-add", on_click=PivotState.add_value
            ),
            style=theme.ROW_TIGHT,
        ),
        style=theme.FIELD_TIGHT,
    )


def _dataset_picker() -> rx.Component:
    def option(d: rx.Var[DatasetItem]) -> rx.Component:
        return rx.el.option(d.label, value=d.key)

    def load_option(o: rx.Var[LoadIdOption]) -> rx.Component:
        return rx.el.option(o.label, value=o.value)

    return rx.el.div(
        forms.field(
            "Dataset",
            rx.el.select(
                rx.el.option("Choose a dataset…", value=""),
                rx.foreach(PivotState.datasets, option),
                id="pivot-dataset",
                value=PivotState.dataset_key,
                on_change=PivotState.pick_dataset,
                style=SELECT,
            ),
            html_for="pivot-dataset",
        ),
        rx.cond(
            PivotState.load_types.length() > 0,
            # One select per line, the sidebar's full width: side by side they cut
            # "MONTH_END" and the load ids short.
            forms.field(
                "Data vintage",
                rx.el.div(
                    rx.el.select(
                        rx.el.option("Default vintage", value=""),
                        rx.foreach(PivotState.load_types, lambda t: rx.el.option(t, value=t)),
                        id="pivot-load-type",
                        aria_label="Load type",
                        value=PivotState.load_type,
                        on_change=PivotState.set_load_type,
                        style=SELECT,
                    ),
                    rx.el.select(
                        rx.el.option("All loads", value=""),
                        rx.foreach(PivotState.load_ids, load_option),
                        id="pivot-load-id",
                        aria_label="Load id",
                        value=PivotState.load_id,
                        disabled=PivotState.load_type == "",
                        on_change=PivotState.set_load_id,
                        style=SELECT,
                    ),
                    style=theme.column("4px"),
                ),
                html_for="pivot-load-type",
            ),
        ),
        style=theme.FIELD_SPACED,
    )


def _export() -> rx.Component:
    return rx.el.div(
        rx.el.div("Export the cross-tab", style=theme.LABEL),
        rx.el.div(
            forms.select(
                "pivot-export-format",
                [("csv", "CSV"), ("xlsx", "Excel"), ("parquet", "Parquet")],
                PivotState.export_format,
                PivotState.set_export_format,
                width="96px",
            ),
            theme.button(
                "Export", icon_name="download", id="pivot-export", on_click=PivotState.export
            ),
            style=theme.row(),
        ),
        rx.el.div(PivotState.export_status, id="pivot-export-status", style=theme.MUTED),
        rx.cond(
            PivotState.export_href != "",
            ReactRouterLink.create(
                theme.icon("download"),
                "Download",
                id="pivot-export-download",
                href=PivotState.export_href,
                reload_document=True,
                download="",
                style=theme.LINK_BUTTON_PRIMARY,
            ),
        ),
        style=theme.FIELD_TIGHT,
    )


def _filters() -> rx.Component:
    return rx.el.div(
        rx.el.div(
            theme.button(
                "Filter",
                icon_name="filter",
                id="pivot-filter-open",
                disabled=PivotState.dataset_key == "",
                on_click=PivotState.open_filters,
            ),
            theme.button(
                "Save",
                icon_name="save",
                id="pivot-save",
                disabled=PivotState.dataset_key == "",
                on_click=SaveReportState.open_for_pivot,
            ),
            style=theme.row(wrap=True, align=""),
        ),
        rx.cond(
            PivotState.filter_note != "",
            rx.el.div(PivotState.filter_note, id="pivot-filter-note", style=theme.MUTED),
        ),
        style=theme.FIELD_TIGHT,
    )


def _filter_pill(p: rx.Var[Pill]) -> rx.Component:
    return rx.el.span(
        rx.el.span(p.text, style=theme.PILL_TEXT, title=p.text),
        rx.el.button(
            theme.icon("x", 12),
            type="button",
            aria_label="Remove filter: " + p.text,
            on_click=PivotState.remove_filter(p.id),
            style=theme.BUTTON_GHOST_SMALL,
        ),
        style=theme.PILL,
        class_name="filter-pill",
    )


def _pills() -> rx.Component:
    return pill_bar(PivotState.pills, _filter_pill, "pivot")


def _config() -> rx.Component:
    return rx.el.aside(
        _dataset_picker(),
        _filters(),
        _picker(
            "Rows",
            PivotState.row_fields,
            PivotState.remove_row_field,
            PivotState.add_row_field,
            "rows",
        ),
        _picker(
            "Columns",
            PivotState.col_fields,
            PivotState.remove_col_field,
            PivotState.add_col_field,
            "cols",
        ),
        _values(),
        _export(),
        id="pivot-config",
        style=theme.PIVOT_SIDEBAR,
    )


def _header_cell(h: rx.Var[PivotHeader], top: bool) -> rx.Component:
    return rx.el.th(
        rx.cond(top, h.top, h.bottom),
        scope="col",
        role="columnheader",
        style=theme.pivot_header(h.total, top),
    )


def _cell(row: rx.Var[PivotRow], c: rx.Var[PivotCell]) -> rx.Component:
    return rx.el.td(
        c.text,
        role="gridcell",
        class_name="pivot-cell",
        data_field=c.field,
        title="Show the rows behind this number",
        on_click=PivotState.drill(row.id, c.field),
        style=theme.PIVOT_CELL,
    )


def _row(r: rx.Var[PivotRow]) -> rx.Component:
    return rx.el.tr(
        rx.el.th(
            rx.el.div(
                rx.cond(
                    r.expandable,
                    rx.el.button(
                        rx.cond(
                            r.expanded,
                            theme.icon("chevron-down", 13),
                            theme.icon("chevron-right", 13),
                        ),
                        type="button",
                        class_name="pivot-expand",
                        aria_expanded=r.expanded,
                        aria_label="Expand " + r.label,
                        on_click=PivotState.toggle(r.id),
                        style=theme.BUTTON_GHOST_TINY,
                    ),
                    rx.el.span(style=theme.ICON_SPACER),
                ),
                rx.el.span(r.label, class_name="pivot-label"),
                style=theme.pivot_row_label(r.level),
            ),
            scope="row",
            role="rowheader",
            style=theme.pivot_row_head(r.total),
        ),
        rx.foreach(r.cells, lambda c: _cell(r, c)),
        class_name=rx.cond(r.total, "pivot-row pivot-total", "pivot-row"),
        data_level=r.level,
        style=theme.pivot_row(r.total),
    )


def _table() -> rx.Component:
    return rx.el.div(
        rx.el.table(
            rx.el.thead(
                rx.el.tr(
                    rx.el.th("", style=theme.PIVOT_CORNER),
                    rx.foreach(PivotState.headers, lambda h: _header_cell(h, True)),
                ),
                rx.el.tr(
                    rx.el.th(
                        rx.foreach(PivotState.row_fields, lambda p: rx.el.span(p.text + " ")),
                        style=theme.PIVOT_CORNER_LOW,
                    ),
                    rx.foreach(PivotState.headers, lambda h: _header_cell(h, False)),
                ),
            ),
            rx.el.tbody(rx.foreach(PivotState.body, _row)),
            role="grid",
            aria_label="Pivot table",
            style=theme.TABLE,
        ),
        data_scrolls="both",
        style=theme.TABLE_WRAP_FILL,
    )


def _drill_table() -> rx.Component:
    """One page of the rows behind the number clicked."""
    return rx.el.div(
        rx.el.table(
            rx.el.thead(rx.el.tr(rx.foreach(PivotState.drill_headers, lambda h: forms.th(h)))),
            rx.el.tbody(
                rx.foreach(
                    PivotState.drill_rows,
                    lambda row: rx.el.tr(
                        rx.foreach(
                            row,
                            lambda v: rx.el.td(v, role="gridcell", style=theme.TD_NOWRAP),
                        ),
                        class_name="drill-row",
                    ),
                )
            ),
            style=theme.TABLE,
        ),
        data_scrolls="both",
        style=theme.TABLE_WRAP_TALL,
    )


def _drill_pager() -> list[rx.Component]:
    """Which rows are shown, and the previous and next page of them."""
    return [
        rx.el.span(
            "Rows "
            + (PivotState.drill_start + 1).to_string()
            + "\u2013"
            + (PivotState.drill_start + PivotState.drill_rows.length()).to_string(),
            id="pivot-drill-range",
            style=theme.MUTED,
        ),
        rx.spacer(),
        theme.icon_button(
            "chevron-left",
            "Previous rows",
            disabled=PivotState.drill_start == 0,
            on_click=PivotState.drill_page(PivotState.drill_start - 50),
        ),
        theme.icon_button(
            "chevron-right",
            "Next rows",
            disabled=~PivotState.drill_more,
            on_click=PivotState.drill_page(PivotState.drill_start + 50),
        ),
    ]


def _drill_modal() -> rx.Component:
    return modal(
        modal_id="pivot-drill",
        title="Rows behind the number",
        subtitle=PivotState.drill_title,
        open_=PivotState.drill_open,
        on_open_change=PivotState.set_drill_open,
        body=[_drill_table()],
        footer=[*_drill_pager(), rx.dialog.close(theme.button("Close"))],
    )


def _main() -> rx.Component:
    return rx.el.section(
        rx.el.div(
            rx.el.h1(
                rx.cond(PivotState.report_name != "", PivotState.report_name, "Pivot"),
                id="pivot-title",
                style=theme.H1,
            ),
            rx.cond(PivotState.loading, rx.spinner(size="1")),
            rx.el.span(PivotState.note, id="pivot-note", style=theme.MUTED),
            style=theme.row("10px"),
        ),
        _pills(),
        forms.alert(PivotState.error, "pivot-error"),
        rx.cond(
            PivotState.headers.length() > 0,
            _table(),
            rx.el.div(
                "Choose rows, columns and values on the left. Every number is computed by "
                "the database; click one to see the rows behind it.",
                style=theme.CARD_MUTED,
            ),
        ),
        id="pivot-view",
        aria_busy=PivotState.loading,
        style=theme.PIVOT_MAIN,
    )


def pivot_page() -> rx.Component:
    return rx.el.div(
        top_bar("pivot"),
        rx.el.div(
            _config(),
            _main(),
            style=theme.FILL_ROW,
        ),
        _drill_modal(),
        filter_modal(),
        save_report_modal(),
        style=theme.PAGE,
    )
