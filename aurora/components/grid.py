"""The data grid: AG Grid Community, fed with the one page the state holds.

AG Grid gives the spreadsheet feel (resizable columns, sticky header, keyboard moves,
text selection, shift-click multi-sort) while paging and sorting stay on the server: the
grid only ever receives the visible 50 rows, and its own sort is neutralised (a comparator
that keeps the server's order), so a header click only tells the state what to ask for.
"""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

from aurora import theme
from aurora.state.explorer import ExplorerState

AG_GRID_VERSION = "36.2.0"

# Evaluated once in the page's module scope. Values arrive already formatted for people;
# null stays null so it can be shown (and styled) distinctly.
_GRID_JS = """
ModuleRegistry.registerModules([AllCommunityModule]);
const auroraGridTheme = themeQuartz.withParams(%(params)s);
const auroraIsNull = (p) => p.value === null || p.value === undefined;
const auroraDefaultColDef = {
  sortable: true,
  resizable: true,
  minWidth: 64,
  suppressHeaderMenuButton: true,
  comparator: () => 0,
  valueFormatter: (p) => (auroraIsNull(p) ? "null" : p.value),
  cellClassRules: { "aurora-null": auroraIsNull },
};
// Numbers are never cut: each numeric column takes the width of its widest formatted value
// on the page (and its header), measured by AG Grid from the rendered cells.
const auroraFitNumbers = (e) => {
  const ids = (e.api.getColumns() || [])
    .filter((c) => (c.getColDef().cellClass || []).includes("aurora-num"))
    .map((c) => c.getColId());
  if (ids.length) e.api.autoSizeColumns(ids, false);
};
"""


def _sort_model(event: rx.Var) -> tuple[rx.Var[list[dict[str, Any]]]]:
    """The grid's sort, in click order (shift-click adds keys), as plain JSON."""
    return (
        rx.Var(
            f"{event}.api.getColumnState().filter(c => c.sort)"
            ".sort((a, b) => (a.sortIndex ?? 0) - (b.sortIndex ?? 0))"
            ".map(c => ({colId: c.colId, sort: c.sort}))"
        ).to(list[dict[str, Any]]),
    )


class AgGrid(rx.Component):
    """A thin wrapper of `AgGridReact` (client-side row model, one page at a time)."""

    library = f"ag-grid-react@{AG_GRID_VERSION}"
    tag = "AgGridReact"
    lib_dependencies: list[str] = [f"ag-grid-community@{AG_GRID_VERSION}"]

    row_data: rx.Var[list[dict[str, Any]]]
    pinned_bottom_row_data: rx.Var[list[dict[str, Any]]]
    column_defs: rx.Var[list[dict[str, Any]]]
    default_col_def: rx.Var[dict[str, Any]]
    theme: rx.Var[Any]
    loading: rx.Var[bool]
    container_style: rx.Var[dict[str, Any]]
    suppress_row_virtualisation: rx.Var[bool]
    suppress_column_virtualisation: rx.Var[bool]
    suppress_movable_columns: rx.Var[bool]
    enable_cell_text_selection: rx.Var[bool]
    ensure_dom_order: rx.Var[bool]
    animate_rows: rx.Var[bool]
    tooltip_show_delay: rx.Var[int]
    overlay_no_rows_template: rx.Var[str]

    on_sort_changed: rx.EventHandler[_sort_model]

    def add_imports(self) -> dict[str, list[rx.ImportVar]]:
        return {
            "ag-grid-community": [
                rx.ImportVar(tag="ModuleRegistry"),
                rx.ImportVar(tag="AllCommunityModule"),
                rx.ImportVar(tag="themeQuartz"),
            ]
        }

    def add_custom_code(self) -> list[str]:
        return [_GRID_JS % {"params": json.dumps(theme.GRID_PARAMS)}]


def result_grid() -> rx.Component:
    return rx.box(
        AgGrid.create(
            row_data=ExplorerState.rows,
            pinned_bottom_row_data=ExplorerState.total_row,
            column_defs=ExplorerState.column_defs,
            default_col_def=rx.Var("auroraDefaultColDef"),
            theme=rx.Var("auroraGridTheme"),
            loading=ExplorerState.loading,
            container_style=theme.GRID_CONTAINER,
            suppress_row_virtualisation=True,
            suppress_column_virtualisation=True,
            suppress_movable_columns=True,
            enable_cell_text_selection=True,
            ensure_dom_order=True,
            animate_rows=False,
            tooltip_show_delay=400,
            overlay_no_rows_template="No rows to show",
            on_sort_changed=ExplorerState.set_sort,
            custom_attrs={
                "onFirstDataRendered": rx.Var("auroraFitNumbers"),
                "onRowDataUpdated": rx.Var("auroraFitNumbers"),
                "onGridColumnsChanged": rx.Var("auroraFitNumbers"),
            },
        ),
        id="grid",
        style=theme.GRID_FILL,
    )
