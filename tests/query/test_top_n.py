"""Top N (`limit`): the first N rows of the sorted result are the whole result. Its pages,
its count and its totals rows all agree with those N rows; compiled rows against
hand-written DuckDB SQL. (Golden SQL for the three dialects: test_golden's `top_n_*`; rows
on PostgreSQL: test_differential's top N cases, run there by test_postgres.)"""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from pydantic import ValidationError

from backend.query.compiler import compile_query
from backend.query.render import render
from backend.query.spec import MAX_LIMIT, QuerySpec
from tests.query.catalog import context

REVENUE = [{"agg": "sum", "column": "revenue", "alias": "rev"}]
BY_REVENUE = [{"column": "rev", "direction": "desc"}]


def _compiled(spec: dict[str, Any]) -> Any:
    return compile_query(QuerySpec.model_validate(spec), context())


def _run(con: duckdb.DuckDBPyConnection, tree: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in con.execute(render(tree, "duckdb")).fetchall()]


TOP_GROUPS = (
    "SELECT {groups}, sum(revenue) AS rev FROM global_sales GROUP BY {groups} "
    "ORDER BY rev DESC NULLS FIRST, {groups} LIMIT {n}"
)


@pytest.mark.parametrize(
    ("limit", "page_size"),
    [(3, 2), (3, 3), (2, 50), (1, 1), (100, 3)],  # 100: more than there are groups
)
def test_pages_and_count_of_a_top_n_are_its_rows_only(
    warehouse: duckdb.DuckDBPyConnection, limit: int, page_size: int
) -> None:
    base = {"dataset": "global_sales", "group_by": ["country"], "measures": REVENUE}
    spec = {**base, "sort": BY_REVENUE, "limit": limit, "page_size": page_size}
    expected = warehouse.execute(TOP_GROUPS.format(groups="country", n=limit)).fetchall()
    shown: list[tuple[Any, ...]] = []
    for page in range(1, len(expected) // page_size + 3):
        shown += _run(warehouse, _compiled({**spec, "page": page}).tree)
    assert shown == [tuple(r) for r in expected]  # in order, each row once, none after N
    compiled = _compiled(spec)
    assert _run(warehouse, compiled.count) == [(len(expected),)]
    assert _run(warehouse, compiled.unpaged) == [tuple(r) for r in expected]  # exports
    all_groups = _run(warehouse, _compiled({**base, "page_size": 1000}).unpaged)
    assert len(expected) == min(limit, len(all_groups))


@pytest.mark.parametrize(
    ("totals", "groups", "having"),
    [
        ("grand", ["country"], None),
        ("grand", ["region", "channel"], None),  # the first of them has a NULL region
        ("grand", ["region", "channel"], 1300),  # the top N of the groups `rev < 1300` keeps
        ("rollup", ["region", "channel"], None),
    ],
)
def test_totals_of_a_top_n_add_up_the_n_groups_shown(
    warehouse: duckdb.DuckDBPyConnection, totals: str, groups: list[str], having: int | None
) -> None:
    spec: dict[str, Any] = {
        "dataset": "global_sales",
        "group_by": groups,
        "measures": REVENUE,
        "sort": BY_REVENUE,
        "limit": 3,
        "totals": totals,
        "page_size": 1000,
    }
    sql = TOP_GROUPS.format(groups=", ".join(groups), n=3)
    if having is not None:
        spec["filters"] = {"conditions": [{"column": "rev", "operator": "<", "value": having}]}
        sql = sql.replace(" ORDER BY", f" HAVING sum(revenue) < {having} ORDER BY")
    top = warehouse.execute(sql).fetchall()
    rows = _run(warehouse, _compiled(spec).tree)
    level = len(groups) + 1  # the total level's position in a row
    leaves = [r[:level] for r in rows if r[level] == 0]
    assert sorted(leaves, key=repr) == sorted((tuple(r) for r in top), key=repr)
    (grand,) = [r for r in rows if r[level] == len(groups)]
    assert grand[len(groups)] == sum(r[-1] for r in top)
    for sub in (r for r in rows if 0 < r[level] < len(groups)):  # rollup: per region
        assert sub[len(groups)] == sum(r[-1] for r in top if r[0] == sub[0])


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1, "5 rows"])
def test_a_limit_outside_its_bounds_is_refused(limit: Any) -> None:
    with pytest.raises(ValidationError):
        QuerySpec.model_validate({"dataset": "global_sales", "limit": limit})


def test_without_a_limit_the_query_has_no_top_n_wrapper() -> None:
    spec = {"dataset": "global_sales", "group_by": ["country"], "measures": REVENUE}
    assert "top_rows" not in render(_compiled(spec).unpaged, "duckdb")
