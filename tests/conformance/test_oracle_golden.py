"""Oracle: the SQL of every conformance spec is pinned in `golden_oracle.sql`, parses back
with sqlglot's Oracle dialect, passes the adapter's single-SELECT guard, and keeps the
constructs reviewed by hand (dates, booleans, LIKE ESCAPE, paging, quoting, CASE,
COUNT(DISTINCT), FULL JOIN) in their Oracle form.

Regenerate after an intended change: `AURORA_UPDATE_GOLDEN=1 pytest tests/conformance`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import pytest
import sqlglot
from sqlglot import exp

from adapters.guard import ensure_select_sql
from backend.catalog.models import Dataset
from backend.query.compiler import compile_query
from backend.query.context import CompileContext
from backend.query.render import render
from backend.query.spec import QuerySpec
from tests.conformance.oracle import GOLDEN, oracle_datasets, read_golden, write_golden
from tests.conformance.specs import SPECS
from tests.conformance.targets import Target

UPDATE = os.environ.get("AURORA_UPDATE_GOLDEN") == "1"


def oracle_sql(datasets: Callable[[str], Dataset], name: str) -> str:
    case = SPECS[name]
    ctx = CompileContext(dataset=datasets, dialect="oracle", rls=case.rls)
    return render(
        compile_query(QuerySpec.model_validate(case.spec), ctx).tree, "oracle", pretty=True
    )


@pytest.fixture(scope="module")
def statements(duck: Target) -> dict[str, str]:
    datasets = oracle_datasets(duck.catalog)
    fresh = {name: oracle_sql(datasets, name) for name in SPECS}
    if UPDATE:
        GOLDEN.write_text(write_golden(fresh), encoding="utf-8")
    return fresh


@pytest.fixture(scope="module")
def golden(statements: dict[str, str]) -> dict[str, str]:
    """The pinned statements (read after `statements`, which rewrites them when updating)."""
    return read_golden(GOLDEN.read_text(encoding="utf-8"))


def test_every_spec_has_a_golden_statement(golden: dict[str, str]) -> None:
    assert sorted(golden) == sorted(SPECS)


@pytest.mark.parametrize("name", list(SPECS))
def test_oracle_sql_matches_golden(
    name: str, statements: dict[str, str], golden: dict[str, str]
) -> None:
    assert statements[name] == golden.get(name)


@pytest.mark.parametrize("name", list(SPECS))
def test_golden_statement_parses_back_as_one_oracle_select(
    name: str, golden: dict[str, str]
) -> None:
    sql = golden[name]
    tree = sqlglot.parse_one(sql, read="oracle")
    assert isinstance(tree, exp.Select)
    ensure_select_sql(sql, "oracle")
    again = tree.sql("oracle", identify=True)
    assert sqlglot.parse_one(again, read="oracle") == tree  # stable through a round trip


def _all(golden: dict[str, str]) -> str:
    return "\n".join(golden.values())


def _without_strings(sql: str) -> str:
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def test_dates_and_timestamps_use_explicit_formats(golden: dict[str, str]) -> None:
    text = _without_strings(_all(golden))
    assert "TO_DATE(''" in text and "TO_TIMESTAMP(''" in text
    for literal in ("DATE ''", "TIMESTAMP ''", "AS DATE)", "AS TIMESTAMP)"):
        assert literal not in text, literal
    assert not re.search(r"DATE_TRUNC|TIMESTAMP_TRUNC", text)


def test_booleans_are_numbers_and_conditions(golden: dict[str, str]) -> None:
    for name, sql in golden.items():
        assert not re.search(r"\b(TRUE|FALSE)\b", _without_strings(sql)), name
    assert '"ACTIVE" = 1' in golden["bool_true"] and "1 = 0" in golden["rls_no_rows"]


@pytest.mark.parametrize("name", list(SPECS))
def test_no_condition_is_selected_as_a_value(name: str, golden: dict[str, str]) -> None:
    tree = sqlglot.parse_one(golden[name], read="oracle")
    for select in tree.find_all(exp.Select):
        for item in select.expressions:
            value = item.this if isinstance(item, exp.Alias) else item
            if isinstance(value, exp.Predicate | exp.Connector | exp.Not):
                pytest.fail(f"{value.sql('oracle')} is a condition in the select list")


def test_every_like_escapes_its_wildcards(golden: dict[str, str]) -> None:
    likes = [s for s in golden.values() if " LIKE " in s]
    assert len(likes) > 20
    for sql in likes:
        assert sql.count(" LIKE ") == sql.count(" ESCAPE '\\'"), sql
    assert "LIKE LOWER('%\\%%') ESCAPE '\\'" in golden["text_contains_percent"]
    assert "LIKE LOWER('%\\_%') ESCAPE '\\'" in golden["text_contains_underscore"]
    assert "LIKE LOWER('o''%') ESCAPE '\\'" in golden["text_starts_with_quote"]
    assert "ILIKE" not in _all(golden)


def test_paging_is_offset_fetch_never_limit(golden: dict[str, str]) -> None:
    assert "LIMIT" not in _without_strings(_all(golden))
    assert golden["page_3_of_7_sorted_with_ties"].endswith(
        "OFFSET 14 ROWS\nFETCH FIRST 7 ROWS ONLY"
    )
    assert golden["page_1_of_7_sorted_with_ties"].endswith("\nFETCH FIRST 7 ROWS ONLY")


def test_names_are_quoted_upper_case_and_table_aliases_have_no_as(golden: dict[str, str]) -> None:
    text = _without_strings(_all(golden))
    assert not re.search(r'"[a-z_]+"', text), "a lower-case quoted name would not match"
    assert not re.search(r'FROM "\w+" AS', text) and not re.search(r'JOIN "\w+" AS', text)
    assert 'FROM "SALES_ROWS" "SALES"' in golden["join_full"]


def test_case_count_distinct_and_full_join_keep_their_form(golden: dict[str, str]) -> None:
    assert "CASE\n    WHEN" in golden["calc_case_when"] and "END AS" in golden["calc_case_when"]
    assert 'COUNT(DISTINCT "SALES"."QUANTITY")' in golden["agg_count_distinct_quantity_by_region"]
    assert 'FULL JOIN "ITEMS_ROWS" "ITEMS"' in golden["join_full"]
    assert "MOD(" in golden["calc_modulo"] and "TRUNC(" in golden["calc_trunc_month_of_date"]
