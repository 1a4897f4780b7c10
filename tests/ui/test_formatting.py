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
