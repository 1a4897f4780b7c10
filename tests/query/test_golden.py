"""Spec -> SQL for duckdb, postgres and oracle, pinned in golden files.

Regenerate after an intended change with `AURORA_UPDATE_GOLDEN=1 pytest tests/query`, then
read the diff. Every case must also run on DuckDB, and its Oracle text must parse back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from backend.query.compiler import compile_query
from backend.query.render import render
from backend.query.spec import QuerySpec, Vintage
from tests.query.catalog import context

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("AURORA_UPDATE_GOLDEN") == "1"
DIALECTS = ("duckdb", "postgres", "oracle")


def cond(column: str, operator: str, value: Any = None) -> dict[str, Any]:
    return {"column": column, "operator": operator, "value": value}


def where(*conditions: dict[str, Any], op: str = "and", negate: bool = False) -> dict[str, Any]:
    return {"op": op, "negate": negate, "conditions": list(conditions)}


SALES_ON_EMPLOYEE = [{"left": "global_sales.employee_id", "right": "employee_roster.employee_id"}]
SALES_ON_PRODUCT = [{"left": "global_sales.product_id", "right": "products.product_id"}]

# name -> (spec, extra context)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "detail_all_columns": ({"dataset": "products"}, {}),
    "detail_selected_columns": ({"dataset": "global_sales", "columns": ["order_id", "region"]}, {}),
    "op_eq_ne": (
        {
            "dataset": "global_sales",
            "columns": ["order_id"],
            "filters": where(cond("region", "=", "North"), cond("channel", "!=", "Web")),
        },
        {},
    ),
    "op_lt_gt_le_ge": (
        {
            "dataset": "global_sales",
            "columns": ["order_id"],
            "filters": where(
                cond("quantity", "<", 5),
                cond("quantity", ">", "1"),
                cond("revenue", "<=", "1234.50"),
                cond("discount", ">=", 0.05),
            ),
        },
        {},
    ),
    "op_text_matching": (
        {
            "dataset": "global_sales",
            "columns": ["order_id", "channel"],
            "filters": where(
                cond("channel", "contains", "50%_"),
                cond("country", "starts_with", "Ís"),
                cond("region", "ends_with", "th\\"),
            ),
        },
        {},
    ),
    "op_in_not_in": (
        {
            "dataset": "global_sales",
            "columns": ["order_id"],
            "filters": where(
                cond("region", "in", ["North", "South"]),
                cond("channel", "not_in", '"50%_off, really", Web'),
                cond("product_id", "in", "1, 2,3"),
            ),
        },
        {},
    ),
    "op_between_dates": (
        {
            "dataset": "global_sales",
            "columns": ["order_id", "order_date"],
            "filters": where(
                cond("order_date", "between", ["2023-01-01", "2023-03-31"]),
                cond("created_at", ">=", "2024-01-15 08:30:00"),
            ),
        },
        {},
    ),
    "op_null_checks": (
        {
            "dataset": "global_sales",
            "columns": ["order_id"],
            "filters": where(cond("region", "is_null"), cond("employee_id", "is_not_null", 5)),
        },
        {},
    ),
    "op_boolean": (
        {
            "dataset": "global_sales",
            "columns": ["order_id", "is_return"],
            "filters": where(cond("is_return", "=", "true")),
        },
        {},
    ),
    "literal_quotes_and_injection": (
        {
            "dataset": "global_sales",
            "columns": ["order_id"],
            "filters": where(cond("channel", "=", "O'Brien's; DROP TABLE x --")),
        },
        {},
    ),
    "group_or_negated": (
        {
            "dataset": "global_sales",
            "columns": ["order_id"],
            "filters": where(
                cond("quantity", ">", 1),
                where(cond("region", "=", "North"), cond("region", "=", "South"), op="or"),
                where(cond("channel", "=", "Web"), cond("is_return", "=", True), negate=True),
            ),
        },
        {},
    ),
    "aggregate_group_by": (
        {
            "dataset": "global_sales",
            "group_by": ["region", "channel"],
            "measures": [
                {"agg": "sum", "column": "revenue", "alias": "total_revenue"},
                {"agg": "avg", "column": "discount", "alias": "avg_discount"},
                {"agg": "min", "column": "order_date", "alias": "first_order"},
                {"agg": "max", "column": "quantity", "alias": "max_quantity"},
                {"agg": "count", "alias": "orders"},
                {"agg": "count_distinct", "column": "employee_id", "alias": "sellers"},
            ],
        },
        {},
    ),
    "aggregate_total_row": (
        {"dataset": "global_sales", "measures": [{"agg": "count", "alias": "n"}]},
        {},
    ),
    "aggregate_having": (
        {
            "dataset": "global_sales",
            "group_by": ["region"],
            "measures": [{"agg": "sum", "column": "quantity", "alias": "units"}],
            "filters": where(
                cond("units", ">", 10),
                cond("channel", "=", "Web"),
                where(cond("region", "=", "North"), cond("units", "<", 100), op="or"),
            ),
            "sort": [{"column": "units", "direction": "desc"}],
        },
        {},
    ),
    "aggregate_measure_expr": (
        {
            "dataset": "global_sales",
            "group_by": ["department"],
            "measures": [
                {"agg": "sum", "expr": "revenue * (1 - coalesce(discount, 0))", "alias": "net"}
            ],
        },
        {},
    ),
    "calculated_fields": (
        {
            "dataset": "global_sales",
            "calculated": [
                {"name": "margin", "expr": "revenue - cost"},
                {"name": "margin_pct", "expr": "round(margin / nullif(revenue, 0) * 100, 1)"},
                {"name": "order_month", "expr": "date_trunc('month', order_date)"},
                {"name": "label", "expr": "concat(upper(region), '-', lower(channel))"},
                {
                    "name": "size",
                    "expr": "CASE WHEN quantity >= 5 THEN 'big' WHEN quantity IS NULL "
                    "THEN 'unknown' ELSE 'small' END",
                },
            ],
            "columns": ["order_id", "margin", "margin_pct", "order_month", "label", "size"],
            "filters": where(cond("margin", ">", 0), cond("order_month", ">=", "2023-06-01")),
        },
        {},
    ),
    "calculated_group_by": (
        {
            "dataset": "global_sales",
            "calculated": [{"name": "order_year", "expr": "year(order_date)"}],
            "group_by": ["order_year"],
            "measures": [{"agg": "sum", "column": "revenue", "alias": "revenue_sum"}],
            "sort": [{"column": "order_year", "direction": "desc"}],
        },
        {},
    ),
    # Oracle before 23ai has no boolean values: each comparison standing as a value renders
    # as CASE WHEN c THEN 1 WHEN NOT (c) THEN 0 END; conditions stay conditions.
    "boolean_values_selected_filtered_sorted": (
        {
            "dataset": "global_sales",
            "calculated": [
                {"name": "big", "expr": "revenue > 100"},
                {"name": "agrees", "expr": "big = (quantity > 5 OR discount IS NULL)"},
                {"name": "size", "expr": "CASE WHEN big THEN 'big' ELSE 'small' END"},
            ],
            "columns": ["order_id", "big", "agrees", "size"],
            "filters": where(cond("big", "=", True), cond("agrees", "is_not_null")),
            "sort": [{"column": "big", "direction": "desc"}],
        },
        {},
    ),
    "boolean_values_grouped_and_measured": (
        {
            "dataset": "global_sales",
            "calculated": [{"name": "big", "expr": "revenue > 100"}],
            "group_by": ["big"],
            "measures": [
                {"agg": "count_distinct", "expr": "quantity > 5", "alias": "kinds"},
                {"agg": "count", "column": "big", "alias": "known"},
                {"agg": "count", "alias": "n", "where": cond("big", "=", False)},
            ],
            "filters": where(cond("n", ">", 1)),
        },
        {},
    ),
    "sort_with_tie_breakers": (
        {
            "dataset": "global_sales",
            "columns": ["region", "order_id", "revenue"],
            "sort": [{"column": "revenue", "direction": "desc"}, {"column": "region"}],
        },
        {},
    ),
    "default_sort_from_dataset": (
        {"dataset": "products", "columns": ["category", "product_id"]},
        {},
    ),
    "pagination_deep_page": (
        {"dataset": "global_sales", "columns": ["order_id"], "page": 7, "page_size": 25},
        {},
    ),
    # Top N: the LIMIT (FETCH FIRST on Oracle) inside, the page outside.
    "top_n_groups": (
        {
            "dataset": "global_sales",
            "group_by": ["country"],
            "measures": [{"agg": "sum", "column": "revenue", "alias": "total_revenue"}],
            "sort": [{"column": "total_revenue", "direction": "desc"}],
            "limit": 5,
        },
        {},
    ),
    "top_n_rows_second_page": (
        {
            "dataset": "global_sales",
            "columns": ["order_id", "revenue"],
            "sort": [{"column": "revenue", "direction": "desc"}],
            "limit": 7,
            "page": 2,
            "page_size": 5,
        },
        {},
    ),
    "top_n_groups_with_totals": (
        {
            "dataset": "global_sales",
            "group_by": ["region", "channel"],
            "measures": [{"agg": "sum", "column": "revenue", "alias": "total_revenue"}],
            "sort": [{"column": "total_revenue", "direction": "asc"}],
            "limit": 3,
            "totals": "grand",
        },
        {},
    ),
    "vintage_from_spec": (
        {
            "dataset": "global_sales",
            "vintage": {"load_type": "MONTH_END", "load_id": "202402"},
            "columns": ["order_id"],
        },
        {},
    ),
    "vintage_default": (
        {"dataset": "global_sales", "columns": ["order_id"]},
        {"default_vintage": {"global_sales": Vintage(load_type="DAILY", load_id=202403)}},
    ),
    "rls_predicates": (
        {
            "dataset": "global_sales",
            "columns": ["order_id", "region"],
            "filters": where(cond("quantity", ">", 1)),
        },
        {"rls": {"global_sales": [exp.column("region").isin("North", "East")]}},
    ),
    "rls_no_rows_for_user_without_attribute": (
        {"dataset": "global_sales", "columns": ["order_id"]},
        {"rls": {"global_sales": [exp.false()]}},
    ),
    "join_inner_pushdown": (
        {
            "dataset": "global_sales",
            "joins": [{"dataset": "employee_roster", "on": SALES_ON_EMPLOYEE}],
            "columns": ["order_id", "name", "global_sales.region"],
            "filters": where(
                cond("quantity", ">", 1),
                cond("name", "starts_with", "A"),
                cond("global_sales.region", "=", "North"),
            ),
        },
        {},
    ),
    "join_left_keeps_null_side_above": (
        {
            "dataset": "global_sales",
            "joins": [{"dataset": "employee_roster", "type": "left", "on": SALES_ON_EMPLOYEE}],
            "columns": ["order_id", "name"],
            "filters": where(cond("quantity", ">", 1), cond("name", "is_null")),
        },
        {},
    ),
    "join_right": (
        {
            "dataset": "global_sales",
            "joins": [{"dataset": "employee_roster", "type": "right", "on": SALES_ON_EMPLOYEE}],
            "columns": ["order_id", "name"],
            "filters": where(
                cond("quantity", ">", 1), cond("employee_roster.region", "=", "North")
            ),
        },
        {},
    ),
    "join_full": (
        {
            "dataset": "global_sales",
            "joins": [{"dataset": "products", "type": "full", "on": SALES_ON_PRODUCT}],
            "columns": ["order_id", "product_name"],
            "filters": where(cond("quantity", ">", 1), cond("category", "=", "Media")),
        },
        {},
    ),
    "join_default_columns_qualified_on_collision": (
        {
            "dataset": "products",
            "joins": [
                {
                    "dataset": "global_sales",
                    "type": "left",
                    "on": [{"left": "product_id", "right": "product_id"}],
                }
            ],
            "page_size": 10,
        },
        {},
    ),
    "join_three_way_grouped": (
        {
            "dataset": "global_sales",
            "joins": [
                {"dataset": "employee_roster", "on": SALES_ON_EMPLOYEE},
                {"dataset": "products", "type": "left", "on": SALES_ON_PRODUCT},
            ],
            "group_by": ["employee_roster.department", "category"],
            "measures": [{"agg": "sum", "column": "revenue", "alias": "revenue"}],
            "filters": where(
                cond("global_sales.region", "in", ["North", "South"]),
                cond("category", "!=", "Garden"),
                where(cond("name", "=", "Ann"), cond("list_price", ">", 10), op="or"),
            ),
        },
        {},
    ),
    "join_self_auto_alias": (
        {
            "dataset": "employee_roster",
            "joins": [
                {
                    "dataset": "employee_roster",
                    "on": [{"left": "manager_id", "right": "employee_id"}],
                }
            ],
            "columns": ["employee_roster.name", "employee_roster_2.name"],
        },
        {},
    ),
    "join_reordered_by_estimate": (
        {
            "dataset": "global_sales",
            "joins": [
                {"dataset": "employee_roster", "on": SALES_ON_EMPLOYEE},
                {"dataset": "products", "on": SALES_ON_PRODUCT},
            ],
            "columns": ["order_id", "name", "product_name"],
        },
        {
            "estimate_rows": lambda alias, _cte: {
                "global_sales": 1_000_000,
                "employee_roster": 5_000,
                "products": 2_000,
            }[alias]
        },
    ),
}


def _path(case: str, dialect: str) -> Path:
    return GOLDEN / f"{case}.{dialect}.sql"


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("dialect", DIALECTS)
def test_compiled_sql_matches_golden_file(case: str, dialect: str) -> None:
    spec, extra = CASES[case]
    compiled = compile_query(QuerySpec.model_validate(spec), context(**extra))
    sql = render(compiled.tree, dialect, pretty=True) + "\n"
    path = _path(case, dialect)
    if UPDATE:
        path.write_text(sql)
    assert path.exists(), f"no {path.name}: run with AURORA_UPDATE_GOLDEN=1 and review it"
    assert sql == path.read_text()


@pytest.mark.parametrize("case", sorted(CASES))
def test_oracle_golden_sql_parses_back(case: str) -> None:
    sql = _path(case, "oracle").read_text()
    tree = sqlglot.parse_one(sql, read="oracle")
    assert isinstance(tree, exp.Select)
    assert tree.sql("oracle", identify=True, pretty=True) + "\n" == sql


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_duckdb_sql_runs(case: str, warehouse: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(_path(case, "duckdb").read_text()).fetchall()
