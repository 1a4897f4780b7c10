"""The AG Grid use case: one service, entry points `table`, `pivot` and `drilldown` (plus
`export_spec` for the export pipeline).

Every statement is compiled from a QuerySpec by `QueryService.compile` and passes its cost
gate, so row-level security, vintage and the gate apply exactly as in /api/query. Only the
row window is set here: AG Grid asks for rows [startRow, endRow), one more is fetched to
tell whether the block is the last one (then `rowCount` = startRow + rows, AG Grid's
convention; otherwise -1). The rows are cut from the query service's cached blocks of
PAGE_BLOCK_ROWS rows (`backend.services.blocks`), like /api/query's pages.

Totals: group rows carry their aggregates; the grand total (AG Grid's `grandTotalData`,
asked for with `needsGrandTotal`) comes from the same statement as the first block of the
top level, through GROUPING SETS (spec `totals: "grand"`), never summed in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlglot import exp

from backend.aggrid import translate
from backend.aggrid.models import MAX_BLOCK_ROWS, DrilldownRequest, GridExportRequest, GridRequest
from backend.catalog.models import Dataset
from backend.errors import BadRequest, InvalidQuery, RowLimitExceeded
from backend.query.context import CompiledQuery
from backend.query.spec import QuerySpec
from backend.query.steps.totals import TOTAL_LEVEL
from backend.services.access import Caller
from backend.services.blocks import row_window
from backend.services.offload import off_loop
from backend.services.queries import QueryService
from backend.services.rows import table_rows
from backend.services.ttl_cache import TtlCache

Row = dict[str, Any]


@dataclass(frozen=True)
class GridResult:
    """AG Grid's `LoadSuccessParams`: pass it to `params.success(...)` as it is."""

    rowData: list[Row]  # AG Grid's names (camelCase)
    rowCount: int
    pivotResultFields: list[str] | None = None
    grandTotalData: Row | None = None
    spec: QuerySpec | None = None  # what ran (for the audit), not sent

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rowData": self.rowData, "rowCount": self.rowCount}
        if self.pivotResultFields is not None:
            out["pivotResultFields"] = self.pivotResultFields
        if self.grandTotalData is not None:
            out["grandTotalData"] = self.grandTotalData
        return out


@dataclass(frozen=True)
class Window:
    start: int
    size: int

    @classmethod
    def of(cls, request: GridRequest) -> Window:
        size = request.endRow - request.startRow
        if size < 1 or size > MAX_BLOCK_ROWS:
            raise InvalidQuery(
                f"endRow - startRow must be 1..{MAX_BLOCK_ROWS}, got {size}; "
                f"set the grid's cacheBlockSize to at most {MAX_BLOCK_ROWS}",
                path="endRow",
            )
        return cls(request.startRow, size)


class AgGridService:
    def __init__(self, queries: QueryService) -> None:
        self.queries = queries
        settings = queries.settings
        self._pivot_paths: TtlCache[list[list[Any]]] = TtlCache(
            maxsize=512, ttl_s=settings.cache_ttl
        )

    # -- entry points ----------------------------------------------------------------------

    async def table(self, key: str, request: GridRequest, caller: Caller) -> GridResult:
        if request.pivotMode and request.pivotCols:
            raise BadRequest(
                f"pivot columns are answered by POST /api/datasets/{key}/pivot, not /table"
            )
        dataset = self._dataset(key, caller)
        window = Window.of(request)
        if request.level >= len(request.rowGroupCols):
            spec = translate.leaf_spec(request, key, dataset, *translate.group_conditions(request))
            result = await self._block(spec, caller, window)
            total = await self._flat_total(request, key, dataset, caller)
            return GridResult(result.rows, result.count, grandTotalData=total, spec=spec)
        totals = self._totals(request, window)
        spec = translate.level_spec(request, key, dataset, totals)
        result = await self._block(spec, caller, window)
        return GridResult(result.rows, result.count, grandTotalData=result.total, spec=spec)

    async def pivot(self, key: str, request: GridRequest, caller: Caller) -> GridResult:
        if not request.pivotMode or not request.pivotCols:
            raise BadRequest(
                "/pivot needs pivotMode: true and at least one column in pivotCols; "
                f"use POST /api/datasets/{key}/table for rows without pivoting"
            )
        dataset = self._dataset(key, caller)
        window = Window.of(request)
        totals = self._totals(request, window)
        spec, fields = await self.pivot_spec(key, request, caller, dataset, totals)
        result = await self._block(spec, caller, window)
        named = translate.by_field(spec)  # cells come back under SQL names: key by field
        rows = [translate.keyed_by_field(row, named) for row in result.rows]
        total = translate.keyed_by_field(result.total, named)
        return GridResult(rows, result.count, fields, total, spec=spec)

    async def drilldown(self, key: str, request: DrilldownRequest, caller: Caller) -> GridResult:
        """The detail rows behind one aggregated cell, paged like a leaf block."""
        dataset = self._dataset(key, caller)
        window = Window.of(request)
        pivot = translate.pivot_conditions(request, request.pivotKeys) if request.pivotKeys else []
        spec = translate.leaf_spec(request, key, dataset, *pivot)
        result = await self._block(spec, caller, window)
        return GridResult(result.rows, result.count, spec=spec)

    async def export_spec(self, key: str, request: GridExportRequest, caller: Caller) -> QuerySpec:
        """What the grid shows at the requested level, whole (exports ignore paging): the
        detail rows, the group rows with their aggregates, or the pivot cross-tab. With
        `subtotals`, the groups of that level and all below, with a ROLLUP subtotal row
        above each group's rows and the grand total first."""
        dataset = self._dataset(key, caller)
        totals: translate.Totals = "rollup" if request.subtotals else None
        if request.pivotMode and request.pivotCols:
            return (
                await self.pivot_spec(key, request, caller, dataset, totals, request.subtotals)
            )[0]
        if request.level >= len(request.rowGroupCols):
            return translate.leaf_spec(request, key, dataset, *translate.group_conditions(request))
        return translate.level_spec(request, key, dataset, totals, deep=request.subtotals)

    async def pivot_spec(
        self,
        key: str,
        request: GridRequest,
        caller: Caller,
        dataset: Dataset,
        totals: translate.Totals,
        deep: bool = False,
    ) -> tuple[QuerySpec, list[str]]:
        paths = await self._pivot_paths_for(key, request, caller, dataset)
        measures, fields = translate.pivot_measures(request, paths)
        spec = translate.pivot_spec(request, key, dataset, measures, totals, deep=deep)
        return spec, fields

    # -- pieces ----------------------------------------------------------------------------

    def _dataset(self, key: str, caller: Caller) -> Dataset:
        return self.queries.policy.dataset_for(key, caller)  # NotFound: 404

    @staticmethod
    def _totals(request: GridRequest, window: Window) -> translate.Totals:
        """The grand total rides along with the top level's first block only."""
        wanted = request.needsGrandTotal and request.level == 0 and window.start == 0
        return "grand" if wanted and request.rowGroupCols else None

    async def _pivot_paths_for(
        self, key: str, request: GridRequest, caller: Caller, dataset: Dataset
    ) -> list[list[Any]]:
        """The distinct pivot key paths, capped so that paths x value columns stays within
        PIVOT_MAX_COLUMNS; cached per SQL and dataset version."""
        most = self.queries.settings.pivot_max_columns
        per_path = max(1, len(request.valueCols))
        cap = max(1, most // per_path)
        spec = translate.pivot_values_spec(request, key, dataset, cap)
        compiled = await off_loop(self.queries.prepared, spec, caller)
        tree = row_window(compiled.unpaged, 0, cap + 1)
        cache_key = await off_loop(self._cache_key, compiled, tree)
        paths = self._pivot_paths.get(cache_key)
        if paths is None:
            await self.queries.gate(compiled)
            paths = table_rows(await self._run(tree))
            self._pivot_paths.put(cache_key, paths)
        if len(paths) > cap:
            names = ", ".join(c.column for c in request.pivotCols)
            raise InvalidQuery(
                f"pivoting on {names} gives more than {most} columns (PIVOT_MAX_COLUMNS); "
                "filter the data or pivot on a column with fewer values",
                path="pivotCols",
            )
        return paths

    async def _flat_total(
        self, request: GridRequest, key: str, dataset: Dataset, caller: Caller
    ) -> Row | None:
        """Ungrouped rows have no group statement to ride along: one aggregate row."""
        if not (request.needsGrandTotal and request.valueCols and request.startRow == 0):
            return None
        spec = translate.grand_total_spec(request, key, dataset)
        compiled = await off_loop(self.queries.prepared, spec, caller)
        await self.queries.gate(compiled)
        rows = _records(await self._run(compiled.unpaged))
        return rows[0] if rows else None

    async def _block(self, spec: QuerySpec, caller: Caller, window: Window) -> _Block:
        limit = self.queries.settings.max_row_limit
        if window.start + window.size > limit:
            raise RowLimitExceeded(
                f"rows up to {window.start + window.size:,} were asked for; paging stops at "
                f"{limit:,} rows. Narrow the grid with filters, or export it."
            )
        compiled = await off_loop(self.queries.prepared, spec, caller)
        await self.queries.gate(compiled)
        extra = 1 if spec.totals else 0  # the grand total row sorts first
        rows = await self.queries.window(compiled, window.start, window.size + 1 + extra)
        return _Block.split(_records(rows.table), window, bool(extra))

    async def _run(self, tree: exp.Select) -> pa.Table:
        """Through the query service's executor: its concurrency bound and timeout."""
        queries = self.queries
        timeout = queries.settings.query_timeout_s
        return await queries.executor.run(
            lambda qid: queries.adapter.run(tree, timeout_s=timeout, query_id=qid),
            timeout_s=timeout,
        )

    def _cache_key(self, compiled: CompiledQuery, tree: exp.Select) -> str:
        catalog = self.queries.catalog
        versions = ",".join(catalog.get(k).version for k in compiled.keys)
        return f"{versions}|{self.queries.adapter.render(tree)}"


@dataclass(frozen=True)
class _Block:
    rows: list[Row]
    count: int
    total: Row | None

    @classmethod
    def split(cls, rows: list[Row], window: Window, with_total: bool) -> _Block:
        total = None
        if with_total and rows and rows[0].get(TOTAL_LEVEL):
            total = rows.pop(0)
        for row in (*rows, *([total] if total else [])):
            row.pop(TOTAL_LEVEL, None)
        last = len(rows) <= window.size
        rows = rows[: window.size]
        return cls(rows, window.start + len(rows) if last else -1, total)


def _records(table: pa.Table) -> list[Row]:
    names: Sequence[str] = table.column_names
    return [dict(zip(names, row, strict=True)) for row in table_rows(table)]
