"""Steps: find the datasets of a query, give each occurrence an alias, check the join keys."""

from __future__ import annotations

from sqlglot import exp

from backend.catalog.models import Dataset, Kind, type_kind
from backend.errors import InvalidQuery
from backend.query.names import Scope, Source
from backend.query.plan import JoinStep, Plan
from backend.query.spec import Vintage

_FAMILIES: dict[Kind, str] = {
    "integer": "number",
    "decimal": "number",
    "float": "number",
    "text": "text",
    "date": "date",
    "timestamp": "date",
    "boolean": "boolean",
}


def resolve_sources(plan: Plan) -> Plan:
    """One `Source` per dataset occurrence: the base, then each join in written order.
    A dataset joined again without an alias gets `<key>_2`, `<key>_3`... (and a note).

    >>> from tests.query.catalog import plan_for
    >>> on = [{"left": "manager_id", "right": "employee_id"}]
    >>> p = resolve_sources(plan_for({"dataset": "employee_roster",
    ...                               "joins": [{"dataset": "employee_roster", "on": on}]}))
    >>> [s.alias for s in p.scope.sources]
    ['employee_roster', 'employee_roster_2']
    >>> p.notes
    ("joins[0] reads employee_roster as 'employee_roster_2'",)
    """
    spec, ctx = plan.spec, plan.ctx
    base = ctx.dataset(spec.dataset)
    sources = [Source(spec.dataset, base, "dataset", None, _vintage(plan, base))]
    notes: list[str] = []
    for i, join in enumerate(spec.joins):
        dataset = ctx.dataset(join.dataset)
        taken = {s.alias.casefold() for s in sources}
        alias = join.alias or _free_alias(join.dataset, taken)
        if join.alias is None and alias != join.dataset:
            notes.append(f"joins[{i}] reads {join.dataset} as '{alias}'")
        if alias.casefold() in taken:
            raise InvalidQuery(
                f"alias '{alias}' is used twice; give joins[{i}] another alias",
                path=f"joins[{i}].alias",
            )
        vintage = ctx.default_vintage(dataset)
        sources.append(Source(alias, dataset, f"joins[{i}]", join.type, vintage))
    return plan.but(scope=Scope(tuple(sources)), notes=plan.notes + tuple(notes))


def _free_alias(key: str, taken: set[str]) -> str:
    alias, n = key, 1
    while alias.casefold() in taken:
        n += 1
        alias = f"{key}_{n}"
    return alias


def _vintage(plan: Plan, dataset: Dataset) -> Vintage | None:
    wanted = plan.spec.vintage
    if wanted is not None and wanted.all_loads:
        return None
    if wanted is None or (wanted.load_type is None and wanted.load_id is None):
        return plan.ctx.default_vintage(dataset)
    columns = dataset.vintage
    if columns is None:
        raise InvalidQuery(f"dataset {dataset.key} has no load columns", path="vintage")
    for part in ("load_type", "load_id"):
        if getattr(wanted, part) is not None and getattr(columns, part) is None:
            raise InvalidQuery(f"dataset {dataset.key} has no {part} column", path="vintage")
    return wanted


def bind_joins(plan: Plan) -> Plan:
    """Resolve each join's `on` pairs: `left` among the datasets before it, `right` in the
    joined one; the two keys must be of one type family (numbers, text, dates, booleans).

    >>> from tests.query.catalog import plan_for
    >>> p = bind_joins(resolve_sources(plan_for({"dataset": "global_sales", "joins": [
    ...     {"dataset": "products", "on": [{"left": "product_id", "right": "product_id"}]}]})))
    >>> p.joins[0].conditions[0].sql()
    'global_sales.product_id = products.product_id'
    """
    scope, steps = plan.scope, []
    for i, join in enumerate(plan.spec.joins):
        conditions = []
        for j, pair in enumerate(join.on):
            path = f"joins[{i}].on[{j}]"
            before = scope.sources[: i + 1]
            left = scope.resolve(pair.left, f"{path}.left", among=before, calculated=False)
            right = scope.resolve(
                pair.right, f"{path}.right", among=(scope.sources[i + 1],), calculated=False
            )
            if _family(left.type) != _family(right.type):
                raise InvalidQuery(
                    f"cannot join {pair.left} ({left.type}) to {pair.right} ({right.type}): "
                    "the keys must both be numbers, text or dates",
                    path=path,
                )
            conditions.append(exp.EQ(this=left.expr, expression=right.expr))
        steps.append(JoinStep(scope.sources[i + 1].alias, join.type, tuple(conditions)))
    return plan.but(joins=tuple(steps))


def _family(sql_type: str) -> str:
    kind = type_kind(sql_type)
    return _FAMILIES.get(kind, f"other:{sql_type.upper()}")
