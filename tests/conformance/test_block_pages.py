"""Property: a page cut from cached blocks is exactly the page a direct LIMIT/OFFSET gives,
on DuckDB and on PostgreSQL. Random specs from `tests.property.specs` over the tiny
warehouse: detail and grouped, ties (low-cardinality sort keys), NULLs in every column type,
joins, conditional measures, totals, vintages; pages and block sizes chosen so that pages
fall inside one block, straddle two or span several, and run past the end of the result.

The blocks are built and cut by the functions the query service uses
(`backend.services.blocks`); each statement runs on the database under test."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from backend.errors import AuroraError
from backend.services.blocks import blocks, covering, cut
from tests.conformance.targets import Target, differences, rows_of
from tests.property.specs import query_spec

MAX_ROWS = 1_000_000
BLOCK_ROWS = [1, 3, 16, 50, 64, 100, 1000]

CHECKED = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _compiled(target: Target, spec: dict[str, Any]) -> Any:
    try:
        return target.compile(spec, {})
    except (AuroraError, ValidationError):
        assume(False)  # a spec the API refuses with a 4xx has no page to compare


def _check_page(target: Target, spec: dict[str, Any], block_rows: int) -> None:
    compiled = _compiled(target, spec)
    offset = (spec["page"] - 1) * spec["page_size"]
    numbers = covering(offset, spec["page_size"], block_rows, MAX_ROWS)
    assume(numbers is not None)
    assert numbers is not None
    event(f"{len(numbers)} block(s)")
    direct = target.run(compiled.tree)
    wanted = blocks(compiled.unpaged, numbers, block_rows, MAX_ROWS)
    got = cut([(b, target.run(b.tree)) for b in wanted], offset, spec["page_size"])
    assert differences(rows_of(direct), rows_of(got.table)) == [], spec
    if got.total is not None:
        event("the blocks showed the end")
        assert got.total == target.rows(compiled.count)[0][0], spec


@CHECKED
@given(spec=query_spec(), block_rows=st.sampled_from(BLOCK_ROWS))
def test_a_page_cut_from_blocks_equals_the_direct_page_on_duckdb(
    duck: Target, spec: dict[str, Any], block_rows: int
) -> None:
    _check_page(duck, spec, block_rows)


@pytest.mark.postgres
@CHECKED
@given(spec=query_spec(), block_rows=st.sampled_from(BLOCK_ROWS))
def test_a_page_cut_from_blocks_equals_the_direct_page_on_postgres(
    pg: Target, spec: dict[str, Any], block_rows: int
) -> None:
    _check_page(pg, spec, block_rows)
