"""The conformance table: one spec per behaviour, run on every database.

The data is the tiny warehouse (`tests/conftest.py`): `items` (300 rows: item_id, name,
price, weight, added_on, updated_at, active) and `sales` (5 loads of 80 rows: order_id,
order_date, region, customer, quantity, amount, discount, created_at, is_return, load_type,
load_id), with NULLs in every column but the ids and awkward text (quotes, `%`, `_`,
backslash, `--`, `;`, unicode, emoji, padding). Joins pair `sales.quantity` (1..9) with
`items.item_id`, and `sales.customer` with `items.name` (a fan-out on repeated text).

Every compiled query has a total ORDER BY, so rows are compared in order. `rls` holds the
row-level predicates the access policy would pass (`CompileContext.rls`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from tests.conftest import TEXTS


@dataclass(frozen=True)
class Case:
    spec: dict[str, Any]
    rls: dict[str, list[exp.Expr]] = field(default_factory=dict)
    # A known difference in result column types between databases (values still match).
    known: str | None = None


def cond(column: str, operator: str, value: Any = None) -> dict[str, Any]:
    return {"column": column, "operator": operator, "value": value}


def where(*conditions: dict[str, Any], op: str = "and", negate: bool = False) -> dict[str, Any]:
    return {"op": op, "negate": negate, "conditions": list(conditions)}


def items(*conditions: dict[str, Any], columns: list[str] | None = None, **spec: Any) -> Case:
    base: dict[str, Any] = {"dataset": "items", "page_size": 1000}
    base["columns"] = columns or ["item_id", "name"]
    if conditions:
        base["filters"] = where(*conditions)
    return Case({**base, **spec})


def sales(*conditions: dict[str, Any], columns: list[str] | None = None, **spec: Any) -> Case:
    base: dict[str, Any] = {"dataset": "sales", "page_size": 1000}
    base["columns"] = columns or ["order_id", "region", "customer"]
    if conditions:
        base["filters"] = where(*conditions)
    return Case({**base, **spec})


def grouped(group_by: list[str], *measures: dict[str, Any], **spec: Any) -> Case:
    return Case(
        {
            "dataset": "sales",
            "group_by": group_by,
            "measures": list(measures),
            "page_size": 1000,
            **spec,
        }
    )


def measure(agg: str, column: str | None = None, alias: str | None = None, **kw: Any) -> dict:
    name = alias or f"{agg}_{column or 'rows'}"
    return {"agg": agg, "column": column, "alias": name, **kw}


ON_ITEM = [{"left": "sales.quantity", "right": "items.item_id"}]
ON_NAME = [{"left": "sales.customer", "right": "items.name"}]


def joined(kind: str, *conditions: dict[str, Any], on: list[Any] = ON_ITEM, **spec: Any) -> Case:
    base: dict[str, Any] = {
        "dataset": "sales",
        "joins": [{"dataset": "items", "type": kind, "on": on}],
        "columns": ["order_id", "quantity", "item_id", "name"],
        "page_size": 1000,
    }
    if conditions:
        base["filters"] = where(*conditions)
    return Case({**base, **spec})


def _text_cases() -> dict[str, Case]:
    cases = {f"text_eq_{i:02d}": items(cond("name", "=", t)) for i, t in enumerate(TEXTS)}
    needles = {
        "percent": "%",
        "underscore": "_",
        "quote": "'",
        "double_quote": '"',
        "backslash": "\\",
        "dashes": "--",
        "semicolon": ";",
        "umlaut_other_case": "ZÜ",
        "kanji": "東",
        "emoji": "🎉",
        "spaces": "  pad",
        "no_match": "nothing like this",
        "underscore_is_literal": "0%_o",  # "50% off" would match if _ were a wildcard
    }
    for name, needle in needles.items():
        cases[f"text_contains_{name}"] = items(cond("name", "contains", needle))
    for name, prefix in {"quote": "o'", "percent": "50%", "spaces": "  ", "umlaut": "zü"}.items():
        cases[f"text_starts_with_{name}"] = items(cond("name", "starts_with", prefix))
    for name, suffix in {"emoji": "🎉", "backslash": "\\SLASH", "spaces": "  ", "n": "N"}.items():
        cases[f"text_ends_with_{name}"] = items(cond("name", "ends_with", suffix))
    return cases


def _operator_cases() -> dict[str, Case]:
    c = items
    return {
        "int_ne": c(cond("item_id", "!=", 5), cond("item_id", "<", 12)),
        "int_lt_ge": c(cond("item_id", "<", 40), cond("item_id", ">=", "33")),
        "decimal_gt_le": c(cond("price", ">", "12.5"), cond("price", "<=", 40), columns=None),
        "decimal_eq": c(cond("price", "=", "37.00"), columns=["item_id", "price"]),
        "double_ge": c(cond("weight", ">=", 30.125), columns=["item_id", "weight"]),
        "double_lt": c(cond("weight", "<", 1.5), columns=["item_id", "weight"]),
        "date_eq": c(cond("added_on", "=", "2024-02-01"), columns=["item_id", "added_on"]),
        "date_lt": c(cond("added_on", "<", "2024-01-10"), columns=["item_id", "added_on"]),
        "timestamp_gt": c(
            cond("updated_at", ">", "2024-01-12 10:00:00"), columns=["item_id", "updated_at"]
        ),
        "timestamp_le_date_only": c(
            cond("updated_at", "<=", "2024-01-02"), columns=["item_id", "updated_at"]
        ),
        "bool_true": c(cond("active", "=", True), cond("item_id", "<", 30)),
        "bool_false_text": c(cond("active", "=", "false"), cond("item_id", "<", 30)),
        "bool_ne_true": c(cond("active", "!=", True), cond("item_id", "<", 40)),
        "text_lt": c(cond("name", "<", "O"), columns=["item_id", "name"]),
        "text_ge_unicode": c(cond("name", ">=", "Z"), columns=["item_id", "name"]),
        "in_text_with_quotes": c(cond("name", "in", ["O'Brien", 'say "hi"', "東京"])),
        "in_comma_string": c(cond("name", "in", "plain, semi;colon")),
        "in_numbers": c(cond("item_id", "in", [1, 2, 3, 250, 999])),
        "in_dates": c(cond("added_on", "in", ["2024-01-05", "2024-03-01"])),
        "not_in_text_drops_nulls": c(cond("name", "not_in", list(TEXTS[:10]))),
        "not_in_numbers": c(cond("item_id", "not_in", [0, 1, 2]), cond("item_id", "<", 10)),
        "between_decimal": c(
            cond("price", "between", ["10", "20.5"]), columns=["item_id", "price"]
        ),
        "between_dates": c(cond("added_on", "between", ["2024-03-01", "2024-03-31"])),
        "between_timestamps": c(
            cond("updated_at", "between", ["2024-01-05T00:00", "2024-01-06T12:00:00"])
        ),
        "between_text": c(cond("name", "between", ["a", "t"])),
        "injection_text_is_a_value": c(cond("name", "=", "x' OR '1'='1")),
    }


def _null_cases() -> dict[str, Case]:
    cases = {}
    for column in ("name", "price", "weight", "added_on", "updated_at", "active"):
        cases[f"null_{column}"] = items(cond(column, "is_null"), columns=["item_id", column])
    for column in ("region", "quantity", "discount", "is_return"):
        cases[f"not_null_{column}"] = sales(
            cond(column, "is_not_null"), cond("order_id", "<", 60), columns=["order_id", column]
        )
    cases["null_ne_excludes_nulls"] = sales(cond("region", "!=", "North"))
    return cases


def _group_cases() -> dict[str, Case]:
    north_or_web = where(cond("region", "=", "North"), cond("customer", "=", "plain"), op="or")
    return {
        "or_group": sales(north_or_web),
        "negated_group": sales(
            where(cond("region", "=", "North"), cond("quantity", ">", 3), negate=True),
            cond("order_id", "<", 120),
        ),
        "negated_or_group_keeps_nulls_out": sales(
            where(
                cond("region", "is_null"), cond("customer", "contains", "o"), op="or", negate=True
            )
        ),
        "nested_groups": sales(
            cond("quantity", ">=", 2),
            where(
                where(cond("region", "in", ["East", "West"]), cond("is_return", "=", True)),
                where(cond("customer", "starts_with", "p"), cond("amount", ">", 50)),
                op="or",
            ),
        ),
        "empty_group": Case(
            {"dataset": "sales", "columns": ["order_id"], "filters": where(), "page_size": 1000}
        ),
    }


def _aggregate_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for agg in ("sum", "avg", "min", "max", "count", "count_distinct"):
        for column in ("quantity", "amount", "discount"):
            cases[f"agg_{agg}_{column}_by_region"] = grouped(["region"], measure(agg, column))
    for agg, column in (("min", "order_date"), ("max", "created_at"), ("min", "customer")):
        cases[f"agg_{agg}_{column}"] = grouped(["load_type"], measure(agg, column))
    cases["agg_count_rows_by_two"] = grouped(["region", "is_return"], measure("count"))
    cases["agg_by_date"] = grouped(["order_date"], measure("sum", "amount"))
    cases["agg_by_bool"] = grouped(["is_return"], measure("count_distinct", "customer"))
    cases["agg_total_row"] = grouped([], measure("sum", "amount"), measure("count"))
    cases["agg_measure_expr"] = grouped(
        ["region"], {"agg": "sum", "expr": "quantity * amount", "alias": "gross"}
    )
    for op, value in (("=", 30), ("!=", 30), (">", 30), (">=", 30), ("<", 30), ("<=", 30)):
        name = {"=": "eq", "!=": "ne", ">": "gt", ">=": "ge", "<": "lt", "<=": "le"}[op]
        cases[f"having_{name}"] = grouped(
            ["customer"], measure("count", alias="n"), filters=where(cond("n", op, value))
        )
    cases["having_and_where"] = grouped(
        ["region"],
        measure("sum", "amount", alias="total"),
        measure("count", alias="n"),
        filters=where(cond("quantity", ">", 2), cond("total", ">", 3000), cond("n", "<", 80)),
    )
    cases["having_or_group_mixed"] = grouped(
        ["customer"],
        measure("avg", "amount", alias="mean"),
        filters=where(where(cond("mean", ">", 55), cond("customer", "contains", "'"), op="or")),
    )
    cases["having_between"] = grouped(
        ["order_date"],
        measure("count", alias="n"),
        filters=where(cond("n", "between", [9, 12])),
    )
    cases["sort_by_measure_desc"] = grouped(
        ["customer"],
        measure("sum", "amount", alias="total"),
        sort=[{"column": "total", "direction": "desc"}],
    )
    return cases


def _calculated(name: str, expr: str, **spec: Any) -> Case:
    base: dict[str, Any] = {
        "dataset": "sales",
        "calculated": [{"name": name, "expr": expr}],
        "columns": ["order_id", name],
        "page_size": 1000,
    }
    return Case({**base, **spec})


def _calculated_cases() -> dict[str, Case]:
    exprs = {
        "arithmetic": "amount * quantity - coalesce(discount, 0)",
        "case_when": "CASE WHEN quantity >= 5 THEN 'many' WHEN quantity IS NULL THEN 'none' "
        "ELSE 'few' END",
        "coalesce_text": "coalesce(region, 'nowhere')",
        "upper_lower": "concat(upper(customer), '/', lower(customer))",
        "trim_length": "length(trim(customer))",
        "round_decimal": "round(amount * 1.1, 1)",
        "abs_diff": "abs(amount - 50)",
        "integer_division": "quantity / 2",
        "year_month_day": "year(order_date) * 10000 + month(order_date) * 100 + day(order_date)",
        "nullif": "nullif(quantity, 1)",
        "greatest_least": "greatest(quantity, 5) + least(quantity, 3)",
        "date_plus_days": "order_date + 7",
        "days_plus_date": "7 + order_date",
        "date_minus_quantity": "order_date - quantity",
        "days_between_dates": "order_date - (order_date - quantity)",
        "comparison_as_value": "amount > 50",
        "modulo": "order_id % 7",
        "decimal_division": "amount / 4",
    }
    cases = {f"calc_{name}": _calculated(name, expr) for name, expr in exprs.items()}
    cases["calc_trunc_month_of_date"] = _calculated("month", "date_trunc('month', order_date)")
    cases["calc_trunc_day_of_timestamp"] = _calculated("day", "date_trunc('day', created_at)")
    cases["calc_trunc_grouped"] = Case(
        {
            "dataset": "sales",
            "calculated": [{"name": "quarter", "expr": "date_trunc('quarter', order_date)"}],
            "group_by": ["quarter"],
            "measures": [measure("count", alias="n")],
        }
    )
    cases["calc_comparison_grouped"] = Case(
        {
            "dataset": "sales",
            "calculated": [{"name": "big", "expr": "amount > 50"}],
            "group_by": ["big"],
            "measures": [measure("count", alias="n"), measure("count_distinct", "big")],
        }
    )
    cases["calc_comparison_filtered"] = _calculated(
        "big", "amount > 50 AND quantity > 2", filters=where(cond("big", "=", True))
    )
    cases["calc_in_filter"] = _calculated(
        "net", "amount * (1 - coalesce(discount, 0))", filters=where(cond("net", ">", 70))
    )
    cases["calc_text_filter_contains"] = _calculated(
        "tag", "concat(region, ':', customer)", filters=where(cond("tag", "contains", "h:"))
    )
    cases["calc_grouped"] = Case(
        {
            "dataset": "sales",
            "calculated": [
                {"name": "size", "expr": "CASE WHEN quantity > 4 THEN 'L' ELSE 'S' END"}
            ],
            "group_by": ["size"],
            "measures": [measure("sum", "amount", alias="total")],
        }
    )
    cases["calc_sorted_desc"] = _calculated(
        "gross", "amount * quantity", sort=[{"column": "gross", "direction": "desc"}]
    )
    return cases


def _join_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for kind in ("inner", "left", "right", "full"):
        cases[f"join_{kind}"] = joined(kind)
        cases[f"join_{kind}_filters_both_sides"] = joined(
            kind, cond("region", "=", "North"), cond("active", "=", True)
        )
        cases[f"join_{kind}_filter_on_right_side_only"] = joined(kind, cond("price", "<", 20))
        cases[f"join_{kind}_grouped"] = Case(
            {
                "dataset": "sales",
                "joins": [{"dataset": "items", "type": kind, "on": ON_ITEM}],
                "group_by": ["items.name"],
                "measures": [measure("count", alias="n"), measure("sum", "amount", alias="total")],
                "page_size": 1000,
            }
        )
    cases["join_left_anti_by_is_null"] = joined("left", cond("items.item_id", "is_null"))
    cases["join_full_is_null_either_side"] = joined(
        "full", where(cond("order_id", "is_null"), cond("item_id", "is_null"), op="or")
    )
    cases["join_inner_filter_across_sides_or"] = joined(
        "inner", where(cond("region", "=", "South"), cond("active", "=", False), op="or")
    )
    cases["join_on_text_fan_out_grouped"] = Case(
        {
            "dataset": "sales",
            "joins": [{"dataset": "items", "type": "inner", "on": ON_NAME}],
            "group_by": ["customer"],
            "measures": [measure("count", alias="pairs"), measure("max", "price", alias="top")],
        }
    )
    cases["join_self_with_alias"] = Case(
        {
            "dataset": "items",
            "joins": [
                {
                    "dataset": "items",
                    "alias": "twin",
                    "type": "left",
                    "on": [{"left": "items.item_id", "right": "twin.item_id"}],
                }
            ],
            "columns": ["items.item_id", "twin.name", "twin.price"],
            "filters": where(cond("items.item_id", "<", 30)),
            "page_size": 1000,
        }
    )
    cases["join_three_way"] = Case(
        {
            "dataset": "sales",
            "joins": [
                {"dataset": "items", "type": "left", "on": ON_ITEM},
                {
                    "dataset": "items",
                    "alias": "named",
                    "type": "inner",
                    "on": [{"left": "sales.customer", "right": "named.name"}],
                },
            ],
            "group_by": ["items.name", "named.active"],
            "measures": [measure("count", alias="n")],
            "filters": where(cond("named.item_id", "<", 100), cond("order_id", "<", 200)),
        }
    )
    cases["join_calculated_across_sides"] = joined(
        "left",
        cond("ratio", ">", 1),
        calculated=[{"name": "ratio", "expr": "amount / coalesce(price, 1)"}],
        columns=["order_id", "ratio"],
    )
    return cases


def _vintage_cases() -> dict[str, Case]:
    loads = {
        "daily_1": ("DAILY", 20240101),
        "daily_3": ("DAILY", 20240103),
        "month_end_1": ("MONTH_END", 20231231),
        "month_end_2": ("MONTH_END", "20240131"),
        "missing": ("DAILY", 19990101),
    }
    cases = {
        f"vintage_{name}": sales(vintage={"load_type": t, "load_id": i})
        for name, (t, i) in loads.items()
    }
    cases["vintage_grouped_with_filter"] = grouped(
        ["region"],
        measure("sum", "amount"),
        vintage={"load_type": "DAILY", "load_id": 20240102},
        filters=where(cond("quantity", ">", 3)),
    )
    cases["vintage_joined"] = joined(
        "inner", vintage={"load_type": "MONTH_END", "load_id": 20240131}
    )
    return cases


def _rls_cases() -> dict[str, Case]:
    def rls(spec: Case, **predicates: list[exp.Expr]) -> Case:
        return Case(spec.spec, dict(predicates))

    north_south = [exp.column("region").isin("North", "South")]
    return {
        "rls_in_list": rls(sales(), sales=north_south),
        "rls_quote_text": rls(
            sales(), sales=[exp.column("customer").eq(exp.Literal.string("O'Brien"))]
        ),
        "rls_no_rows": rls(sales(), sales=[exp.false()]),
        "rls_all_rows": rls(sales(cond("order_id", "<", 50)), sales=[exp.true()]),
        "rls_and_filters": rls(sales(cond("quantity", ">", 5)), sales=north_south),
        "rls_two_predicates": rls(
            sales(),
            sales=[*north_south, exp.column("amount") > exp.Literal.number(50)],
        ),
        "rls_grouped": rls(grouped(["region"], measure("count")), sales=north_south),
        "rls_on_joined_side": rls(
            joined("left"), items=[exp.column("active").eq(exp.true())], sales=north_south
        ),
        "rls_no_rows_on_joined_side_of_full": rls(joined("full"), items=[exp.false()]),
        "rls_with_vintage": rls(
            sales(vintage={"load_type": "DAILY", "load_id": 20240102}), sales=north_south
        ),
    }


def _page_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for page in (1, 2, 3, 58, 60):
        cases[f"page_{page}_of_7_sorted_with_ties"] = sales(
            columns=["region", "customer"], sort=[{"column": "region"}], page=page, page_size=7
        )
    cases["page_desc_nulls_first"] = sales(
        columns=["region", "order_id"],
        sort=[{"column": "region", "direction": "desc"}],
        page_size=30,
    )
    cases["sort_two_keys_mixed"] = sales(
        columns=["customer", "quantity", "order_id"],
        sort=[{"column": "customer", "direction": "desc"}, {"column": "quantity"}],
        page=2,
        page_size=25,
    )
    cases["sort_unicode_text"] = items(sort=[{"column": "name"}], page_size=40)
    cases["sort_decimal_desc_ties"] = items(
        columns=["price", "active"], sort=[{"column": "price", "direction": "desc"}], page_size=50
    )
    cases["sort_timestamp"] = sales(
        columns=["created_at", "is_return"], sort=[{"column": "created_at"}], page=3, page_size=10
    )
    cases["detail_default_columns"] = Case({"dataset": "items", "page_size": 1000})
    cases["detail_all_sales_columns"] = Case({"dataset": "sales", "page_size": 1000})
    return cases


#: Specs whose result is empty by design; every other spec must return rows on DuckDB.
EXPECTED_EMPTY = frozenset(
    {
        "text_contains_no_match",
        "text_contains_underscore_is_literal",
        "injection_text_is_a_value",
        "vintage_missing",
        "rls_no_rows",
        "page_60_of_7_sorted_with_ties",
    }
)

SPECS: dict[str, Case] = {
    **_text_cases(),
    **_operator_cases(),
    **_null_cases(),
    **_group_cases(),
    **_aggregate_cases(),
    **_calculated_cases(),
    **_join_cases(),
    **_vintage_cases(),
    **_rls_cases(),
    **_page_cases(),
}
