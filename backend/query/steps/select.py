"""Steps: mandatory filters, and the result columns (column pruning starts here)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from backend.errors import InvalidQuery
from backend.query.buckets import group_ref
from backend.query.context import OutputColumn
from backend.query.names import Ref, Scope, column_ref
from backend.query.plan import Output, Plan
from backend.query.spec import Condition, FilterGroup


def require_mandatory_filters(plan: Plan) -> Plan:
    """Every column a dataset lists in `mandatory_filters` needs a condition somewhere in
    the filters (any operator, any depth). Columns the caller cannot see are not required.

    >>> from tests.query.catalog import plan_for
    >>> from backend.query.steps.sources import resolve_sources
    >>> require_mandatory_filters(resolve_sources(plan_for({"dataset": "big_events"})))
    Traceback (most recent call last):
    backend.errors.InvalidQuery: add a filter on Event date (big_events)
    """
    filtered = {_target(plan.scope, c) for c in _conditions(plan.spec.filters)}
    for source in plan.scope.sources:
        for name in source.dataset.mandatory_filters:
            column = source.dataset.column(name)
            if column is not None and (source.alias, column.name) not in filtered:
                raise InvalidQuery(
                    f"add a filter on {column.display} ({source.alias})", path="filters"
                )
    return plan


def _conditions(group: FilterGroup | None) -> Iterator[Condition]:
    for node in group.conditions if group else ():
        if isinstance(node, Condition):
            yield node
        else:
            yield from _conditions(node)


def _target(scope: Scope, condition: Condition) -> tuple[str | None, str]:
    try:
        ref = scope.resolve(condition.column, "filters", calculated=False)
    except InvalidQuery:
        return None, ""  # reported with its exact path by the filter step
    return ref.source, ref.expr.name


def select_outputs(plan: Plan) -> Plan:
    """The result columns: group-by columns then measures when aggregated (`columns` is
    then ignored, with a note); else `columns`, or every visible column when empty.

    >>> from tests.query.catalog import plan_for
    >>> from backend.query.steps.sources import resolve_sources
    >>> p = select_outputs(resolve_sources(plan_for(
    ...     {"dataset": "products", "columns": ["category", "products.list_price"]})))
    >>> [(o.name, o.expr.sql()) for o in p.outputs]
    [('category', 'products.category'), ('products.list_price', 'products.list_price')]
    """
    if not plan.spec.aggregated:
        refs = _detail_refs(plan)
        return plan.but(outputs=_outputs(plan, refs, "columns"))
    groups = _unique(
        group_ref(plan.scope, entry, f"group_by[{i}]") for i, entry in enumerate(plan.spec.group_by)
    )
    for i, measure in enumerate(plan.spec.measures):
        if any(g.name.casefold() == measure.alias.casefold() for g in groups):
            raise InvalidQuery(
                f"measure alias '{measure.alias}' is also a group-by column; rename it",
                path=f"measures[{i}].alias",
            )
    notes = ("columns are ignored in a grouped query",) if plan.spec.columns else ()
    outputs = _outputs(plan, groups, "group-by columns")
    outputs += _outputs(plan, list(plan.scope.measures.values()), "measures")
    return plan.but(
        outputs=outputs,
        group_by=tuple(g.expr for g in groups),
        notes=plan.notes + notes,
    )


def _detail_refs(plan: Plan) -> list[Ref]:
    if plan.spec.columns:
        return _unique(
            plan.scope.resolve(name, f"columns[{i}]") for i, name in enumerate(plan.spec.columns)
        )
    sources = plan.scope.sources
    counts: dict[str, int] = {}
    for source in sources:
        for column in source.dataset.visible_columns:
            counts[column.name] = counts.get(column.name, 0) + 1
    return [
        column_ref(s.alias, c, c.name if counts[c.name] == 1 else f"{s.alias}.{c.name}")
        for s in sources
        for c in s.dataset.visible_columns
    ]


def _unique(refs: Iterator[Ref]) -> list[Ref]:
    """Drop repeats of a name (case-blind: Oracle would fold them into one)."""
    seen: dict[str, Ref] = {}
    for ref in refs:
        seen.setdefault(ref.name.casefold(), ref)
    return list(seen.values())


def _outputs(plan: Plan, refs: list[Ref], part: str) -> tuple[Output, ...]:
    """The outputs of `refs`, each charged to the budget before its expression is copied."""
    outputs = []
    for i, ref in enumerate(refs):
        what = f"measure '{ref.name}'" if ref.measure else f"column '{ref.name}'"
        plan.budget.charge(part, ref.size, what, f"{_KEYS[part]}[{i}]")
        info = OutputColumn(ref.name, ref.label, ref.type, ref.format, ref.source)
        outputs.append(Output(name=ref.name, expr=ref.expr.copy(), info=info))
    return tuple(outputs)


_KEYS = {"columns": "columns", "group-by columns": "group_by", "measures": "measures"}


def select_list(plan: Plan) -> list[exp.Expr]:
    """The SELECT expressions: each output under its name."""
    return [exp.alias_(o.expr.copy(), exp.to_identifier(o.name)) for o in plan.outputs]
