"""The tree rewrite on its own (no database): which compiled queries a materialization
covers, and that the rewritten tree keeps everything but the FROM part."""

from __future__ import annotations

from typing import Any

import pytest
from sqlglot import exp

from backend.materialize.rewrite import rewrite
from backend.query.context import CompiledQuery
from tests.materialize.catalog import ON_EMPLOYEE, compiled, materialization, sales_roster

TARGET = exp.table_("sales_roster_build")
ROSTER = [{"dataset": "employee_roster", "on": ON_EMPLOYEE}]
LEFT_ROSTER = [{"dataset": "employee_roster", "type": "left", "on": ON_EMPLOYEE}]


def spec(**parts: Any) -> dict[str, Any]:
    return {"dataset": "global_sales", "joins": ROSTER, **parts}


def cond(column: str, operator: str, value: Any = None) -> dict[str, Any]:
    return {"column": column, "operator": operator, "value": value}


def region_rls(dataset: str, region: str = "North") -> dict[str, list[exp.Expr]]:
    return {dataset: [exp.column("region").isin(exp.Literal.string(region))]}


COVERED: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("detail", spec(columns=["order_id", "name", "employee_roster.region"]), {}),
    (
        "filters on each side and across",
        spec(
            columns=["order_id", "revenue"],
            filters={
                "op": "or",
                "conditions": [
                    cond("channel", "=", "Online"),
                    cond("hire_date", ">", "2020-01-01"),
                ],
            },
        ),
        {},
    ),
    (
        "grouped, sorted, with having and totals",
        spec(
            group_by=["employee_roster.region", "channel"],
            measures=[{"column": "revenue", "agg": "sum", "alias": "total"}],
            filters={"conditions": [cond("total", ">", 10)]},
            sort=[{"column": "total", "direction": "desc"}],
            totals="rollup",
        ),
        {},
    ),
    (
        "calculated field",
        spec(
            calculated=[{"name": "late", "expr": "year(order_date) - year(hire_date)"}],
            columns=["order_id", "late"],
        ),
        {},
    ),
    ("vintage on the base", spec(columns=["order_id"], vintage={"load_type": "DAILY"}), {}),
    (
        "row security on both sides of an inner join",
        spec(columns=["order_id", "name"]),
        {"rls": {**region_rls("global_sales"), **region_rls("employee_roster", "South")}},
    ),
    ("count only", spec(measures=[{"agg": "count", "alias": "n"}]), {}),
    (
        "inner joins reordered by size",
        spec(columns=["order_id", "name"]),
        {"estimate_rows": lambda alias, _cte: 10 if alias == "employee_roster" else 1000},
    ),
]


@pytest.mark.parametrize(("why", "query", "ctx"), COVERED, ids=[c[0] for c in COVERED])
def test_a_covered_query_reads_the_materialization(
    why: str, query: dict[str, Any], ctx: dict[str, Any]
) -> None:
    q = compiled(query, **ctx)
    found = rewrite(q.tree, sales_roster(), TARGET)
    assert found is not None, why
    assert not found.args.get("joins")
    relations = {t.name for t in found.find_all(exp.Table)} - {c.alias for c in found.ctes}
    assert relations == {TARGET.name}
    assert found.named_selects == q.tree.named_selects  # output names unchanged
    assert _order_keys(found) == _order_keys(q.tree)  # the same sort, tie-breakers included


def _order_keys(tree: exp.Select) -> list[str]:
    """ORDER BY keys that name an output (the rest read columns, which the rewrite renames)."""
    order = tree.args.get("order")
    keys = order.expressions if order else []
    return [o.sql() if isinstance(o.this, exp.Column) and not o.this.table else "*" for o in keys]


def test_row_security_moves_into_the_materialized_read() -> None:
    q = compiled(spec(columns=["order_id"]), rls=region_rls("employee_roster", "South"))
    found = rewrite(q.tree, sales_roster(), TARGET)
    assert found is not None
    assert "employee_roster__region IN ('South')" in found.sql()


NOT_COVERED: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("a column it does not keep", spec(columns=["order_id", "country"]), {}, "inner"),
    (
        "a filter on a column it does not keep",
        spec(
            columns=["order_id"],
            filters={"conditions": [cond("global_sales.department", "=", "x")]},
        ),
        {},
        "inner",
    ),
    (
        "row security on a column it does not keep",
        spec(columns=["order_id"]),
        {"rls": {"global_sales": [exp.column("department").isin(exp.Literal.string("x"))]}},
        "inner",
    ),
    ("another join type", {**spec(columns=["order_id"]), "joins": LEFT_ROSTER}, {}, "inner"),
    ("an inner join of a left one", spec(columns=["order_id"]), {}, "left"),
    (
        "another join",
        {
            "dataset": "global_sales",
            "joins": [
                {"dataset": "products", "on": [{"left": "product_id", "right": "product_id"}]}
            ],
            "columns": ["order_id"],
        },
        {},
        "inner",
    ),
    ("no join", {"dataset": "global_sales", "columns": ["order_id"]}, {}, "inner"),
    (
        "row security on the left-joined side",
        {**spec(columns=["order_id"]), "joins": LEFT_ROSTER},
        {"rls": region_rls("employee_roster")},
        "left",
    ),
]


@pytest.mark.parametrize(
    ("why", "query", "ctx", "join_type"), NOT_COVERED, ids=[c[0] for c in NOT_COVERED]
)
def test_an_uncovered_query_is_left_alone(
    why: str, query: dict[str, Any], ctx: dict[str, Any], join_type: str
) -> None:
    q: CompiledQuery = compiled(query, **ctx)
    assert rewrite(q.tree, sales_roster(join_type), TARGET) is None, why


def test_row_security_on_the_preserved_side_of_a_left_join_moves() -> None:
    q = compiled(
        {**spec(columns=["order_id", "name"]), "joins": LEFT_ROSTER},
        rls=region_rls("global_sales"),
    )
    found = rewrite(q.tree, sales_roster("left"), TARGET)
    assert found is not None
    assert not found.args.get("joins")
    relations = {t.name for t in found.find_all(exp.Table)} - {c.alias for c in found.ctes}
    assert relations == {TARGET.name}
    (read,) = found.ctes  # the one read of the materialization, filtered by the base's RLS
    assert read.this.args["where"].this.sql() == "global_sales__region IN ('North')"
    assert found.named_selects == ["order_id", "name"]


def test_clashing_column_names_are_qualified_by_alias() -> None:
    layout = materialization(["global_sales.region", "employee_roster.region", "order_id"])
    assert layout.columns == {
        ("global_sales", "region"): "global_sales__region",
        ("employee_roster", "region"): "employee_roster__region",
        ("global_sales", "order_id"): "order_id",
    }
