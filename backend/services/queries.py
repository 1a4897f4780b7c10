"""The query use case: spec -> compiled tree -> cost gate -> page (+ total) -> response.

Every path that runs user SQL (query, preview, explain, values, exports) goes through
`QueryService`, so vintage, row-level security and the cost gate apply everywhere alike.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlglot import exp

from adapters.base import DatabaseAdapter, Estimate
from backend.catalog.models import Dataset
from backend.config import Settings
from backend.errors import ExportTooLarge, QueryTooExpensive
from backend.query.compiler import compile_query, compile_values, render
from backend.query.context import CompileContext, CompiledQuery, OutputColumn
from backend.query.spec import QuerySpec, Vintage
from backend.services.access import AccessPolicy, Caller
from backend.services.cost_gate import GateDecision, decide
from backend.services.executor import QueryExecutor
from backend.services.rows import sql_type, table_rows
from backend.services.ttl_cache import TtlCache


@dataclass(frozen=True)
class PageResult:
    columns: list[dict[str, Any]]
    rows: list[list[Any]]
    page: int
    page_size: int
    total_rows: int | None
    sql: str
    elapsed_ms: float


@dataclass(frozen=True)
class ExplainResult:
    sql: str
    dialect: str
    estimated_rows: int | None
    estimated_cost: float | None
    allowed: bool
    reason: str | None
    join_order: list[str]


class QueryService:
    def __init__(
        self,
        settings: Settings,
        adapter: DatabaseAdapter,
        catalog: Any,
        policy: AccessPolicy,
        executor: QueryExecutor,
    ) -> None:
        self.settings, self.adapter, self.catalog = settings, adapter, catalog
        self.policy, self.executor = policy, executor
        self._gates: TtlCache[GateDecision] = TtlCache(maxsize=2048, ttl_s=settings.cache_ttl)
        self._counts: TtlCache[int] = TtlCache(maxsize=2048, ttl_s=settings.cache_ttl)

    # -- compiling -----------------------------------------------------------------------

    def context(self, caller: Caller, dialect: str | None = None) -> CompileContext:
        return CompileContext(
            dataset=lambda key: self.policy.dataset_for(key, caller),
            dialect=dialect or self.adapter.dialect,
            rls=self.policy.rls_for(caller),
            default_vintage=self._default_vintage,
            max_row_limit=self.settings.max_row_limit,
        )

    def compile(self, spec: QuerySpec, caller: Caller, dialect: str | None = None) -> CompiledQuery:
        return compile_query(spec, self.context(caller, dialect))

    def sql(self, spec: QuerySpec, caller: Caller, dialect: str) -> str:
        return render(self.compile(spec, caller, dialect).tree, dialect)

    def _default_vintage(self, dataset: Dataset) -> Vintage | None:
        vintage = dataset.vintage
        if vintage is None or not vintage.default_load_type:
            return None
        load_id = self.catalog.latest_load_id(dataset.key, vintage.default_load_type)
        return Vintage(load_type=vintage.default_load_type, load_id=load_id)

    # -- running -------------------------------------------------------------------------

    async def page(self, spec: QuerySpec, caller: Caller) -> PageResult:
        started = time.perf_counter()
        compiled = self.compile(spec, caller)
        await self.gate(compiled)
        table = await self._run(compiled.tree)
        total = await self._total(compiled, spec, table.num_rows)
        return PageResult(
            columns=_columns(compiled.columns, table.schema),
            rows=table_rows(table),
            page=spec.page,
            page_size=spec.page_size,
            total_rows=total,
            sql=self.adapter.render(compiled.tree),
            elapsed_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    async def preview(self, spec: QuerySpec, caller: Caller) -> PageResult:
        size = min(spec.page_size, self.settings.preview_rows)
        return await self.page(spec.model_copy(update={"page": 1, "page_size": size}), caller)

    async def explain(self, spec: QuerySpec, caller: Caller) -> ExplainResult:
        compiled = self.compile(spec, caller)
        decision = await self._decide(compiled)
        return ExplainResult(
            sql=self.adapter.render(compiled.tree),
            dialect=self.adapter.dialect,
            estimated_rows=decision.estimated_rows,
            estimated_cost=decision.estimated_cost,
            allowed=decision.allowed,
            reason=decision.reason,
            join_order=list(compiled.join_order),
        )

    async def values(
        self, key: str, column: str, caller: Caller, *, q: str | None, limit: int
    ) -> list[Any]:
        tree = compile_values(key, column, q, limit, self.context(caller))
        table = await self._run(tree)
        return [row[0] for row in table_rows(table)]

    async def gate(self, compiled: CompiledQuery) -> None:
        decision = await self._decide(compiled)
        if not decision.allowed:
            raise QueryTooExpensive(decision.reason or "This query is too expensive to run.")

    async def _decide(self, compiled: CompiledQuery) -> GateDecision:
        key = self._cache_key(compiled, compiled.unpaged)
        cached = self._gates.get(key)
        if cached is not None:
            return cached
        estimate: Estimate = await self.executor.run(
            lambda _qid: self.adapter.explain(compiled.unpaged), timeout_s=None
        )
        datasets = [self.catalog.get(k) for k in _dataset_keys(compiled)]
        decision = decide(
            estimate,
            datasets,
            max_rows=self.settings.explain_max_rows,
            max_cost=self.settings.explain_max_cost,
        )
        self._gates.put(key, decision)
        return decision

    def _cache_key(self, compiled: CompiledQuery, tree: exp.Expression) -> str:
        """The SQL carries every value and row filter; the versions make a new load a miss."""
        versions = ",".join(self.catalog.get(k).version for k in _dataset_keys(compiled))
        return f"{versions}|{self.adapter.render(tree)}"

    async def _run(self, tree: exp.Expression) -> pa.Table:
        timeout = self.settings.query_timeout_s
        return await self.executor.run(
            lambda qid: self.adapter.run(tree, timeout_s=timeout, query_id=qid),
            timeout_s=timeout,
        )

    async def _total(self, compiled: CompiledQuery, spec: QuerySpec, got: int) -> int | None:
        """Exact when the page is the last one; otherwise a count, only when it is cheap."""
        offset = (spec.page - 1) * spec.page_size
        if got < spec.page_size and (got > 0 or offset == 0):
            return offset + got
        key = self._cache_key(compiled, compiled.count)
        cached = self._counts.get(key)
        if cached is not None:
            return cached
        decision = await self._decide(compiled)
        if (
            decision.estimated_rows is None
            or decision.estimated_rows > self.settings.count_max_rows
        ):
            return None
        table = await self._run(compiled.count)
        total = int(table.column(0)[0].as_py())
        self._counts.put(key, total)
        return total

    # -- exports -------------------------------------------------------------------------

    async def check_export(self, spec: QuerySpec, caller: Caller, fmt: str) -> CompiledQuery:
        """Refuse an export that would pass its limit before any job starts."""
        compiled = self.compile(spec.model_copy(update={"page": 1, "page_size": 1}), caller)
        await self.gate(compiled)
        limit = (
            self.settings.export_excel_max_rows if fmt == "xlsx" else self.settings.max_row_limit
        )
        rows = int((await self._run(compiled.count)).column(0)[0].as_py())
        if rows > limit:
            hint = " Choose CSV or Parquet for larger exports." if fmt == "xlsx" else ""
            raise ExportTooLarge(
                f"This export has {rows:,} rows; the limit for {fmt.upper()} is {limit:,}.{hint}"
            )
        return compiled

    def stream_export(
        self, spec: QuerySpec, caller: Caller, *, query_id: str | None = None
    ) -> tuple[list[OutputColumn], Iterator[pa.RecordBatch]]:
        """Blocking: call it from a worker thread or process, never the event loop."""
        compiled = self.compile(spec.model_copy(update={"page": 1, "page_size": 1}), caller)
        batches = self.adapter.stream(compiled.unpaged, query_id=query_id)
        return list(compiled.columns), batches


def _dataset_keys(compiled: CompiledQuery) -> list[str]:
    return list(compiled.keys)


def _columns(columns: tuple[OutputColumn, ...], schema: pa.Schema) -> list[dict[str, Any]]:
    types = {f.name: sql_type(f.type) for f in schema}
    return [
        {
            "name": c.name,
            "type": types.get(c.name, c.type),
            "label": c.label,
            "format": c.format,
        }
        for c in columns
    ]
