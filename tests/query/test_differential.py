"""Differential tests: the compiled SQL returns the same rows as hand-written SQL.

The hand-written side is deliberately naive: joins first, every filter after, and text
matching through DuckDB's own `contains`/`starts_with`/`suffix` functions rather than LIKE,
so an escaping or pushdown mistake in the compiler cannot hide in both.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pytest
from sqlglot import exp

from backend.query.compiler import compile_query
from backend.query.render import render
from backend.query.spec import QuerySpec
from tests.query.catalog import context


def cond(column: str, operator: str, value: Any = None) -> dict[str, Any]:
    return {"column": column, "operator": operator, "value": value}


def where(*conditions: dict[str, Any], op: str = "and", negate: bool = False) -> dict[str, Any]:
    return {"op": op, "negate": negate, "conditions": list(conditions)}


def sales(columns: list[str], *conditions: dict[str, Any], **spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"dataset": "global_sales", "columns": columns, "page_size": 1000}
    if conditions:
        base["filters"] = where(*conditions)
    return {**base, **spec}


GS = "global_sales"
ER_ON = [{"left": "global_sales.employee_id", "right": "employee_roster.employee_id"}]
PR_ON = [{"left": "global_sales.product_id", "right": "products.product_id"}]


def joined(
    join_type: str,
    columns: list[str],
    filters: dict[str, Any] | None = None,
    dataset: str = "employee_roster",
    on: list[dict[str, str]] = ER_ON,
    **spec: Any,
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "dataset": GS,
        "joins": [{"dataset": dataset, "type": join_type, "on": on}],
        "columns": columns,
        "page_size": 1000,
    }
    if filters:
        base["filters"] = filters
    return {**base, **spec}


JOIN_ER = "FROM global_sales g {kind} JOIN employee_roster e ON g.employee_id = e.employee_id"
JOIN_PR = "FROM global_sales g {kind} JOIN products p ON g.product_id = p.product_id"

CASES: dict[str, tuple[dict[str, Any], str]] = {
    # ---- one dataset, every operator --------------------------------------------------
    "eq": (
        sales(["order_id"], cond("region", "=", "North")),
        "SELECT order_id FROM global_sales WHERE region = 'North'",
    ),
    "ne_drops_nulls": (
        sales(["order_id"], cond("channel", "!=", "Web")),
        "SELECT order_id FROM global_sales WHERE channel <> 'Web'",
    ),
    "lt_gt_le_ge": (
        sales(
            ["order_id"],
            cond("quantity", "<", 8),
            cond("quantity", ">", "1"),
            cond("revenue", "<=", "150.5"),
            cond("discount", ">=", 0.05),
        ),
        "SELECT order_id FROM global_sales WHERE quantity < 8 AND quantity > 1 "
        "AND revenue <= 150.5 AND discount >= 0.05",
    ),
    "contains_wildcards_literally": (
        sales(["order_id", "channel"], cond("channel", "contains", "0%_O")),
        "SELECT order_id, channel FROM global_sales WHERE contains(lower(channel), lower('0%_O'))",
    ),
    "contains_percent_alone": (
        sales(["order_id"], cond("channel", "contains", "%")),
        "SELECT order_id FROM global_sales WHERE contains(channel, '%')",
    ),
    "contains_quote": (
        sales(["order_id"], cond("channel", "contains", "o'b")),
        "SELECT order_id FROM global_sales WHERE contains(lower(channel), 'o''b')",
    ),
    "starts_with": (
        sales(["order_id"], cond("channel", "starts_with", "50%")),
        "SELECT order_id FROM global_sales WHERE starts_with(channel, '50%')",
    ),
    "ends_with_case_insensitive": (
        sales(["order_id"], cond("channel", "ends_with", "_OFF")),
        "SELECT order_id FROM global_sales WHERE suffix(lower(channel), '_off')",
    ),
    "contains_unicode": (
        sales(["order_id"], cond("country", "contains", "本")),
        "SELECT order_id FROM global_sales WHERE contains(country, '本')",
    ),
    "injection_text_matches_nothing": (
        sales(
            ["order_id"],
            cond("region", "=", "North' OR '1'='1"),
            cond("channel", "contains", "'; DROP TABLE global_sales; --"),
        ),
        "SELECT order_id FROM global_sales WHERE false",
    ),
    "very_long_value": (
        sales(["order_id"], cond("channel", "contains", "x" * 20_000)),
        "SELECT order_id FROM global_sales WHERE false",
    ),
    "in_list": (
        sales(["order_id"], cond("region", "in", ["North", "East"])),
        "SELECT order_id FROM global_sales WHERE region IN ('North', 'East')",
    ),
    "in_comma_string_with_quoted_item": (
        sales(["order_id"], cond("channel", "in", "\"O'Brien's\", 50%_off ,Web")),
        "SELECT order_id FROM global_sales WHERE channel IN ('O''Brien''s', '50%_off', 'Web')",
    ),
    "not_in_drops_nulls": (
        sales(["order_id"], cond("region", "not_in", "North,South")),
        "SELECT order_id FROM global_sales WHERE region NOT IN ('North', 'South')",
    ),
    "between_dates_inclusive": (
        sales(["order_id"], cond("order_date", "between", ["2023-02-01", "2023-06-30"])),
        "SELECT order_id FROM global_sales "
        "WHERE order_date >= DATE '2023-02-01' AND order_date <= DATE '2023-06-30'",
    ),
    "timestamp_compare": (
        sales(["order_id"], cond("created_at", ">=", "2024-01-20T12:30")),
        "SELECT order_id FROM global_sales WHERE created_at >= TIMESTAMP '2024-01-20 12:30:00'",
    ),
    "is_null_and_is_not_null": (
        sales(["order_id"], cond("region", "is_null"), cond("employee_id", "is_not_null")),
        "SELECT order_id FROM global_sales WHERE region IS NULL AND employee_id IS NOT NULL",
    ),
    "boolean": (
        sales(["order_id"], cond("is_return", "=", "false")),
        "SELECT order_id FROM global_sales WHERE is_return = false",
    ),
    "or_and_negated_groups": (
        sales(
            ["order_id"],
            cond("quantity", ">", 1),
            where(cond("region", "=", "North"), cond("channel", "=", "Web"), op="or"),
            where(cond("department", "=", "Toys"), cond("is_return", "=", True), negate=True),
        ),
        "SELECT order_id FROM global_sales WHERE quantity > 1 "
        "AND (region = 'North' OR channel = 'Web') AND NOT (department = 'Toys' AND is_return)",
    ),
    "default_columns": (
        {"dataset": "products", "page_size": 1000},
        "SELECT product_id, product_name, category, subcategory, list_price FROM products",
    ),
    # ---- vintage and row-level security -----------------------------------------------
    "vintage": (
        sales(["order_id"], vintage={"load_type": "MONTH_END", "load_id": "202402"}),
        "SELECT order_id FROM global_sales WHERE load_type = 'MONTH_END' AND load_id = 202402",
    ),
    # ---- aggregation ------------------------------------------------------------------
    "group_by_every_measure": (
        {
            "dataset": GS,
            "group_by": ["region", "channel"],
            "page_size": 1000,
            "measures": [
                {"agg": "sum", "column": "revenue", "alias": "rev"},
                {"agg": "avg", "column": "discount", "alias": "disc"},
                {"agg": "min", "column": "order_date", "alias": "first"},
                {"agg": "max", "column": "quantity", "alias": "most"},
                {"agg": "count", "alias": "n"},
                {"agg": "count", "column": "region", "alias": "n_region"},
                {"agg": "count_distinct", "column": "employee_id", "alias": "sellers"},
            ],
        },
        "SELECT region, channel, sum(revenue), avg(discount), min(order_date), max(quantity), "
        "count(*), count(region), count(DISTINCT employee_id) FROM global_sales GROUP BY ALL",
    ),
    "total_row": (
        {"dataset": GS, "measures": [{"agg": "sum", "column": "quantity", "alias": "q"}]},
        "SELECT sum(quantity) FROM global_sales",
    ),
    "having_and_where": (
        {
            "dataset": GS,
            "group_by": ["department"],
            "page_size": 1000,
            "measures": [{"agg": "count", "alias": "n"}],
            "filters": where(
                cond("n", ">=", 8),
                cond("quantity", ">", 1),
                where(cond("department", "=", "Toys"), cond("n", "<", 12), op="or"),
            ),
        },
        "SELECT department, count(*) AS n FROM global_sales WHERE quantity > 1 "
        "GROUP BY department HAVING n >= 8 AND (department = 'Toys' OR n < 12)",
    ),
    "calculated_everywhere": (
        {
            "dataset": GS,
            "page_size": 1000,
            "calculated": [
                {"name": "net", "expr": "revenue * (1 - coalesce(discount, 0))"},
                {"name": "month", "expr": "date_trunc('month', order_date)"},
                {"name": "big", "expr": "CASE WHEN quantity >= 5 THEN 'yes' ELSE 'no' END"},
            ],
            "group_by": ["month", "big"],
            "measures": [
                {"agg": "sum", "column": "net", "alias": "net_total"},
                {"agg": "max", "expr": "year(order_date) * 100 + month(order_date)", "alias": "ym"},
            ],
            "filters": where(cond("net", ">", 10), cond("month", ">=", "2023-03-01")),
        },
        "SELECT date_trunc('month', order_date) AS m, "
        "CASE WHEN quantity >= 5 THEN 'yes' ELSE 'no' END AS b, "
        "sum(revenue * (1 - coalesce(discount, 0))), "
        "max(year(order_date) * 100 + month(order_date)) FROM global_sales "
        "WHERE revenue * (1 - coalesce(discount, 0)) > 10 "
        "AND date_trunc('month', order_date) >= DATE '2023-03-01' GROUP BY m, b",
    ),
    "calculated_text": (
        {
            "dataset": "employee_roster",
            "page_size": 1000,
            "calculated": [{"name": "tag", "expr": "concat(upper(trim(name)), '/', length(name))"}],
            "columns": ["employee_id", "tag"],
            "filters": where(cond("tag", "contains", "%")),
        },
        "SELECT employee_id, upper(trim(name)) || '/' || length(name) FROM employee_roster "
        "WHERE contains(upper(trim(name)) || '/' || length(name), '%')",
    ),
    # ---- joins: every type, filters on each side and across ----------------------------
    "inner_filters_both_sides": (
        joined(
            "inner",
            ["order_id", "name"],
            where(cond("quantity", ">", 1), cond("employee_roster.region", "=", "North")),
        ),
        f"SELECT order_id, name {JOIN_ER.format(kind='INNER')} "
        "WHERE g.quantity > 1 AND e.region = 'North'",
    ),
    "left_filter_on_preserved_side": (
        joined("left", ["order_id", "name"], where(cond("quantity", ">", 2))),
        f"SELECT order_id, name {JOIN_ER.format(kind='LEFT')} WHERE g.quantity > 2",
    ),
    "left_filter_on_null_supplying_side": (
        joined(
            "left",
            ["order_id", "name"],
            where(cond("employee_roster.region", "!=", "North"), cond("quantity", ">", 1)),
        ),
        f"SELECT order_id, name {JOIN_ER.format(kind='LEFT')} "
        "WHERE e.region <> 'North' AND g.quantity > 1",
    ),
    "left_anti_join_by_is_null": (
        joined("left", ["order_id", "global_sales.employee_id"], where(cond("name", "is_null"))),
        f"SELECT order_id, g.employee_id {JOIN_ER.format(kind='LEFT')} WHERE e.name IS NULL",
    ),
    "right_filters_both_sides": (
        joined(
            "right",
            ["order_id", "name"],
            where(cond("channel", "=", "Web"), cond("hire_date", ">", "2016-01-01")),
        ),
        f"SELECT order_id, name {JOIN_ER.format(kind='RIGHT')} "
        "WHERE g.channel = 'Web' AND e.hire_date > DATE '2016-01-01'",
    ),
    "right_keeps_unmatched": (
        joined("right", ["order_id", "name"], where(cond("hire_date", ">", "2016-01-01"))),
        f"SELECT order_id, name {JOIN_ER.format(kind='RIGHT')} "
        "WHERE e.hire_date > DATE '2016-01-01'",
    ),
    "full_filters_both_sides": (
        joined(
            "full",
            ["order_id", "product_name"],
            where(cond("quantity", ">=", 2), cond("category", "!=", "Garden")),
            dataset="products",
            on=PR_ON,
        ),
        f"SELECT order_id, product_name {JOIN_PR.format(kind='FULL')} "
        "WHERE g.quantity >= 2 AND p.category <> 'Garden'",
    ),
    "full_is_null_both_sides": (
        joined(
            "full",
            ["order_id", "product_name"],
            where(cond("order_id", "is_null"), cond("product_name", "is_null"), op="or"),
            dataset="products",
            on=PR_ON,
        ),
        f"SELECT order_id, product_name {JOIN_PR.format(kind='FULL')} "
        "WHERE g.order_id IS NULL OR p.product_name IS NULL",
    ),
    "inner_filter_across_sides": (
        joined(
            "inner",
            ["order_id", "name"],
            where(
                cond("global_sales.region", "=", "North"),
                cond("employee_roster.region", "=", "South"),
                op="or",
            ),
        ),
        f"SELECT order_id, name {JOIN_ER.format(kind='INNER')} "
        "WHERE g.region = 'North' OR e.region = 'South'",
    ),
    "left_calculated_across_sides": (
        joined(
            "left",
            ["order_id", "same"],
            where(cond("same", "=", True)),
            calculated=[{"name": "same", "expr": "global_sales.region = employee_roster.region"}],
        ),
        f"SELECT order_id, g.region = e.region {JOIN_ER.format(kind='LEFT')} "
        "WHERE g.region = e.region",
    ),
    "three_way_grouped": (
        {
            "dataset": GS,
            "page_size": 1000,
            "joins": [
                {"dataset": "employee_roster", "on": ER_ON},
                {"dataset": "products", "type": "left", "on": PR_ON},
            ],
            "group_by": ["employee_roster.department", "category"],
            "measures": [
                {"agg": "sum", "column": "revenue", "alias": "rev"},
                {"agg": "count", "alias": "n"},
            ],
            "filters": where(
                cond("global_sales.region", "in", ["North", "South", "East"]),
                cond("category", "!=", "Garden"),
                where(cond("name", "starts_with", "a"), cond("list_price", ">", 10), op="or"),
                cond("n", ">", 1),
            ),
        },
        "SELECT e.department, p.category, sum(g.revenue), count(*) "
        "FROM global_sales g JOIN employee_roster e ON g.employee_id = e.employee_id "
        "LEFT JOIN products p ON g.product_id = p.product_id "
        "WHERE g.region IN ('North', 'South', 'East') AND p.category <> 'Garden' "
        "AND (starts_with(lower(e.name), 'a') OR p.list_price > 10) "
        "GROUP BY e.department, p.category HAVING count(*) > 1",
    ),
    "three_way_left_then_right": (
        {
            "dataset": GS,
            "page_size": 1000,
            "joins": [
                {"dataset": "products", "type": "left", "on": PR_ON},
                {"dataset": "employee_roster", "type": "right", "on": ER_ON},
            ],
            "columns": ["order_id", "product_name", "name"],
            "filters": where(
                cond("quantity", ">", 1),
                cond("category", "=", "Hardware"),
                cond("employee_roster.department", "=", "Toys"),
            ),
        },
        "SELECT order_id, product_name, name FROM global_sales g "
        "LEFT JOIN products p ON g.product_id = p.product_id "
        "RIGHT JOIN employee_roster e ON g.employee_id = e.employee_id "
        "WHERE g.quantity > 1 AND p.category = 'Hardware' AND e.department = 'Toys'",
    ),
    "self_join": (
        {
            "dataset": "employee_roster",
            "page_size": 1000,
            "joins": [
                {
                    "dataset": "employee_roster",
                    "alias": "boss",
                    "type": "left",
                    "on": [{"left": "manager_id", "right": "employee_id"}],
                }
            ],
            "columns": ["employee_roster.name", "boss.name"],
            "filters": where(
                cond("boss.region", "is_not_null"), cond("employee_roster.region", "=", "North")
            ),
        },
        "SELECT e.name, b.name FROM employee_roster e LEFT JOIN employee_roster b "
        "ON e.manager_id = b.employee_id WHERE b.region IS NOT NULL AND e.region = 'North'",
    ),
    # ---- top N: the first N rows of the sorted result ------------------------------------
    "top_n_groups": (
        {
            "dataset": GS,
            "group_by": ["country"],
            "measures": [{"agg": "sum", "column": "revenue", "alias": "total_revenue"}],
            "sort": [{"column": "total_revenue", "direction": "desc"}],
            "limit": 3,
            "page_size": 1000,
        },
        "SELECT country, SUM(revenue) FROM global_sales GROUP BY country "
        "ORDER BY 2 DESC NULLS FIRST, country ASC NULLS LAST LIMIT 3",
    ),
    "top_n_rows": (
        sales(["order_id", "revenue"], sort=[{"column": "revenue", "direction": "desc"}], limit=4),
        "SELECT order_id, revenue FROM global_sales "
        "ORDER BY revenue DESC NULLS FIRST, order_id ASC NULLS LAST LIMIT 4",
    ),
    "bottom_n_filtered_groups": (
        {
            "dataset": GS,
            "group_by": ["channel"],
            "measures": [{"agg": "count", "alias": "orders"}],
            "filters": where(cond("region", "!=", "North")),
            "sort": [{"column": "orders", "direction": "asc"}],
            "limit": 2,
            "page_size": 1000,
        },
        "SELECT channel, COUNT(*) FROM global_sales WHERE region <> 'North' GROUP BY channel "
        "ORDER BY 2 ASC NULLS LAST, channel ASC NULLS LAST LIMIT 2",
    ),
}


def normalized(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    def cell(value: Any) -> Any:
        return round(value, 9) if isinstance(value, float) and math.isfinite(value) else value

    return sorted((tuple(cell(v) for v in row) for row in rows), key=repr)


@pytest.mark.parametrize("case", sorted(CASES))
def test_compiled_rows_equal_hand_written_rows(
    case: str, warehouse: duckdb.DuckDBPyConnection
) -> None:
    spec, expected_sql = CASES[case]
    compiled = compile_query(QuerySpec.model_validate(spec), context())
    got = warehouse.execute(render(compiled.tree, "duckdb")).fetchall()
    expected = warehouse.execute(expected_sql).fetchall()
    assert normalized(got) == normalized(expected)
    if case not in ("injection_text_matches_nothing", "very_long_value"):
        assert got, "a differential case that returns no rows proves little"


@pytest.mark.parametrize("case", sorted(CASES))
def test_count_query_counts_unpaged_rows(case: str, warehouse: duckdb.DuckDBPyConnection) -> None:
    spec, expected_sql = CASES[case]
    compiled = compile_query(QuerySpec.model_validate(spec), context())
    (count,) = warehouse.execute(render(compiled.count, "duckdb")).fetchone() or (None,)
    assert count == len(warehouse.execute(expected_sql).fetchall())


@pytest.mark.parametrize("case", [c for c in sorted(CASES) if CASES[c][0].get("joins")])
def test_join_order_from_estimates_keeps_rows(
    case: str, warehouse: duckdb.DuckDBPyConnection
) -> None:
    spec, expected_sql = CASES[case]
    sizes = {"global_sales": 900, "employee_roster": 50, "products": 10, "boss": 5}
    ctx = context(estimate_rows=lambda alias, _cte: sizes.get(alias, 100))
    compiled = compile_query(QuerySpec.model_validate(spec), ctx)
    got = warehouse.execute(render(compiled.tree, "duckdb")).fetchall()
    assert normalized(got) == normalized(warehouse.execute(expected_sql).fetchall())


def test_rls_predicate_limits_rows_of_base_and_joined_dataset(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    spec = joined("left", ["order_id", "name"])
    rls = {
        "global_sales": [exp.column("region").isin("North", "South")],
        "employee_roster": [exp.column("department").eq(exp.Literal.string("Toys"))],
    }
    compiled = compile_query(QuerySpec.model_validate(spec), context(rls=rls))
    got = warehouse.execute(render(compiled.tree, "duckdb")).fetchall()
    expected = warehouse.execute(
        "SELECT order_id, name "
        "FROM (SELECT * FROM global_sales WHERE region IN ('North', 'South')) g "
        "LEFT JOIN (SELECT * FROM employee_roster WHERE department = 'Toys') e "
        "ON g.employee_id = e.employee_id"
    ).fetchall()
    assert normalized(got) == normalized(expected) and got


def test_pages_cover_the_result_exactly_once(warehouse: duckdb.DuckDBPyConnection) -> None:
    spec = {
        "dataset": GS,
        "columns": ["region", "channel"],
        "sort": [{"column": "region"}],
        "page_size": 7,
    }
    everything = warehouse.execute(
        render(compile_query(QuerySpec.model_validate(spec), context()).unpaged, "duckdb")
    ).fetchall()
    pages: list[tuple[Any, ...]] = []
    for page in range(1, len(everything) // 7 + 2):
        compiled = compile_query(QuerySpec.model_validate({**spec, "page": page}), context())
        pages += warehouse.execute(render(compiled.tree, "duckdb")).fetchall()
    assert pages == everything
    assert len(everything) == 120


def test_descending_sort_puts_nulls_first_and_ascending_last(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    for direction, first_is_null in (("desc", True), ("asc", False)):
        spec = {
            "dataset": GS,
            "columns": ["region", "order_id"],
            "sort": [{"column": "region", "direction": direction}],
            "page_size": 1,
        }
        compiled = compile_query(QuerySpec.model_validate(spec), context())
        ((region, _),) = warehouse.execute(render(compiled.tree, "duckdb")).fetchall()
        assert (region is None) is first_is_null
