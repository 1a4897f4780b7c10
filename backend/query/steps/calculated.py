"""Steps: calculated fields and measures become names in the scope."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sqlglot import exp

from backend.catalog.labels import label_from_name
from backend.catalog.models import type_kind
from backend.errors import InvalidQuery
from backend.query.budget import tree_size
from backend.query.expressions import parse_expression
from backend.query.names import Ref, Scope, columns_in
from backend.query.plan import Plan
from backend.query.spec import Agg, Measure
from backend.query.steps.conditional import conditional_value

MAX_EXPANDED_NODES = 2_000  # a field built from fields is inlined; keep the result bounded


def define_calculated(plan: Plan) -> Plan:
    """Parse each calculated field (it may use the fields before it) into the scope.

    >>> from tests.query.catalog import plan_for
    >>> from backend.query.steps.sources import resolve_sources
    >>> p = define_calculated(resolve_sources(plan_for({"dataset": "global_sales",
    ...     "calculated": [{"name": "margin", "expr": "revenue - cost"}]})))
    >>> p.scope.calculated["margin"].expr.sql()
    'global_sales.revenue - global_sales.cost'
    """
    scope = plan.scope
    for i, calc in enumerate(plan.spec.calculated):
        path = f"calculated[{i}]"
        _check_free(scope, calc.name, f"{path}.name")
        charge = _charger(plan, "calculated fields", f"calculated field '{calc.name}'", path)
        tree, sql_type = parse_expression(calc.expr, _resolver(scope, path), f"{path}.expr", charge)
        size = tree_size(tree)
        if size > MAX_EXPANDED_NODES:
            raise InvalidQuery(
                f"{calc.name} grows too large once its fields are inlined", path=path
            )
        label = label_from_name(calc.name)
        ref = Ref(calc.name, tree, sql_type, label, aliases=_aliases(tree), size=size)
        scope = Scope(scope.sources, {**scope.calculated, calc.name: ref}, scope.measures)
    return plan.but(scope=scope)


def _charger(plan: Plan, part: str, what: str, path: str) -> Callable[[int], None]:
    return lambda nodes: plan.budget.charge(part, nodes, what, path)


def _resolver(scope: Scope, path: str) -> Callable[[str], Ref]:
    return lambda name: scope.resolve(name, f"{path}.expr")


def _check_free(scope: Scope, name: str, path: str) -> None:
    folded = name.casefold()
    if any(n.casefold() == folded for n in scope.calculated):
        raise InvalidQuery(f"two calculated fields are named '{name}'", path=path)
    for source in scope.sources:
        if any(c.name.casefold() == folded for c in source.dataset.columns):
            raise InvalidQuery(
                f"calculated field '{name}' has the name of a column of {source.alias}; "
                "pick another name",
                path=path,
            )


def _aliases(tree: exp.Expr) -> frozenset[str]:
    return frozenset(alias for alias, _ in columns_in(tree))


def define_measures(plan: Plan) -> Plan:
    """Each measure becomes an aggregate over a column, a calculated field or an expression.

    >>> from tests.query.catalog import plan_for
    >>> from backend.query.steps.sources import resolve_sources
    >>> p = define_measures(resolve_sources(plan_for({"dataset": "global_sales", "measures": [
    ...     {"agg": "count_distinct", "column": "employee_id", "alias": "sellers"}]})))
    >>> p.scope.measures["sellers"].expr.sql(), p.scope.measures["sellers"].type
    ('COUNT(DISTINCT global_sales.employee_id)', 'BIGINT')
    """
    measures: dict[str, Ref] = {}
    folded: set[str] = set()
    for i, measure in enumerate(plan.spec.measures):
        path = f"measures[{i}]"
        if measure.alias.casefold() in folded:
            raise InvalidQuery(f"two measures are named '{measure.alias}'", path=f"{path}.alias")
        folded.add(measure.alias.casefold())
        charge = _charger(plan, "measures", f"measure '{measure.alias}'", path)
        measures[measure.alias] = _measure(plan.scope, measure, path, charge)
    return plan.but(scope=Scope(plan.scope.sources, plan.scope.calculated, measures))


def _measure(scope: Scope, measure: Measure, path: str, charge: Callable[[int], None]) -> Ref:
    """The aggregate; `charge` is told the size of each piece before it is built."""
    arg = _argument(scope, measure, path, charge)
    value = arg.expr if arg is not None else exp.Star()
    value, read = conditional_value(scope, measure, value, path, charge)
    aggregate = _aggregate(measure.agg, value)
    return Ref(
        name=measure.alias,
        expr=aggregate,
        type=_result_type(measure.agg, arg, path),
        label=measure.label or label_from_name(measure.alias),
        format=arg.format if arg is not None and measure.agg not in _COUNTS else None,
        aliases=(arg.aliases if arg is not None else frozenset()) | read,
        measure=True,
        size=tree_size(aggregate),
    )


def _argument(
    scope: Scope, measure: Measure, path: str, charge: Callable[[int], None]
) -> Ref | None:
    """What the measure aggregates, as a tree of its own (a copy of a column or field)."""
    if measure.column is not None:
        ref = scope.resolve(measure.column, f"{path}.column")
        charge(ref.size)
        return dataclasses.replace(ref, expr=ref.expr.copy())
    if measure.expr is not None:
        resolve = _resolver(scope, path)
        tree, sql_type = parse_expression(measure.expr, resolve, f"{path}.expr", charge)
        return Ref(measure.alias, tree, sql_type, measure.alias, aliases=_aliases(tree))
    return None


_COUNTS = (Agg.COUNT, Agg.COUNT_DISTINCT)


def _aggregate(agg: Agg, value: exp.Expr) -> exp.Expr:
    if agg is Agg.COUNT_DISTINCT:
        return exp.Count(this=exp.Distinct(expressions=[value]))
    node = {Agg.SUM: exp.Sum, Agg.AVG: exp.Avg, Agg.MIN: exp.Min, Agg.MAX: exp.Max}
    return node.get(agg, exp.Count)(this=value)


def _result_type(agg: Agg, arg: Ref | None, path: str) -> str:
    """DuckDB's result type: SUM of integers is HUGEINT, of DECIMAL(p,s) DECIMAL(38,s)."""
    if agg in _COUNTS or arg is None:
        return "BIGINT"
    kind = type_kind(arg.type)
    if agg in (Agg.MIN, Agg.MAX) and kind == "boolean":
        # PostgreSQL has no MIN/MAX of a boolean (only BOOL_AND/BOOL_OR).
        raise InvalidQuery(
            f"{agg.value} of true/false values ({arg.name}) is not supported; count the rows "
            "where it holds instead (count with a where)",
            path=f"{path}.agg",
        )
    if agg in (Agg.MIN, Agg.MAX):
        return arg.type
    if kind not in ("integer", "decimal", "float"):
        raise InvalidQuery(
            f"{agg.value} needs numbers; {arg.name} is {arg.type}", path=f"{path}.agg"
        )
    if agg is Agg.AVG or kind == "float":
        return "DOUBLE"
    if kind == "integer":
        return "HUGEINT"
    scale = arg.type.partition(",")[2].rstrip(") ").strip() or "0"
    return f"DECIMAL(38,{scale})"
