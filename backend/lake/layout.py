"""Files cut by key ranges: how a rewrite of a Delta dataset keeps a push merge cheap.

delta-rs rewrites every file holding a changed row whole (it writes no deletion vectors),
so a merge of the newest keys costs the rows of the files those keys fall in. A rewrite
(an erase, a Z-order, an upload) that writes a load as one file, or in arrival order,
makes every merge afterwards rewrite whole loads (the 10M demo: 10M rows, 20-39 s, after
an erase or a Z-order, against 250k rows and 0.3-0.9 s before).

So a dataset with a key (its `primary_key` setting, the key merges match on) is rewritten
in key order within each partition, newest key first, and delta-rs's writer cuts that
stream into files at `file_bytes` (`write_deltalake(target_file_size=...)`, one commit):
each file holds one range of keys, and the first, a full-sized one, the newest keys. The
size is the table's compaction target (`aurora.compactTargetBytes`) times `FILE_FACTOR`:
delta-rs cuts at its estimate of the encoded bytes, and the compressed files come out
smaller; a file under the compaction target would be packed by the next compaction with
other small files of its load, whatever their keys. A table with no compaction target is cut at
delta-rs's own size (100 MB), so most loads stay one file, but in key order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import duckdb
import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, WriterProperties, write_deltalake

#: Table property: bytes a compaction packs files up to. Not `delta.targetFileSize`, which
#: every delta-rs write obeys: an erase of one employee rewrites all of the demo's files, at
#: 1 MB into 542 of them, at 2 MB into 259 (a group-by over those took 1.33x the CPU).
COMPACT_TARGET = "aurora.compactTargetBytes"
#: delta-rs cuts a file when its estimate of the encoded, uncompressed bytes reaches the
#: target, and compressed files are smaller. At 2x the 10M demo's rewrites left no file
#: under the compaction target but each load's last (bench/results/delta-rewrite-20261203.md).
FILE_FACTOR = 2
#: Files' worth of each partition's newest keys a Z-order leaves in key order.
HOT_FILES = 2
_Z_BITS = 10
_Z_TILES = 1 << _Z_BITS
_BATCH_ROWS = 64_000


def quoted(name: str) -> str:
    """A column name as a quoted SQL identifier (DuckDB and DataFusion alike).

    >>> quoted('a"b')
    '"a""b"'
    """
    return '"' + name.replace('"', '""') + '"'


def compact_target(table: DeltaTable) -> int | None:
    value = table.metadata().configuration.get(COMPACT_TARGET)
    return int(value) if value and value.isdigit() else None


def file_bytes(table: DeltaTable) -> int | None:
    """The size a rewrite cuts the table's files at; None: delta-rs's own (100 MB or
    `delta.targetFileSize`), for a table that names no compaction target."""
    target = compact_target(table)
    return target * FILE_FACTOR if target else None


def key_order(parts: Sequence[str], key: Sequence[str]) -> str:
    """`ORDER BY` terms: partition by partition (each of delta-rs's partition writers then
    sees its own rows in order), newest key first.

    >>> key_order(["load_id"], ["order_id"])
    '"load_id", "order_id" DESC'
    """
    return ", ".join([*(quoted(c) for c in parts), *(f"{quoted(k)} DESC" for k in key)])


def bytes_per_row(table: DeltaTable) -> float:
    """The version's data bytes per row (0 for an empty table)."""
    adds = pa.table(table.get_add_actions(flatten=True))
    if not adds.num_rows:
        return 0.0
    rows = sum(adds.column("num_records").to_pylist())
    return sum(adds.column("size_bytes").to_pylist()) / rows if rows else 0.0


def hot_rows(table: DeltaTable, size: int) -> int:
    """Rows of each partition a Z-order keeps in key order: the newest `HOT_FILES` files'
    worth at `size` (the estimate delta-rs cuts at; the files hold about 1/FILE_FACTOR)."""
    per_row = bytes_per_row(table)
    return int(HOT_FILES * size / FILE_FACTOR / per_row) + 1 if per_row else 0


def zorder_sql(
    relation: str, parts: Sequence[str], key: Sequence[str], columns: Sequence[str], hot: int
) -> str:
    """A Z-order that keeps the newest keys apart: in each partition its newest `hot` rows
    first, by key (so a merge of new keys rewrites only the first files), then the rest
    along a Z-curve of `columns` (so a filter on them skips files). A column's place on the
    curve is its tile of `_Z_TILES` by rank, as Delta's own Z-order takes a range id: skewed
    values still spread over the curve."""
    tiles = [f"_aurora_z{j}" for j in range(len(columns))]
    ranked = ", ".join(
        f"ntile({_Z_TILES}) OVER (ORDER BY {quoted(c)}) - 1 AS {t}"
        for t, c in zip(tiles, columns, strict=True)
    )
    by_part = f"PARTITION BY {key_order(parts, ())} " if parts else ""
    hot_first = f"row_number() OVER ({by_part}ORDER BY {key_order((), key)}) <= {hot}"
    inner = f"SELECT *, {ranked}, {hot_first} AS _aurora_hot FROM {relation}"
    curve = f"CASE WHEN _aurora_hot THEN 0 ELSE {_interleaved(tiles)} END"
    order = [*(quoted(c) for c in parts), "_aurora_hot DESC", curve, key_order((), key)]
    return (
        f"SELECT * EXCLUDE ({', '.join([*tiles, '_aurora_hot'])}) FROM ({inner}) "
        f"ORDER BY {', '.join(order)}"
    )


def _interleaved(tiles: Sequence[str], bits: int = _Z_BITS) -> str:
    """The bits of the tile numbers interleaved, the first tile's highest: a Z-curve.

    >>> _interleaved(["a", "b"], bits=2)
    '(((a >> 0) & 1) << 1) + (((b >> 0) & 1) << 0) + (((a >> 1) & 1) << 3) + (((b >> 1) & 1) << 2)'
    """
    n = len(tiles)
    return " + ".join(
        f"((({t} >> {b}) & 1) << {b * n + (n - 1 - j)})"
        for b in range(bits)
        for j, t in enumerate(tiles)
    )


def zorder_rewrite(
    table: DeltaTable,
    columns: Sequence[str],
    key: Sequence[str],
    *,
    writer: WriterProperties,
    commit: CommitProperties,
) -> None:
    """Rewrite the whole version as `zorder_sql` orders it, in one overwrite commit cut at
    `file_bytes` (the caller checked the table has a compaction target)."""
    size = file_bytes(table)
    parts = list(table.metadata().partition_columns)
    schema = pa.schema(table.schema().to_arrow())
    sql = zorder_sql("_aurora_version", parts, key, columns, hot_rows(table, size or 0))
    with duckdb.connect() as con:
        con.register("_aurora_version", table.to_pyarrow_dataset())
        ordered = con.sql(sql).to_arrow_reader(_BATCH_ROWS)
        write_deltalake(
            table,
            cast_batches(ordered, schema),
            mode="overwrite",
            target_file_size=size,
            writer_properties=writer,
            commit_properties=commit,
        )


def cast_batches(reader: pa.RecordBatchReader, schema: pa.Schema) -> pa.RecordBatchReader:
    """`reader`'s batches as `schema`'s columns and types (DuckDB hands back its own)."""

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in reader:
            yield from pa.Table.from_batches([batch]).select(schema.names).cast(schema).to_batches()

    return pa.RecordBatchReader.from_batches(schema, batches())
