"""The shape of the generated tree: where predicates sit, what each CTE reads, join order,
output columns, and partition pruning as DuckDB's own plan reports it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlglot import exp

from backend.errors import InvalidQuery, UnknownColumn
from backend.query.compiler import compile_query, compile_values
from backend.query.context import CompiledQuery
from backend.query.render import render
from backend.query.spec import Agg, QuerySpec, Vintage
from tests.query.catalog import context

ER_ON = [{"left": "global_sales.employee_id", "right": "employee_roster.employee_id"}]
PR_ON = [{"left": "global_sales.product_id", "right": "products.product_id"}]


def compiled(spec: dict[str, Any], **ctx: Any) -> CompiledQuery:
    return compile_query(QuerySpec.model_validate(spec), context(**ctx))


def cte(query: CompiledQuery, alias: str) -> exp.Select:
    """The CTE the outer query reads as `alias`."""
    table = next(t for t in query.tree.find_all(exp.Table) if t.alias == alias)
    found = next(c for c in query.tree.ctes if c.alias == table.name)
    assert isinstance(found.this, exp.Select)
    return found.this


def where_sql(select: exp.Select) -> str:
    clause = select.args.get("where")
    return clause.this.sql() if clause else ""


def left_join_with_filters(join_type: str = "left") -> CompiledQuery:
    return compiled(
        {
            "dataset": "global_sales",
            "joins": [{"dataset": "employee_roster", "type": join_type, "on": ER_ON}],
            "columns": ["order_id", "name"],
            "filters": {
                "conditions": [
                    {"column": "quantity", "operator": ">", "value": 1},
                    {"column": "employee_roster.region", "operator": "=", "value": "North"},
                ]
            },
        }
    )


def test_single_dataset_filter_sits_in_its_cte() -> None:
    query = compiled(
        {
            "dataset": "global_sales",
            "columns": ["order_id"],
            "filters": {"conditions": [{"column": "region", "operator": "=", "value": "N"}]},
        }
    )
    assert where_sql(cte(query, "global_sales")) == "region = 'N'"
    assert query.tree.args.get("where") is None


def test_filter_on_left_joins_null_supplying_side_stays_above_the_join() -> None:
    query = left_join_with_filters("left")
    assert where_sql(cte(query, "global_sales")) == "quantity > 1"
    assert where_sql(cte(query, "employee_roster")) == ""
    assert where_sql(query.tree) == "employee_roster.region = 'North'"


def test_inner_join_pushes_each_sides_filter_into_its_cte() -> None:
    query = left_join_with_filters("inner")
    assert where_sql(cte(query, "global_sales")) == "quantity > 1"
    assert where_sql(cte(query, "employee_roster")) == "region = 'North'"
    assert query.tree.args.get("where") is None


@pytest.mark.parametrize(
    ("join_type", "pushed"),
    [
        ("right", {"employee_roster"}),
        ("full", set()),
        ("left", {"global_sales"}),
    ],
)
def test_outer_joins_push_only_into_preserved_sides(join_type: str, pushed: set[str]) -> None:
    query = left_join_with_filters(join_type)
    assert {a for a in ("global_sales", "employee_roster") if where_sql(cte(query, a))} == pushed


def test_condition_over_two_datasets_stays_above_the_join() -> None:
    query = compiled(
        {
            "dataset": "global_sales",
            "joins": [{"dataset": "employee_roster", "on": ER_ON}],
            "columns": ["order_id"],
            "filters": {
                "op": "or",
                "conditions": [
                    {"column": "global_sales.region", "operator": "=", "value": "N"},
                    {"column": "employee_roster.region", "operator": "=", "value": "S"},
                ],
            },
        }
    )
    assert where_sql(query.tree) == "global_sales.region = 'N' OR employee_roster.region = 'S'"


def test_ctes_select_only_used_columns_never_star() -> None:
    query = compiled(
        {
            "dataset": "global_sales",
            "joins": [{"dataset": "products", "on": PR_ON}],
            "columns": ["order_id"],
            "calculated": [{"name": "margin", "expr": "revenue - cost"}],
            "filters": {
                "conditions": [
                    {"column": "margin", "operator": ">", "value": 0},
                    {"column": "category", "operator": "=", "value": "Media"},
                ]
            },
            "sort": [{"column": "order_id", "direction": "desc"}],
        }
    )
    assert [c.sql() for c in cte(query, "global_sales").expressions] == [
        "order_id",
        "product_id",
        "revenue",
        "cost",
    ]
    assert [c.sql() for c in cte(query, "products").expressions] == ["product_id", "category"]
    assert not list(query.tree.find_all(exp.Star))


def test_vintage_comes_first_then_rls_then_filters() -> None:
    query = compiled(
        {
            "dataset": "global_sales",
            "vintage": {"load_type": "DAILY", "load_id": 202401},
            "columns": ["order_id"],
            "filters": {"conditions": [{"column": "quantity", "operator": ">", "value": 1}]},
        },
        rls={"global_sales": [exp.column("region").eq(exp.Literal.string("North"))]},
    )
    assert where_sql(cte(query, "global_sales")) == (
        "load_type = 'DAILY' AND load_id = 202401 AND region = 'North' AND quantity > 1"
    )


def test_joined_dataset_gets_its_own_default_vintage() -> None:
    query = compiled(
        {
            "dataset": "products",
            "vintage": None,
            "joins": [
                {
                    "dataset": "global_sales",
                    "alias": "s",
                    "on": [{"left": "product_id", "right": "product_id"}],
                }
            ],
            "columns": ["product_name"],
        },
        default_vintage={"global_sales": Vintage(load_type="MONTH_END", load_id=202403)},
    )
    assert where_sql(cte(query, "s")) == "load_type = 'MONTH_END' AND load_id = 202403"
    assert where_sql(cte(query, "products")) == ""


def test_smallest_filtered_input_drives_inner_joins() -> None:
    seen: dict[str, str] = {}

    def estimate(alias: str, select: exp.Select) -> int:
        seen[alias] = select.sql()
        return {"global_sales": 10, "employee_roster": 5_000, "products": 2_000}[alias]

    query = compiled(
        {
            "dataset": "employee_roster",
            "joins": [
                {
                    "dataset": "global_sales",
                    "on": [{"left": "employee_id", "right": "employee_id"}],
                },
                {
                    "dataset": "products",
                    "on": [{"left": "global_sales.product_id", "right": "product_id"}],
                },
            ],
            "columns": ["name", "product_name"],
            "filters": {"conditions": [{"column": "order_id", "operator": "=", "value": 7}]},
        },
        estimate_rows=estimate,
    )
    assert query.join_order == ("global_sales", "products", "employee_roster")
    assert query.tree.args["from_"].this.alias == "global_sales"
    assert [j.this.alias for j in query.tree.args["joins"]] == ["products", "employee_roster"]
    assert "order_id = 7" in seen["global_sales"]  # the estimate saw the pushed filter


def test_outer_joins_keep_written_order_despite_estimates() -> None:
    query = compiled(
        {
            "dataset": "global_sales",
            "joins": [{"dataset": "products", "type": "left", "on": PR_ON}],
            "columns": ["order_id"],
        },
        estimate_rows=lambda alias, _c: {"global_sales": 1_000, "products": 1}[alias],
    )
    assert query.join_order == ("global_sales", "products")


def test_output_columns_describe_names_types_labels_and_sources() -> None:
    query = compiled(
        {
            "dataset": "global_sales",
            "joins": [{"dataset": "employee_roster", "on": ER_ON}],
            "calculated": [{"name": "net", "expr": "revenue * (1 - discount)"}],
            "group_by": ["employee_roster.region", "name"],
            "measures": [
                {"agg": "sum", "column": "revenue", "alias": "rev"},
                {"agg": "sum", "column": "quantity", "alias": "units"},
                {"agg": "avg", "column": "net", "alias": "avg_net"},
                {"agg": "max", "column": "order_date", "alias": "last"},
                {"agg": "count_distinct", "column": "global_sales.region", "alias": "regions"},
            ],
        }
    )
    assert [(c.name, c.label, c.type, c.format, c.source) for c in query.columns] == [
        ("employee_roster.region", "Region", "VARCHAR", None, "employee_roster"),
        ("name", "Name", "VARCHAR", None, "employee_roster"),
        ("rev", "Rev", "DECIMAL(38,2)", "currency", None),
        ("units", "Units", "HUGEINT", None, None),
        ("avg_net", "Avg net", "DOUBLE", None, None),
        ("last", "Last", "DATE", None, None),
        ("regions", "Regions", "BIGINT", None, None),
    ]
    assert query.datasets == ("global_sales", "employee_roster")


def test_output_types_match_what_duckdb_returns(warehouse: duckdb.DuckDBPyConnection) -> None:
    query = compiled(
        {
            "dataset": "global_sales",
            "calculated": [
                {"name": "net", "expr": "revenue * 2"},
                {"name": "m", "expr": "month(order_date)"},
            ],
            "group_by": ["region", "m"],
            "measures": [
                {"agg": "sum", "column": "revenue", "alias": "rev"},
                {"agg": "sum", "column": "quantity", "alias": "units"},
                {"agg": "avg", "column": "quantity", "alias": "avg_q"},
                {"agg": "count", "alias": "n"},
            ],
        }
    )
    described = warehouse.execute(render(query.tree, "duckdb")).description
    assert [d[1] for d in described] == [c.type for c in query.columns]


def test_count_query_has_no_order_and_counts_as_n() -> None:
    query = compiled(
        {"dataset": "products", "sort": [{"column": "category"}], "page": 2, "page_size": 3}
    )
    assert render(query.count, "duckdb").startswith('WITH "products_rows" AS (')
    assert 'SELECT COUNT(*) AS "n" FROM (SELECT' in render(query.count, "duckdb")
    assert not list(query.count.find_all(exp.Ordered))
    assert query.unpaged.args.get("limit") is None and query.unpaged.args.get("order")
    assert render(query.tree, "oracle").endswith("OFFSET 3 ROWS FETCH FIRST 3 ROWS ONLY")


def test_self_join_without_alias_is_numbered_and_reported() -> None:
    query = compiled(
        {
            "dataset": "employee_roster",
            "joins": [
                {
                    "dataset": "employee_roster",
                    "on": [{"left": "manager_id", "right": "employee_id"}],
                }
            ],
        }
    )
    assert query.datasets == ("employee_roster", "employee_roster_2")
    assert "joins[0] reads employee_roster as 'employee_roster_2'" in query.notes
    assert "employee_roster_2.name" in [c.name for c in query.columns]


def test_columns_in_grouped_query_are_ignored_with_a_note() -> None:
    query = compiled({"dataset": "global_sales", "columns": ["order_id"], "group_by": ["region"]})
    assert [c.name for c in query.columns] == ["region"]
    assert "columns are ignored in a grouped query" in query.notes


def test_vintage_prunes_hive_partitions(
    tmp_path: Path, warehouse: duckdb.DuckDBPyConnection
) -> None:
    folder = tmp_path / "global_sales"
    warehouse.execute(
        f"COPY global_sales TO '{folder}' (FORMAT parquet, PARTITION_BY (load_type, load_id))"
    )
    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW global_sales AS SELECT * FROM read_parquet('{folder}/**/*.parquet', "
        "hive_partitioning = true)"
    )
    query = compiled(
        {
            "dataset": "global_sales",
            "columns": ["order_id"],
            "vintage": {"load_type": "DAILY", "load_id": 202401},
        }
    )
    plan = con.execute("EXPLAIN " + render(query.tree, "duckdb")).fetchall()[0][1]
    assert "Scanning Files: 1/9" in plan


def test_values_are_distinct_filtered_and_limited(warehouse: duckdb.DuckDBPyConnection) -> None:
    tree = compile_values("global_sales", "channel", "O'B", 10, context())
    assert warehouse.execute(render(tree, "duckdb")).fetchall() == [("O'Brien's",)]
    tree = compile_values(
        "global_sales",
        "region",
        None,
        3,
        context(rls={"global_sales": [exp.column("region").neq(exp.Literal.string("East"))]}),
    )
    assert warehouse.execute(render(tree, "duckdb")).fetchall() == [
        ("North",),
        ("South",),
        ("West",),
    ]
    sql = render(compile_values("global_sales", "region", "%", 5, context()), "oracle")
    assert "FETCH FIRST 5 ROWS ONLY" in sql and "ESCAPE" in sql


def test_values_errors_name_their_parameter() -> None:
    with pytest.raises(UnknownColumn) as unknown:
        compile_values("global_sales", "colour", None, 10, context())
    assert unknown.value.path == "column"
    with pytest.raises(InvalidQuery, match="needs a text column") as not_text:
        compile_values("global_sales", "quantity", "1", 10, context())
    assert not_text.value.path == "q"
    with pytest.raises(InvalidQuery) as bad_limit:
        compile_values("global_sales", "region", None, 0, context())
    assert bad_limit.value.path == "limit"


@pytest.mark.parametrize("agg", [a.value for a in Agg])
def test_aggregates_are_exact_never_approximate(agg: str) -> None:
    """sqlglot writes ApproxDistinct as APPROX_DISTINCT, which Oracle lacks (it has
    APPROX_COUNT_DISTINCT); the compiler never builds one, so every dialect counts exactly."""
    query = compiled(
        {
            "dataset": "global_sales",
            "group_by": ["region"],
            "measures": [{"agg": agg, "column": "quantity", "alias": "m"}],
        }
    )
    values = compile_values("global_sales", "region", "N", 10, context())
    for tree in (query.tree, query.unpaged, query.count, values):
        assert tree.find(exp.ApproxDistinct) is None
        for dialect in ("duckdb", "postgres", "oracle"):
            assert "APPROX" not in render(tree, dialect).upper()
    if agg == "count_distinct":
        assert 'COUNT(DISTINCT "GLOBAL_SALES"."QUANTITY")' in render(query.tree, "oracle")
