"""GDPR erase on a Delta dataset: preview, then delete for good.

The rows to erase are named by a filter in the query spec's syntax and decided by the same
compiler and the same engine that answer queries (DuckDB evaluates the predicate), so the
preview and the erase agree on every NULL, pattern and type. The erase rewrites only the
partitions (loads) holding matching rows, in one Delta commit (`mode="overwrite"` with a
partition predicate built from the partitions' own values, never from user input), on top of
the exact version that was read: a concurrent writer makes it fail, never half-apply. A
dataset with a key (its `primary_key`) gets its partitions back cut by key ranges, as
`backend.lake.layout` describes, so the merges after an erase stay as cheap as before it.

Then no readable copy is left: files no version names are vacuumed after
`ERASE_RETENTION_HOURS`, and the log is checkpointed and cleaned up to this version (a Delta
log's file statistics can hold a value's min or max), so time travel cannot bring the rows
back. The history before the erase goes with it; that is the point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlglot
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError
from sqlglot import exp

from backend.catalog.delta import OPERATION_KEY, USER_KEY
from backend.catalog.models import Dataset
from backend.errors import BadRequest, Conflict
from backend.lake import layout
from backend.parquet_codec import writer_properties
from backend.query.compiler import run_steps
from backend.query.context import CompileContext
from backend.query.plan import Plan
from backend.query.spec import FilterGroup, QuerySpec, Vintage
from backend.query.steps.ctes import build_ctes

_RETENTION = "delta.logRetentionDuration"
_NO_RETENTION = "interval 0 seconds"
ERASE = "erase"


@dataclass(frozen=True)
class Preview:
    """Matching rows per partition of the version read (`partitions` are column -> value)."""

    version: int
    rows: int
    partitions: tuple[tuple[tuple[tuple[str, Any], ...], int], ...]


@dataclass(frozen=True)
class Erased:
    rows: int
    version: int
    vacuumed_files: int


def predicate(dataset: Dataset, filters: FilterGroup) -> exp.Expr:
    """The filter as one predicate over the dataset's own columns, by the query compiler
    (every column, hidden ones too: an erase is an admin's; no RLS, no mandatory filter)."""
    whole = replace(dataset, mandatory_filters=())
    ctx = CompileContext(dataset=lambda _key: whole, max_row_limit=1)
    spec = QuerySpec(
        dataset=dataset.key,
        vintage=Vintage(all_loads=True),
        columns=[dataset.columns[0].name],
        filters=filters,
    )
    plan = run_steps(Plan(spec, ctx), until=build_ctes)
    where = plan.ctes[0].select.args.get("where")
    if where is None:
        raise BadRequest("An erase needs a filter that names the rows to erase.")
    found: exp.Expr = where.this
    return found


def preview(
    run: Any, relation: str, version: int, where: exp.Expr, parts: Sequence[str]
) -> Preview:
    """Count the matching rows of `relation` (one version's view) per partition."""
    keys = [exp.column(p, quoted=True) for p in parts]
    count = exp.Count(this=exp.Star()).as_("n", quoted=True)
    select = exp.select(*keys, count).from_(exp.to_table(relation)).where(where.copy())
    rows = run(select.group_by(*[k.copy() for k in keys]) if keys else select).to_pylist()
    found = tuple((tuple((p, r[p]) for p in parts), int(r["n"])) for r in rows if int(r["n"]))
    return Preview(version, sum(n for _, n in found), found)


def _partition_match(partitions: Preview) -> exp.Expr | None:
    """`(p1 = v1 AND p2 = v2) OR ...` over the partitions holding matching rows, from the
    values the table itself holds; None for an unpartitioned table (all of it)."""
    terms = []
    for values, _ in partitions.partitions:
        eqs = [
            exp.Is(this=exp.column(c, quoted=True), expression=exp.Null())
            if v is None
            else exp.EQ(this=exp.column(c, quoted=True), expression=exp.convert(v))
            for c, v in values
        ]
        if not eqs:
            return None
        terms.append(exp.and_(*eqs))
    return exp.or_(*terms) if terms else None


def _kept(
    relation: str, where: exp.Expr, scope: exp.Expr | None, order: Sequence[str]
) -> exp.Select:
    """The rows of the rewritten partitions that stay, in `order` (partitions, then key)."""
    keep = exp.not_(exp.func("COALESCE", where.copy(), exp.false()))
    select = exp.select(exp.Star()).from_(exp.to_table(relation))
    select = select.where(exp.and_(scope.copy(), keep) if scope is not None else keep)
    return select.order_by(*[exp.column(c, quoted=True) for c in order]) if order else select


def apply(
    run: Any,
    relation: str,
    folder: Path,
    where: exp.Expr,
    seen: Preview,
    *,
    user: str,
    retention_hours: float,
    key: Sequence[str] = (),
) -> Erased:
    """Erase `seen`'s rows from the version it counted, then vacuum and clean the log.
    With a `key`, the partitions are rewritten cut by key ranges (`backend.lake.layout`):
    in files of doubling sizes when the table names a compaction target."""
    table = DeltaTable(str(folder), version=seen.version)
    commit = CommitProperties(custom_metadata={USER_KEY: user, OPERATION_KEY: ERASE})
    size = layout.file_bytes(table) if key else None
    try:
        if size:
            kept = _banded(run, relation, table, where, seen, key, size)
            removed = layout.version_files(table, (values for values, _ in seen.partitions))
            writer = writer_properties(layout.ROW_GROUP_ROWS)
            layout.write_bands(folder, table, kept, size, removed, writer=writer, commit=commit)
        else:
            _overwrite(run, relation, table, where, seen, key, commit)
    except CommitFailedError as e:
        raise Conflict("The dataset changed while erasing; preview again.") from e
    vacuumed = forget_history(folder, retention_hours)
    return Erased(seen.rows, DeltaTable(str(folder)).version(), vacuumed)


def _banded(
    run: Any,
    relation: str,
    table: DeltaTable,
    where: exp.Expr,
    seen: Preview,
    key: Sequence[str],
    size: int,
) -> pa.RecordBatchReader:
    """The rows that stay, each with its band (`layout.band_sql`), sorted by band, then
    partition, then newest key first, as `layout.write_bands` takes them."""
    parts = list(table.metadata().partition_columns)
    rows = layout.band_rows(table, size)
    band = sqlglot.parse_one(layout.band_sql(parts, key, rows), read="duckdb")
    select = _kept(relation, where, _partition_match(seen), []).select(band.as_(layout.BAND))
    order = [
        exp.column(layout.BAND, quoted=True),
        *(exp.column(c, quoted=True) for c in parts),
        *(exp.Ordered(this=exp.column(k, quoted=True), desc=True) for k in key),
    ]
    kept: pa.Table = run(select.order_by(*order))
    return pa.RecordBatchReader.from_batches(kept.schema, kept.to_batches())


def _overwrite(
    run: Any,
    relation: str,
    table: DeltaTable,
    where: exp.Expr,
    seen: Preview,
    key: Sequence[str],
    commit: CommitProperties,
) -> None:
    """The partitions holding matching rows overwritten by their rows that stay, in key
    order with a key (cut at delta-rs's own size: the table names no compaction target)."""
    parts = list(table.metadata().partition_columns)
    scope = _partition_match(seen)
    schema = pa.schema(table.schema().to_arrow())
    kept = run(_kept(relation, where, scope, [*parts, *key] if key else [])).select(schema.names)
    write_deltalake(
        table,
        kept.cast(schema),
        mode="overwrite",
        predicate=scope.sql("postgres") if scope is not None else None,
        partition_by=parts or None,
        commit_properties=commit,
        writer_properties=writer_properties(layout.ROW_GROUP_ROWS),
    )


def unfinished(folder: Path) -> bool:
    """An erase committed whose history is still readable: its process stopped (a crash, a
    kill) between the commit and the vacuum or the log's cut. A finished erase (retention
    0) leaves no version before its own in the log."""
    entries = DeltaTable(str(folder)).history()
    erases = [int(e["version"]) for e in entries if e.get(OPERATION_KEY) == ERASE]
    return bool(erases) and min(int(e["version"]) for e in entries) < max(erases)


def forget_history(folder: Path, retention_hours: float) -> int:
    """Vacuum the files no current version names, then cut the log to a checkpoint of now."""
    table = DeltaTable(str(folder))
    removed = table.vacuum(
        retention_hours=int(retention_hours), enforce_retention_duration=False, dry_run=False
    )
    if retention_hours > 0:  # older versions stay readable until a later vacuum
        return len(removed)
    previous = table.metadata().configuration.get(_RETENTION)
    if previous == _NO_RETENTION:  # left by an erase stopped before it set it back
        previous = None
    table.alter.set_table_properties({_RETENTION: _NO_RETENTION})
    table = DeltaTable(str(folder))
    table.create_checkpoint()
    table.cleanup_metadata()
    if previous is not None:
        table.alter.set_table_properties({_RETENTION: previous})
    else:
        table.alter.set_table_properties({_RETENTION: "interval 30 days"})
    return len(removed)


def check_delta(folder: Path | None, key: str) -> Path:
    if folder is None:
        raise BadRequest(f"Dataset '{key}' is not a Delta table: only Delta tables can be erased.")
    try:
        DeltaTable(str(folder))
    except DeltaError as e:
        raise BadRequest(f"Dataset '{key}': its log is unreadable ({e}).") from e
    return folder
