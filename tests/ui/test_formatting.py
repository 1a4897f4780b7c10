"""Grid values are formatted for people; nulls stay distinct."""

from __future__ import annotations

import pickle

import pytest

from aurora.formatting import format_rows, format_value, kind_of, row_range


@pytest.mark.parametrize(
    ("value", "kind", "fmt", "name", "shown"),
    [
        (1234567.891, "float", None, "amount", "1,234,567.89"),
        ("12.5", "decimal", None, "price", "12.50"),
        (1234, "integer", None, "quantity", "1,234"),
        (2453.0, "integer", None, "sum_quantity", "2,453"),  # a whole sum sent as a float
        (10000000001, "integer", None, "order_id", "10000000001"),
        (0.153, "float", "percent", "discount", "15.3%"),
        (3.14159, "float", "0.000", "ratio", "3.142"),
        (1234.5, "decimal", "currency", "revenue", "1,234.50"),
        (1234.5, "decimal", "currency:USD", "revenue", "$1,234.50"),
        (-1234.5, "float", "currency:EUR", "revenue", "-\u20ac1,234.50"),
        (1234.5, "float", "currency:CHF", "revenue", "CHF 1,234.50"),
        (1234.5678, "float", "decimal:3", "ratio", "1,234.568"),
        (0.1534, "float", "percent:2", "discount", "15.34%"),
        ("2024-01-31", "date", None, "sale_date", "31 Jan 2024"),
        ("2024-01-31T14:05:00", "timestamp", None, "at", "31 Jan 2024 14:05:00"),
        (True, "boolean", None, "flag", "Yes"),
        ("North", "text", None, "region", "North"),
        (None, "float", None, "amount", None),
    ],
)
def test_values_are_formatted_for_people(value, kind, fmt, name, shown):
    assert format_value(value, kind, fmt, name) == shown


@pytest.mark.parametrize(
    ("sql_type", "kind"),
    [
        ("DECIMAL(18,2)", "decimal"),
        ("DECIMAL(38,0)", "integer"),  # DuckDB's SUM of an INTEGER column
        ("NUMBER(10)", "integer"),
        ("NUMBER", "decimal"),
        ("BIGINT", "integer"),
        ("DOUBLE", "float"),
        ("VARCHAR", "text"),
        ("DATE", "date"),
        ("TIMESTAMP WITH TIME ZONE", "timestamp"),
    ],
)
def test_type_names_map_to_kinds(sql_type, kind):
    assert kind_of(sql_type) == kind


@pytest.mark.parametrize(
    ("page", "shown", "total", "text"),
    [
        (1, 50, 1234567, "1\u201350 of 1,234,567"),
        (2, 50, None, "51\u2013100"),
        (3, 7, 107, "101\u2013107 of 107"),
        (1, 0, 0, "0 rows"),
    ],
)
def test_row_range_names_the_rows_on_screen(page, shown, total, text):
    assert row_range(page, 50, shown, total) == text


def test_a_stored_page_holds_each_column_key_once_not_once_per_row() -> None:
    columns = [{"name": f"col{i}", "kind": "integer"} for i in range(14)]
    api_rows = [[r * 100 + i for i in range(14)] for r in range(50)]
    rows = format_rows(api_rows, columns)
    assert rows[1] == {f"c{i}": f"{100 + i:,}" for i in range(14)}
    # The tab's state is pickled on every event: keys made per row would be stored 700 times.
    one_key_each = pickle.dumps(rows)
    per_row = pickle.dumps(
        [{"".join(["c", str(i)]): v for i, v in enumerate(r.values())} for r in rows]
    )
    assert len(per_row) - len(one_key_each) >= 49 * 14 * 3


def test_a_page_shows_each_cell_as_the_value_alone_would() -> None:
    """format_rows reads each column's format once; every cell still reads as format_value
    shows it (whole numbers, large ones, booleans in a number column, ids, dates, nulls)."""
    columns = [
        {"name": "order_id", "kind": "integer"},
        {"name": "qty", "kind": "integer", "format": "decimal:2"},
        {"name": "big", "kind": "integer"},
        {"name": "revenue", "kind": "float", "format": "currency:USD"},
        {"name": "share", "kind": "float", "format": "percent"},
        {"name": "at", "kind": "date"},
        {"name": "region", "kind": "text"},
        {"name": "flag", "kind": "boolean"},
    ]
    api_rows = [
        [10000000001, 1234, 12345678901234567891, -1234.5, 0.153, "2024-01-31", "North", True],
        [None, -7, -(10**19), 2.675, "x", None, 5, "false"],
        [1, True, 0, 0, 1, "not a date", None, None],
    ]
    rows = format_rows(api_rows, columns)
    assert rows[0] == {
        "c0": "10000000001",
        "c1": "1,234.00",
        "c2": "12,345,678,901,234,567,891",
        "c3": "-$1,234.50",
        "c4": "15.3%",
        "c5": "31 Jan 2024",
        "c6": "North",
        "c7": "Yes",
    }
    for api_row, row in zip(api_rows, rows, strict=True):
        assert row == {
            f"c{i}": format_value(v, c["kind"], c.get("format"), c["name"])
            for i, (v, c) in enumerate(zip(api_row, columns, strict=True))
        }
    assert rows[1]["c3"] == "$2.68" and rows[2]["c1"] == "Yes"  # as Decimal rounds; a bool
