"""Bad specs fail with a clear error that names the JSON path, never later in the database."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from sqlglot import exp

from backend.errors import InvalidQuery, NotFound, RowLimitExceeded, UnknownColumn
from backend.query.compiler import compile_query
from backend.query.render import render
from backend.query.spec import QuerySpec
from tests.query.catalog import DATASETS, GLOBAL_SALES, context, viewer

ON_EMPLOYEE = [{"left": "global_sales.employee_id", "right": "employee_roster.employee_id"}]


def compile_spec(spec: dict[str, Any], **ctx: Any) -> None:
    compile_query(QuerySpec.model_validate(spec), context(**ctx))


def cond(column: str, operator: str, value: Any = None) -> dict[str, Any]:
    return {"column": column, "operator": operator, "value": value}


def filters(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"conditions": list(conditions)}


GROUPED = {"group_by": ["region"], "measures": [{"agg": "count", "alias": "n"}]}

UNKNOWN_COLUMN_CASES: list[tuple[dict[str, Any], str]] = [
    ({"columns": ["order_id", "region", "colour", "nope"]}, "columns[2]"),
    (
        {"filters": filters(cond("region", "=", "N"), cond("x", "=", 1), cond("nope", "=", 1))},
        "filters.conditions[1].column",
    ),
    (
        {
            "filters": {
                "conditions": [
                    cond("region", "=", "N"),
                    {"op": "or", "conditions": [cond("region", "=", "S"), cond("nope", "=", 1)]},
                ]
            }
        },
        "filters.conditions[1].conditions[1].column",
    ),
    ({"columns": ["region"], "sort": [{"column": "nope"}]}, "sort[0].column"),
    ({"group_by": ["region", "nope"]}, "group_by[1]"),
    (
        {
            "group_by": ["region"],
            "measures": [
                {"agg": "count", "alias": "n"},
                {"agg": "sum", "column": "nope", "alias": "s"},
            ],
        },
        "measures[1].column",
    ),
    (
        {"measures": [{"agg": "sum", "expr": "quantity * nope", "alias": "s"}]},
        "measures[0].expr",
    ),
    ({"calculated": [{"name": "c", "expr": "nope + 1"}]}, "calculated[0].expr"),
    (
        {
            "joins": [
                {
                    "dataset": "employee_roster",
                    "on": [
                        {"left": "employee_id", "right": "employee_id"},
                        {"left": "global_sales.region", "right": "regoin"},
                    ],
                }
            ]
        },
        "joins[0].on[1].right",
    ),
    (
        {
            "joins": [
                {"dataset": "employee_roster", "on": [{"left": "name", "right": "employee_id"}]}
            ]
        },
        "joins[0].on[0].left",
    ),
]


@pytest.mark.parametrize(("spec", "path"), UNKNOWN_COLUMN_CASES)
def test_unknown_column_names_its_json_path(spec: dict[str, Any], path: str) -> None:
    with pytest.raises(UnknownColumn) as raised:
        compile_spec({"dataset": "global_sales", **spec})
    assert raised.value.path == path
    assert raised.value.details == [{"path": path, "message": raised.value.message}]


def test_unknown_column_suggests_close_names() -> None:
    with pytest.raises(UnknownColumn, match="did you mean 'region'"):
        compile_spec({"dataset": "global_sales", "columns": ["regoin"]})


def test_hidden_column_is_unknown_to_a_viewer() -> None:
    datasets = {**DATASETS, "global_sales": viewer(GLOBAL_SALES, ["cost"])}
    with pytest.raises(UnknownColumn) as raised:
        compile_spec({"dataset": "global_sales", "columns": ["cost"]}, datasets=datasets)
    assert raised.value.path == "columns[0]"


def test_hidden_column_is_left_out_of_default_columns() -> None:
    datasets = {**DATASETS, "global_sales": viewer(GLOBAL_SALES, ["cost"])}
    compiled = compile_query(QuerySpec(dataset="global_sales"), context(datasets=datasets))
    assert "cost" not in [c.name for c in compiled.columns]
    assert "cost" not in compiled.tree.sql()


def test_unknown_dataset_is_not_found() -> None:
    with pytest.raises(NotFound):
        compile_spec({"dataset": "nope"})
    with pytest.raises(NotFound):
        compile_spec({"dataset": "global_sales", "joins": [{"dataset": "nope", "on": ON_EMPLOYEE}]})


def test_ambiguous_plain_name_names_both_candidates() -> None:
    spec = {
        "dataset": "global_sales",
        "joins": [{"dataset": "employee_roster", "on": ON_EMPLOYEE}],
        "filters": filters(cond("department", "=", "Toys")),
    }
    with pytest.raises(InvalidQuery) as raised:
        compile_spec(spec)
    assert raised.value.path == "filters.conditions[0].column"
    assert "'global_sales.department'" in raised.value.message
    assert "'employee_roster.department'" in raised.value.message


def test_dataset_joined_twice_must_be_qualified_by_alias() -> None:
    spec = {
        "dataset": "employee_roster",
        "joins": [
            {"dataset": "employee_roster", "on": [{"left": "manager_id", "right": "employee_id"}]}
        ],
        "columns": ["employee_roster_2.name", "employee_roster.name"],
    }
    q = compile_query(QuerySpec.model_validate(spec), context())
    # the base keeps the key as alias; the join got employee_roster_2
    assert _selected_relations(q.tree) == ["employee_roster_2", "employee_roster"]
    assert _join_aliases(q.tree) == ["employee_roster_2"]
    spec["joins"] = [
        {
            "dataset": "employee_roster",
            "alias": "boss",
            "on": [{"left": "manager_id", "right": "employee_id"}],
        },
        {
            "dataset": "employee_roster",
            "alias": "boss_boss",
            "on": [{"left": "boss.manager_id", "right": "employee_id"}],
        },
    ]
    spec["columns"] = ["boss.name", "boss_boss.name", "employee_roster.name"]
    q = compile_query(QuerySpec.model_validate(spec), context())
    assert _selected_relations(q.tree) == ["boss", "boss_boss", "employee_roster"]
    assert _join_aliases(q.tree) == ["boss", "boss_boss"]
    second = q.tree.args["joins"][1].args["on"]
    assert second.sql() == "boss.manager_id = boss_boss.employee_id"  # chained on the first


def _selected_relations(tree: exp.Select) -> list[str]:
    """The relation each output column reads, in order."""
    return [select.this.table for select in tree.selects]


def _join_aliases(tree: exp.Select) -> list[str]:
    return [join.this.alias for join in tree.args["joins"]]


def test_explicit_alias_used_twice_is_rejected() -> None:
    spec = {
        "dataset": "global_sales",
        "joins": [
            {
                "dataset": "products",
                "alias": "p",
                "on": [{"left": "product_id", "right": "product_id"}],
            },
            {
                "dataset": "products",
                "alias": "P",
                "on": [{"left": "product_id", "right": "product_id"}],
            },
        ],
    }
    with pytest.raises(InvalidQuery) as raised:
        compile_spec(spec)
    assert raised.value.path == "joins[1].alias"


def test_join_keys_of_different_types_are_rejected() -> None:
    spec = {
        "dataset": "global_sales",
        "joins": [
            {"dataset": "employee_roster", "on": [{"left": "region", "right": "employee_id"}]}
        ],
    }
    with pytest.raises(InvalidQuery, match=r"VARCHAR.*BIGINT") as raised:
        compile_spec(spec)
    assert raised.value.path == "joins[0].on[0]"


def test_join_keys_of_one_numeric_family_are_accepted() -> None:
    spec = {
        "dataset": "global_sales",
        "joins": [{"dataset": "products", "on": [{"left": "quantity", "right": "list_price"}]}],
    }
    q = compile_query(QuerySpec.model_validate(spec), context())  # INTEGER with DECIMAL
    ons = [join.args["on"].sql("duckdb") for join in q.tree.args["joins"]]
    assert ons == ["global_sales.quantity = products.list_price"]


BAD_VALUE_CASES: list[tuple[dict[str, Any], str, str]] = [
    (
        cond("order_date", "=", "2024-13-45"),
        "filters.conditions[0].value",
        "'2024-13-45' is not a valid date (YYYY-MM-DD) for column order_date",
    ),
    (cond("order_date", ">", "yesterday"), "filters.conditions[0].value", "not a valid date"),
    (
        cond("created_at", ">", "2024-01-01 25:00"),
        "filters.conditions[0].value",
        "not a valid timestamp",
    ),
    (
        cond("quantity", ">", "ten"),
        "filters.conditions[0].value",
        "'ten' is not a valid number for column quantity",
    ),
    (cond("revenue", "=", "1e999"), "filters.conditions[0].value", "out of range"),
    (cond("revenue", "=", True), "filters.conditions[0].value", "not a valid number"),
    (cond("quantity", "in", [1, "x", 3]), "filters.conditions[0].value[1]", "not a valid number"),
    (cond("is_return", "=", "maybe"), "filters.conditions[0].value", "not a valid true/false"),
    (cond("region", "=", None), "filters.conditions[0].value", "needs a value"),
    (cond("region", "=", ["a", "b"]), "filters.conditions[0].value", "takes one value"),
    (cond("region", "in", []), "filters.conditions[0].value", "at least one value"),
    (cond("region", "not_in", " , "), "filters.conditions[0].value", "at least one value"),
    (cond("quantity", "between", [1]), "filters.conditions[0].value", "exactly two values"),
    (cond("quantity", "between", [1, 2, 3]), "filters.conditions[0].value", "exactly two values"),
    (cond("quantity", "contains", "1"), "filters.conditions[0].value", "needs a text column"),
    (cond("region", "starts_with", ["a"]), "filters.conditions[0].value", "one text value"),
]


@pytest.mark.parametrize(("condition", "path", "message"), BAD_VALUE_CASES)
def test_bad_filter_value_is_invalid_query(
    condition: dict[str, Any], path: str, message: str
) -> None:
    with pytest.raises(
        InvalidQuery, match=message.replace("(", r"\(").replace(")", r"\)")
    ) as raised:
        compile_spec({"dataset": "global_sales", "filters": filters(condition)})
    assert raised.value.path == path


EXPRESSION_CASES: list[tuple[str, str]] = [
    ("(select max(quantity) from global_sales)", "subquery"),
    ("quantity in (select 1)", "IN"),
    ("read_csv('/etc/passwd')", "read_csv"),
    ("getenv('HOME')", "getenv"),
    ("1; DROP TABLE global_sales", "exactly one expression"),
    ("quantity; select 1", "exactly one expression"),
    ("*", "'\\*'"),
    ("global_sales.*", "'\\*'"),
    ("count(*)", "count"),
    ("sum(quantity)", "sum"),
    ("cast(region as int)", "cast"),
    ("region::int", "cast"),
    ("quantity[1]", r"element access"),
    ("$1 + quantity", "parameter"),
    ("? + quantity", "parameter"),
    ("a.b.c.d", "qualifiers"),
    ("regexp_matches(region, 'x')", "regexp"),
    ("quantity +", "could not read"),
    ("upper(quantity)", "needs text"),
    ("region * 2", "needs numbers"),
    ("year(region)", "needs a date"),
    ("date_trunc('fortnight', order_date)", "unit must be one of"),
    ("region = 1", "cannot compare"),
    ("quantity as q", "alias"),
    (" + ".join(["quantity"] * 120), "parts; at most 200"),
    ("(" * 600 + "1" + ")" * 600, "could not read|parts; at most"),
    ("trim(both 'x' from region)", "form of"),
]


# Arithmetic one of the databases refuses (or types differently) is refused when compiling.
ARITHMETIC_CASES: list[tuple[str, str]] = [
    (
        "created_at + 1",
        "cannot add a number to a timestamp; use date_trunc or compare dates instead",
    ),
    ("1 + created_at", "cannot add a timestamp to a number; use date_trunc"),
    ("created_at - 1", "cannot subtract a number from a timestamp; use date_trunc"),
    ("created_at - created_at", "cannot subtract a timestamp from a timestamp"),
    ("order_date - created_at", "cannot subtract a timestamp from a date"),
    ("created_at * 2", "cannot multiply a timestamp by a number"),
    ("order_date + 1.5", "cannot add a number to a date; add or subtract a whole number of days"),
    ("order_date + unit_price", "cannot add a number to a date"),
    ("order_date + discount", "cannot add a number to a date"),
    ("order_date + order_date", "cannot add a date to a date"),
    ("7 - order_date", "cannot subtract a date from a number"),
    ("order_date / 2", "cannot divide a date by a number; dates take only \\+ and -"),
    ("order_date % 7", "cannot take the remainder of a date divided by a number"),
    ("order_date + NULL", "cannot add NULL to a date"),
    ("region + channel", "cannot add text to text; use concat\\(a, b\\) to join text"),
    ("region + 1", "cannot add a number to text; use concat"),
    ("region * 2", "cannot multiply text by a number; arithmetic needs numbers, not text"),
    ("'a' - 'b'", "cannot subtract text from text"),
    ("is_return + 1", "cannot add a number to a true/false value; use CASE WHEN"),
    ("(quantity > 5) * revenue", "cannot multiply a true/false value by a number"),
    ("true + false", "cannot add a true/false value to a true/false value"),
    ("NULL + NULL", "cannot add NULL to NULL; arithmetic needs numbers"),
]


@pytest.mark.parametrize(("expr", "message"), ARITHMETIC_CASES)
def test_type_invalid_arithmetic_is_invalid_query(expr: str, message: str) -> None:
    calculated = {"dataset": "global_sales", "calculated": [{"name": "bad", "expr": expr}]}
    measured = {
        "dataset": "global_sales",
        "measures": [{"agg": "count", "expr": expr, "alias": "m"}],
    }
    for spec, path in ((calculated, "calculated[0].expr"), (measured, "measures[0].expr")):
        with pytest.raises(InvalidQuery, match=message) as raised:
            compile_spec(spec)
        assert raised.value.path == path
        assert str(raised.value).endswith(f"(at {path})")


# expression, the same on DuckDB written by hand, the calculated column's type
ARITHMETIC_CASES = [
    ("order_date + 7", "order_date + 7", "DATE"),
    ("7 + order_date", "order_date + 7", "DATE"),
    ("order_date - quantity", "order_date - quantity", "DATE"),
    ("order_date - order_date", "0", "BIGINT"),
    ("quantity * NULL", "NULL", "BIGINT"),
    ("revenue / quantity % 3", "(revenue / quantity) % 3", "DOUBLE"),
    ("-discount", "0 - discount", "DOUBLE"),
]


@pytest.mark.parametrize(("expr", "hand_written", "type_"), ARITHMETIC_CASES)
def test_arithmetic_all_databases_accept_compiles(
    warehouse: duckdb.DuckDBPyConnection, expr: str, hand_written: str, type_: str
) -> None:
    spec = {
        "dataset": "global_sales",
        "calculated": [{"name": "ok", "expr": expr}],
        "columns": ["order_id", "ok"],
        "sort": [{"column": "order_id"}],
        "page_size": 500,
    }
    q = compile_query(QuerySpec.model_validate(spec), context())
    assert q.columns[1].name == "ok" and q.columns[1].type == type_
    expected = f"SELECT order_id, {hand_written} FROM global_sales ORDER BY order_id LIMIT 500"
    got = warehouse.sql(render(q.tree, "duckdb")).fetchall()
    assert len(got) > 100 and got == warehouse.sql(expected).fetchall()
    assert 'AS "ok"' in render(q.tree, "postgres") and 'AS "OK"' in render(q.tree, "oracle")


@pytest.mark.parametrize(("expr", "message"), EXPRESSION_CASES)
def test_disallowed_expression_is_invalid_query(expr: str, message: str) -> None:
    spec = {
        "dataset": "global_sales",
        "calculated": [{"name": "ok", "expr": "quantity * 2"}, {"name": "bad", "expr": expr}],
    }
    with pytest.raises(InvalidQuery, match=message) as raised:
        compile_spec(spec)
    assert raised.value.path == "calculated[1].expr"


def test_disallowed_measure_expression_names_measure_path() -> None:
    spec = {
        "dataset": "global_sales",
        "measures": [{"agg": "sum", "expr": "getenv('x')", "alias": "s"}],
    }
    with pytest.raises(InvalidQuery, match="getenv") as raised:
        compile_spec(spec)
    assert raised.value.path == "measures[0].expr"


def test_calculated_field_cannot_shadow_a_column() -> None:
    spec = {"dataset": "global_sales", "calculated": [{"name": "Region", "expr": "upper(region)"}]}
    with pytest.raises(InvalidQuery, match="name of a column") as raised:
        compile_spec(spec)
    assert raised.value.path == "calculated[0].name"


def test_sum_of_text_is_invalid() -> None:
    with pytest.raises(InvalidQuery, match="sum needs numbers") as raised:
        compile_spec(
            {
                "dataset": "global_sales",
                "measures": [{"agg": "sum", "column": "region", "alias": "s"}],
            }
        )
    assert raised.value.path == "measures[0].agg"


@pytest.mark.parametrize("agg", ["min", "max"])
def test_min_or_max_of_true_false_values_is_invalid(agg: str) -> None:
    """PostgreSQL has no MIN/MAX of a boolean, so no database gets one."""
    for measure in ({"column": "is_return"}, {"expr": "quantity > 5"}):
        with pytest.raises(InvalidQuery, match=f"{agg} of true/false values") as raised:
            compile_spec(
                {"dataset": "global_sales", "measures": [{"agg": agg, "alias": "m", **measure}]}
            )
        assert raised.value.path == "measures[0].agg"


def test_measure_alias_clashing_with_group_column_is_invalid() -> None:
    spec = {
        "dataset": "global_sales",
        "group_by": ["region"],
        "measures": [{"agg": "count", "alias": "region"}],
    }
    with pytest.raises(InvalidQuery) as raised:
        compile_spec(spec)
    assert raised.value.path == "measures[0].alias"


def test_or_group_mixing_measure_and_ungrouped_column_is_invalid() -> None:
    spec = {
        "dataset": "global_sales",
        **GROUPED,
        "filters": {
            "conditions": [
                {"op": "or", "conditions": [cond("n", ">", 5), cond("channel", "=", "Web")]}
            ]
        },
    }
    with pytest.raises(InvalidQuery, match="not a group-by column") as raised:
        compile_spec(spec)
    assert raised.value.path == "filters.conditions[0]"


def test_grouped_query_sorts_only_by_groups_and_measures() -> None:
    with pytest.raises(InvalidQuery, match="grouped query sorts only") as raised:
        compile_spec({"dataset": "global_sales", **GROUPED, "sort": [{"column": "channel"}]})
    assert raised.value.path == "sort[0].column"


def test_detail_query_sorts_only_by_selected_columns() -> None:
    with pytest.raises(InvalidQuery, match="add it to columns") as raised:
        compile_spec(
            {"dataset": "global_sales", "columns": ["order_id"], "sort": [{"column": "region"}]}
        )
    assert raised.value.path == "sort[0].column"


def test_measure_alias_is_not_a_column_in_detail_queries() -> None:
    with pytest.raises(UnknownColumn):
        compile_spec({"dataset": "global_sales", "filters": filters(cond("n", ">", 1))})


def test_vintage_on_dataset_without_load_columns_is_invalid() -> None:
    with pytest.raises(InvalidQuery, match="dataset products has no load columns") as raised:
        compile_spec({"dataset": "products", "vintage": {"load_type": "DAILY"}})
    assert raised.value.path == "vintage"


def test_bad_load_id_is_invalid() -> None:
    with pytest.raises(InvalidQuery, match="not a valid number") as raised:
        compile_spec({"dataset": "global_sales", "vintage": {"load_id": "latest"}})
    assert raised.value.path == "vintage.load_id"


def test_mandatory_filter_missing_asks_for_it() -> None:
    with pytest.raises(InvalidQuery, match="add a filter on Event date"):
        compile_spec({"dataset": "big_events"})
    compile_spec(
        {
            "dataset": "big_events",
            "filters": {
                "op": "or",
                "conditions": [cond("kind", "=", "x"), cond("event_date", ">", "2024-01-01")],
            },
        }
    )


def test_page_beyond_row_limit_is_refused() -> None:
    spec = {"dataset": "global_sales", "page": 2_001, "page_size": 500}
    with pytest.raises(RowLimitExceeded, match="1,000,500"):
        compile_spec(spec)
    compile_spec({**spec, "page": 2_000})  # exactly the last allowed page
    with pytest.raises(RowLimitExceeded):
        compile_spec({**spec, "page": 3}, max_row_limit=1_000)
