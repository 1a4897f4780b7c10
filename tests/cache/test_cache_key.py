"""The result cache key: specs that mean the same query share it; any change that can change
the rows (a value, a page, a negation, a vintage, a row filter, a data version) does not."""

from __future__ import annotations

from typing import Any

import pytest
from sqlglot import exp

from backend.query.compiler import compile_query
from backend.query.spec import QuerySpec
from backend.services.result_cache import result_key
from tests.query.catalog import context


def _render(tree: exp.Expr) -> str:
    return tree.sql(dialect="duckdb", identify=True)


def key_of(spec: dict[str, Any], versions: tuple[str, ...] = ("v1",), **ctx: Any) -> str:
    compiled = compile_query(QuerySpec.model_validate(spec), context(**ctx))
    return result_key(compiled.tree, versions, scope="duckdb")


def cond(column: str, operator: str, value: Any = None) -> dict[str, Any]:
    return {"column": column, "operator": operator, "value": value}


def spec(*conditions: dict[str, Any], op: str = "and", **extra: Any) -> dict[str, Any]:
    return {
        "dataset": "global_sales",
        "columns": ["order_id", "region", "revenue"],
        "filters": {"op": op, "conditions": list(conditions)},
        **extra,
    }


NORTH_SOUTH = cond("region", "in", ["North", "South"])
SOUTH_NORTH = cond("region", "in", ["South", "North"])
BIG = cond("revenue", ">", 100)
ONLINE = cond("channel", "=", "Online")
EITHER = {"op": "or", "conditions": [BIG, ONLINE]}
EITHER_SWAPPED = {"op": "or", "conditions": [ONLINE, BIG]}

SAME: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("and conditions in another order", spec(NORTH_SOUTH, BIG), spec(BIG, NORTH_SOUTH)),
    ("in-list values in another order", spec(NORTH_SOUTH), spec(SOUTH_NORTH)),
    (
        "in-list as comma-separated text",
        spec(NORTH_SOUTH),
        spec(cond("region", "in", "North,South")),
    ),
    ("or operands in another order", spec(NORTH_SOUTH, EITHER), spec(EITHER_SWAPPED, SOUTH_NORTH)),
    ("or groups in another order", spec(EITHER, op="or"), spec(EITHER_SWAPPED, op="or")),
    ("nested and flattened", spec({"op": "and", "conditions": [BIG, ONLINE]}), spec(ONLINE, BIG)),
    (
        "qualified and plain names",
        spec(NORTH_SOUTH),
        spec(cond("global_sales.region", "in", ["South", "North"])),
    ),
]


@pytest.mark.parametrize(("why", "a", "b"), SAME, ids=[c[0] for c in SAME])
def test_equal_specs_share_a_key(why: str, a: dict[str, Any], b: dict[str, Any]) -> None:
    assert key_of(a) == key_of(b), why


DIFFERENT: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("another value", spec(NORTH_SOUTH), spec(cond("region", "in", ["North", "East"]))),
    ("and versus or", spec(BIG, ONLINE), spec(BIG, ONLINE, op="or")),
    ("negated", spec(BIG), {**spec(BIG), "filters": {"negate": True, "conditions": [BIG]}}),
    ("another page", spec(BIG), spec(BIG, page=2)),
    ("another sort", spec(BIG), spec(BIG, sort=[{"column": "revenue", "direction": "desc"}])),
    (
        "another column order",
        spec(BIG),
        {**spec(BIG), "columns": ["region", "order_id", "revenue"]},
    ),
    ("another vintage", spec(BIG), spec(BIG, vintage={"load_type": "DAILY", "load_id": 1})),
]


@pytest.mark.parametrize(("why", "a", "b"), DIFFERENT, ids=[c[0] for c in DIFFERENT])
def test_different_queries_get_different_keys(
    why: str, a: dict[str, Any], b: dict[str, Any]
) -> None:
    assert key_of(a) != key_of(b), why


def test_row_filters_are_part_of_the_key() -> None:
    def only(region: str) -> dict[str, list[exp.Expr]]:
        return {"global_sales": [exp.column("region").isin(exp.Literal.string(region))]}

    assert key_of(spec(BIG), rls=only("North")) != key_of(spec(BIG), rls=only("South"))


def test_a_new_data_version_is_another_key() -> None:
    assert key_of(spec(BIG), ("v1",)) != key_of(spec(BIG), ("v2",))


def test_the_executed_sql_keeps_the_spec_order() -> None:
    compiled = compile_query(QuerySpec.model_validate(spec(SOUTH_NORTH)), context())
    before = _render(compiled.tree)
    result_key(compiled.tree, ("v1",), scope="duckdb")
    assert _render(compiled.tree) == before
    assert "('South', 'North')" in before
