"""The dashboard view: title bar (refresh, last updated, edit), tabs, the filter bar with
cross-filter pills, the editor (add a report, text or filter) and the grid of tiles."""

from __future__ import annotations

import reflex as rx

from aurora import dashboard_doc as docs
from aurora import theme
from aurora.components import forms
from aurora.components.chart_panel import Bar
from aurora.components.chrome import page_frame
from aurora.components.dashboard_export import dashboard_export
from aurora.components.dashboard_live import ticker, tile_watch
from aurora.components.dashboard_notes import bookmarks_bar, comments_panel
from aurora.components.dashboard_present import present_overlay
from aurora.components.grid_layout import grid_layout
from aurora.components.new_data import dashboard_new_data_notice
from aurora.state.dashboard_view import DashboardState
from aurora.state.dashboards import CrossPill, FilterView, TabView, TileView


def _header() -> rx.Component:
    return rx.el.div(
        rx.el.h1(DashboardState.name, id="dashboard-title", style=theme.H1),
        rx.spacer(),
        rx.el.span(
            rx.cond(DashboardState.updated != "", "Updated " + DashboardState.updated, ""),
            id="dashboard-updated",
            style=theme.MUTED,
        ),
        theme.button(
            "Refresh",
            icon_name="refresh-cw",
            id="dashboard-refresh",
            on_click=DashboardState.refresh,
        ),
        dashboard_export(),
        rx.cond(
            DashboardState.refresh_seconds > 0,
            rx.el.span(
                "Auto-refresh " + DashboardState.refresh_seconds.to_string() + " s",
                id="dashboard-autorefresh",
                style=theme.MUTED,
            ),
        ),
        forms.select(
            "dashboard-autorefresh-menu",
            docs.REFRESH_CHOICES,
            DashboardState.refresh_seconds.to_string(),
            DashboardState.set_auto_refresh,
            width="130px",
            title="Auto-refresh",
            aria_label="Auto-refresh",
        ),
        theme.button(
            "Present",
            icon_name="presentation",
            id="dashboard-present-start",
            on_click=DashboardState.present,
        ),
        rx.cond(
            DashboardState.can_edit,
            theme.button(
                rx.cond(DashboardState.editing, "Done", "Edit"),
                icon_name="pencil",
                id="dashboard-edit",
                on_click=DashboardState.toggle_edit,
            ),
        ),
        rx.cond(
            DashboardState.dirty,
            theme.button(
                "Save layout",
                icon_name="save",
                kind="primary",
                id="dashboard-save",
                on_click=DashboardState.save,
            ),
        ),
        style=theme.DASH_ROW,
    )


def _tab(t: rx.Var[TabView]) -> rx.Component:
    active = DashboardState.active_tab == t.id
    return rx.el.button(
        t.title,
        type="button",
        role="tab",
        aria_selected=active,
        class_name="dashboard-tab",
        data_tab_id=t.id,
        on_click=DashboardState.select_tab(t.id),
        style=rx.cond(active, {**theme.PILL, "background": theme.BLUE_50}, theme.PILL),
    )


def _date_filter(f: rx.Var[FilterView]) -> rx.Component:
    return rx.fragment(
        rx.el.select(
            *[rx.el.option(label, value=key) for key, label in docs.PRESETS.items()],
            value=f.preset,
            class_name="filter-preset",
            aria_label="Period",
            on_change=lambda v: DashboardState.set_preset(f.id, v),
            style=theme.PILL_SELECT,
        ),
        rx.el.input(
            type="date",
            value=f.start,
            class_name="filter-start",
            aria_label="From",
            on_change=lambda v: DashboardState.set_start(f.id, v),
            style=theme.PILL_INPUT,
        ),
        rx.el.input(
            type="date",
            value=f.end,
            class_name="filter-end",
            aria_label="To",
            on_change=lambda v: DashboardState.set_end(f.id, v),
            style=theme.PILL_INPUT,
        ),
    )


def _range_filter(f: rx.Var[FilterView]) -> rx.Component:
    return rx.fragment(
        rx.debounce_input(
            rx.el.input(
                type="number",
                value=f.start,
                class_name="filter-start",
                aria_label="At least",
                on_change=lambda v: DashboardState.set_start(f.id, v),
                style=theme.DASH_DATE_INPUT,
            ),
            debounce_timeout=500,
        ),
        rx.debounce_input(
            rx.el.input(
                type="number",
                value=f.end,
                class_name="filter-end",
                aria_label="At most",
                on_change=lambda v: DashboardState.set_end(f.id, v),
                style=theme.DASH_DATE_INPUT,
            ),
            debounce_timeout=500,
        ),
    )


def _text_filter(f: rx.Var[FilterView]) -> rx.Component:
    return rx.debounce_input(
        rx.el.input(
            value=f.text,
            class_name="filter-text",
            aria_label=f.label,
            placeholder=rx.cond(f.type == "multi_select", "Values, comma-separated", "Contains"),
            on_change=lambda v: DashboardState.set_text(f.id, v),
            style=theme.COLUMN_INPUT,
        ),
        debounce_timeout=500,
    )


def _value_option(f: rx.Var[FilterView], value: rx.Var[str]) -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="checkbox",
            checked=f.chosen.contains(value),
            on_change=lambda _: DashboardState.toggle_value(f.id, value),
            style=theme.CHECKBOX,
        ),
        rx.el.span(value),
        class_name="filter-value",
        data_value=value,
        style=theme.DASH_VALUE_OPTION,
    )


def _values_filter(f: rx.Var[FilterView]) -> rx.Component:
    """Typed values, and the values endpoint's list (the viewer's own) to tick."""
    return rx.fragment(
        _text_filter(f),
        rx.cond(
            f.options.length() > 0,
            rx.el.details(
                rx.el.summary("Pick", class_name="filter-values-open", style=theme.PILL),
                rx.el.div(
                    rx.foreach(f.options, lambda v: _value_option(f, v)),
                    style=theme.DASH_VALUE_MENU,
                ),
                class_name="filter-values",
                style=theme.ANCHOR,
            ),
        ),
    )


def _filter(f: rx.Var[FilterView]) -> rx.Component:
    return rx.el.div(
        rx.el.span(f.label, style=theme.LABEL),
        rx.match(
            f.type,
            ("date_range", _date_filter(f)),
            ("number_range", _range_filter(f)),
            ("multi_select", _values_filter(f)),
            _text_filter(f),
        ),
        class_name="dashboard-filter",
        data_filter_id=f.id,
        style=theme.DASH_FILTER,
    )


def _pill(p: rx.Var[CrossPill]) -> rx.Component:
    return rx.el.span(
        rx.el.span(p.column + " = " + p.value),
        theme.icon_button(
            "x",
            "Remove this filter",
            class_name="cross-pill-remove",
            on_click=DashboardState.remove_pill(p.column, p.value),
        ),
        class_name="cross-pill",
        style=theme.DASH_CROSS_PILL,
    )


def _filter_bar() -> rx.Component:
    return rx.el.div(
        rx.foreach(DashboardState.filters, _filter),
        rx.foreach(DashboardState.pills, _pill),
        id="dashboard-filters",
        style=theme.DASH_ROW,
    )


def _editor() -> rx.Component:
    return rx.el.div(
        rx.el.select(
            rx.el.option("Add a saved report…", value=""),
            rx.foreach(
                DashboardState.report_options,
                lambda r: rx.el.option(r["name"], value=r["id"]),
            ),
            id="tile-report",
            value=DashboardState.chosen_report,
            on_change=DashboardState.set_chosen_report,
            style=theme.PILL_SELECT,
        ),
        theme.button(
            "Add tile",
            icon_name="plus",
            id="tile-add-report",
            on_click=DashboardState.add_report_tile,
        ),
        forms.text_input(
            "tile-text", DashboardState.new_text, DashboardState.set_new_text, placeholder="Text"
        ),
        theme.button("Add text", id="tile-add-text", on_click=DashboardState.add_text_tile),
        forms.text_input(
            "filter-label",
            DashboardState.new_filter_label,
            DashboardState.set_new_filter_label,
            placeholder="Filter label",
            width="140px",
        ),
        rx.el.select(
            rx.el.option("Date range", value="date_range"),
            rx.el.option("Values", value="multi_select"),
            rx.el.option("Number range", value="number_range"),
            rx.el.option("Text contains", value="text_contains"),
            id="filter-type",
            value=DashboardState.new_filter_type,
            on_change=DashboardState.set_new_filter_type,
            style=theme.PILL_SELECT,
        ),
        forms.text_input(
            "filter-column",
            DashboardState.new_filter_column,
            DashboardState.set_new_filter_column,
            placeholder="Column (optional)",
            width="140px",
        ),
        theme.button("Add filter", id="filter-add", on_click=DashboardState.add_filter),
        _mapping_editor(),
        id="dashboard-editor",
        style=theme.DASH_FILTER_BAR,
    )


def _mapping_editor() -> rx.Component:
    """One tile's column for one filter (or none), and its present-mode caption."""
    return rx.el.div(
        rx.el.select(
            rx.el.option("Tile…", value=""),
            rx.foreach(
                DashboardState.tiles,
                lambda t: rx.cond(t.kind == "report", rx.el.option(t.title, value=t.id)),
            ),
            id="map-tile",
            value=DashboardState.map_tile,
            on_change=DashboardState.choose_map_tile,
            style=theme.PILL_SELECT,
        ),
        rx.el.select(
            rx.el.option("Filter…", value=""),
            rx.foreach(DashboardState.filters, lambda f: rx.el.option(f.label, value=f.id)),
            id="map-filter",
            value=DashboardState.map_filter,
            on_change=DashboardState.choose_map_filter,
            style=theme.PILL_SELECT,
        ),
        rx.el.select(
            rx.el.option("(not this tile)", value=""),
            rx.foreach(DashboardState.map_columns, lambda c: rx.el.option(c, value=c)),
            id="map-column",
            value=DashboardState.map_column,
            on_change=DashboardState.set_map_column,
            style=theme.PILL_SELECT,
        ),
        forms.text_input(
            "map-caption",
            DashboardState.caption_text,
            DashboardState.set_caption_text,
            placeholder="Caption (present mode)",
            width="200px",
        ),
        theme.button("Apply", id="map-apply", on_click=DashboardState.apply_mapping),
        id="dashboard-mapping",
        style=theme.DASH_TABS,
    )


def _table(t: rx.Var[TileView]) -> rx.Component:
    return rx.el.div(
        rx.el.table(
            rx.el.thead(rx.el.tr(rx.foreach(t.headers, lambda h: forms.th(h)))),
            rx.el.tbody(
                rx.foreach(
                    t.cells,
                    lambda row: rx.el.tr(
                        rx.foreach(row, lambda c: rx.el.td(c, style=theme.TD)),
                        class_name="tile-row",
                    ),
                )
            ),
            style=theme.TABLE,
        ),
        class_name="tile-table",
        style=theme.TILE_TABLE,
    )


def _chart(t: rx.Var[TileView]) -> rx.Component:
    return rx.el.div(
        rx.recharts.bar_chart(
            Bar.create(
                data_key="s0",
                fill=theme.BLUE,
                is_animation_active=False,
                on_click=lambda cat: DashboardState.cross_filter(t.id, cat),
            ),
            rx.recharts.x_axis(data_key="cat", tick={"fontSize": 11}),
            rx.recharts.y_axis(tick={"fontSize": 11}, width=64),
            rx.recharts.graphing_tooltip(is_animation_active=False),
            data=t.points,
            width="100%",
            height="100%",
        ),
        class_name="tile-chart",
        style=theme.TILE_CHART,
    )


def _kpi(t: rx.Var[TileView]) -> rx.Component:
    return rx.el.div(
        t.kpi,
        class_name="tile-kpi",
        style=theme.TILE_KPI,
    )


def _report_body(t: rx.Var[TileView]) -> rx.Component:
    return rx.cond(
        t.pending & (t.updated == ""),
        rx.el.div("Loads when shown", class_name="tile-pending", style=theme.TILE_PENDING),
        _report_answer(t),
    )


def _report_answer(t: rx.Var[TileView]) -> rx.Component:
    return rx.cond(
        t.loading,
        rx.el.div(rx.spinner(size="2"), class_name="tile-loading", style=theme.TILE_LOADING),
        rx.cond(
            t.error != "",
            rx.el.div(t.error, class_name="tile-error", role="alert", style=theme.MUTED),
            rx.match(t.view, ("chart", _chart(t)), ("kpi", _kpi(t)), _table(t)),
        ),
    )


def _body(t: rx.Var[TileView]) -> rx.Component:
    """A text tile's markdown (HTML made without raw HTML: aurora.dashboard_doc) or a
    report tile's table, chart or KPI."""
    return rx.cond(
        t.kind == "text",
        rx.html(
            t.html,
            class_name="tile-text",
            style=theme.TILE_TEXT,
        ),
        _report_body(t),
    )


def _tile(t: rx.Var[TileView]) -> rx.Component:
    return rx.el.div(
        rx.el.div(
            rx.el.span(t.title, class_name="tile-title", style=theme.TILE_TITLE),
            rx.cond(
                t.kind == "report",
                rx.fragment(
                    rx.el.span(t.updated, class_name="tile-updated", style=theme.MUTED),
                    theme.icon_button(
                        "external-link",
                        "Open in explorer",
                        class_name="tile-explore tile-nodrag",
                        on_click=DashboardState.open_in_explorer(t.id),
                    ),
                ),
            ),
            theme.icon_button(
                "message-square",
                "Comments",
                class_name="tile-comments tile-nodrag",
                on_click=DashboardState.open_comments(t.id),
            ),
            rx.cond(
                DashboardState.editing,
                theme.icon_button(
                    "trash-2",
                    "Remove tile",
                    class_name="tile-remove tile-nodrag",
                    on_click=DashboardState.remove_tile(t.id),
                ),
            ),
            class_name="tile-drag",
            style={
                "display": "flex",
                "align_items": "center",
                "gap": "4px",
                "cursor": rx.cond(DashboardState.editing, "move", "default"),
            },
        ),
        _body(t),
        tile_watch(
            pending=t.pending,
            eager=DashboardState.eager,
            on_visible=DashboardState.tile_visible(t.id),
        ),
        key=t.id,
        class_name="dashboard-tile",
        data_tile_id=t.id,
        data_view=t.view,
        data_loaded_at=t.loaded_at,
        data_pending=t.pending,
        style={**theme.DASH_TILE, "grid_area": t.area},
    )


def _edit_grid() -> rx.Component:
    """Edit mode: react-grid-layout, tiles dragged by the header and resized by the corner."""
    return grid_layout(
        rx.foreach(DashboardState.tiles, _tile),
        layout=DashboardState.layout,
        is_draggable=True,
        is_resizable=True,
        on_layout_change=DashboardState.layout_changed,
    )


def _view_grid() -> rx.Component:
    """Reading: the same 12 columns and 40 px rows as a CSS grid, each tile at its area
    (no drag machinery to load or to catch a stray click)."""
    return rx.el.div(
        rx.foreach(DashboardState.tiles, _tile),
        style=theme.DASH_VIEW_GRID,
    )


def dashboard_page() -> rx.Component:
    return page_frame(
        "dashboards",
        _header(),
        forms.alert(DashboardState.error, "dashboard-error"),
        dashboard_new_data_notice(),
        rx.cond(
            DashboardState.notice != "",
            rx.el.div(
                DashboardState.notice, id="dashboard-saved", role="status", style=theme.MUTED
            ),
        ),
        rx.cond(
            DashboardState.tabs.length() > 1,
            rx.el.div(rx.foreach(DashboardState.tabs, _tab), role="tablist", style=theme.DASH_ROW),
        ),
        _filter_bar(),
        bookmarks_bar(),
        rx.cond(DashboardState.editing, _editor()),
        rx.el.div(
            rx.cond(DashboardState.editing, _edit_grid(), _view_grid()),
            id="dashboard-grid",
            data_editing=DashboardState.editing,
        ),
        comments_panel(),
        present_overlay(_body),
        ticker(seconds=DashboardState.refresh_seconds, on_tick=DashboardState.auto_refresh),
        page_id="dashboard-page",
    )
