"""Round trips through each writer on real DuckDB data, read back with polars and openpyxl."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from backend.exports import ExportOptions, write_export
from tests.exports.conftest import MANY_COLUMNS, SAMPLE_COLUMNS, defused, reader

CSV_SCHEMA = {
    "Id": pl.Int64,
    "Text": pl.String,
    "Amount": pl.Decimal(18, 2),
    "Ratio": pl.Float64,
    "Day": pl.Date,
    "At": pl.Datetime("us"),
    "Flag": pl.Boolean,
}


def _expected(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return pl.from_arrow(con.sql("SELECT * FROM sample").to_arrow_table())  # type: ignore[return-value]


def test_csv_round_trip_keeps_every_value_and_defuses_formulas(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "out.csv"
    rows = write_export("csv", reader(con, "SELECT * FROM sample"), SAMPLE_COLUMNS, path)

    got = pl.read_csv(path, schema=CSV_SCHEMA)
    want = _expected(con).rename(dict(zip(_expected(con).columns, CSV_SCHEMA, strict=True)))
    want = want.with_columns(pl.col("Text").map_elements(defused, return_dtype=pl.String))
    assert rows == want.height
    assert_frame_equal(got, want)


def test_csv_text_is_exact_iso_and_rfc4180(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_export("csv", reader(con, "SELECT * FROM sample"), SAMPLE_COLUMNS, path)

    lines = path.read_bytes().decode().split("\r\n")
    assert lines[0] == '"Id","Text","Amount","Ratio","Day","At","Flag"'
    assert lines[1] == '1,"\'=1+1",12.34,0.1,2024-01-31,2024-01-31 13:45:59,true'
    assert lines[3].startswith('3,"\'-5 text",9999999999999999.99,1e+20,1900-03-01,')
    assert '"say ""hi"", ok"' in path.read_text()
    assert lines[-2] == ",,,,,,"  # NULLs are empty; the empty string is ""
    assert '10,"",6.00' in path.read_text()


@pytest.mark.parametrize("bom", [True, False])
def test_csv_bom_is_optional(con: duckdb.DuckDBPyConnection, tmp_path: Path, bom: bool) -> None:
    path = tmp_path / "out.csv"
    write_export(
        "csv",
        reader(con, "SELECT 1 AS a"),
        SAMPLE_COLUMNS[:1],
        path,
        options=ExportOptions(bom=bom),
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") is bom
    assert pl.read_csv(path)["Id"].to_list() == [1]


def test_csv_timestamp_fractions_and_zones_stay_iso(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "out.csv"
    sql = (
        "SELECT TIMESTAMP '2024-01-02 03:04:05.25' AS a, TIMESTAMPTZ '2024-01-02 03:04:05+00' AS b"
    )
    columns = (SAMPLE_COLUMNS[5], SAMPLE_COLUMNS[5])
    write_export("csv", reader(con, sql), columns, path)
    assert path.read_text().splitlines()[1] == "2024-01-02 03:04:05.250000,2024-01-02 03:04:05Z"


def test_parquet_round_trip_keeps_types_exactly(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "out.parquet"
    write_export(
        "parquet",
        reader(con, "SELECT * FROM sample"),
        SAMPLE_COLUMNS,
        path,
        options=ExportOptions(row_group_rows=5),
    )
    assert_frame_equal(pl.read_parquet(path), _expected(con))


def test_parquet_writes_one_row_group_per_n_rows(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "out.parquet"
    options = ExportOptions(row_group_rows=10)
    write_export(
        "parquet", reader(con, "SELECT * FROM many", 3), MANY_COLUMNS, path, options=options
    )
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [10, 10, 5]


def _excel_value(value: object) -> object:
    """What the sample's value reads back as from Excel through openpyxl."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int) and abs(value) > 2**53:
        return str(value)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return value.isoformat() if value.year < 1900 else dt.datetime(*value.timetuple()[:3])
    return value


def test_xlsx_round_trip_writes_typed_cells(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_export("xlsx", reader(con, "SELECT * FROM sample"), SAMPLE_COLUMNS, path)

    ws = openpyxl.load_workbook(path)["Data"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(c.label for c in SAMPLE_COLUMNS)
    want = con.sql("SELECT * FROM sample").fetchall()
    # An all-NULL last row is an empty row, which openpyxl does not list.
    rows += [(None,) * len(SAMPLE_COLUMNS)] * (len(want) + 1 - len(rows))
    for got_row, want_row in zip(rows[1:], want, strict=True):
        for got, value in zip(got_row, want_row, strict=True):
            expected = _excel_value(value)
            if isinstance(got, str):  # openpyxl leaves OOXML's `_x000D_` escapes as they are
                got = re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), got)
            if isinstance(expected, float):
                assert got == pytest.approx(expected, rel=1e-15)
            else:
                assert got == expected
            assert type(got) is type(expected) or isinstance(got, int | float)


def test_xlsx_sheet_has_bold_frozen_filtered_header_and_formats(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "out.xlsx"
    write_export("xlsx", reader(con, "SELECT * FROM sample"), SAMPLE_COLUMNS, path)

    ws = openpyxl.load_workbook(path)["Data"]
    assert all(cell.font.b for cell in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G14"
    assert [ws.cell(2, c).number_format for c in (3, 4, 5, 6)] == [
        "0.00",
        "0.00%",
        "yyyy-mm-dd",
        "yyyy-mm-dd hh:mm:ss",
    ]
    assert ws.cell(2, 2).quotePrefix and ws.cell(2, 2).data_type == "s"
    assert not ws.cell(8, 2).quotePrefix
    assert 6 <= ws.column_dimensions["B"].width <= 60


def test_xlsx_splits_into_sheets_repeating_the_header(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "out.xlsx"
    options = ExportOptions(rows_per_sheet=10)
    rows = write_export(
        "xlsx", reader(con, "SELECT * FROM many", 7), MANY_COLUMNS, path, options=options
    )

    wb = openpyxl.load_workbook(path)
    assert rows == 25
    assert wb.sheetnames == ["Data", "Data (2)", "Data (3)"]
    got = []
    for ws in wb.worksheets:
        sheet = list(ws.iter_rows(values_only=True))
        assert sheet[0] == ("N", "Label", "Amount", "Day")
        assert ws.freeze_panes == "A2"
        got.extend(r[0] for r in sheet[1:])
    assert got == list(range(25))
    assert [ws.max_row for ws in wb.worksheets] == [11, 11, 6]
    assert wb.worksheets[0]["C2"].number_format == "#,##0.00"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_empty_result_still_writes_a_header(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"out.{fmt}"
    rows = write_export(fmt, reader(con, "SELECT * FROM sample WHERE false"), SAMPLE_COLUMNS, path)  # type: ignore[arg-type]
    assert rows == 0
    if fmt == "xlsx":
        assert next(openpyxl.load_workbook(path)["Data"].iter_rows(values_only=True))[0] == "Id"
    elif fmt == "csv":
        assert pl.read_csv(path).columns == [c.label for c in SAMPLE_COLUMNS]
    else:
        assert pl.read_parquet(path).schema == _expected(con).schema
