"""A small DuckDB table with every awkward value the writers must carry exactly."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pyarrow as pa
import pytest

from backend.query.context import OutputColumn

SAMPLE_SQL = r"""
SELECT * FROM (VALUES
  (1, '=1+1', 12.34::DECIMAL(18,2), 0.1::DOUBLE, DATE '2024-01-31',
   TIMESTAMP '2024-01-31 13:45:59', true),
  (2, '+x', -0.05, 1/3, DATE '2000-02-29', TIMESTAMP '1970-01-01 00:00:00', false),
  (3, '-5 text', 9999999999999999.99, 1e20, DATE '1900-03-01',
   TIMESTAMP '2000-02-29 23:59:59', true),
  (4, '@a', 0, 2.5, DATE '1850-06-01', TIMESTAMP '2024-12-31 23:59:59', false),
  (5, chr(9) || 'tab', 1, -7.25, DATE '2024-01-01', TIMESTAMP '2024-01-01 00:00:01', true),
  (6, chr(13) || 'cr', 2, 0, DATE '2024-01-02', TIMESTAMP '2024-01-02 00:00:02', false),
  (7, 'say "hi", ok', 3, 3, DATE '2024-01-03', TIMESTAMP '2024-01-03 00:00:03', true),
  (8, 'line1' || chr(10) || 'line2', 4, 4, DATE '2024-01-04', TIMESTAMP '2024-01-04 00:00:04',
   true),
  (9, 'Zoë 東京 🚀', 5, 5, DATE '2024-01-05', TIMESTAMP '2024-01-05 00:00:05', false),
  (10, '', 6, 6, DATE '2024-01-06', TIMESTAMP '2024-01-06 00:00:06', true),
  (9007199254740993, 'big int', 7, 7, DATE '2024-01-07', TIMESTAMP '2024-01-07 00:00:07', true),
  (-12, 'a=b', 8, 8, DATE '2024-01-08', TIMESTAMP '2024-01-08 00:00:08', false),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) v(id, txt, amount, ratio, day, stamp, flag)
"""

SAMPLE_COLUMNS = (
    OutputColumn("id", "Id", "BIGINT"),
    OutputColumn("txt", "Text", "VARCHAR"),
    OutputColumn("amount", "Amount", "DECIMAL(18,2)", format=None),
    OutputColumn("ratio", "Ratio", "DOUBLE", format="percent"),
    OutputColumn("day", "Day", "DATE"),
    OutputColumn("stamp", "At", "TIMESTAMP"),
    OutputColumn("flag", "Flag", "BOOLEAN"),
)

RISKY = ("=", "+", "-", "@", "\t", "\r")


def defused(text: str | None) -> str | None:
    return "'" + text if text and text.startswith(RISKY) else text


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as connection:
        connection.execute(f"CREATE TABLE sample AS {SAMPLE_SQL}")
        connection.execute(
            "CREATE TABLE many AS SELECT i::BIGINT AS n, 'row ' || i AS label, "
            "(i * 1.25)::DECIMAL(18,2) AS amount, DATE '2024-01-01' + (i % 365)::INTEGER AS day "
            "FROM range(25) t(i)"
        )
        yield connection


def reader(
    connection: duckdb.DuckDBPyConnection, sql: str, batch_rows: int = 4
) -> pa.RecordBatchReader:
    return connection.sql(sql).to_arrow_reader(batch_rows)


MANY_COLUMNS = (
    OutputColumn("n", "N", "BIGINT"),
    OutputColumn("label", "Label", "VARCHAR"),
    OutputColumn("amount", "Amount", "DECIMAL(18,2)", format="currency"),
    OutputColumn("day", "Day", "DATE"),
)
