"""A dashboard document as clients send it: tabs of tiles on a 12-column grid, and filters.

Every model forbids unknown fields and every list is bounded (tabs <= 10, tiles <= 30 per
tab), so a dashboard cannot grow without limit. What needs the catalog (a tile's spec, a
filter mapped to a column) is checked by `backend.dashboards.check`, not here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.query.spec import Name, QuerySpec
from backend.services.report_views import View

GRID_COLUMNS = 12
MAX_TABS = 10
MAX_TILES_PER_TAB = 30
MAX_FILTERS = 20
MAX_GRID_ROWS = 1_000
MAX_TILE_HEIGHT = 40

Id = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
Title = Annotated[str, Field(max_length=200)]
Scalar = str | int | float | Decimal | bool


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Position(Model):
    """Grid units: 12 columns across, rows of a fixed height down."""

    x: Annotated[int, Field(ge=0, lt=GRID_COLUMNS)]
    y: Annotated[int, Field(ge=0, lt=MAX_GRID_ROWS)]
    w: Annotated[int, Field(ge=1, le=GRID_COLUMNS)]
    h: Annotated[int, Field(ge=1, le=MAX_TILE_HEIGHT)]

    @model_validator(mode="after")
    def _inside(self) -> Position:
        if self.x + self.w > GRID_COLUMNS:
            raise ValueError(f"x + w is {self.x + self.w}: the grid has {GRID_COLUMNS} columns")
        return self

    def overlaps(self, other: Position) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )


# filter id -> the tile's column it filters, or None for "not this tile". A filter left out
# is proposed on save (by column name, then label) and comes back filled in.
Mapping = Annotated[dict[Id, Name | None], Field(max_length=MAX_FILTERS)]


class ReportTile(Model):
    """A query drawn as a table, chart, KPI or pivot. `report_id` says which saved report
    it was made from; the spec and settings are the tile's own copy."""

    kind: Literal["report"]
    id: Id
    title: Title = ""
    position: Position
    report_id: Annotated[str, Field(max_length=32)] | None = None
    spec: QuerySpec
    view: Literal["table", "chart", "kpi", "pivot"] = "table"
    chart: View | None = None
    filters: Mapping = {}
    # Present mode shows it under the tile (markdown, drawn without raw HTML).
    caption: Annotated[str, Field(max_length=2_000)] = ""


class TextTile(Model):
    kind: Literal["text"]
    id: Id
    title: Title = ""
    position: Position
    markdown: Annotated[str, Field(max_length=20_000)] = ""


class FilterTile(Model):
    """Shows one of the dashboard's filters on the grid (the filter bar shows them all)."""

    kind: Literal["filter"]
    id: Id
    title: Title = ""
    position: Position
    filter: Id


Tile = Annotated[ReportTile | TextTile | FilterTile, Field(discriminator="kind")]


class Tab(Model):
    id: Id
    title: Annotated[str, Field(min_length=1, max_length=100)]
    tiles: Annotated[list[Tile], Field(max_length=MAX_TILES_PER_TAB)] = []

    @model_validator(mode="after")
    def _no_overlap(self) -> Tab:
        for i, a in enumerate(self.tiles):
            for b in self.tiles[i + 1 :]:
                if a.position.overlaps(b.position):
                    raise ValueError(f"tiles '{a.id}' and '{b.id}' overlap on the grid")
        return self


DatePreset = Literal["last_30_days", "this_quarter", "previous_year"]


class DateRange(Model):
    """A preset, or from/to (both inclusive days; either may be open)."""

    preset: DatePreset | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    @model_validator(mode="after")
    def _one_way(self) -> DateRange:
        if self.preset is not None and (self.start or self.end):
            raise ValueError("a date range is a preset or start/end, not both")
        if self.start and self.end and self.start > self.end:
            raise ValueError("start is after end")
        return self


class NumberRange(Model):
    min: float | None = None
    max: float | None = None


Values = Annotated[list[Scalar], Field(max_length=1_000)]
Text = Annotated[str, Field(max_length=500)]
FilterValue = DateRange | NumberRange | Values | Text | None


class Filter(Model):
    """`column` is the name the filter was made from: tiles are mapped to a column of
    theirs by it (or by `label`) when their mapping leaves the filter out."""

    id: Id
    label: Annotated[str, Field(min_length=1, max_length=100)]
    type: Literal["date_range", "multi_select", "number_range", "text_contains"]
    column: Name | None = None
    default: FilterValue = None


class DashboardIn(Model):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=5_000)] = ""
    shared: bool = False
    filters: Annotated[list[Filter], Field(max_length=MAX_FILTERS)] = []
    tabs: Annotated[list[Tab], Field(min_length=1, max_length=MAX_TABS)]

    @model_validator(mode="after")
    def _unique_ids(self) -> DashboardIn:
        _unique([f.id for f in self.filters], "filter")
        _unique([t.id for t in self.tabs], "tab")
        _unique([tile.id for tab in self.tabs for tile in tab.tiles], "tile")
        return self

    def report_tiles(self) -> list[ReportTile]:
        return [t for tab in self.tabs for t in tab.tiles if isinstance(t, ReportTile)]

    def tile(self, tile_id: str) -> Tile | None:
        return next((t for tab in self.tabs for t in tab.tiles if t.id == tile_id), None)

    @property
    def datasets(self) -> frozenset[str]:
        return frozenset(d for t in self.report_tiles() for d in t.spec.datasets)


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"{what} id '{i}' is used twice")
        seen.add(i)


class CrossFilter(Model):
    """A group clicked in a chart or table tile: tiles that have the column keep its rows."""

    column: Name
    value: Scalar | None


class TileDataIn(Model):
    """The dashboard's filter values (a filter left out takes its default) and the
    cross-filter pills."""

    filters: Annotated[dict[Id, FilterValue], Field(max_length=MAX_FILTERS)] = {}
    cross: Annotated[list[CrossFilter], Field(max_length=10)] = []
    page_size: Annotated[int, Field(ge=1, le=1_000)] = 500


class TilesDataIn(TileDataIn):
    """`TileDataIn` for several report tiles at once (POST .../tiles/data): the tiles a
    view shows, at most a tab's worth, each answered as its own tile request would be."""

    tiles: Annotated[list[Id], Field(min_length=1, max_length=MAX_TILES_PER_TAB)]
