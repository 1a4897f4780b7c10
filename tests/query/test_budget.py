"""The compile budget: a spec whose compiled query would be too big is refused with
`query_too_complex`, naming the part that is too big, before the big tree is built; specs
that are big but realistic still compile."""

from __future__ import annotations

from typing import Any

import pytest

from backend.errors import QueryTooComplex
from backend.query.budget import CompileLimits, check_spec
from backend.query.compiler import compile_query, render, run_steps
from backend.query.plan import Plan
from backend.query.spec import QuerySpec
from backend.query.steps.calculated import define_calculated
from tests.query.catalog import context

C0 = "+".join(["revenue"] * 60)


def _sum_chain() -> dict[str, Any]:
    """The issue's reproducer: c0 = 60-term sum, c1 = 6 x c0, a measure of 60 x c1."""
    return {
        "dataset": "global_sales",
        "calculated": [{"name": "c0", "expr": C0}, {"name": "c1", "expr": "+".join(["c0"] * 6)}],
        "measures": [{"agg": "sum", "alias": "m", "expr": "+".join(["c1"] * 60)}],
    }


def _many_measures() -> dict[str, Any]:
    """1,000 measures of about 200 nodes each, no calculated field at all."""
    terms = ["revenue"] * 65
    return {
        "dataset": "global_sales",
        "measures": [
            {"agg": "sum", "alias": f"m{i}", "expr": "+".join([*terms, str(i)])}
            for i in range(1_000)
        ],
    }


def _or_of_in_lists() -> dict[str, Any]:
    """An OR of 20 IN lists of 5,000 values."""
    lists = [
        {"column": "order_id", "operator": "in", "value": list(range(j * 5_000, (j + 1) * 5_000))}
        for j in range(20)
    ]
    return {"dataset": "global_sales", "filters": {"op": "or", "conditions": lists}}


def _field_used_everywhere() -> dict[str, Any]:
    """A field of ~900 nodes is fine once; used in 60 filters it is 60 copies."""
    uses = [{"column": "big", "operator": ">", "value": i} for i in range(60)]
    return {
        "dataset": "global_sales",
        "calculated": [{"name": "c0", "expr": C0}, {"name": "big", "expr": "c0+c0+c0+c0+c0"}],
        "columns": ["region"],
        "filters": {"conditions": uses},
    }


REPRODUCERS: dict[str, tuple[Any, str, str]] = {
    # name: (spec, words the message must hold, the JSON path it points at)
    "sum chain": (_sum_chain, "measure 'm' alone has", "measures[0]"),
    "many measures": (_many_measures, "Most of them are in its measures", "measures["),
    "IN lists": (_or_of_in_lists, "IN lists of this query hold 100,000 values", "filters."),
    "field used everywhere": (_field_used_everywhere, "Most of them are in its filters", "filt"),
}


@pytest.mark.parametrize("name", sorted(REPRODUCERS))
def test_a_pathological_spec_is_refused_as_too_complex(name: str) -> None:
    build, words, path = REPRODUCERS[name]
    with pytest.raises(QueryTooComplex) as refused:
        compile_query(QuerySpec.model_validate(build()), context())
    error = refused.value
    assert error.status == 422 and error.code == "query_too_complex"
    assert words in error.message and "QUERY_MAX_" in error.message
    assert error.details[0]["path"].startswith(path)


@pytest.mark.parametrize("name", ["many measures", "IN lists"])
def test_counts_over_the_budget_are_refused_before_anything_is_parsed(name: str) -> None:
    spec = QuerySpec.model_validate(REPRODUCERS[name][0]())
    with pytest.raises(QueryTooComplex):
        check_spec(spec, CompileLimits())


def test_an_inlined_expansion_is_refused_before_it_is_built() -> None:
    """The texts alone look small enough (a name counts one node before it is resolved);
    the fields are defined, and the measure over them is refused from their known sizes,
    before its tree of 18,000 nodes is built."""
    wide = "greatest(" + ", ".join(["revenue"] * 60) + ")"
    spec = {
        "dataset": "global_sales",
        "calculated": [
            {"name": "c0", "expr": wide},
            {"name": "c1", "expr": "greatest(" + ", ".join(["c0"] * 10) + ")"},
        ],
        "measures": [
            {"agg": "max", "alias": "m", "expr": "greatest(" + ", ".join(["c1"] * 10) + ")"}
        ],
    }
    plan = Plan(QuerySpec.model_validate(spec), context(limits=CompileLimits(max_nodes=15_000)))
    defined = run_steps(plan, until=define_calculated)
    assert 1_000 < defined.budget.total < 3_000
    with pytest.raises(QueryTooComplex, match="measure 'm' alone has 18,"):
        run_steps(plan)


@pytest.mark.parametrize(
    ("limits", "spec", "words"),
    [
        (
            CompileLimits(max_joins=1),
            {
                "dataset": "global_sales",
                "joins": [
                    {"dataset": "products", "on": [{"left": "product_id", "right": "product_id"}]},
                    {
                        "dataset": "employee_roster",
                        "on": [{"left": "employee_id", "right": "employee_id"}],
                    },
                ],
            },
            "joins 2 datasets; at most 1 (QUERY_MAX_JOINS)",
        ),
        (
            CompileLimits(max_measures=3),
            {
                "dataset": "global_sales",
                "measures": [{"agg": "count", "alias": f"n{i}"} for i in range(4)],
            },
            "4 measures; at most 3 (QUERY_MAX_MEASURES)",
        ),
        (
            CompileLimits(max_nodes=100),
            {"dataset": "global_sales", "calculated": [{"name": "c", "expr": C0}]},
            "calculated field 'c' alone has",
        ),
    ],
)
def test_each_limit_is_a_setting(limits: CompileLimits, spec: dict[str, Any], words: str) -> None:
    with pytest.raises(QueryTooComplex, match=words.replace("(", r"\(").replace(")", r"\)")):
        compile_query(QuerySpec.model_validate(spec), context(limits=limits))


def _pivot_like(measures: int) -> dict[str, Any]:
    """What a wide pivot sends: one conditional aggregate per (pivot value, value column)."""
    return {
        "dataset": "global_sales",
        "group_by": ["region", "channel"],
        "measures": [
            {
                "agg": "sum",
                "alias": f"m{i}",
                "column": "revenue",
                "where": {
                    "conditions": [
                        {"column": "product_id", "operator": "=", "value": i},
                        {"column": "department", "operator": "=", "value": f"d{i % 7}"},
                    ]
                },
            }
            for i in range(measures)
        ],
    }


def _long_lists() -> dict[str, Any]:
    """Two pasted lists of 5,000 ids each: the most one query may list."""
    return {
        "dataset": "global_sales",
        "columns": ["order_id", "revenue"],
        "filters": {
            "conditions": [
                {"column": "order_id", "operator": "in", "value": list(range(5_000))},
                {"column": "product_id", "operator": "not_in", "value": list(range(5_000))},
            ]
        },
    }


def _fields_built_on_fields() -> dict[str, Any]:
    calculated = [{"name": "k0", "expr": "revenue - cost"}] + [
        {"name": f"k{i}", "expr": f"k{i - 1} * 2 + quantity"} for i in range(1, 10)
    ]
    return {
        "dataset": "global_sales",
        "calculated": calculated,
        "group_by": ["region"],
        "measures": [
            {"agg": "sum", "alias": f"m{i}", "expr": f"k{i % 10} + {i}"} for i in range(200)
        ],
        "filters": {"conditions": [{"column": "k9", "operator": ">", "value": 0}]},
    }


@pytest.mark.parametrize(
    "build",
    [lambda: _pivot_like(200), _long_lists, _fields_built_on_fields],
    ids=["pivot_like_200", "long_lists", "fields_built_on_fields"],  # the same in every worker
)
def test_big_but_realistic_specs_still_compile(build: Any) -> None:
    compiled = compile_query(QuerySpec.model_validate(build()), context())
    assert render(compiled.tree, "duckdb").startswith("WITH")
