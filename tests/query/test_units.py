"""Table-driven tests of the compiler's building blocks: coercion, operators, expressions,
rendering quirks per dialect."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from backend.errors import BadRequest, InvalidQuery
from backend.query.coerce import coerce
from backend.query.expressions import parse_expression
from backend.query.names import Ref
from backend.query.operators import OPERATORS, condition_sql, describe, like_escape, split_list
from backend.query.render import render
from backend.query.spec import Condition, Op


@pytest.mark.parametrize(
    ("value", "sql_type", "duckdb", "oracle"),
    [
        (5, "BIGINT", "5", "5"),
        ("  -12 ", "INTEGER", "-12", "-12"),
        (2.5, "INTEGER", "2.5", "2.5"),
        (0.1, "DOUBLE", "0.1", "0.1"),
        ("1e3", "DOUBLE", "1000", "1000"),
        (Decimal("12345678901234567.89"), "DECIMAL(38,2)", "12345678901234567.89", None),
        ("2024-02-29", "DATE", "CAST('2024-02-29' AS DATE)", "TO_DATE('2024-02-29', 'YYYY-MM-DD')"),
        (dt.date(2024, 1, 2), "DATE", "CAST('2024-01-02' AS DATE)", None),
        (dt.datetime(2024, 1, 2), "DATE", "CAST('2024-01-02' AS DATE)", None),
        (
            "2024-01-02T03:04",
            "TIMESTAMP",
            "CAST('2024-01-02 03:04:00' AS TIMESTAMP)",
            "TO_TIMESTAMP('2024-01-02 03:04:00', 'YYYY-MM-DD HH24:MI:SS')",
        ),
        (
            "2024-01-02 03:04:05.25",
            "TIMESTAMP",
            "CAST('2024-01-02 03:04:05.250000' AS TIMESTAMP)",
            "TO_TIMESTAMP('2024-01-02 03:04:05.250000', 'YYYY-MM-DD HH24:MI:SS.FF6')",
        ),
        ("2024-01-02", "TIMESTAMP", "CAST('2024-01-02 00:00:00' AS TIMESTAMP)", None),
        (True, "BOOLEAN", "TRUE", "1"),
        ("false", "BOOLEAN", "FALSE", "0"),
        (1, "BOOLEAN", "TRUE", "1"),
        ("0", "BOOL", "FALSE", "0"),
        ("O'Brien", "VARCHAR", "'O''Brien'", "'O''Brien'"),
        (42, "VARCHAR", "'42'", "'42'"),
        ("日本 ; -- %_", "TEXT", "'日本 ; -- %_'", None),
        ("x", "BLOB", "'x'", None),
    ],
)
def test_values_become_typed_literals(
    value: Any, sql_type: str, duckdb: str, oracle: str | None
) -> None:
    literal = coerce(value, sql_type, column="c", path="p")
    assert render(literal, "duckdb") == duckdb
    if oracle is not None:
        assert render(literal, "oracle") == oracle


@pytest.mark.parametrize(
    ("value", "sql_type"),
    [
        ("2024-13-45", "DATE"),
        ("2024-1-5", "DATE"),
        ("20240105", "DATE"),
        (dt.datetime(2024, 1, 2, 3), "DATE"),
        ("2024-01-02 03:04+02:00", "TIMESTAMP"),
        (dt.datetime(2024, 1, 2, tzinfo=dt.UTC), "TIMESTAMP"),
        ("12abc", "BIGINT"),
        ("NaN", "DOUBLE"),
        ("Infinity", "DOUBLE"),
        (True, "DECIMAL(18,2)"),
        ("yes", "BOOLEAN"),
        (2, "BOOLEAN"),
        (False, "VARCHAR"),
    ],
)
def test_values_that_do_not_fit_the_type_are_invalid(value: Any, sql_type: str) -> None:
    with pytest.raises(InvalidQuery) as raised:
        coerce(value, sql_type, column="c", path="filters.conditions[0].value")
    assert raised.value.path == "filters.conditions[0].value"
    assert "for column c" in raised.value.message


@pytest.mark.parametrize(
    ("value", "items"),
    [
        ("a, b ,c", ["a", "b", "c"]),
        ('"a,b", c', ["a,b", "c"]),
        ('"say ""hi""", x', ['say "hi"', "x"]),
        ("O'Brien, x", ["O'Brien", "x"]),
        ("a,,b, ", ["a", "b"]),
        ("", []),
        (["x, y", 1], ["x, y", 1]),
        (7, [7]),
    ],
)
def test_in_values_split_on_commas_outside_quotes(value: Any, items: list[Any]) -> None:
    assert split_list(value) == items


@pytest.mark.parametrize(
    ("text", "escaped"),
    [("50%", "50\\%"), ("a_b", "a\\_b"), ("back\\slash", "back\\\\slash"), ("plain", "plain")],
)
def test_like_escape_escapes_wildcards_and_escape_char(text: str, escaped: str) -> None:
    assert like_escape(text) == escaped


def test_every_operator_has_a_builder_and_an_english_template() -> None:
    assert set(OPERATORS) == set(Op)
    assert all("{column}" in op.template for op in OPERATORS.values())


REGION = Ref("region", exp.column("region", table="s"), "VARCHAR", "Region")


@pytest.mark.parametrize(
    ("operator", "value", "sql"),
    [
        ("=", "N", "s.region = 'N'"),
        ("!=", "N", "s.region <> 'N'"),
        ("<", "N", "s.region < 'N'"),
        (">=", "N", "s.region >= 'N'"),
        ("contains", "a%", "LOWER(s.region) LIKE LOWER('%a\\%%') ESCAPE '\\'"),
        ("starts_with", "a_", "LOWER(s.region) LIKE LOWER('a\\_%') ESCAPE '\\'"),
        ("ends_with", "\\", "LOWER(s.region) LIKE LOWER('%\\\\') ESCAPE '\\'"),
        ("in", "a,b", "s.region IN ('a', 'b')"),
        ("not_in", ["a"], "NOT s.region IN ('a')"),
        ("between", ["a", "b"], "s.region BETWEEN 'a' AND 'b'"),
        ("is_null", "ignored", "s.region IS NULL"),
        ("is_not_null", None, "NOT s.region IS NULL"),
    ],
)
def test_operator_builds_predicate(operator: str, value: Any, sql: str) -> None:
    condition = Condition(column="region", operator=Op(operator), value=value)
    assert condition_sql(condition, REGION, "filters.conditions[0]").sql() == sql


def test_conditions_read_in_english() -> None:
    assert describe(Condition(column="r", operator=Op.IN, value="a, b"), "Region") == (
        "Region is one of a, b"
    )
    assert describe(Condition(column="r", operator=Op.IS_NULL), "Region") == "Region is empty"


def _resolve(name: str) -> Ref:
    types = {"q": "INTEGER", "d": "DATE", "t": "VARCHAR", "p": "DECIMAL(18,2)", "f": "DOUBLE"}
    types |= {"ts": "TIMESTAMP", "b": "BOOLEAN", "n": "BIGINT"}
    column = name.split(".")[-1]
    if column not in types:
        raise InvalidQuery(f"unknown {name}", path="calculated[0].expr")
    return Ref(name, exp.column(column, table="s"), types[column], column)


@pytest.mark.parametrize(
    ("text", "duckdb", "type_"),
    [
        ("q + 1", "s.q + 1", "BIGINT"),
        ("s.q * p", "s.q * s.p", "DECIMAL"),
        ("q / 2", "s.q / 2", "DOUBLE"),
        ("f % 2", "s.f % 2", "DOUBLE"),
        ("-q", "-s.q", "BIGINT"),
        ("abs(p)", "ABS(s.p)", "DECIMAL(18,2)"),
        ("round(f, 2)", "ROUND(s.f, 2)", "DOUBLE"),
        ("coalesce(t, 'none')", "COALESCE(s.t, 'none')", "VARCHAR"),
        ("nullif(q, 0)", "NULLIF(s.q, 0)", "INTEGER"),
        ("greatest(q, 1, 2)", "GREATEST(s.q, 1, 2)", "INTEGER"),
        ("least(d, '2024-01-01')", "LEAST(s.d, CAST('2024-01-01' AS DATE))", "DATE"),
        ("lower(t) || upper(t)", "LOWER(s.t) || UPPER(s.t)", "VARCHAR"),
        ("concat(t, '-', q)", "s.t || '-' || s.q", "VARCHAR"),
        ("length(trim(t))", "LENGTH(TRIM(s.t))", "BIGINT"),
        (
            "year(d) * 100 + month(d)",
            "EXTRACT(YEAR FROM s.d) * 100 + EXTRACT(MONTH FROM s.d)",
            "BIGINT",
        ),
        ("day(d)", "EXTRACT(DAY FROM s.d)", "BIGINT"),
        ("date_trunc('quarter', d)", "DATE_TRUNC('QUARTER', CAST(s.d AS TIMESTAMP))", "TIMESTAMP"),
        ("date_trunc('hour', ts)", "DATE_TRUNC('HOUR', s.ts)", "TIMESTAMP"),
        ("d >= '2024-01-01'", "s.d >= CAST('2024-01-01' AS DATE)", "BOOLEAN"),
        (
            "q > 1 AND NOT (t = 'x' OR t IS NULL)",
            "s.q > 1 AND NOT (s.t = 'x' OR s.t IS NULL)",
            "BOOLEAN",
        ),
        (
            "CASE WHEN q > 1 THEN 'a' ELSE NULL END",
            "CASE WHEN s.q > 1 THEN 'a' ELSE NULL END",
            "VARCHAR",
        ),
        ("CASE q WHEN 1 THEN p END", "CASE s.q WHEN 1 THEN s.p END", "DECIMAL(18,2)"),
        ("if(q > 1, 1, 0)", "CASE WHEN s.q > 1 THEN 1 ELSE 0 END", "INTEGER"),
        ("3000000000", "3000000000", "BIGINT"),
        ("d + 7", "s.d + 7", "DATE"),
        ("q + d", "s.q + s.d", "DATE"),
        ("d - n", "s.d - CAST(s.n AS INT)", "DATE"),
        ("d - (q * 2)", "s.d - CAST((s.q * 2) AS INT)", "DATE"),
        ("d - d", "s.d - s.d", "BIGINT"),
        ('"q" + 1.50', "s.q + 1.50", "DECIMAL"),
        ("'it''s'", "'it''s'", "VARCHAR"),
        ("true", "TRUE", "BOOLEAN"),
    ],
)
def test_whitelisted_expressions_are_rebuilt(text: str, duckdb: str, type_: str) -> None:
    tree, sql_type = parse_expression(text, _resolve, "calculated[0].expr")
    assert (tree.sql("duckdb"), sql_type) == (duckdb, type_)


@pytest.mark.parametrize(
    ("text", "oracle"),
    [
        ("date_trunc('month', d)", 'TRUNC("S"."D", \'MM\')'),
        ("date_trunc('week', d)", 'TRUNC("S"."D", \'IW\')'),
        ("date_trunc('day', d)", 'TRUNC("S"."D", \'DD\')'),
        ("date_trunc('year', d)", 'TRUNC("S"."D", \'YYYY\')'),
        ("date_trunc('minute', ts)", 'TRUNC("S"."TS", \'MI\')'),
        ("year(d)", 'EXTRACT(YEAR FROM "S"."D")'),
        ("q % 3", 'MOD("S"."Q", 3)'),
        ("concat(t, t, t)", '"S"."T" || "S"."T" || "S"."T"'),
        ("d = '2024-01-31'", "\"S\".\"D\" = TO_DATE('2024-01-31', 'YYYY-MM-DD')"),
    ],
)
def test_expressions_render_validly_for_oracle(text: str, oracle: str) -> None:
    tree, _ = parse_expression(text, _resolve, "calculated[0].expr")
    assert render(tree, "oracle") == oracle


def test_expression_resolution_errors_keep_their_path() -> None:
    with pytest.raises(InvalidQuery) as raised:
        parse_expression("q + nope", _resolve, "calculated[0].expr")
    assert raised.value.path == "calculated[0].expr"


def test_reserved_words_are_quoted_in_every_dialect() -> None:
    select = exp.select(exp.column("order", table="user")).from_(exp.table_("select", alias="user"))
    assert render(select, "postgres") == 'SELECT "user"."order" FROM "select" AS "user"'
    assert render(select, "oracle") == 'SELECT "USER"."ORDER" FROM "SELECT" "USER"'


def test_oracle_booleans_become_numbers_or_conditions() -> None:
    select = (
        exp.select(exp.column("a")).from_("t").where(exp.false(), exp.column("flag").eq(exp.true()))
    )
    assert render(select, "oracle") == 'SELECT "A" FROM "T" WHERE 1 = 0 AND "FLAG" = 1'
    assert render(select, "duckdb") == 'SELECT "a" FROM "t" WHERE FALSE AND "flag" = TRUE'


_A_GT_1 = 'CASE WHEN "A" > 1 THEN 1 WHEN NOT ("A" > 1) THEN 0 END'


@pytest.mark.parametrize(
    ("sql", "oracle"),
    [
        ("SELECT a > 1 AS x FROM t", f'SELECT {_A_GT_1} AS "X" FROM "T"'),
        ("SELECT a FROM t GROUP BY a > 1", f'SELECT "A" FROM "T" GROUP BY {_A_GT_1}'),
        ("SELECT MAX(a > 1) FROM t", f'SELECT MAX({_A_GT_1}) FROM "T"'),
        ("SELECT a FROM t WHERE (a > 1) = TRUE", f'SELECT "A" FROM "T" WHERE {_A_GT_1} = 1'),
        (
            "SELECT NOT a IS NULL AS x FROM t",
            'SELECT CASE WHEN NOT "A" IS NULL THEN 1 WHEN NOT (NOT "A" IS NULL) THEN 0 END AS "X" '
            'FROM "T"',
        ),
        ("SELECT a FROM t WHERE a > 1 AND NOT b", 'SELECT "A" FROM "T" WHERE "A" > 1 AND NOT "B"'),
        (
            "SELECT CASE WHEN a > 1 THEN 'y' END FROM t",
            'SELECT CASE WHEN "A" > 1 THEN \'y\' END FROM "T"',
        ),
        (
            "SELECT a FROM t JOIN u ON t.a = u.a HAVING COUNT(*) > 1",
            'SELECT "A" FROM "T" JOIN "U" ON "T"."A" = "U"."A" HAVING COUNT(*) > 1',
        ),
    ],
)
def test_oracle_conditions_used_as_values_become_one_zero_or_null(sql: str, oracle: str) -> None:
    tree = sqlglot.parse_one(sql, read="duckdb")  # test text, not user input
    assert render(tree, "oracle") == oracle
    assert render(tree, "duckdb") == tree.sql("duckdb", identify=True)


def test_unknown_dialect_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="unknown dialect 'mysql'"):
        render(exp.select(exp.Literal.number(1)), "mysql")


def test_postgres_round_with_decimals_casts_to_numeric() -> None:
    tree, _ = parse_expression("round(q / 3, 1)", _resolve, "calculated[0].expr")
    assert render(tree, "postgres") == (
        'ROUND(CAST(CAST("s"."q" AS DOUBLE PRECISION) / 3 AS DECIMAL), 1)'
    )
