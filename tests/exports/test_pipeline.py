"""The all-or-nothing file, progress and cancel, shared by every format."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from backend.exports import ExportCancelled, ExportOptions, ExportWriteError, write_export
from backend.exports.csv_writer import defuse_formulas
from backend.exports.xlsx_formats import excel_format, named_format
from backend.query.context import OutputColumn
from tests.exports.conftest import MANY_COLUMNS, reader

FORMATS = ["csv", "xlsx", "parquet"]
NO_WAIT = ExportOptions(progress_interval_s=0.0, rows_per_sheet=10)


@pytest.mark.parametrize("fmt", FORMATS)
def test_cancel_mid_way_leaves_no_file(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, fmt: str
) -> None:
    polls = iter([False, False, True])
    with pytest.raises(ExportCancelled):
        write_export(
            fmt,  # type: ignore[arg-type]
            reader(con, "SELECT * FROM many", 3),
            MANY_COLUMNS,
            tmp_path / f"out.{fmt}",
            should_cancel=lambda: next(polls, True),
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_failing_batch_stream_leaves_no_file(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, fmt: str
) -> None:
    def broken() -> Iterator[pa.RecordBatch]:
        yield reader(con, "SELECT * FROM many", 10).read_next_batch()
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError, match="connection lost"):
        write_export(fmt, broken(), MANY_COLUMNS, tmp_path / f"out.{fmt}")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_progress_reports_rising_counts_ending_at_the_total(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, fmt: str
) -> None:
    seen: list[int] = []
    rows = write_export(
        fmt,  # type: ignore[arg-type]
        reader(con, "SELECT * FROM many", 4),
        MANY_COLUMNS,
        tmp_path / f"out.{fmt}",
        options=NO_WAIT,
        on_progress=seen.append,
    )
    assert rows == 25
    assert seen == sorted(seen) and seen[-1] == 25 and len(seen) > 2


def test_retry_overwrites_a_stale_part_file(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    final = tmp_path / "out.csv"
    (tmp_path / "out.csv.part").write_text("half a file from a killed worker")
    write_export("csv", reader(con, "SELECT * FROM many"), MANY_COLUMNS, final)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    assert final.read_bytes().count(b"\r\n") == 26


def test_xlsx_text_past_the_cell_limit_fails_without_a_file(tmp_path: Path) -> None:
    batch = pa.record_batch({"t": ["x" * 40_000]})
    with pytest.raises(ExportWriteError, match="32,767"):
        write_export("xlsx", [batch], [OutputColumn("t", "T", "VARCHAR")], tmp_path / "o.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_column_count_mismatch_is_refused(tmp_path: Path) -> None:
    batch = pa.record_batch({"a": [1], "b": [2]})
    with pytest.raises(ValueError, match="2 result columns for 1"):
        write_export("csv", [batch], [OutputColumn("a", "A", "BIGINT")], tmp_path / "o.csv")


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+x", "'+x"),
        ("-5 text", "'-5 text"),
        ("@a", "'@a"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        (None, None),
        ("'quoted", "'quoted"),
    ],
)
def test_formula_like_text_gets_a_quote_prefix(text: str | None, written: str | None) -> None:
    assert defuse_formulas(pa.array([text], pa.string())).to_pylist() == [written]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("currency", "#,##0.00"),
        ("percent", "0.00%"),
        ("integer", "#,##0"),
        ("decimal:3", "#,##0.000"),
        ("currency:USD", '"$"#,##0.00'),
        ("currency:CHF", '"CHF "#,##0.00'),
        ("decimal:0", "#,##0"),
        ("percent:1", "0.0%"),
        ("decimal:99", "#,##0.000000000000000"),
        ("weird", None),
        ('0;"=cmd"', None),
        (None, None),
    ],
)
def test_named_formats_map_to_excel_codes(name: str | None, code: str | None) -> None:
    assert named_format(name) == code


@pytest.mark.parametrize(
    ("arrow_type", "name", "code"),
    [
        (pa.date32(), "currency", "yyyy-mm-dd"),
        (pa.timestamp("us"), None, "yyyy-mm-dd hh:mm:ss"),
        (pa.decimal128(18, 2), None, "0.00"),
        (pa.decimal128(18, 0), None, None),
        (pa.decimal128(18, 2), "currency", "#,##0.00"),
        (pa.float64(), "percent", "0.00%"),
        (pa.string(), "currency", None),
        (pa.bool_(), None, None),
    ],
)
def test_column_types_pick_their_excel_format(
    arrow_type: pa.DataType, name: str | None, code: str | None
) -> None:
    assert excel_format(arrow_type, name) == code
