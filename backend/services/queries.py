"""The query use case: spec -> compiled tree -> cost gate -> page (+ total) -> response.

Every path that runs user SQL (query, preview, explain, values, exports) goes through
`QueryService`, so vintage, row-level security and the cost gate apply everywhere alike.
"""

from __future__ import annotations

import asyncio
import functools
import math
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from adapters.base import DatabaseAdapter, SupportsColumnStats
from backend.catalog.models import Dataset
from backend.catalog.time_travel import travelled
from backend.config import Settings
from backend.errors import AuroraError, ExportTooLarge, QueryTooExpensive
from backend.query.budget import CompileLimits
from backend.query.compiler import compile_query, compile_values, render
from backend.query.context import CompileContext, CompiledQuery, OutputColumn
from backend.query.spec import QuerySpec, Vintage
from backend.query.steps.assemble import page_window
from backend.services.access import AccessPolicy, Caller
from backend.services.blocks import Block, Cut, blocks, covering, cut, row_window, span_numbers
from backend.services.cost_gate import GateDecision, SliceGate, decide
from backend.services.counts import Counts, finished
from backend.services.estimates import (
    JoinEstimate,
    StatsStore,
    Step,
    estimate_tree,
    filtered_rows,
    needed_columns,
    read_select,
)
from backend.services.executor import QueryExecutor
from backend.services.file_counts import bare_vintage, partition_count
from backend.services.joined_schema import JoinedSchema, joined_schema
from backend.services.offload import off_loop
from backend.services.paged_sql import PagedSql
from backend.services.prepared import PREPARED_MAX, PreparedKey, PreparedQueries, prepared_key
from backend.services.result_cache import ResultCache, canonical_sql, result_key, text_key
from backend.services.rows import sql_type, table_rows
from backend.services.sizes import ENTRY_BYTES
from backend.services.slice_scans import SliceScans
from backend.services.ttl_cache import TtlCache

if TYPE_CHECKING:
    from backend.materialize.service import Materializations


@dataclass(frozen=True)
class PageResult:
    columns: list[dict[str, Any]]
    rows: list[list[Any]]
    page: int
    page_size: int
    total_rows: int | None
    sql: str
    elapsed_ms: float
    total_pending: bool = False  # a count runs: POST /api/count answers it

    def as_dict(self) -> dict[str, Any]:
        """The response body: `dataclasses.asdict` without its deep copy of every row and
        value (a twentieth of a cached page's CPU), which the JSON encoder only reads.

        >>> from dataclasses import asdict
        >>> page = PageResult([{"name": "a"}], [[1], [2]], 1, 50, 2, "SELECT", 1.0)
        >>> page.as_dict() == asdict(page) and page.as_dict()["rows"] is page.rows
        True
        """
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class ExplainResult:
    """What EXPLAIN decided; also the response model of POST /api/explain."""

    sql: str
    dialect: str
    estimated_rows: int | None
    estimated_cost: float | None
    allowed: bool
    reason: str | None
    join_order: list[str]
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rewritten_to: str | None = None  # the materialization the query reads instead of joining


# These planners estimate joins from their own statistics (ANALYZE), so their EXPLAIN rows and
# cost are trusted as they are; DuckDB's are not (see backend.services.estimates).
_TRUSTED_PLANNERS = frozenset({"postgres", "oracle"})


class QueryService:
    def __init__(
        self,
        settings: Settings,
        adapter: DatabaseAdapter,
        catalog: Any,
        policy: AccessPolicy,
        executor: QueryExecutor,
        *,
        results: ResultCache | None = None,
        materialized: Materializations | None = None,
    ) -> None:
        self.settings, self.adapter, self.catalog = settings, adapter, catalog
        self.policy, self.executor = policy, executor
        self.results = results if results is not None else ResultCache.from_settings(settings)
        self.materialized = materialized
        # QUERY_CACHE_MAX_MB: half for kept compiles, an eighth for each of the rest.
        eighth = settings.query_cache_max_mb * 2**20 // 8
        self._renders = _Renders(eighth)
        self._pages = PagedSql(adapter.render, eighth // 2)
        self._canonical_pages = PagedSql(canonical_sql, eighth // 2)
        # Gate decisions are keyed by the data versions, so they live as long as those do
        # (bounded in number and bytes), not CACHE_TTL; see `_gate_ttl` for sources
        # without versions.
        self._gates: TtlCache[GateDecision] = TtlCache(
            maxsize=4096, ttl_s=math.inf, max_bytes=eighth
        )
        self.counts = Counts(ttl_s=settings.cache_ttl, max_bytes=eighth)
        self._stats: StatsStore | None = None
        if isinstance(adapter, SupportsColumnStats) and adapter.name not in _TRUSTED_PLANNERS:
            self._stats = StatsStore(adapter)
        self._slices = SliceGate(adapter)  # queries under row-level security (sec-a)
        self._slice_scans = SliceScans(self._slices, executor)
        # Compiled specs, per caller access and data version (backend.services.prepared);
        # the one switch that turns the result cache off turns this off too, so "cache off"
        # figures compile every request.
        caching = settings.result_cache and settings.cache_ttl > 0
        self._prepared = PreparedQueries(PREPARED_MAX if caching else 0, eighth * 4)

    def cache_bytes(self) -> dict[str, int]:
        """The bytes each in-process cache holds, by name (for /metrics)."""
        return {
            "result": self.results.held_bytes(),
            "compiled": self._prepared.bytes,
            "rendered": self._renders.bytes,
            "templates": self._pages.bytes + self._canonical_pages.bytes,
            "gate": self._gates.bytes,
            "count": self.counts.bytes,
        }

    # -- compiling -----------------------------------------------------------------------

    def context(
        self, caller: Caller, dialect: str | None = None, spec: QuerySpec | None = None
    ) -> CompileContext:
        seen: dict[str, Dataset] = {}
        as_of = spec.as_of if spec is not None else None

        def dataset(key: str) -> Dataset:
            found = self.policy.dataset_for(key, caller)
            if as_of is not None and spec is not None:
                found = travelled(
                    self.catalog,
                    found,
                    version=as_of.version,
                    timestamp=as_of.timestamp,
                    own=key == spec.dataset,
                )
            seen[key] = found
            return found

        return CompileContext(
            dataset=dataset,
            dialect=dialect or self.adapter.dialect,
            rls=self.policy.rls_for(caller),
            default_vintage=self._default_vintage,
            max_row_limit=self.settings.max_row_limit,
            estimate_rows=self._slices.input_rows(seen, self._input_rows(seen)),
            limits=CompileLimits.of(self.settings),
        )

    def _input_rows(
        self, seen: dict[str, Dataset]
    ) -> Callable[[str, exp.Select], int | None] | None:
        """Rows a dataset's CTE gives, from cached statistics only: compiling never scans.
        The async paths load what is missing first (`_compiled`)."""
        stats = self._stats
        if stats is None:
            return None

        def estimate(_alias: str, select: exp.Select) -> int | None:
            read = read_select(select)
            by_relation = {d.relation: d for d in seen.values()}
            dataset = by_relation.get(read.relation) if read else None
            if read is None or dataset is None:
                return None
            return filtered_rows(read.where, dataset, stats.get(dataset))

        return estimate

    def compile(self, spec: QuerySpec, caller: Caller, dialect: str | None = None) -> CompiledQuery:
        """The compiled spec; on the adapter's own dialect, reading a materialization that
        covers its joins and columns when there is one (same rows, see backend.materialize).
        Every page of a spec shares one compile, kept while nothing it read changes."""
        dialect = dialect or self.adapter.dialect
        unpaged, kept = self._unpaged(spec, caller, dialect)
        window = page_window(spec, self.settings.max_row_limit)
        # The paged tree is built only if asked for (see CompiledQuery).
        compiled = replace(unpaged, paged=None, window=window, sql=None)
        if dialect != self.adapter.dialect:
            return compiled
        # A materialization holds the current rows: never one for a time-travelling query.
        found = compiled
        if self.materialized is not None and spec.as_of is None:
            found = self.materialized.rewrite(compiled)
        if kept and found is compiled:  # the page's text from its kept tree's template
            return replace(compiled, sql=self._pages.sql(unpaged.unpaged, *window))
        return found

    def _unpaged(self, spec: QuerySpec, caller: Caller, dialect: str) -> tuple[CompiledQuery, bool]:
        """`spec` compiled, its `tree` paged at the first row only, and whether that
        compile is kept. A compile is kept only when the statistics its join order reads
        were all there and did not change while it ran (compiling again gives the same)."""
        key = self._prepared_key(spec, caller, dialect)
        found = self._prepared.get(key) if key is not None else None
        if found is not None:
            return found, True
        seen = self._stats_generation()
        first = spec.model_copy(update={"page": 1, "page_size": 1})
        compiled = compile_query(first, self.context(caller, dialect, spec))
        if key is None or not self._complete(compiled, seen):
            return compiled, False
        self._prepared.put(key, compiled)
        return compiled, True

    def _prepared_key(self, spec: QuerySpec, caller: Caller, dialect: str) -> PreparedKey | None:
        # A time-travelling compile names a past version's view, which is registered while
        # compiling and may be dropped later (only the newest few are kept): compile it again.
        if self._prepared.maxsize <= 0 or spec.as_of is not None:
            return None
        try:
            access = self.policy.compile_key(caller, spec.datasets)
        except AuroraError:  # e.g. no such dataset: the compile says so, in its own words
            return None
        return None if access is None else prepared_key(spec, dialect, access)

    def _complete(self, compiled: CompiledQuery, seen: tuple[int, int]) -> bool:
        """Whether the statistics `compiled`'s join order reads were all cached, and the
        same throughout its compile (`seen`: their generations before it)."""
        if self._stats_generation() != seen:
            return False
        if self._missing_stats(compiled.unpaged, compiled.keys):
            return False
        inputs = [self.catalog.get(k) for k in compiled.keys]
        return not self._slices.missing(compiled.unpaged, inputs)

    def _stats_generation(self) -> tuple[int, int]:
        whole = self._stats.generation if self._stats is not None else 0
        return whole, self._slices.stats.generation

    def sql(self, spec: QuerySpec, caller: Caller, dialect: str) -> str:
        return render(self.compile(spec, caller, dialect).tree, dialect)

    def _default_vintage(self, dataset: Dataset) -> Vintage | None:
        vintage = dataset.vintage
        if vintage is None or not vintage.default_load_type:
            return None
        load_id = self.catalog.latest_load_id(dataset.key, vintage.default_load_type)
        return Vintage(load_type=vintage.default_load_type, load_id=load_id)

    # -- running -------------------------------------------------------------------------

    async def page(
        self, spec: QuerySpec, caller: Caller, *, count: bool = True, prefetch: bool = True
    ) -> PageResult:
        """`count=False`: no count started beside the page (a dashboard tile shows none);
        `total_rows` is then exact when the rows show the end, else None. `prefetch=False`:
        only the blocks the page is cut from are fetched, not the run of blocks around them
        that later pages would read (a dashboard tile shows its first page only)."""
        return await self._page(spec, caller, preview=False, count=count, prefetch=prefetch)

    async def preview(self, spec: QuerySpec, caller: Caller) -> PageResult:
        """At most PREVIEW_ROWS rows, the limit inside the SQL; never a count over the whole
        (possibly joined) result, which would be the full join the preview avoids."""
        size = min(spec.page_size, self.settings.preview_rows)
        first = spec.model_copy(update={"page": 1, "page_size": size})
        return await self._page(first, caller, preview=True)

    async def _page(
        self,
        spec: QuerySpec,
        caller: Caller,
        *,
        preview: bool,
        count: bool = True,
        prefetch: bool = True,
    ) -> PageResult:
        """A page cut from blocks, its count started once they are in; a preview asks for its
        own few rows (a block of a join would be most of the work the preview avoids)."""
        started = time.perf_counter()
        compiled = await self._compiled(spec, caller, count=count and not preview)
        decision = await self.gate(compiled)
        offset = (spec.page - 1) * spec.page_size
        counting = None
        if not preview:
            counting = self._count_plan(compiled, decision) if count else None
            got = await self.window(compiled, offset, spec.page_size, prefetch=prefetch)
        else:
            got = Cut(await self._cached_run(compiled.tree, compiled.keys), None)
        table = got.table
        total = self._page_total(compiled, spec, got, counting)
        return PageResult(
            columns=_columns(compiled.columns, table.schema),
            rows=table_rows(table),
            page=spec.page,
            page_size=spec.page_size,
            total_rows=total,
            sql=self._page_sql(compiled),
            elapsed_ms=round((time.perf_counter() - started) * 1000, 2),
            total_pending=total is None and counting is not None,
        )

    async def explain(self, spec: QuerySpec, caller: Caller) -> ExplainResult:
        """The gate's decision and why, without running the query; never raises for a
        query that is merely too expensive."""
        compiled = await self._compiled(spec, caller)
        decision = await self._decide(compiled.unpaged, compiled.keys)
        return ExplainResult(
            sql=self._page_sql(compiled),
            dialect=self.adapter.dialect,
            estimated_rows=decision.estimated_rows,
            estimated_cost=decision.estimated_cost,
            allowed=decision.allowed,
            reason=decision.reason,
            join_order=list(compiled.join_order),
            steps=list(decision.steps),
            notes=list(compiled.notes),
            rewritten_to=self.materialized.used_by(compiled.tree) if self.materialized else None,
        )

    async def window(
        self, compiled: CompiledQuery, start: int, size: int, *, prefetch: bool = True
    ) -> Cut:
        """Rows [start, start + size) of the unpaged query, cut from blocks (each cached and
        run once for all who ask at the same time, in every process), or asked for directly
        when blocks are off (PAGE_BLOCK_ROWS 0), the window spans too many, or nothing
        would keep them (see `_blocks`). `prefetch`: a block missing is fetched with the
        blocks around it (`_span`), for the pages after it; else alone."""
        numbers = self._blocks(start, size)
        if numbers is None:
            direct = row_window(compiled.unpaged, start, size)
            return Cut(await self._cached_run(direct, compiled.keys), None)
        keyed = await off_loop(self._keyed_blocks, compiled, numbers, prefetch)
        ttl = self._result_ttl(compiled.keys)
        tables = await asyncio.gather(
            *(
                self.results.run(
                    key, functools.partial(self._fetch, b, span), ttl_s=ttl, claim=span.key
                )
                for b, key, span in keyed
            )
        )
        return cut([(b, t) for (b, _, _), t in zip(keyed, tables, strict=True)], start, size)

    def _keyed_blocks(
        self, compiled: CompiledQuery, numbers: range, prefetch: bool
    ) -> list[tuple[Block, str, _Span]]:
        """Blocking (the compile pool: copies and renders trees): the blocks' statements,
        their result cache keys, and the span each is fetched in."""
        settings = self.settings
        versions = [self.catalog.get(k).version for k in compiled.keys]
        ttl = self._result_ttl(compiled.keys)
        wanted = blocks(compiled.unpaged, numbers, settings.page_block_rows, settings.max_row_limit)
        return [
            (b, self._block_key(b, versions), self._span(b, versions, ttl, prefetch))
            for b in wanted
        ]

    def _span(self, block: Block, versions: list[str], ttl: float | None, prefetch: bool) -> _Span:
        """The run of blocks `block` is fetched in (`span_numbers`, runs of up to
        PAGE_PREFETCH_BLOCKS; without `prefetch`, `block` alone), as a block of its own
        (its statement asks for all their rows), and the key that names it."""
        settings = self.settings
        # Blocks are used only with the cache on.
        largest = settings.page_prefetch_blocks if prefetch else 1
        numbers = span_numbers(block.number, largest)
        first = numbers.start
        members = blocks(block.unpaged, numbers, settings.page_block_rows, settings.max_row_limit)
        members = [m for m in members if m.asked > 0]
        whole = Block(first, members[0].start, sum(m.asked for m in members), block.unpaged)
        if len(members) == 1:
            return _Span(whole, self._block_key(whole, versions), (), ttl)
        keys = tuple((m, self._block_key(m, versions)) for m in members)
        return _Span(whole, "span:" + self._block_key(whole, versions), keys, ttl)

    async def _fetch(self, block: Block, span: _Span) -> pa.Table:
        """A block's rows on a cache miss: its span's query (run once for every block of
        it that is asked for meanwhile), which keeps the span's other blocks as well."""
        if not span.members:
            return await self._run_block(block)
        table = await self.results.shared(span.key, functools.partial(self._fetch_span, span))
        return span.part(table, block)

    async def _fetch_span(self, span: _Span) -> pa.Table:
        """The span's rows; its blocks kept up to the first that is not full, where the
        result ends (no page asks past the total it shows). A grouped tile's few rows
        used to keep seven empty blocks as well, each a put (4% of a cold 100k dashboard's
        API CPU, bench/results/dashboard-20261203.md)."""
        table = await self._run_block(span.whole)
        for member, key in span.members:
            part = span.part(table, member)
            if not self.results.flying(key):  # a flight keeps its own block
                await self.results.keep(key, part, span.ttl)
            if part.num_rows < member.asked:
                break
        return table

    def _block_key(self, block: Block, versions: list[str]) -> str:
        """The block's `result_key`, its canonical text cut from the unpaged tree's template
        (backend.services.paged_sql): a kept tree's blocks are never rendered again."""
        scope = self.adapter.name
        text = self._canonical_pages.sql(block.unpaged, block.start, block.asked)
        if text is None:
            return result_key(block.tree, versions, scope=scope)
        return text_key(text, versions, scope=scope)

    def _result_ttl(self, keys: Sequence[str]) -> float | None:
        """How long a result over datasets `keys` is kept: long when every one has a data
        version (a new load is a new key: the entry cannot go stale), else CACHE_TTL."""
        datasets = [self.catalog.get(k) for k in keys]
        if all(d.version not in ("", _STATIC_VERSION) for d in datasets):
            return float(self.settings.cache_ttl_versioned)
        return None

    def _blocks(self, start: int, size: int) -> range | None:
        """The numbers of the blocks rows [start, start + size) are cut from; None when the
        window is asked for as it is: blocks off or too many (`covering`), or the result
        cache off. Without the cache a block is never read again, so its other rows are pure
        cost (small under a top-N: bench/results/cold-page-direct-20261202.md); identical
        concurrent windows still share one query (the result cache's flights)."""
        if not self.results.enabled:
            return None
        settings = self.settings
        return covering(start, size, settings.page_block_rows, settings.max_row_limit)

    def joined_schema(self, spec: QuerySpec, caller: Caller) -> JoinedSchema:
        """The columns a spec's datasets and joins make available, each with its source,
        without running anything (the joins are checked: keys, types, aliases)."""
        return joined_schema(spec, self.context(caller))

    async def values(
        self, key: str, column: str, caller: Caller, *, q: str | None, limit: int
    ) -> list[Any]:
        tree = await off_loop(compile_values, key, column, q, limit, self.context(caller))
        await self._gate_tree(tree, (key,))
        table = await self._cached_run(tree, (key,))
        return [row[0] for row in table_rows(table)]

    async def gate(self, compiled: CompiledQuery) -> GateDecision:
        return await self._gate_tree(compiled.unpaged, compiled.keys)

    async def _gate_tree(self, tree: exp.Select, keys: Sequence[str]) -> GateDecision:
        decision = await self._decide(tree, keys)
        if not decision.allowed:
            raise QueryTooExpensive(decision.reason or "This query is too expensive to run.")
        return decision

    async def _compiled(
        self, spec: QuerySpec, caller: Caller, *, count: bool = True
    ) -> CompiledQuery:
        """Compile; when statistics the join order needs were missing, load them (off the
        event loop) and compile again, so inner joins start from the smallest input.
        `count`: the page may count its rows (so its count's key is rendered here too)."""
        prepare = functools.partial(self.prepared, count=count)
        compiled = await off_loop(prepare, spec, caller)
        missing = self._missing_stats(compiled.unpaged, compiled.keys)
        inputs = [self.catalog.get(k) for k in compiled.keys]
        in_slice = self._slices.missing(compiled.unpaged, inputs)  # row-level security
        if not missing and not in_slice:
            return compiled
        loads: list[Awaitable[object]] = []
        if in_slice:
            loads.append(self._slice_scans.ready(compiled.unpaged, inputs))
        if missing:
            loads.append(self.executor.run(lambda _qid: self._load_stats(missing), timeout_s=None))
        await asyncio.gather(*loads)
        return await off_loop(prepare, spec, caller)

    def prepared(self, spec: QuerySpec, caller: Caller, *, count: bool = True) -> CompiledQuery:
        """Blocking (run it through `off_loop`): compiled, with the SQL the gate's key and
        the response need already rendered; both are CPU work for the compile pool. Only
        what will be used: no gate key for a gate decided from the footers, no count key
        for a page that never counts (a dashboard tile)."""
        compiled = self.compile(spec, caller)
        if self._footer_rows(compiled.unpaged, compiled.keys) is None:
            self._render(compiled.unpaged)
        self._page_sql(compiled)
        if count:
            self._render(compiled.count)  # the key of the count a page starts beside itself
        return compiled

    async def _decide(self, tree: exp.Select, keys: Sequence[str]) -> GateDecision:
        """The gate's decision; a database worker is taken only when deciding needs the
        database (EXPLAIN, statistics): a decision from the catalog's row counts alone is
        made here, without a hop through the admission queue and a thread, and one from a
        slice's cached statistics in the compile pool (the scan of missing ones is shared
        by every query that needs it meanwhile: a cold dashboard's tiles under row-level
        security scanned the same slice once each, each in a worker of its own)."""
        known = self._footer_rows(tree, keys)
        if known is not None:  # nothing to look up or keep: the footers decide at once
            return GateDecision(True, known, None)
        cached = self._gates.get(self._cache_key(keys, tree))
        if cached is not None:
            return cached
        if self._slices.applies(tree):  # row-level security: statistics scanned once, shared
            datasets = [self.catalog.get(k) for k in keys]
            if await self._slice_scans.ready(tree, datasets):
                decided = await off_loop(self._decide_in_slices, tree, keys, False)
                if decided is not None:
                    return decided
        return await self.executor.run(lambda _qid: self._decide_now(tree, keys), timeout_s=None)

    def _footer_rows(self, tree: exp.Select, keys: Sequence[str]) -> int | None:
        """The rows the gate allows `tree` on from the catalog's row counts alone (see
        `_small_enough`), or None: it needs its cached decision, statistics or EXPLAIN."""
        if self._slices.applies(tree):
            return None
        return self._small_enough(tree, [self.catalog.get(k) for k in keys])

    def _decide_now(self, tree: exp.Select, keys: Sequence[str]) -> GateDecision:
        """Blocking: statistics, EXPLAIN and the decision, cached per SQL and data version."""
        key = self._cache_key(keys, tree)
        cached = self._gates.get(key)
        if cached is not None:
            return cached
        if self._slices.applies(tree):  # row-level security: judged inside the slice only
            decision = self._decide_in_slices(tree, keys, True)
            assert decision is not None  # scanning, nothing is missing
            return decision
        datasets = [self.catalog.get(k) for k in keys]
        settings = self.settings
        if (known := self._small_enough(tree, datasets)) is not None:
            decision = GateDecision(True, known, None)
        else:
            self._load_stats(self._missing_stats(tree, keys))
            decision = decide(
                self.adapter.explain(tree),
                datasets,
                max_rows=settings.explain_max_rows,
                max_cost=settings.explain_max_cost,
                joins=self._join_estimate(tree, keys),
            )
        self._gates.put(key, decision, ttl_s=_gate_ttl(datasets))
        return decision

    def _decide_in_slices(
        self, tree: exp.Select, keys: Sequence[str], scan: bool
    ) -> GateDecision | None:
        """The decision from the statistics of the caller's slices, kept like any other;
        `scan`: scan what is missing (blocking, in a query worker), else None for it."""
        datasets = [self.catalog.get(k) for k in keys]
        settings = self.settings
        decision = self._slices.decide(
            tree,
            datasets,
            max_rows=settings.explain_max_rows,
            max_cost=settings.explain_max_cost,
            scan=scan,
        )
        if decision is not None:
            self._gates.put(self._cache_key(keys, tree), decision, ttl_s=_gate_ttl(datasets))
        return decision

    def _small_enough(self, tree: exp.Select, datasets: Sequence[Dataset]) -> int | None:
        """The rows of the one dataset a join-free query reads, when its file metadata says
        they are few enough that neither the gate nor the count could refuse (no EXPLAIN
        round trip then); None otherwise. Only where the planner is not trusted anyway."""
        if self.adapter.name in _TRUSTED_PLANNERS or len(datasets) != 1 or _joins(tree):
            return None
        rows = datasets[0].row_estimate
        limit = min(self.settings.explain_max_rows, self.settings.count_max_rows)
        return rows if rows is not None and rows <= limit else None

    def _datasets(self, keys: Sequence[str]) -> dict[str, Dataset]:
        """The datasets of `keys` by relation (statistics are per relation and version)."""
        found = (self.catalog.get(k) for k in keys)
        return {d.relation: d for d in found}

    def _missing_stats(
        self, tree: exp.Select, keys: Sequence[str]
    ) -> list[tuple[Dataset, list[str]]]:
        """Statistics our estimate needs and the cache lacks. Only joins need them: for one
        dataset the planner's estimate (the gate takes the larger) already covers ours."""
        stats = self._stats
        if stats is None or not tree.args.get("joins"):
            return []
        datasets = self._datasets(keys)
        todo = []
        for relation, columns in needed_columns(tree).items():
            dataset = datasets.get(relation)
            wanted = stats.missing(dataset, columns) if dataset is not None else []
            if dataset is not None and wanted:
                todo.append((dataset, wanted))
        return todo

    def _load_stats(self, todo: list[tuple[Dataset, list[str]]]) -> None:
        if self._stats is not None:
            for dataset, columns in todo:
                self._stats.load(dataset, columns)

    def _join_estimate(self, tree: exp.Select, keys: Sequence[str]) -> JoinEstimate | None:
        stats = self._stats
        if stats is None or not tree.args.get("joins"):
            return None
        datasets = self._datasets(keys)

        def known(relation: str) -> tuple[Dataset, Any] | None:
            dataset = datasets.get(relation)
            return (dataset, stats.get(dataset)) if dataset is not None else None

        return estimate_tree(tree, known)

    def _cache_key(self, keys: Sequence[str], tree: exp.Expression) -> str:
        """The SQL carries every value and row filter; the versions make a new load a miss."""
        versions = ",".join(self.catalog.get(k).version for k in keys)
        return f"{versions}|{self._render(tree)}"

    def _page_sql(self, compiled: CompiledQuery) -> str:
        """The paged query's text: from its kept template when known, else rendered."""
        return compiled.sql if compiled.sql is not None else self._render(compiled.tree)

    def _render(self, tree: exp.Expression) -> str:
        """The adapter's SQL for `tree`, rendered once per tree object: a page request
        needs the same text for the gate, the count and the response, and rendering is
        most of the CPU a cached page costs."""
        hit = self._renders.get(tree)
        if hit is not None:
            return hit
        sql = self.adapter.render(tree)
        self._renders.keep(tree, sql)
        return sql

    async def _cached_run(self, tree: exp.Expression, keys: Sequence[str]) -> pa.Table:
        """Through the result cache: its key holds the tree (so the caller's row filters and
        vintage) and the data versions; identical concurrent calls run the query once, with
        the cache off too."""
        versions = [self.catalog.get(k).version for k in keys]
        key = await off_loop(functools.partial(result_key, tree, versions, scope=self.adapter.name))
        return await self.results.run(key, lambda: self._run(tree), ttl_s=self._result_ttl(keys))

    async def _run_block(self, block: Block) -> pa.Table:
        """A block's rows; its statement built only now, on a cache miss (a deep copy of
        the query: in the compile pool, off the event loop)."""
        return await self._run(await off_loop(lambda: block.tree))

    async def _run(self, tree: exp.Expression) -> pa.Table:
        timeout = self.settings.query_timeout_s
        return await self.executor.run(
            lambda qid: self.adapter.run(tree, timeout_s=timeout, query_id=qid),
            timeout_s=timeout,
        )

    # -- counting ------------------------------------------------------------------------

    async def count(self, spec: QuerySpec, caller: Caller) -> int:
        """The spec's row count (its page ignored), gated like its pages; one count per
        query and data version runs at a time, whoever asks (a page or /api/count)."""
        compiled = await self._compiled(spec.model_copy(update={"page": 1}), caller)
        await self.gate(compiled)
        return await self._count(compiled)

    async def _count(self, compiled: CompiledQuery) -> int:
        key = self._cache_key(compiled.keys, compiled.count)
        return await self.counts.count(key, lambda: self._count_now(compiled))

    async def _count_now(self, compiled: CompiledQuery) -> int:
        from_files = self._file_count(compiled)
        if from_files is not None:
            return from_files
        table = await self._cached_run(compiled.count, compiled.keys)
        return int(table.column(0)[0].as_py())

    def _file_count(self, compiled: CompiledQuery) -> int | None:
        """The count of a bare read of one Parquet dataset, whole or one vintage, from its
        files' footers (backend.services.file_counts); None for any other query."""
        if len(compiled.keys) != 1:
            return None
        dataset = self.catalog.get(compiled.keys[0])
        if dataset.partition_rows is None:
            return None
        wanted = bare_vintage(compiled.unpaged, dataset.relation)
        return None if wanted is None else partition_count(dataset.partition_rows, wanted)

    def _count_plan(self, compiled: CompiledQuery, decision: GateDecision) -> _Counting | None:
        """The page's count when it may run (the planner expects at most COUNT_MAX_ROWS
        input rows), else None. Known (cached, or from the files' footers), or started by
        `_page_total` once the page's rows are in and do not show the end: never beside
        the page's statement, where on two cores it took the page's CPU (the 1M detail page
        +25 ms CPU with it, bench/results/cold-page-20261203.md) for a total the page does
        not wait for anyway."""
        key = self._cache_key(compiled.keys, compiled.count)
        known = self.counts.known(key)
        counting = _Counting(key, known if known is not None else self._file_count(compiled), None)
        if counting.known is not None:
            return counting
        rows = decision.estimated_rows
        if rows is None or rows > self.settings.count_max_rows:
            return None
        return counting

    def _page_total(
        self, compiled: CompiledQuery, spec: QuerySpec, got: Cut, counting: _Counting | None
    ) -> int | None:
        """Exact when the rows fetched show the end; else the count if it is known by now
        (never waited for)."""
        offset = (spec.page - 1) * spec.page_size
        rows = got.table.num_rows
        end = got.total
        if end is None and rows < spec.page_size and (rows > 0 or offset == 0):
            end = offset + rows
        if end is not None:
            if counting is not None:
                self.counts.settle(counting.key, end)
            return end
        if counting is None or counting.known is not None:
            return counting.known if counting is not None else None
        if counting.task is None:
            counting.task = self.counts.start(counting.key, lambda: self._count_now(compiled))
        return finished(counting.task)

    # -- exports -------------------------------------------------------------------------

    async def check_export(self, spec: QuerySpec, caller: Caller, fmt: str) -> int:
        """Refuse an export that would pass its limit before any job starts; return its row
        count, which the job reports as `total_rows` while it runs."""
        compiled = await self._compiled(spec.model_copy(update={"page": 1, "page_size": 1}), caller)
        await self.gate(compiled)
        limit = (
            self.settings.export_excel_max_rows if fmt == "xlsx" else self.settings.max_row_limit
        )
        rows = await self._count(compiled)
        if rows > limit:
            hint = " Choose CSV or Parquet for larger exports." if fmt == "xlsx" else ""
            raise ExportTooLarge(
                f"This export has {rows:,} rows; the limit for {fmt.upper()} is {limit:,}.{hint}"
            )
        return rows

    def stream_export(
        self, spec: QuerySpec, caller: Caller, *, query_id: str | None = None
    ) -> tuple[list[OutputColumn], Iterator[pa.RecordBatch]]:
        """Blocking: call it from a worker thread or process, never the event loop. Gated
        here too: a scheduled export never went through `check_export`."""
        first = spec.model_copy(update={"page": 1, "page_size": 1})
        compiled = self.compile(first, caller)
        missing = self._missing_stats(compiled.unpaged, compiled.keys)
        if missing:
            self._load_stats(missing)
            compiled = self.compile(first, caller)
        decision = self._decide_now(compiled.unpaged, compiled.keys)
        if not decision.allowed:
            raise QueryTooExpensive(decision.reason or "This query is too expensive to run.")
        batches = self.adapter.stream(compiled.unpaged, query_id=query_id)
        return list(compiled.columns), batches


# Rendered SQL kept by tree: the unpaged and count trees of kept compiles (used on every
# request for their gate and count keys) and the latest requests' paged trees.
_RENDERS_MAX = 512


class _Renders:
    """SQL texts by tree object, least used first out, bounded in number and in the bytes of
    the texts. A tree is referred to weakly: holding it (a paged tree is a copy of the whole
    query, 70+ KB) kept 512 of them alive; a dead tree's id may be reused, the reference
    tells."""

    def __init__(self, max_bytes: int) -> None:
        self._kept: OrderedDict[int, tuple[weakref.ref[exp.Expression], str]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_bytes, self.bytes = max_bytes, 0

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, tree: exp.Expression) -> str | None:
        with self._lock:
            hit = self._kept.get(id(tree))
            if hit is None or hit[0]() is not tree:
                return None
            self._kept.move_to_end(id(tree))  # kept compiles' trees stay rendered
            return hit[1]

    def keep(self, tree: exp.Expression, sql: str) -> None:
        with self._lock:
            old = self._kept.pop(id(tree), None)
            self.bytes += len(sql) + ENTRY_BYTES - (len(old[1]) + ENTRY_BYTES if old else 0)
            self._kept[id(tree)] = (weakref.ref(tree), sql)
            while len(self._kept) > _RENDERS_MAX or (
                self.bytes > self.max_bytes and len(self._kept) > 1
            ):
                self.bytes -= len(self._kept.popitem(last=False)[1][1]) + ENTRY_BYTES


# A source that cannot see its data change gives every dataset this version: its gate
# decisions are judged again after an hour rather than kept for good.
_STATIC_VERSION, _STATIC_GATE_TTL_S = "static", 3600.0


def _gate_ttl(datasets: Sequence[Dataset]) -> float:
    return _STATIC_GATE_TTL_S if any(d.version == _STATIC_VERSION for d in datasets) else math.inf


def _joins(tree: exp.Select) -> bool:
    """Whether any SELECT of `tree` (CTEs included) joins."""
    return any(select.args.get("joins") for select in tree.find_all(exp.Select))


@dataclass(frozen=True)
class _Span:
    """Blocks fetched by one query: `whole` asks for all their rows; `key` names the
    query (its flight, and its claim across processes); `members` are the blocks with
    their cache keys (none when the span is the one block)."""

    whole: Block
    key: str
    members: tuple[tuple[Block, str], ...]
    ttl: float | None

    def part(self, table: pa.Table, block: Block) -> pa.Table:
        """`block`'s rows of the span's table (empty past the end of the result)."""
        return table.slice(block.start - self.whole.start, block.asked)


@dataclass
class _Counting:
    """A page's count: its key, and the count when known, else the task counting it."""

    key: str
    known: int | None
    task: asyncio.Task[int] | None


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
