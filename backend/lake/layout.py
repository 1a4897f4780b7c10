"""Files cut by key ranges: how a rewrite of a Delta dataset keeps a push merge cheap.

delta-rs rewrites every file holding a changed row whole (it writes no deletion vectors),
so a merge of the newest keys costs the rows of the files those keys fall in. A rewrite
(an erase, a Z-order, an upload) that writes a load as one file, or in arrival order,
makes every merge afterwards rewrite whole loads (the 10M demo: 10M rows, 20-39 s, after
an erase or a Z-order, against 250k rows and 0.3-0.9 s before).

So a dataset with a key (its `primary_key` setting or its table's declared key, the key
merges match on) is rewritten in key order within each partition, newest key first. An
erase, a Z-order and an upload of a load cut it into files of doubling sizes, as the demo's
are (`backend.demo.build.sales_ranges`): each partition's newest keys in the smallest file,
each older range in a file twice the one before, `DOUBLINGS` times, the rest at the largest
size (`band_sql`). delta-rs's writer cuts one write at one size, so each band is written on
its own into a staging table inside the table's folder, and its files are then committed,
with the removal of the files they replace, as one version (`write_bands`). A merge of new
keys rewrites only the smallest files, and reads pay for fewer files than one size gives.

The smallest size is the table's compaction target (`aurora.compactTargetBytes`): delta-rs
cuts at its estimate of the encoded bytes, `file_bytes` (the target times `FILE_FACTOR`),
and the compressed files come out about the target; a file under it would be packed by the
next compaction with other small files of its load, whatever their keys. An upload of a
whole dataset is cut by delta-rs's writer at `file_bytes`, all of one size. A table with no
compaction target is cut at delta-rs's own size (100 MB), so most loads stay one file, but
in key order.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from deltalake import CommitProperties, DeltaTable, WriterProperties, write_deltalake
from deltalake.transaction import AddAction, RemoveAction

#: Table property: bytes a compaction packs files up to. Not `delta.targetFileSize`, which
#: every delta-rs write obeys: an erase of one employee rewrites all of the demo's files, at
#: 1 MB into 542 of them, at 2 MB into 259 (a group-by over those took 1.33x the CPU).
COMPACT_TARGET = "aurora.compactTargetBytes"
#: delta-rs cuts a file when its estimate of the encoded, uncompressed bytes reaches the
#: target, and compressed files are smaller. At 2x the 10M demo's rewrites left no file
#: under the compaction target but each load's last (bench/results/delta-rewrite-20261203.md).
FILE_FACTOR = 2
#: Times each older key range's file doubles: smallest, 2x, 4x, then 8x for the rest. At
#: the 10M demo's 1 MB target a load of ~770k rows is five files, not twenty.
DOUBLINGS = 3
#: Bands of each partition's newest keys a Z-order leaves in key order (the smallest file
#: and the one twice its size); the rest lie along the Z-curve, in the largest files.
HOT_BANDS = 2
#: Rows per row group of the files a rewrite writes, as the demo's: delta-rs's default
#: (about 1M) left an erase of the 10M demo one row group per load, and a page sorted by
#: date cost the API 310-340 ms of CPU over them against 120-140 on the demo as built
#: (bench/results/delta-rewrite-reads-20261203.md).
ROW_GROUP_ROWS = 122_880
#: The column a rewrite's rows carry their band in, first in their order.
BAND = "_aurora_band"
STAGE_PREFIX = "_aurora_stage-"
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


def band_rows(table: DeltaTable, size: int) -> int:
    """Rows of each partition's smallest file (band 0): `size`'s worth at the version's
    bytes per row (delta-rs cuts at `size` estimated; the files hold about 1/FILE_FACTOR)."""
    per_row = bytes_per_row(table)
    return int(size / FILE_FACTOR / per_row) + 1 if per_row else 1


def band_sql(parts: Sequence[str], key: Sequence[str], rows: int) -> str:
    """A row's band by its rank in its partition, newest key first: band b holds ranks
    `rows * (2**b - 1)` to `rows * (2**(b+1) - 1)`, band DOUBLINGS the rest.

    >>> band_sql(["p"], ["k"], 10)
    'LEAST(3, CAST(FLOOR(LOG2((row_number() OVER (PARTITION BY "p" ORDER BY "k" DESC) - 1) \
/ 10 + 1)) AS INTEGER))'
    """
    by_part = f"PARTITION BY {key_order(parts, ())} " if parts else ""
    rank = f"row_number() OVER ({by_part}ORDER BY {key_order((), key)}) - 1"
    return f"LEAST({DOUBLINGS}, CAST(FLOOR(LOG2(({rank}) / {rows} + 1)) AS INTEGER))"


def band_cut(size: int, band: int) -> int:
    """The size delta-rs cuts a band's files at: never reached below the last band (one
    file per partition), the largest size in the last."""
    return size << min(band + 1, DOUBLINGS)


def zorder_sql(
    relation: str, parts: Sequence[str], key: Sequence[str], columns: Sequence[str], rows: int
) -> str:
    """A Z-order that keeps the newest keys apart: each partition's first HOT_BANDS bands
    (`band_sql`) by key (so a merge of new keys rewrites only the smallest files), then the
    rest as the last band along a Z-curve of `columns` (so a filter on them skips files).
    A column's place on the curve is its tile of `_Z_TILES` by rank, as Delta's own Z-order
    takes a range id: skewed values still spread over the curve."""
    tiles = [f"_aurora_z{j}" for j in range(len(columns))]
    ranked = ", ".join(
        f"ntile({_Z_TILES}) OVER (ORDER BY {quoted(c)}) - 1 AS {t}"
        for t, c in zip(tiles, columns, strict=True)
    )
    inner = f"SELECT *, {ranked}, {band_sql(parts, key, rows)} AS _aurora_b FROM {relation}"
    hot = f"_aurora_b < {HOT_BANDS}"
    band = f"CASE WHEN {hot} THEN _aurora_b ELSE {DOUBLINGS} END"
    curve = f"CASE WHEN {hot} THEN 0 ELSE {_interleaved(tiles)} END"
    order = [band, *(quoted(c) for c in parts), curve, key_order((), key)]
    return (
        f"SELECT * EXCLUDE ({', '.join([*tiles, '_aurora_b'])}), {band} AS {BAND} "
        f"FROM ({inner}) ORDER BY {', '.join(order)}"
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
    folder: Path,
    table: DeltaTable,
    columns: Sequence[str],
    key: Sequence[str],
    *,
    writer: WriterProperties,
    commit: CommitProperties,
) -> None:
    """Rewrite the whole version as `zorder_sql` orders it, in one commit of doubling
    files (`write_bands`; the caller checked the table has a compaction target). No row
    changes, so the files are not a data change (a change feed skips them)."""
    size = file_bytes(table) or 0
    parts = list(table.metadata().partition_columns)
    sql = zorder_sql("_aurora_version", parts, key, columns, band_rows(table, size))
    with duckdb.connect() as con:
        con.register("_aurora_version", table.to_pyarrow_dataset())
        ordered = con.sql(sql).to_arrow_reader(_BATCH_ROWS)
        removed = version_files(table)
        write_bands(
            folder, table, ordered, size, removed, writer=writer, commit=commit, data_change=False
        )


def cast_batches(reader: pa.RecordBatchReader, schema: pa.Schema) -> pa.RecordBatchReader:
    """`reader`'s batches as `schema`'s columns and types (DuckDB hands back its own)."""

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in reader:
            yield from pa.Table.from_batches([batch]).select(schema.names).cast(schema).to_batches()

    return pa.RecordBatchReader.from_batches(schema, batches())


def version_files(
    table: DeltaTable, partitions: Iterable[tuple[tuple[str, object], ...]] | None = None
) -> list[tuple[str, int]]:
    """(path, bytes) of the version's files, of `partitions` only when given (each a
    partition's (column, value) pairs, as `backend.lake.erase.Preview` holds them)."""
    parts = list(table.metadata().partition_columns)
    wanted = None if partitions is None else {tuple(p) for p in partitions}
    return [
        (str(f["path"]), int(f["size_bytes"]))
        for f in pa.table(table.get_add_actions(flatten=True)).to_pylist()
        if wanted is None or tuple((c, f[f"partition.{c}"]) for c in parts) in wanted
    ]


def write_bands(
    folder: Path,
    table: DeltaTable,
    rows: pa.RecordBatchReader,
    size: int,
    removed: Sequence[tuple[str, int]],
    *,
    writer: WriterProperties,
    commit: CommitProperties,
    data_change: bool = True,
) -> None:
    """`rows`, sorted by their BAND column, as one new version of `table` (in `folder`)
    that replaces the files `removed`: each band written on its own, cut at `band_cut`, into
    a staging table inside the folder, then its files moved beside the table's and committed
    with the removals, on top of `table`'s version (a commit since makes it fail)."""
    _remove_abandoned_stages(folder)
    stage = folder / f"{STAGE_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    parts = list(table.metadata().partition_columns)
    schema = pa.schema(table.schema().to_arrow())
    try:
        for band, batches in _by_band(rows):
            write_deltalake(
                str(stage),
                cast_batches(pa.RecordBatchReader.from_batches(rows.schema, batches), schema),
                mode="append",
                partition_by=parts or None,
                target_file_size=band_cut(size, band),
                writer_properties=writer,
            )
        adds = [_moved(stage, folder, add, data_change) for add in _staged_adds(stage)]
        _commit(table, adds, removed, commit, data_change)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _commit(
    table: DeltaTable,
    adds: Sequence[AddAction],
    removed: Sequence[tuple[str, int]],
    commit: CommitProperties,
    data_change: bool,
) -> None:
    """`adds` and the removal of `removed` as one version on top of `table`'s, with the
    metrics delta-rs gives a WRITE (the history's `rows_added` reads them)."""
    now = int(time.time() * 1000)
    removes = [RemoveAction(unquote(path), data_change, now, n) for path, n in removed]
    metrics = {
        "num_added_files": len(adds),
        "num_removed_files": len(removes),
        "num_added_rows": sum(int(json.loads(a.stats)["numRecords"]) for a in adds),
    }
    with_metrics = CommitProperties(
        custom_metadata={**(commit.custom_metadata or {}), "operationMetrics": metrics},
        max_commit_retries=commit.max_commit_retries,
        app_transactions=commit.app_transactions,
    )
    table.create_write_transaction(
        [*adds, *removes],
        "append",
        table.schema(),
        list(table.metadata().partition_columns) or None,
        commit_properties=with_metrics,
    )


def _by_band(rows: pa.RecordBatchReader) -> Iterator[tuple[int, Iterator[pa.RecordBatch]]]:
    """The bands of `rows` (sorted by BAND) in turn, each with its batches."""
    source = (b for b in rows if b.num_rows)
    pending = [next(source, None)]  # the batch whose rows come next

    def band_batches(band: int) -> Iterator[pa.RecordBatch]:
        while (batch := pending[0]) is not None:
            ahead = int(pc.sum(pc.equal(batch.column(BAND), band)).as_py() or 0)
            if ahead:
                yield batch.slice(0, ahead)
            if ahead < batch.num_rows:
                pending[0] = batch.slice(ahead)
                return
            pending[0] = next(source, None)

    while (first := pending[0]) is not None:
        band = int(first.column(BAND)[0].as_py())
        batches = band_batches(band)
        yield band, batches
        for _ in batches:  # whatever the writer left of the band
            pass


def _staged_adds(stage: Path) -> list[dict[str, object]]:
    """The add actions of every commit of the staging table (delta-rs's own statistics)."""
    log = stage / "_delta_log"
    entries = sorted(log.glob("*.json")) if log.is_dir() else []
    lines = (json.loads(line) for entry in entries for line in entry.read_text().splitlines())
    return [line["add"] for line in lines if "add" in line]


def _moved(stage: Path, folder: Path, add: dict[str, object], data_change: bool) -> AddAction:
    """A staged file moved to the same place under `folder`, as an add action there."""
    path = unquote(str(add["path"]))  # the log's paths are URL-encoded, the files' are not
    (folder / path).parent.mkdir(parents=True, exist_ok=True)
    os.replace(stage / path, folder / path)
    values = add["partitionValues"]
    return AddAction(
        path=path,
        size=int(str(add["size"])),
        partition_values=values if isinstance(values, dict) else {},
        modification_time=int(str(add["modificationTime"])),
        data_change=data_change,
        stats=str(add["stats"]),
    )


def _remove_abandoned_stages(folder: Path) -> None:
    """Staging tables of writers that died (their process is gone): never committed."""
    for stage in folder.glob(f"{STAGE_PREFIX}*"):
        pid = stage.name.removeprefix(STAGE_PREFIX).split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stage, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
