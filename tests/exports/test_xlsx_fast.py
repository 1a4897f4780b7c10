"""The XML fast path of the XLSX writer gives the very cells the cell-by-cell path gives,
and hands a chunk back whenever it holds something only xlsxwriter renders exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pyarrow as pa
import pytest

from backend.exports import write_export, xlsx_writer
from backend.exports.xlsx_xml import ColumnXml, render_rows
from backend.query.context import OutputColumn
from tests.exports.conftest import reader

CLEAN_SQL = r"""
SELECT i::BIGINT AS id,
  CASE i % 6 WHEN 0 THEN '=1+1' WHEN 1 THEN ' padded ' WHEN 2 THEN 'a & b < c > d'
       WHEN 3 THEN 'Zoë 東京 🚀' WHEN 4 THEN NULL ELSE 'line1' || chr(10) || 'line2' END AS txt,
  (i * 1.25)::DECIMAL(18,2) AS amount, CASE WHEN i % 5 = 0 THEN NULL ELSE i / 7.0 END AS ratio,
  DATE '1900-03-01' + (i * 97)::INTEGER AS day,
  TIMESTAMP '2020-01-01 00:00:00' + to_seconds(i * 3601) AS stamp, i % 3 = 0 AS flag,
  (i % 100)::INTEGER AS small
FROM range(300) t(i)
"""
COLUMNS = [
    OutputColumn("id", "Id", "BIGINT"),
    OutputColumn("txt", "Text", "VARCHAR"),
    OutputColumn("amount", "Amount", "DECIMAL(18,2)", format="currency"),
    OutputColumn("ratio", "Ratio", "DOUBLE", format="percent"),
    OutputColumn("day", "Day", "DATE"),
    OutputColumn("stamp", "At", "TIMESTAMP"),
    OutputColumn("flag", "Flag", "BOOLEAN"),
    OutputColumn("small", "Small", "INTEGER"),
]


def _same(value: Any) -> Any:
    # xlsxwriter prints doubles with 16 significant digits, the fast path with the
    # shortest exact form (17 when needed): doubles agree to 15 digits.
    return pytest.approx(value, rel=1e-15) if isinstance(value, float) else value


def _cells(path: Path) -> list[list[tuple[Any, ...]]]:
    wb = openpyxl.load_workbook(path)
    return [
        [
            (c.coordinate, c.value, c.data_type, c.number_format, c.quotePrefix, c.font.b)
            for row in ws.iter_rows()
            for c in row
        ]
        for ws in wb.worksheets
    ]


def test_fast_and_cell_by_cell_paths_write_identical_sheets(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, slow = tmp_path / "fast.xlsx", tmp_path / "slow.xlsx"
    write_export("xlsx", reader(con, CLEAN_SQL, 64), COLUMNS, fast)
    monkeypatch.setattr(xlsx_writer, "FAST_XML", False)
    write_export("xlsx", reader(con, CLEAN_SQL, 64), COLUMNS, slow)
    slow_cells = [[(*c[:1], _same(c[1]), *c[2:]) for c in sheet] for sheet in _cells(slow)]
    assert _cells(fast) == slow_cells
    assert openpyxl.load_workbook(fast)["Data"].dimensions == "A1:H301"
    ratios = [r[3] for r in openpyxl.load_workbook(fast)["Data"].iter_rows(2, values_only=True)]
    assert ratios == [r[0] for r in con.sql(f"SELECT ratio FROM ({CLEAN_SQL})").fetchall()]


@pytest.mark.parametrize(
    ("values", "renders"),
    [
        (pa.array(["plain", "=x", None]), True),
        (pa.array([1.5, None]), True),
        (pa.array([float("nan")]), False),
        (pa.array([float("inf")]), False),
        (pa.array(["tab\there"]), True),
        (pa.array(["bell\x07"]), False),
        (pa.array(["cr\r"]), False),
        (pa.array(["_x0041_ literal"]), False),
        (pa.array(["x" * 20_000]), False),
        (pa.array([2**60], pa.int64()), False),
        (pa.array([2**40], pa.int64()), True),
    ],
)
def test_chunks_only_xlsxwriter_renders_exactly_fall_back(values: pa.Array, renders: bool) -> None:
    chunk = pa.record_batch([values], names=["v"])
    xml = render_rows(chunk, [ColumnXml.of(0, None, 5)], first_row=1)
    assert (xml is not None) is renders


def test_rendered_cells_escape_xml_and_keep_styles() -> None:
    chunk = pa.record_batch(
        [pa.array(["a&b", " x", "=1"]), pa.array([1, None, 3])], names=["t", "n"]
    )
    xml = render_rows(chunk, [ColumnXml.of(0, None, 7), ColumnXml.of(1, 3, 7)], first_row=1)
    assert xml == (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>a&amp;b</t></is></c>'
        '<c r="B2" s="3"><v>1</v></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t xml:space="preserve"> x</t></is></c></row>'
        '<row r="4"><c r="A4" s="7" t="inlineStr"><is><t>=1</t></is></c>'
        '<c r="B4" s="3"><v>3</v></c></row>'
    )
