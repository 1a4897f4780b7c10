"""The conformance suite: every spec of `SPECS` gives the same rows, in the same order, with
the same column type families, on DuckDB (Parquet warehouse) and on PostgreSQL (the same
rows loaded with COPY), and the same count from the compiled count query."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tests.conformance.specs import EXPECTED_EMPTY, SPECS
from tests.conformance.targets import Target, differences, family, rows_of

pytestmark = pytest.mark.postgres


def test_the_suite_has_at_least_a_hundred_specs() -> None:
    assert len(SPECS) >= 100, len(SPECS)


@pytest.mark.parametrize("name", list(SPECS))
def test_postgres_returns_duckdbs_rows(name: str, duck: Target, pg: Target) -> None:
    case = SPECS[name]
    on_duck, on_pg = duck.compile(case.spec, case.rls), pg.compile(case.spec, case.rls)
    expected, got = duck.run(on_duck.tree), pg.run(on_pg.tree)
    assert differences(rows_of(expected), rows_of(got)) == []
    assert (expected.num_rows == 0) == (name in EXPECTED_EMPTY), "a spec must prove something"
    assert duck.rows(on_duck.count) == pg.rows(on_pg.count)
    types = [
        (family(a.type), family(b.type)) for a, b in zip(expected.schema, got.schema, strict=True)
    ]
    if any(a != b for a, b in types):
        if case.known:
            pytest.xfail(case.known)
        pytest.fail(f"column types differ: {types}")
    assert case.known is None, "a known difference that no longer happens: drop `known`"


@pytest.mark.parametrize(
    "name", ["detail_all_sales_columns", "join_full", "agg_avg_amount_by_region", "calc_nullif"]
)
def test_streamed_export_rows_equal_duckdbs(name: str, duck: Target, pg: Target) -> None:
    """Exports read the unpaged query in batches (a server-side cursor on PostgreSQL)."""
    case = SPECS[name]
    expected = duck.rows(duck.compile(case.spec, case.rls).unpaged)
    batches = list(pg.adapter.stream(pg.compile(case.spec, case.rls).unpaged, batch_rows=37))
    assert len({b.schema for b in batches}) <= 1
    got = [row for b in batches for row in rows_of(pa.Table.from_batches([b]))]
    assert differences(expected, got) == []
