"""A report tile's query with the dashboard's filters applied, as the viewer runs it.

The tile's own spec, its filters ANDed with the conditions of every dashboard filter mapped
to one of its columns (the request's value, else the filter's default) and of the
cross-filter pills on columns it has. It then runs like any query: `QueryService` applies
the viewer's RLS, the vintage, the gate, the fair queue and the result cache.
"""

from __future__ import annotations

import datetime as dt

from backend.dashboards import filters
from backend.dashboards.models import DashboardIn, FilterValue, ReportTile, TileDataIn
from backend.errors import InvalidQuery, NotFound
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.services.offload import off_loop
from backend.services.queries import QueryService


def report_tile(doc: DashboardIn, tile_id: str) -> ReportTile:
    tile = doc.tile(tile_id)
    if tile is None:
        raise NotFound(f"This dashboard has no tile '{tile_id}'.")
    if not isinstance(tile, ReportTile):
        raise InvalidQuery(f"tile '{tile_id}' is a {tile.kind} tile: it has no data", path="tile")
    return tile


def values(doc: DashboardIn, given: TileDataIn) -> dict[str, FilterValue]:
    """Every filter's value: the request's, else its default; unknown filters are 422."""
    by_id = {f.id: f for f in doc.filters}
    for fid in given.filters:
        if fid not in by_id:
            raise InvalidQuery(f"this dashboard has no filter '{fid}'", path=f"filters.{fid}")
    return {
        f.id: filters.checked(f, given.filters.get(f.id, f.default), f"filters.{f.id}")
        for f in doc.filters
    }


async def tile_spec(
    queries: QueryService,
    doc: DashboardIn,
    tile: ReportTile,
    given: TileDataIn,
    user: User,
    today: dt.date | None = None,
) -> QuerySpec:
    today = today or dt.datetime.now(dt.UTC).date()
    chosen = values(doc, given)
    found = []
    for f in doc.filters:
        column = tile.filters.get(f.id)
        if column is not None:
            found += filters.conditions(f, chosen[f.id], column, today)
    if given.cross:
        schema = await off_loop(queries.joined_schema, tile.spec, user)
        found += filters.cross_conditions(given.cross, {c.name for c in schema.columns})
    spec = filters.filtered(tile.spec, found)
    return spec.model_copy(update={"page": 1, "page_size": given.page_size})
