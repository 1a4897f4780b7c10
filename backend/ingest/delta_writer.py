"""An upload written as a Delta table (delta-rs): each upload is one numbered version.

The converted Parquet file (staged by `backend.ingest.writer`) streams into the table batch
by batch, so an upload never sits in memory whole. A load (`load_type`, `load_id`) is a
partition of the table: a new load appends one, `replace` overwrites only that partition.
Every write is one atomic commit carrying who uploaded and which load (history shows them);
a failed write commits nothing. A new table is written under a dot-folder and renamed into
place, so the warehouse never shows a folder of Parquet files without its log (which the
catalog would read as plain files).
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError

from backend.catalog.delta import LOAD_KEY, USER_KEY, is_delta
from backend.errors import Conflict, InvalidUpload
from backend.ingest.types import sql_name
from backend.lake import layout
from backend.parquet_codec import writer_properties

LOAD_COLUMNS = ("load_type", "load_id")
_DIGITS = re.compile(r"^-?\d{1,18}$")
_BATCH_ROWS = 64_000

#: Every file a load writes (backend.parquet_codec: what a read decodes).
_WRITER = writer_properties()


def table_types(folder: Path) -> dict[str, str]:
    """Column -> type name (as `read_typed` takes them) of the Delta table in `folder`."""
    return _types(DeltaTable(str(folder)))


def _types(table: DeltaTable) -> dict[str, str]:
    schema = pa.schema(table.schema().to_arrow())
    frame = pl.from_arrow(schema.empty_table())
    assert isinstance(frame, pl.DataFrame)
    return {n: sql_name(t) for n, t in frame.schema.items() if n not in LOAD_COLUMNS}


def _load_type(value: str, table: DeltaTable | None) -> pa.DataType:
    """A load id is a number when the table's first load's was (or, for a new table, when
    it is all digits), as the catalog reads numeric load folders; later loads must fit."""
    if table is None:
        return pa.int64() if _DIGITS.match(value) else pa.string()
    found = pa.schema(table.schema().to_arrow()).field("load_id").type
    kind = pa.int64() if pa.types.is_integer(found) else pa.string()
    if kind == pa.int64() and not _DIGITS.match(value):
        raise InvalidUpload(f"This dataset's load ids are numbers; '{value}' is not one.")
    return kind


def _keyed(staged: Path, key: Sequence[str]) -> bool:
    """The dataset has a key and the upload holds its columns."""
    return bool(key) and set(key) <= set(pq.read_schema(staged).names)


def _rows(staged: Path, key: Sequence[str], band_rows: int = 0) -> Iterator[pa.RecordBatch]:
    """The staged rows: in arrival order, or sorted by `key` when `_keyed`, so the load is
    cut into files of key ranges (`backend.lake.layout`) and a merge by key rewrites only
    the files its keys fall in. With `band_rows`, each row carries its band (`layout.BAND`:
    files of doubling sizes from the newest keys, the first of `band_rows` rows), first in
    the order."""
    source = pq.ParquetFile(staged)
    if not _keyed(staged, key):
        yield from source.iter_batches(batch_size=_BATCH_ROWS)
        return
    config: dict[str, str | bool | int | float | list[str]] = {
        "temp_directory": str(staged.parent / ".sort")  # a large upload spills beside itself
    }
    schema, band, order = source.schema_arrow, "", layout.key_order((), key)
    if band_rows:
        schema = schema.append(pa.field(layout.BAND, pa.int32()))
        band = f", {layout.band_sql((), key, band_rows)} AS {layout.BAND}"
        order = f"{layout.BAND}, {order}"
    with duckdb.connect(config=config) as con:
        select = f"SELECT *{band} FROM read_parquet({_literal(staged)}) ORDER BY {order}"
        yield from layout.cast_batches(con.sql(select).to_arrow_reader(_BATCH_ROWS), schema)


def _literal(path: Path) -> str:
    """A path as a SQL string literal (ours: a staging folder; quotes doubled all the same)."""
    return "'" + str(path).replace("'", "''") + "'"


def _batches(
    staged: Path,
    load: tuple[str, str] | None,
    load_id_type: pa.DataType,
    key: Sequence[str] = (),
    band_rows: int = 0,
) -> pa.RecordBatchReader:
    schema = pq.read_schema(staged)
    if band_rows:
        schema = schema.append(pa.field(layout.BAND, pa.int32()))
    if load is not None:
        schema = schema.append(pa.field("load_type", pa.string()))
        schema = schema.append(pa.field("load_id", load_id_type))

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in _rows(staged, key, band_rows):
            if load is not None:
                n = batch.num_rows
                value = int(load[1]) if load_id_type == pa.int64() else load[1]
                columns = [*batch.columns, pa.array([load[0]] * n), pa.array([value] * n)]
                batch = pa.RecordBatch.from_arrays(columns, schema=schema)
            yield batch

    return pa.RecordBatchReader.from_batches(schema, batches())


def _check_shape(table: DeltaTable, load: tuple[str, str] | None) -> None:
    partitions = tuple(table.metadata().partition_columns)
    if load is None and partitions:
        raise InvalidUpload("This dataset has loads; give load_type and load_id.")
    if load is not None and partitions != LOAD_COLUMNS:
        raise InvalidUpload("This dataset has no loads; upload without load_type/load_id.")


def _check_columns(table: DeltaTable, staged: Path) -> None:
    """A load must have the columns and types of the loads before it."""
    before = _types(table)
    now = {n: sql_name(t) for n, t in pl.read_parquet_schema(staged).items()}
    if now != before:
        diff = sorted(set(now.items()) ^ set(before.items()))
        names = ", ".join(dict.fromkeys(name for name, _ in diff))
        raise InvalidUpload(
            f"This load's columns differ from the dataset's earlier loads ({names}). "
            "Use the same columns and types, or override the types to match.",
            details=[{"column": n, "type": t} for n, t in diff],
        )


def _has_load(table: DeltaTable, load: tuple[str, str]) -> bool:
    adds = pa.table(table.get_add_actions(flatten=True))
    if "partition.load_type" not in adds.column_names:
        return False
    types = adds.column("partition.load_type").to_pylist()
    ids = adds.column("partition.load_id").to_pylist()
    return any(str(t) == load[0] and str(i) == load[1] for t, i in zip(types, ids, strict=True))


def _load_predicate(load: tuple[str, str], load_id_type: pa.DataType) -> str:
    """`load_type = '...' AND load_id = ...` from values the upload fields already limited
    to letters, digits, - and _ (backend.ingest.writer.LOAD_VALUE)."""
    load_id = load[1] if load_id_type == pa.int64() else f"'{load[1]}'"
    return f"load_type = '{load[0]}' AND load_id = {load_id}"


def write_delta(
    staged: Path,
    warehouse: Path,
    key: str,
    load: tuple[str, str] | None,
    *,
    replace: bool,
    user: str,
    order_by: Sequence[str] = (),
) -> int:
    """Write the staged Parquet file as a new version of Delta table `key`; its rows.
    `order_by` (the dataset's primary key) sorts the rows written (`_rows`)."""
    folder = warehouse / key
    meta = {USER_KEY: user, **({LOAD_KEY: load[1]} if load else {})}
    commit = CommitProperties(custom_metadata=meta)
    rows = int(pq.read_metadata(staged).num_rows)
    if not is_delta(folder):
        _create(staged, folder, load, commit, order_by)
        return rows
    table = DeltaTable(str(folder))
    _check_shape(table, load)
    exists = _has_load(table, load) if load else True
    if exists and not replace:
        what = f"Load {load[0]}/{load[1]}" if load else f"Dataset '{key}'"
        raise Conflict(f"{what} already exists; choose a new load id or replace it.")
    try:
        if load is None:  # replaced whole: new columns and types are the upload's to choose
            write_deltalake(
                table,
                _batches(staged, None, pa.string(), order_by),
                mode="overwrite",
                schema_mode="overwrite",
                target_file_size=_file_bytes(table, order_by),
                commit_properties=commit,
                writer_properties=_WRITER,
            )
        else:
            _check_columns(table, staged)
            _write_load(folder, table, staged, load, exists, commit, order_by)
    except CommitFailedError as e:
        raise Conflict(f"Dataset '{key}' changed while uploading; upload again.") from e
    except (DeltaError, pa.ArrowException) as e:
        raise InvalidUpload(f"The file could not be written as a Delta table: {e}") from e
    return rows


def _write_load(
    folder: Path,
    table: DeltaTable,
    staged: Path,
    load: tuple[str, str],
    exists: bool,
    commit: CommitProperties,
    order_by: Sequence[str],
) -> None:
    """A new load appends its partition; a replaced one overwrites only that partition. A
    keyed load of a table with a compaction target is cut into files of doubling sizes
    from its newest keys (`layout.write_bands`), as an erase cuts one."""
    load_id_type = _load_type(load[1], table)
    parts, size = list(LOAD_COLUMNS), _file_bytes(table, order_by)
    if size and _keyed(staged, order_by) and layout.bytes_per_row(table):
        value = int(load[1]) if load_id_type == pa.int64() else load[1]
        replaced = [(("load_type", load[0]), ("load_id", value))] if exists else []
        band_rows = layout.band_rows(table, size)
        data = _batches(staged, load, load_id_type, order_by, band_rows)
        removed = layout.version_files(table, replaced)
        layout.write_bands(folder, table, data, size, removed, writer=_WRITER, commit=commit)
        return
    data = _batches(staged, load, load_id_type, order_by)
    if not exists:
        write_deltalake(
            table,
            data,
            mode="append",
            partition_by=parts,
            target_file_size=size,
            commit_properties=commit,
            writer_properties=_WRITER,
        )
        return
    write_deltalake(
        table,
        data,
        mode="overwrite",
        predicate=_load_predicate(load, load_id_type),
        partition_by=parts,
        target_file_size=size,
        commit_properties=commit,
        writer_properties=_WRITER,
    )


def _file_bytes(table: DeltaTable, order_by: Sequence[str]) -> int | None:
    """Sorted rows are cut into files of key ranges at the table's size for them."""
    return layout.file_bytes(table) if order_by else None


def _create(
    staged: Path,
    folder: Path,
    load: tuple[str, str] | None,
    commit: CommitProperties,
    order_by: Sequence[str],
) -> None:
    """The table's first version, written aside and renamed into place."""
    if folder.exists():
        raise Conflict(f"Dataset '{folder.name}' exists and is not a Delta table.")
    aside = folder.parent / f".delta-{uuid.uuid4().hex}"
    load_id_type = _load_type(load[1], None) if load else pa.string()
    try:
        write_deltalake(
            str(aside),
            _batches(staged, load, load_id_type, order_by),
            partition_by=list(LOAD_COLUMNS) if load else None,
            commit_properties=commit,
            writer_properties=_WRITER,
        )
        aside.rename(folder)
    except (DeltaError, pa.ArrowException) as e:
        raise InvalidUpload(f"The file could not be written as a Delta table: {e}") from e
    finally:
        shutil.rmtree(aside, ignore_errors=True)
