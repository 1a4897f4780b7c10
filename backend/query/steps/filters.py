"""Step: the filter tree becomes WHERE conjuncts (pushed into a dataset's CTE when that is
safe), the rest of WHERE, and HAVING.

The tree is split on its top-level ANDs (nested non-negated AND groups are flattened).
Each conjunct then goes:
- to HAVING when it reads a measure alias; a conjunct mixing measures with other columns
  is allowed only when those columns are group-by columns, else it cannot be placed;
- into the CTE of dataset `a` when it reads only `a`'s columns and `a` is not on the
  null-supplying side of an outer join (there, filtering before the join would keep rows the
  filter removes after it);
- else into the outer WHERE, above the joins.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlglot import exp

from backend.errors import InvalidQuery
from backend.query.budget import condition_size
from backend.query.names import Ref, Source
from backend.query.operators import condition_sql
from backend.query.plan import Plan
from backend.query.spec import Condition, FilterGroup, FilterNode, JoinType


@dataclass(frozen=True)
class Predicate:
    """A filter conjunct as SQL, with the names it read."""

    sql: exp.Expr
    refs: tuple[Ref, ...]
    path: str

    @property
    def aliases(self) -> frozenset[str]:
        return frozenset().union(*(r.aliases for r in self.refs))


def split_filters(plan: Plan) -> Plan:
    """Place each top-level conjunct of the filters in a CTE, the WHERE or the HAVING.

    >>> from tests.query.catalog import plan_for
    >>> from backend.query.compiler import run_steps
    >>> p = run_steps(plan_for({"dataset": "global_sales", "group_by": ["region"],
    ...     "measures": [{"agg": "count", "alias": "n"}],
    ...     "filters": {"conditions": [{"column": "n", "operator": ">", "value": 5},
    ...                                {"column": "channel", "operator": "=", "value": "Web"}]}}),
    ...     until=split_filters)
    >>> [e.sql() for e in p.having], [(a, e.sql()) for a, e in p.pushed]
    (['COUNT(*) > 5'], [('global_sales', "global_sales.channel = 'Web'")])
    """
    groups = {o.expr for o in plan.outputs} if plan.spec.aggregated else set()
    outer = null_supplying(plan.scope.sources)
    where, pushed, having = [], [], []
    for node, path in _conjuncts(plan.spec.filters, "filters"):
        predicate = _predicate(plan, node, path)
        if predicate is None:
            continue
        if any(r.measure for r in predicate.refs):
            _check_having(predicate, groups)
            having.append(predicate.sql)
        elif len(predicate.aliases) == 1 and not predicate.aliases & outer:
            pushed.append((next(iter(predicate.aliases)), predicate.sql))
        else:
            where.append(predicate.sql)
    return plan.but(where=tuple(where), pushed=tuple(pushed), having=tuple(having))


def null_supplying(sources: tuple[Source, ...]) -> frozenset[str]:
    """Aliases whose rows an outer join may replace by NULLs: the right side of a LEFT join,
    everything before a RIGHT join, both sides of a FULL join."""
    found: set[str] = set()
    for i, source in enumerate(sources):
        if source.join_type in (JoinType.LEFT, JoinType.FULL):
            found.add(source.alias)
        if source.join_type in (JoinType.RIGHT, JoinType.FULL):
            found.update(s.alias for s in sources[:i])
    return frozenset(found)


def _conjuncts(group: FilterGroup | None, path: str) -> Iterator[tuple[FilterNode, str]]:
    if group is None or not group.conditions:
        return
    if group.op == "or" or group.negate:
        yield group, path
        return
    for i, node in enumerate(group.conditions):
        child = f"{path}.conditions[{i}]"
        if isinstance(node, FilterGroup):
            yield from _conjuncts(node, child)
        else:
            yield node, child


def _predicate(plan: Plan, node: FilterNode, path: str) -> Predicate | None:
    """The SQL of a condition or group; None for a group with no conditions at all."""
    if isinstance(node, Condition):
        ref = plan.scope.resolve(node.column, f"{path}.column", measures=plan.spec.aggregated)
        plan.budget.charge("filters", condition_size(node, ref.size), "the filters", path)
        return Predicate(condition_sql(node, ref, path), (ref,), path)
    parts = [
        part
        for i, child in enumerate(node.conditions)
        if (part := _predicate(plan, child, f"{path}.conditions[{i}]")) is not None
    ]
    if not parts:
        return None
    combine = exp.and_ if node.op == "and" else exp.or_
    sql = combine(*(p.sql for p in parts)) if len(parts) > 1 else parts[0].sql
    if node.negate:
        sql = exp.Not(this=exp.Paren(this=sql))
    return Predicate(sql, tuple(r for p in parts for r in p.refs), path)


def _check_having(predicate: Predicate, groups: set[exp.Expr]) -> None:
    for ref in predicate.refs:
        if not ref.measure and ref.expr not in groups:
            raise InvalidQuery(
                f"{predicate.path} mixes measures with '{ref.name}', which is not a group-by "
                "column; move that condition out of the group or group by it",
                path=predicate.path,
            )
