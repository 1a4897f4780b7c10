"""AG Grid's Server-Side Row Model request, as the grid sends it (camelCase).

These are the only models in Aurora that ignore unknown fields (`extra="ignore"`): they
mirror a protocol we do not own. AG Grid adds fields between versions and sends more than
the contract lists (`rowGroupCols[].aggFunc`, filter models with `filterType`, `type`,
`filter`, `filterTo`, `dateFrom`, `dateTo`, `values`, `operator` + `conditions`, the old
`condition1`/`condition2`...), and a grid must keep working when it does. Everything that
reaches SQL still goes through Aurora's closed `QuerySpec`, so nothing ignored here can
widen what a query does.

Aurora adds a few optional fields of its own (AG Grid never sends them; a datasource may):
`vintage`, `columns` (the detail columns to return), `needsGrandTotal` (AG Grid's
`params.needsGrandTotal`), `pivotResultFieldSeparator` (the grid option of that name) and,
for drill-down, `pivotKeys`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.query.spec import MAX_COLUMNS, Alias, Name, Scalar, Vintage

MAX_BLOCK_ROWS = 1_000  # like `page_size`: a grid's cacheBlockSize must not exceed it
# A sort key may be a pivot result field, made of pivot values of any length.
MAX_FIELD_LENGTH = 100_000
# The grid's pivot result field separator: printable, no quote (like a column id).
Separator = Annotated[str, Field(min_length=1, max_length=5, pattern=r"^[^\x00-\x1f\x7f\"]+$")]
AUTO_GROUP_COLUMN = "ag-Grid-AutoColumn"  # AG Grid's id of its generated group column


class Protocol(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ColumnVO(Protocol):
    """A grid column as AG Grid describes it: `id` is the column id, `field` its data field.
    Both name result columns, so they are shaped like a spec's aliases (no quotes, no
    control characters, at most 128 characters)."""

    id: Alias
    field: Alias | None = None
    displayName: str | None = None
    aggFunc: str | None = None

    @property
    def column(self) -> str:
        """The dataset column: the field, or the id when the grid sends no field."""
        return self.field or self.id


class SortModelItem(Protocol):
    colId: Annotated[str, Field(min_length=1, max_length=MAX_FIELD_LENGTH)]
    sort: Literal["asc", "desc"]


class GridRequest(Protocol):
    """`IServerSideGetRowsRequest` plus Aurora's optional fields; shared by every endpoint."""

    startRow: Annotated[int, Field(ge=0, le=100_000_000)] = 0
    endRow: Annotated[int, Field(ge=0, le=100_000_000)] = 100
    rowGroupCols: Annotated[list[ColumnVO], Field(max_length=20)] = []
    valueCols: Annotated[list[ColumnVO], Field(max_length=100)] = []
    pivotCols: Annotated[list[ColumnVO], Field(max_length=10)] = []
    pivotMode: bool = False
    groupKeys: Annotated[list[Scalar], Field(max_length=20)] = []
    filterModel: dict[str, Any] | None = None
    sortModel: Annotated[list[SortModelItem], Field(max_length=50)] = []
    # Aurora's additions.
    vintage: Vintage | None = None
    columns: Annotated[list[Name], Field(max_length=MAX_COLUMNS)] = []
    needsGrandTotal: bool = False
    pivotResultFieldSeparator: Separator = "_"

    @property
    def level(self) -> int:
        """The group level asked for: 0 is the top; len(rowGroupCols) is the leaf rows."""
        return len(self.groupKeys)


class DrilldownRequest(GridRequest):
    """The detail rows behind one aggregated cell: `groupKeys` is the cell's row (its path
    of group values), `pivotKeys` its pivot column (one value per `pivotCols` entry, as
    AG Grid's colDef.pivotKeys holds them)."""

    pivotKeys: Annotated[list[Scalar], Field(max_length=10)] = []


class GridExportRequest(GridRequest):
    """What the grid shows, exported whole through the export pipeline."""

    format: Literal["csv", "xlsx", "parquet"] = "csv"
    filename: Annotated[str, Field(max_length=200)] | None = None
    # Every group level below the requested one too, with database subtotals (ROLLUP).
    subtotals: bool = False
