"""A dashboard checked against the catalog as the user saving it sees it.

Each report tile's spec must compile for them and its settings fit the spec
(`report_views.check`); each filter mapping must name a column the tile's datasets have
(a filter left out of a mapping is proposed by `filters.propose`, and may come back None).
The checked document is returned with every mapping filled in.
"""

from __future__ import annotations

from collections.abc import Callable

from backend.dashboards import filters
from backend.dashboards.models import DashboardIn, FilterTile, ReportTile, Tab
from backend.errors import InvalidQuery
from backend.query.spec import QuerySpec
from backend.services import report_views
from backend.services.report_views import ChartView, ReportKind

# A tile's columns as a spec's filters name them -> their labels (compiles, runs nothing).
Columns = Callable[[QuerySpec], dict[str, str]]


def checked(
    body: DashboardIn, validate: Callable[[QuerySpec], None], columns: Columns
) -> DashboardIn:
    known = {f.id for f in body.filters}
    for i, f in enumerate(body.filters):
        filters.checked(f, f.default, f"filters[{i}].default")
    tabs = [_tab(tab, i, body, known, validate, columns) for i, tab in enumerate(body.tabs)]
    return body.model_copy(update={"tabs": tabs})


def _tab(
    tab: Tab,
    i: int,
    body: DashboardIn,
    known: set[str],
    validate: Callable[[QuerySpec], None],
    columns: Columns,
) -> Tab:
    tiles = []
    for j, tile in enumerate(tab.tiles):
        path = f"tabs[{i}].tiles[{j}]"
        if isinstance(tile, FilterTile) and tile.filter not in known:
            raise InvalidQuery(
                f"no filter '{tile.filter}' on this dashboard", path=f"{path}.filter"
            )
        if isinstance(tile, ReportTile):
            tile = _report_tile(tile, path, body, known, validate, columns)
        tiles.append(tile)
    return tab.model_copy(update={"tiles": tiles})


def _report_tile(
    tile: ReportTile,
    path: str,
    body: DashboardIn,
    known: set[str],
    validate: Callable[[QuerySpec], None],
    columns: Columns,
) -> ReportTile:
    _view(tile, path)
    try:
        validate(tile.spec)
    except InvalidQuery as e:
        raise InvalidQuery(f"tile '{tile.id}': {e.message}", path=f"{path}.spec") from e
    have = columns(tile.spec)
    mapping = dict(tile.filters)
    for fid, column in mapping.items():
        if fid not in known:
            raise InvalidQuery(f"no filter '{fid}' on this dashboard", path=f"{path}.filters")
        if column is not None and column not in have:
            raise InvalidQuery(
                f"filter '{fid}' is mapped to '{column}', which tile '{tile.id}' does not have",
                path=f"{path}.filters.{fid}",
            )
    for f in body.filters:
        if f.id not in mapping:
            mapping[f.id] = filters.propose(f, have)
    return tile.model_copy(update={"filters": mapping})


# A KPI is a chart report whose settings draw one number.
_KINDS: dict[str, ReportKind] = {
    "table": "table",
    "chart": "chart",
    "kpi": "chart",
    "pivot": "pivot",
}


def _view(tile: ReportTile, path: str) -> None:
    kind = _KINDS[tile.view]
    if tile.view == "kpi" and not (isinstance(tile.chart, ChartView) and tile.chart.kind == "kpi"):
        raise InvalidQuery("a KPI tile needs chart settings of kind 'kpi'", path=f"{path}.chart")
    try:
        report_views.check(kind, tile.chart, tile.spec)
    except InvalidQuery as e:
        where = f"{path}.{e.path}" if e.path else path
        raise InvalidQuery(f"tile '{tile.id}': {e.message}", path=where) from e
