"""Writing converted uploads into the warehouse: all or nothing, loads as partitions."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from backend.errors import Conflict, InvalidUpload
from backend.ingest.writer import existing_types, write_dataset


def _frame(**columns: list[object]) -> pl.LazyFrame:
    return pl.DataFrame(columns).lazy()


def _leftovers(warehouse: Path) -> list[str]:
    return sorted(p.name for p in warehouse.iterdir() if p.name.startswith("."))


def test_a_dataset_without_loads_is_one_parquet_file(tmp_path: Path) -> None:
    path, rows = write_dataset(_frame(a=[1, 2]), tmp_path, "plain", None, replace=False)
    assert path == tmp_path / "plain.parquet" and rows == 2
    assert _leftovers(tmp_path) == []


def test_a_load_is_a_hive_partition_and_loads_read_together(tmp_path: Path) -> None:
    write_dataset(_frame(a=[1, 2]), tmp_path, "sales", ("DAILY", "20240101"), replace=False)
    write_dataset(_frame(a=[3]), tmp_path, "sales", ("DAILY", "20240102"), replace=False)
    assert (tmp_path / "sales/load_type=DAILY/load_id=20240102/part-0.parquet").is_file()
    got = (
        duckdb.connect()
        .sql(
            f"SELECT load_id, a FROM read_parquet('{tmp_path}/sales/**/*.parquet', "
            "hive_partitioning=true) ORDER BY a"
        )
        .fetchall()
    )
    assert got == [(20240101, 1), (20240101, 2), (20240102, 3)]


def test_load_columns_in_the_file_give_way_to_the_partition(tmp_path: Path) -> None:
    frame = _frame(a=[1], load_id=["x"], load_type=["y"])
    path, _ = write_dataset(frame, tmp_path, "s", ("M", "1"), replace=False)
    assert pl.read_parquet(path).columns == ["a"]


@pytest.mark.parametrize(
    ("first", "second", "error"),
    [
        (None, None, Conflict),  # the file exists
        (("D", "1"), ("D", "1"), Conflict),  # the load exists
        (None, ("D", "1"), InvalidUpload),  # a dataset without loads takes none
        (("D", "1"), None, InvalidUpload),  # a dataset with loads needs one
    ],
)
def test_an_existing_target_is_not_overwritten_by_accident(
    tmp_path: Path,
    first: tuple[str, str] | None,
    second: tuple[str, str] | None,
    error: type[Exception],
) -> None:
    write_dataset(_frame(a=[1]), tmp_path, "k", first, replace=False)
    with pytest.raises(error):
        write_dataset(_frame(a=[2]), tmp_path, "k", second, replace=False)
    assert _leftovers(tmp_path) == []


def test_replace_swaps_the_file_in_place(tmp_path: Path) -> None:
    write_dataset(_frame(a=[1]), tmp_path, "k", ("D", "1"), replace=False)
    path, rows = write_dataset(_frame(a=[7, 8]), tmp_path, "k", ("D", "1"), replace=True)
    assert rows == 2 and pl.read_parquet(path)["a"].to_list() == [7, 8]


def test_a_load_with_other_columns_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    write_dataset(_frame(a=[1]), tmp_path, "k", ("D", "1"), replace=False)
    with pytest.raises(InvalidUpload, match="differ from the dataset's earlier loads"):
        write_dataset(_frame(b=["x"]), tmp_path, "k", ("D", "2"), replace=False)
    assert not (tmp_path / "k/load_type=D/load_id=2").exists()
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("key", "load"),
    [("1abc", None), ("a-b", None), ("../x", None), ("ok", ("D", "../1")), ("ok", ("D/x", "1"))],
)
def test_keys_and_load_values_cannot_leave_the_warehouse(
    tmp_path: Path, key: str, load: tuple[str, str] | None
) -> None:
    with pytest.raises(InvalidUpload):
        write_dataset(_frame(a=[1]), tmp_path, key, load, replace=False)
    assert list(tmp_path.iterdir()) == []


def test_existing_types_are_an_earlier_loads_types(tmp_path: Path) -> None:
    frame = pl.DataFrame({"a": [1]}).with_columns(
        d=pl.lit("1.50").str.to_decimal(scale=2).cast(pl.Decimal(18, 2))
    )
    write_dataset(frame.lazy(), tmp_path, "k", ("D", "1"), replace=False)
    assert existing_types(tmp_path, "k") == {"a": "BIGINT", "d": "DECIMAL(18,2)"}
    assert existing_types(tmp_path, "missing") == {}
