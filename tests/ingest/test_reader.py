"""Reading uploads: type inference, overrides, and errors that name the line or cell."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

from backend.errors import InvalidUpload
from backend.ingest.reader import detect_format, read_typed


def _csv(tmp_path: Path, text: str | bytes, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _xlsx(tmp_path: Path, rows: list[list[Any]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / "f.xlsx"
    workbook.save(path)
    return path


def _types(path: Path, fmt: str = "csv", **kw: Any) -> dict[str, str]:
    _, plans = read_typed(path, fmt, **kw)
    return {p.name: p.type for p in plans}


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["1", "-2", "30"], "BIGINT"),
        (["1.5", "2", "-3.125"], "DECIMAL(38,3)"),
        (["1e3", "2.5"], "DOUBLE"),
        (["2024-01-31", "2024-02-29"], "DATE"),
        (["2024-01-31 10:00:00", "2024-01-31T11:30:00"], "TIMESTAMP"),
        (["true", "FALSE"], "BOOLEAN"),
        (["01234", "02000"], "VARCHAR"),  # postal codes keep their leading zero
        (["1", "x"], "VARCHAR"),
        (["2024-13-01"], "VARCHAR"),
        (["", ""], "VARCHAR"),
        (["1", "", "3"], "BIGINT"),  # empty cells are NULL, not a reason for text
        (["99999999999999999999"], "DECIMAL(38,0)"),  # too big for BIGINT
    ],
)
def test_a_text_column_infers_the_narrowest_type_every_cell_fits(
    tmp_path: Path, cells: list[str], expected: str
) -> None:
    path = _csv(tmp_path, "v,other\n" + "".join(f"{c},x\n" for c in cells))
    assert _types(path)["v"] == expected


def test_quoted_commas_quotes_newlines_and_unicode_survive(tmp_path: Path) -> None:
    text = (
        'id,note\n1,"hello, world"\n2,"say ""hi"""\n3,"two\nlines"\n4,Zürich 東京 🎉\n5,"a\r\nb"\n'
    )
    frame, _ = read_typed(_csv(tmp_path, text), "csv")
    assert frame.collect()["note"].to_list() == [
        "hello, world",
        'say "hi"',
        "two\nlines",
        "Zürich 東京 🎉",
        "a\r\nb",
    ]


def test_headers_become_safe_names_and_stay_as_labels(tmp_path: Path) -> None:
    _, plans = read_typed(_csv(tmp_path, "Order ID,2024 Total,Order ID,€\n1,2,3,4\n"), "csv")
    assert [(p.name, p.label) for p in plans] == [
        ("order_id", "Order ID"),
        ("c_2024_total", "2024 Total"),
        ("order_id_2", "Order ID"),
        ("column_4", "€"),
    ]


def test_a_byte_order_mark_and_blank_lines_are_not_data(tmp_path: Path) -> None:
    frame, plans = read_typed(_csv(tmp_path, b"\xef\xbb\xbfa,b\r\n1,x\r\n\r\n2,y\r\n"), "csv")
    assert [p.name for p in plans] == ["a", "b"]
    assert frame.collect().rows() == [(1, "x"), (2, "y")]


def test_values_convert_exactly(tmp_path: Path) -> None:
    text = "n,d,day,at,ok\n1,0.10,2024-01-31,2024-01-31 10:00:01,true\n2,-3.5,,,false\n"
    frame, _ = read_typed(_csv(tmp_path, text), "csv")
    assert frame.collect().rows() == [
        (1, Decimal("0.10"), dt.date(2024, 1, 31), dt.datetime(2024, 1, 31, 10, 0, 1), True),
        (2, Decimal("-3.50"), None, None, False),
    ]


def test_an_override_chooses_the_type_and_the_inferred_one_is_still_shown(tmp_path: Path) -> None:
    path = _csv(tmp_path, "Zip,amount\n01234,1.5\n")
    _, plans = read_typed(path, "csv", overrides={"amount": "decimal(18,2)", "Zip": "VARCHAR"})
    shown = {p.name: (p.type, p.inferred) for p in plans}
    assert shown == {"zip": ("VARCHAR", "VARCHAR"), "amount": ("DECIMAL(18,2)", "DECIMAL(38,1)")}


def test_defaults_apply_only_to_columns_the_file_has(tmp_path: Path) -> None:
    path = _csv(tmp_path, "a,b\n1,2\n")
    types = _types(path, defaults={"a": "DECIMAL(18,2)", "gone": "DATE"})
    assert types == {"a": "DECIMAL(18,2)", "b": "BIGINT"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"nope": "BIGINT"}, "unknown column 'nope'"),
        ({"a": "MONEY"}, "unknown type 'MONEY'"),
        ({"a": "DECIMAL(40,2)"}, "not a valid decimal"),
    ],
)
def test_a_bad_override_is_refused(tmp_path: Path, overrides: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidUpload, match=message):
        read_typed(_csv(tmp_path, "a\n1\n"), "csv", overrides=overrides)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a,b\n1,x\n2,y,z\n", 3),  # too many fields
        ("a,b\n1,x\n2\n", 3),  # too few
        ('a,b\n1,"x\n2,y\n', 2),  # a quote never closed: the record starts on line 2
        ('a,b\n1,"x" y\n', 2),  # text after a closing quote
        ('a,b\n1,"two\nlines"\n2,x"y\n', 4),  # a quote inside an unquoted field
        ('a,b\n1,"two\nlines"\n2,y,z\n', 4),  # lines, not records, are counted
    ],
)
def test_a_malformed_csv_names_the_line(tmp_path: Path, text: str, line: int) -> None:
    with pytest.raises(InvalidUpload) as caught:
        read_typed(_csv(tmp_path, text), "csv")
    assert caught.value.message.startswith(f"Line {line}")
    assert caught.value.details[0]["line"] == line


def test_a_value_that_does_not_convert_names_its_line_and_column(tmp_path: Path) -> None:
    text = 'a,b,c\n1,2024-01-01,"two\nlines"\n2,2024-02-30,x\n'
    with pytest.raises(InvalidUpload) as caught:
        read_typed(_csv(tmp_path, text), "csv", overrides={"b": "DATE"})
    assert caught.value.message.startswith("Line 4: '2024-02-30' is not a valid DATE")
    assert caught.value.details == [
        {"line": 4, "column": "b", "type": "DATE", "value": "2024-02-30"}
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"a,b\n1,\xff\n", "Line 2: the file is not UTF-8"),
    ],
)
def test_unreadable_csv_is_refused_clearly(tmp_path: Path, content: bytes, message: str) -> None:
    with pytest.raises(InvalidUpload, match=message):
        read_typed(_csv(tmp_path, content), "csv")


def test_xlsx_cells_keep_their_types(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path,
        [
            ["Order ID", "Order Date", "Amount", "Note", "At", "Zip"],
            [1, dt.date(2024, 1, 31), 12.5, "hello, world", dt.datetime(2024, 1, 31, 10), "01234"],
            [2, dt.date(2024, 2, 1), 3, 'multi\nline "q"', dt.datetime(2024, 2, 1, 11), "02000"],
            [3, None, -7.125, "Zürich 東京", None, None],
        ],
    )
    frame, plans = read_typed(path, "xlsx")
    assert {p.name: p.type for p in plans} == {
        "order_id": "BIGINT",
        "order_date": "DATE",
        "amount": "DECIMAL(38,3)",
        "note": "VARCHAR",
        "at": "TIMESTAMP",
        "zip": "VARCHAR",
    }
    rows = frame.collect().rows()
    assert rows[1] == (
        2,
        dt.date(2024, 2, 1),
        Decimal("3.000"),
        'multi\nline "q"',
        dt.datetime(2024, 2, 1, 11),
        "02000",
    )
    assert frame.collect_schema()["at"] == pl.Datetime("us")


def test_an_xlsx_value_that_does_not_convert_names_its_cell(tmp_path: Path) -> None:
    path = _xlsx(tmp_path, [["id", "amount"], [1, 2.5], [2, "n/a"], [3, 4]])
    with pytest.raises(InvalidUpload) as caught:
        read_typed(path, "xlsx", overrides={"amount": "DECIMAL(18,2)"})
    assert caught.value.message.startswith("Cell B3: 'n/a' is not a valid DECIMAL(18,2)")
    assert caught.value.details[0]["cell"] == "B3"


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InvalidUpload, match="not a readable XLSX"):
        read_typed(path, "xlsx")


def test_parquet_keeps_its_types(tmp_path: Path) -> None:
    path = tmp_path / "f.parquet"
    pl.DataFrame(
        {"n": [1, 2], "d": [dt.date(2024, 1, 1), None], "s": ["a", "1"]},
        schema={"n": pl.Int32, "d": pl.Date, "s": pl.String},
    ).write_parquet(path)
    frame, plans = read_typed(path, "parquet")
    assert {p.name: p.type for p in plans} == {"n": "INTEGER", "d": "DATE", "s": "VARCHAR"}
    assert frame.collect().rows() == [(1, dt.date(2024, 1, 1), "a"), (2, None, "1")]


@pytest.mark.parametrize(
    ("filename", "fmt"),
    [("a.CSV", "csv"), ("a.txt", "csv"), ("b.xlsx", "xlsx"), ("c.parquet", "parquet")],
)
def test_the_format_comes_from_the_file_name(filename: str, fmt: str) -> None:
    assert detect_format(filename) == fmt


def test_an_unknown_file_type_is_refused() -> None:
    with pytest.raises(InvalidUpload, match="not a CSV, XLSX or Parquet"):
        detect_format("notes.docx")


def test_an_xlsx_column_mixing_numbers_and_text_keeps_every_cell(tmp_path: Path) -> None:
    frame, plans = read_typed(_xlsx(tmp_path, [["v"], [2.5], ["n/a"], [4]]), "xlsx")
    assert plans[0].type == "VARCHAR"
    assert frame.collect()["v"].to_list() == ["2.5", "n/a", "4"]


def test_a_parquet_text_column_stays_text_even_when_it_holds_digits(tmp_path: Path) -> None:
    path = tmp_path / "codes.parquet"
    pl.DataFrame({"code": ["001", "2", "3"]}).write_parquet(path)
    _, plans = read_typed(path, "parquet")
    assert (plans[0].type, plans[0].inferred) == ("VARCHAR", "VARCHAR")


def test_inference_reads_every_value_not_only_the_first_thousand(tmp_path: Path) -> None:
    cells = [str(i) for i in range(5000)] + ["12.5"]
    path = _csv(tmp_path, "v\n" + "\n".join(cells) + "\n")
    assert _types(path)["v"] == "DECIMAL(38,1)"
