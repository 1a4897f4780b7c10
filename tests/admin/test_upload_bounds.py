"""Uploads are measured before they are read whole: a workbook that unpacks past
UPLOAD_MAX_UNCOMPRESSED_MB is 413 (also when its zip headers understate its size), a file
with more than UPLOAD_MAX_ROWS rows is 422, each naming its limit, and nothing is left
behind."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from backend.store.engine import Store
from tests.admin.helpers import leftovers, upload
from tests.conftest import build_tiny_warehouse
from tests.store.fixtures import Api, _running_api

MAX_MB = 2
MAX_ROWS = 1000

_WORKBOOK = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)
_ROOT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)


@pytest.fixture
def api(sqlite_store: Store, tmp_path: Path) -> Iterator[Api]:
    warehouse = build_tiny_warehouse(tmp_path / "warehouse").root
    yield from _running_api(
        sqlite_store,
        tmp_path,
        data_dir=warehouse,
        redis_url=None,
        upload_max_uncompressed_mb=MAX_MB,
        upload_max_rows=MAX_ROWS,
    )


def _bomb(text_bytes: int) -> bytes:
    """A workbook of three rows whose one cell holds `text_bytes` of text: tiny zipped."""
    cell = "x" * text_bytes
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{v}</t></is></c></row>'
        for r, v in ((1, "note"), (2, cell), (3, "y"))
    )
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def _understated(workbook: bytes) -> bytes:
    """The same zip with every entry's uncompressed size written as 1 byte, in the local
    headers and the central directory: the sender's word is not to be trusted."""
    data = bytearray(workbook)
    for entry in zipfile.ZipFile(io.BytesIO(workbook)).infolist():
        struct.pack_into("<I", data, entry.header_offset + 22, 1)
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        struct.pack_into("<I", data, at + 24, 1)
        at += 4
    return bytes(data)


def _xlsx_rows(n: int) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["id", "name"])
    for i in range(n):
        sheet.append([i, f"n{i}"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _parquet_rows(n: int) -> bytes:
    out = io.BytesIO()
    pl.DataFrame({"id": range(n)}).write_parquet(out)
    return out.getvalue()


def _csv_rows(n: int) -> bytes:
    return ("id\n" + "".join(f"{i}\n" for i in range(n))).encode()


def _refused(api: Api, filename: str, content: bytes, status: int, limit: str) -> str:
    r = upload(api, "bounded", content, filename)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert limit in error["message"] and error["details"][0]["limit"] == limit
    assert leftovers(api) == []
    assert api.client.get("/api/datasets/bounded", headers=api.headers()).status_code == 404
    message: str = error["message"]
    return message


def test_a_workbook_unpacking_past_the_limit_is_413_naming_it(api: Api) -> None:
    bomb = _bomb(3 * 2**20)
    assert len(bomb) < 20_000  # 3 MB of sheet XML in a few kB
    message = _refused(api, "bomb.xlsx", bomb, 413, "UPLOAD_MAX_UNCOMPRESSED_MB")
    assert f"{MAX_MB} MB" in message
    assert upload(api, "small", _bomb(2**20 // 2), "ok.xlsx").status_code == 201


def test_a_workbook_whose_zip_headers_understate_its_size_is_413(api: Api) -> None:
    _refused(api, "liar.xlsx", _understated(_bomb(3 * 2**20)), 413, "UPLOAD_MAX_UNCOMPRESSED_MB")


@pytest.mark.parametrize(
    ("filename", "make"),
    [("rows.xlsx", _xlsx_rows), ("rows.csv", _csv_rows), ("rows.parquet", _parquet_rows)],
    ids=["xlsx", "csv", "parquet"],
)
def test_a_file_with_more_rows_than_the_limit_is_422_naming_it(
    api: Api, filename: str, make: object
) -> None:
    assert callable(make)
    message = _refused(api, filename, make(MAX_ROWS + 1), 422, "UPLOAD_MAX_ROWS")
    assert f"{MAX_ROWS:,} rows" in message
    r = upload(api, "at_limit", make(MAX_ROWS), filename)
    assert r.status_code == 201, r.text
    assert r.json()["rows"] == MAX_ROWS
