"""Placing a converted upload into the warehouse, all or nothing.

The Parquet file is written under a temporary folder whose name starts with a dot (the
catalog ignores those), then renamed into place: a failed or cancelled upload leaves
nothing half-made. A load (`load_type`, `load_id`) becomes a new hive partition, so earlier
loads stay queryable.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from backend.catalog.delta import is_delta
from backend.errors import Conflict, InvalidUpload
from backend.ingest.delta_writer import table_types, write_delta
from backend.ingest.types import sql_name

# No leading `_` or `.`: the warehouse scan takes those for writes in progress.
KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
LOAD_VALUE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LOAD_COLUMNS = ("load_type", "load_id")


def check_key(key: str) -> str:
    if not KEY.match(key):
        raise InvalidUpload(
            f"'{key}' is not a valid dataset key: use letters, digits and _, "
            "starting with a letter."
        )
    return key


def target_path(warehouse: Path, key: str, load_type: str | None, load_id: str | None) -> Path:
    if (load_type is None) != (load_id is None):
        raise InvalidUpload("Give both load_type and load_id for a load, or neither.")
    if load_type is None or load_id is None:
        if (warehouse / key).is_dir():
            raise InvalidUpload(f"Dataset '{key}' has loads; give load_type and load_id.")
        return warehouse / f"{key}.parquet"
    check_load(load_type, load_id)
    if (warehouse / f"{key}.parquet").exists():
        raise InvalidUpload(f"Dataset '{key}' has no loads; upload without load_type/load_id.")
    return warehouse / key / f"load_type={load_type}" / f"load_id={load_id}" / "part-0.parquet"


def check_load(load_type: str, load_id: str) -> None:
    for label, value in (("load_type", load_type), ("load_id", load_id)):
        if not LOAD_VALUE.match(value):
            raise InvalidUpload(f"{label} '{value}' may hold only letters, digits, - and _.")


def writes_delta(warehouse: Path, key: str, *, new_as_delta: bool) -> bool:
    """A Delta table takes its uploads as new versions; plain Parquet stays plain (its loads
    are folders of files); a new dataset is written as `new_as_delta` says."""
    if is_delta(warehouse / key):
        return True
    plain = (warehouse / key).exists() or (warehouse / f"{key}.parquet").exists()
    return new_as_delta and not plain


@contextmanager
def staging(warehouse: Path) -> Iterator[Path]:
    tmp = warehouse / f".ingest-{uuid.uuid4().hex}"
    tmp.mkdir(parents=True)
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _first_load(warehouse: Path, key: str) -> Path | None:
    folder = warehouse / key
    return next(iter(sorted(folder.rglob("*.parquet"))), None) if folder.is_dir() else None


def existing_schema(warehouse: Path, key: str) -> dict[str, str] | None:
    """Column -> Arrow type of one existing load of `key`, to keep loads compatible."""
    first = _first_load(warehouse, key)
    if first is None:
        return None
    return {f.name: str(f.type) for f in pq.read_schema(first) if f.name not in LOAD_COLUMNS}


def existing_types(warehouse: Path, key: str) -> dict[str, str]:
    """Column -> type name (as `read_typed` takes them) of an earlier load of `key`."""
    if is_delta(warehouse / key):
        return table_types(warehouse / key)
    first = _first_load(warehouse, key)
    if first is None:
        return {}
    schema = pl.read_parquet_schema(first)
    return {n: sql_name(t) for n, t in schema.items() if n not in LOAD_COLUMNS}


def write_dataset(
    frame: pl.LazyFrame,
    warehouse: Path,
    key: str,
    load: tuple[str, str] | None,
    *,
    replace: bool,
    delta: bool = False,
    user: str = "",
    order_by: Sequence[str] = (),
) -> tuple[Path, int]:
    """Write `frame` as dataset `key` (or one load of it); returns the final path and rows.
    With `delta` the dataset is (or becomes) a Delta table: see `writes_delta`; its rows
    are then sorted by `order_by` (the dataset's primary key), plain Parquet's are not."""
    if writes_delta(warehouse, check_key(key), new_as_delta=delta):
        if load:
            check_load(*load)
        frame = _without_load_columns(frame, load)
        with staging(warehouse) as tmp:
            staged = _sink(frame, tmp)
            rows = write_delta(
                staged, warehouse, key, load, replace=replace, user=user, order_by=order_by
            )
        return warehouse / key, rows
    load_type, load_id = load if load else (None, None)
    final = target_path(warehouse, check_key(key), load_type, load_id)
    if final.exists() and not replace:
        what = f"Load {load_type}/{load_id}" if load else f"Dataset '{key}'"
        raise Conflict(f"{what} already exists; choose a new load id or replace it.")
    frame = _without_load_columns(frame, load)
    with staging(warehouse) as tmp:
        staged = _sink(frame, tmp)
        _check_compatible(warehouse, key, staged, load is not None)
        rows = pq.read_metadata(staged).num_rows
        _place(staged, final, warehouse)
    return final, rows


def _without_load_columns(frame: pl.LazyFrame, load: tuple[str, str] | None) -> pl.LazyFrame:
    """The partitions carry the load; the file's own copy would clash."""
    in_file = [c for c in LOAD_COLUMNS if c in frame.collect_schema()]
    return frame.drop(in_file) if load and in_file else frame


def _sink(frame: pl.LazyFrame, tmp: Path) -> Path:
    staged = tmp / "part-0.parquet"
    try:
        frame.sink_parquet(staged, compression="zstd")
    except pl.exceptions.PolarsError as e:
        raise InvalidUpload(f"The file could not be converted: {_first_line(e)}") from e
    return staged


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _place(staged: Path, final: Path, warehouse: Path) -> None:
    """Rename into place (atomic); new partition folders are removed again on failure."""
    new = [p for p in final.parents if p.is_relative_to(warehouse) and p != warehouse]
    new = [p for p in new if not p.exists()]  # deepest first
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        staged.replace(final)
    except OSError:
        if new:
            shutil.rmtree(new[-1], ignore_errors=True)
        raise


def _check_compatible(warehouse: Path, key: str, staged: Path, is_load: bool) -> None:
    before = existing_schema(warehouse, key) if is_load else None
    if before is None:
        return
    now = {f.name: str(f.type) for f in pq.read_schema(staged)}
    if now != before:
        diff = sorted(set(now.items()) ^ set(before.items()))
        names = ", ".join(dict.fromkeys(name for name, _ in diff))
        raise InvalidUpload(
            f"This load's columns differ from the dataset's earlier loads ({names}). "
            "Use the same columns and types, or override the types to match.",
            details=[{"column": n, "type": t} for n, t in diff],
        )
