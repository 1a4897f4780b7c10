"""PostgreSQL result columns to Arrow: types from OIDs and typmods, unconstrained numerics
typed by their values, one schema for every batch of a result."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pyarrow as pa
import pytest

from adapters.pg_arrow import ArrowBatches, declared_type, numeric_type


def column(name: str, oid: int, precision: int | None = None, scale: int | None = None) -> object:
    """What psycopg's cursor.description holds for one column."""
    return SimpleNamespace(name=name, type_code=oid, precision=precision, scale=scale)


@pytest.mark.parametrize(
    ("oid", "precision", "scale", "expected"),
    [
        (1700, 18, 2, pa.decimal128(18, 2)),
        (1700, 60, 4, pa.decimal256(60, 4)),
        (1700, None, None, None),
        (20, None, None, pa.int64()),
        (23, None, None, pa.int32()),
        (701, None, None, pa.float64()),
        (1082, None, None, pa.date32()),
        (1114, None, None, pa.timestamp("us")),
        (1184, None, None, pa.timestamp("us", tz="UTC")),
        (16, None, None, pa.bool_()),
        (25, None, None, pa.string()),
        (1043, None, None, pa.string()),
    ],
)
def test_declared_types_follow_oid_and_typmod(
    oid: int, precision: int | None, scale: int | None, expected: pa.DataType | None
) -> None:
    assert declared_type(oid, precision, scale) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([Decimal("3.75"), Decimal("10.50"), None], pa.decimal128(38, 2)),
        ([Decimal("12"), Decimal("7")], pa.decimal128(38, 0)),
        ([Decimal("1.8750000000000000")], pa.float64()),  # an AVG: a quotient, not money
        ([Decimal("NaN")], pa.float64()),
        ([None, None], pa.decimal128(38, 0)),
    ],
)
def test_unconstrained_numeric_is_typed_by_its_values(
    values: list[Decimal | None], expected: pa.DataType
) -> None:
    assert numeric_type(values) == expected


def test_a_stream_keeps_the_first_batches_schema_and_rounds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    batches = ArrowBatches([column("total", 1700), column("day", 1082)])
    first = batches.batch([(Decimal("1.50"), dt.date(2024, 1, 1))])
    later = batches.batch([(Decimal("2.125"), None), (None, dt.date(2024, 1, 2))])
    assert first.schema == later.schema
    assert first.schema.field("total").type == pa.decimal128(38, 2)
    assert later.column(0).to_pylist() == [Decimal("2.12"), None]  # rounded half even
    assert "rounding values" in caplog.text


def test_a_whole_result_widens_to_the_places_it_needs() -> None:
    batches = ArrowBatches([column("total", 1700)], widen=True)
    chunks = [batches.batch([(Decimal("1.50"),)]), batches.batch([(Decimal("2.125"),)])]
    table = batches.unify(chunks)
    assert table.schema.field("total").type == pa.decimal128(38, 3)
    assert table.column(0).to_pylist() == [Decimal("1.500"), Decimal("2.125")]
    quotient = batches.batch([(Decimal("0.3333333333333333333"),)])
    assert batches.unify([*chunks, quotient]).column(0).type == pa.float64()


def test_json_and_unknown_types_become_text() -> None:
    batches = ArrowBatches([column("doc", 3802), column("tags", 1009)])
    batch = batches.batch([({"a": 1}, ["x", "y"])])
    assert batch.column(0).to_pylist() == ['{"a": 1}']
    assert batch.schema.field("tags").type == pa.list_(pa.string())


def test_an_empty_result_has_a_schema() -> None:
    batch = ArrowBatches([column("n", 20), column("s", 25)]).batch([])
    assert batch.num_rows == 0 and batch.schema.names == ["n", "s"]
