"""Materializations: declared by admins, built on DuckDB, used by the query path.

Freshness is checked on access: a build records the data version of every input; a query
it would serve uses it only while all versions still match, so it never reads a stale
join. On a mismatch the query runs on its inputs and a rebuild starts in the background
(one build at a time per process; a failed build is retried after `RETRY_S`). On PostgreSQL
and Oracle the declaration names a materialized view the DBA maintains; it is always used.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from sqlglot import exp

from adapters.base import AdapterQueryError, DatabaseAdapter
from backend.catalog.models import Catalog
from backend.catalog.sources import ParquetViews
from backend.errors import AuroraError, InvalidQuery, NotFound
from backend.materialize import builder
from backend.materialize.layout import Layout, layout_for
from backend.materialize.rewrite import rewrite as rewrite_tree
from backend.materialize.schema import MaterializationIn, MaterializationOut, MaterializedColumn
from backend.materialize.store import Built, MaterializationStore, Record
from backend.query.compiler import count_query
from backend.query.context import CompiledQuery
from backend.query.steps.ctes import relation
from backend.store.base import utcnow

log = logging.getLogger(__name__)

RETRY_S = 60.0


class Materializations:
    def __init__(
        self,
        adapter: DatabaseAdapter,
        catalog: Catalog,
        store: MaterializationStore,
        *,
        warehouse: Path | None,
    ) -> None:
        self._adapter, self._catalog, self._store = adapter, catalog, store
        self._folder = warehouse / builder.FOLDER if warehouse is not None else None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="materialize")
        self._lock = threading.Lock()
        self._building: set[str] = set()
        self._failed_at: dict[str, float] = {}
        self._views: dict[Path, str] = {}  # builds this process registered a view for
        self._layouts: dict[tuple[str, tuple[tuple[str, str], ...]], Layout] = {}

    @property
    def builds_here(self) -> bool:
        return self._folder is not None and isinstance(self._adapter, ParquetViews)

    # --- the query path -------------------------------------------------------------------

    def rewrite(self, compiled: CompiledQuery) -> CompiledQuery:
        """`compiled` reading a materialization that covers it, or `compiled` itself."""
        if len(compiled.keys) < 2:
            return compiled
        for record in self._store.all().values():
            if set(_keys(record.definition)) != set(compiled.keys):
                continue
            found = self._rewritten(compiled, record)
            if found is not None:
                return found
        return compiled

    def _rewritten(self, compiled: CompiledQuery, record: Record) -> CompiledQuery | None:
        try:
            target, layout = self._target(record), self._layout(record.definition)
        except AuroraError as e:  # e.g. an input lost a column: the inputs still answer
            log.warning("materialization %s unusable: %s", record.definition.name, e)
            return None
        if target is None:
            return None
        tree = rewrite_tree(compiled.tree, layout, target)
        unpaged = rewrite_tree(compiled.unpaged, layout, target)
        if tree is None or unpaged is None:
            return None
        note = f"read from materialization '{record.definition.name}'"
        count = count_query(unpaged)
        return replace(
            compiled,
            paged=tree,
            window=None,
            sql=None,  # the text, if known, is the inputs' query's
            unpaged=unpaged,
            count=count,
            notes=(*compiled.notes, note),
        )

    def used_by(self, tree: exp.Expr) -> str | None:
        """The materialization a (rewritten) tree reads, if any."""
        tables = {t.name for t in tree.find_all(exp.Table)}
        for record in self._store.all().values():
            definition = record.definition
            if definition.relation is not None and relation(definition.relation).name in tables:
                return definition.name
            if record.built is not None and builder.view_name(Path(record.built.path)) in tables:
                return definition.name
        return None

    def _target(self, record: Record) -> exp.Table | None:
        """The relation to read, or None while there is no fresh build (one is started)."""
        definition = record.definition
        if definition.relation is not None:
            return relation(definition.relation)
        built = record.built
        if not self.builds_here:
            return None
        if built is None or built.versions != self._versions(definition):
            self.schedule(definition.name)
            return None
        path = Path(built.path)
        if not path.is_file():
            self.schedule(definition.name)
            return None
        return exp.table_(self._register(path))

    def _register(self, path: Path) -> str:
        with self._lock:
            name = self._views.get(path)
        if name is None:
            assert isinstance(self._adapter, ParquetViews)
            name = builder.view_name(path)
            self._adapter.register_parquet(name, path, hive=False)
            with self._lock:
                self._views[path] = name
        return name

    def _versions(self, definition: MaterializationIn) -> dict[str, str]:
        return {key: self._catalog.get(key).version for key in _keys(definition)}

    def _layout(self, definition: MaterializationIn) -> Layout:
        """Resolved once per declaration and input versions (a new load may bring columns)."""
        key = (definition.model_dump_json(), tuple(sorted(self._versions(definition).items())))
        with self._lock:
            found = self._layouts.get(key)
        if found is None:
            found = layout_for(definition, self._catalog.get)
            with self._lock:
                if len(self._layouts) > 64:
                    self._layouts.clear()
                self._layouts[key] = found
        return found

    # --- building -------------------------------------------------------------------------

    def schedule(self, name: str, *, force: bool = False) -> bool:
        """Start a build in the background unless one runs or one failed lately."""
        with self._lock:
            recent = time.monotonic() - self._failed_at.get(name, float("-inf")) < RETRY_S
            if name in self._building or (recent and not force) or not self.builds_here:
                return False
            self._building.add(name)
        self._pool.submit(self._build, name)
        return True

    def _build(self, name: str) -> None:
        try:
            record = self._store.get(name)
            versions = self._versions(record.definition)
            assert self._folder is not None
            layout = self._layout(record.definition)
            path = builder.build_parquet(self._adapter, layout, self._folder, secrets.token_hex(4))
            rows = builder.row_count(path)
            self._store.record_build(name, Built(str(path), versions, rows, utcnow()))
            keep = {path.resolve()}
            if record.built is not None:
                keep.add(Path(record.built.path).resolve())
            self._forget(builder.remove_old_builds(self._folder, name, keep))
            self._failed_at.pop(name, None)
        except Exception as e:  # any failure: recorded for the admin, retried later
            log.exception("building materialization %s failed", name)
            self._failed_at[name] = time.monotonic()
            try:
                self._store.record_error(name, f"{type(e).__name__}: {e}")
            except Exception:
                log.exception("could not record the failure of %s", name)
        finally:
            with self._lock:
                self._building.discard(name)

    def _forget(self, paths: Iterable[Path]) -> None:
        for path in paths:
            with self._lock:
                view = self._views.pop(path, None) or self._views.pop(path.resolve(), None)
            if view is not None and isinstance(self._adapter, ParquetViews):
                self._adapter.unregister(view)

    def wait(self, timeout_s: float = 60.0) -> None:
        """Block until no build runs (tests, scripts)."""
        deadline = time.monotonic() + timeout_s
        while self._building and time.monotonic() < deadline:
            time.sleep(0.05)

    # --- administration -------------------------------------------------------------------

    def declare(self, definition: MaterializationIn, *, by: str) -> MaterializationOut:
        self._check(definition)
        self._store.create(definition, by=by)
        self.schedule(definition.name, force=True)
        return self.view(definition.name)

    def _check(self, definition: MaterializationIn) -> None:
        layout = self._layout(definition)  # InvalidQuery for unknown names, bad joins
        if definition.relation is None and not self.builds_here:
            raise InvalidQuery(
                f"on {self._adapter.name} a materialization is a materialized view the DBA "
                "maintains: give its name as relation",
                path="relation",
            )
        if definition.relation is not None and self.builds_here:
            raise InvalidQuery(
                "on DuckDB the service builds it; leave relation out", path="relation"
            )
        if definition.relation is not None:
            self._check_relation(definition.relation, layout)

    def _check_relation(self, name: str, layout: Layout) -> None:
        """The DBA's view must read as the layout's columns, and must not be a dataset
        itself (users would read it without its inputs' row-level security)."""
        table = relation(name)
        if not table.db and self._is_dataset(table.name):
            raise InvalidQuery(
                f"{name} is itself a dataset that users can query without the row-level "
                "security of its inputs; create the materialized view in another schema",
                path="relation",
            )
        probe = exp.select(*(exp.column(c) for c in layout.columns.values())).from_(table)
        try:
            self._adapter.run(probe.limit(0))
        except AdapterQueryError as e:
            create = f"CREATE MATERIALIZED VIEW {name} AS {self._adapter.render(layout.select)}"
            raise InvalidQuery(
                f"{name} cannot be read with this materialization's columns: {e}",
                path="relation",
                details=[{"create": create}],
            ) from e

    def _is_dataset(self, key: str) -> bool:
        try:
            self._catalog.get(key)
        except NotFound:
            return False
        return True

    def delete(self, name: str) -> MaterializationOut:
        shown = self.view(name)
        record = self._store.delete(name)
        if record.built is not None and self._folder is not None:
            self._forget(builder.remove_old_builds(self._folder, name, set(), grace_s=0))
        return shown

    def list(self) -> list[MaterializationOut]:
        return [self.view(name) for name in sorted(self._store.all())]

    def view(self, name: str) -> MaterializationOut:
        record = self._store.get(name)
        definition, built = record.definition, record.built
        try:
            layout: Layout | None = self._layout(definition)
        except AuroraError:
            layout = None
        columns = [
            MaterializedColumn(source=f"{alias}.{column}", name=named)
            for (alias, column), named in (layout.columns.items() if layout else [])
        ]
        return MaterializationOut(
            name=definition.name,
            dataset=definition.dataset,
            joins=definition.joins,
            columns=columns,
            relation=definition.relation,
            status=self._status(record),
            built_at=built.at if built else None,
            rows=built.rows if built else None,
            error=record.error,
            sql=self._adapter.render(layout.select) if layout else "",
        )

    def _status(self, record: Record) -> str:
        name = record.definition.name
        if record.definition.relation is not None:
            return "external"
        if name in self._building:
            return "building"
        if record.built is None:
            return "failed" if record.error else "pending"
        try:
            fresh = record.built.versions == self._versions(record.definition)
        except AuroraError:
            fresh = False
        return "ready" if fresh else "stale"

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _keys(definition: MaterializationIn) -> list[str]:
    return [definition.dataset, *(j.dataset for j in definition.joins)]
