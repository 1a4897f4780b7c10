"""What a declared materialization holds: its inputs, join, columns, and the query that
builds it. Names are resolved by the compiler's own steps, so a declaration means exactly
what the same joins and columns mean in a query spec."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from sqlglot import exp

from backend.catalog.models import Dataset
from backend.errors import InvalidQuery
from backend.materialize.schema import MaterializationIn
from backend.query.context import CompileContext
from backend.query.plan import JoinStep, Plan
from backend.query.spec import JoinType, QuerySpec
from backend.query.steps.ctes import relation
from backend.query.steps.sources import bind_joins, resolve_sources

Pair = tuple[str, str]  # (alias, column)
JoinKind = Literal["inner", "left"]


@dataclass(frozen=True)
class JoinShape:
    """One join as the rewrite compares it: the joined alias, inner or left, and its ON
    equalities, each an unordered pair of (alias, column)."""

    alias: str
    kind: JoinKind
    on: frozenset[frozenset[Pair]]


@dataclass(frozen=True)
class Layout:
    name: str
    base: str
    keys: Mapping[str, str]  # alias -> dataset key
    relations: Mapping[str, str]  # alias -> relation of that dataset
    joins: tuple[JoinShape, ...]
    columns: Mapping[Pair, str]  # (alias, column) -> column of the materialized relation
    select: exp.Select  # builds it: the whole join, no vintage, no row security

    @property
    def left_joined(self) -> frozenset[str]:
        return frozenset(j.alias for j in self.joins if j.kind == "left")


def layout_for(definition: MaterializationIn, dataset: Callable[[str], Dataset]) -> Layout:
    """Resolve a declaration against the catalog (`dataset` looks a key up, unfiltered).
    Raises InvalidQuery for unknown datasets or columns, bad join keys, or a join type the
    rewrite cannot use (right and full joins would change rows when filters move)."""
    for i, join in enumerate(definition.joins):
        if join.type not in (JoinType.INNER, JoinType.LEFT):
            raise InvalidQuery("a materialization joins inner or left only", path=f"joins[{i}]")
    spec = QuerySpec(dataset=definition.dataset, joins=definition.joins)
    plan = bind_joins(resolve_sources(Plan(spec, CompileContext(dataset=dataset))))
    sources = plan.scope.sources
    pairs = list(dict.fromkeys(_pair(plan, name, i) for i, name in enumerate(definition.columns)))
    joins = tuple(
        JoinShape(step.alias, "left" if step.type == JoinType.LEFT else "inner", on_pairs(step))
        for step in plan.joins
    )
    columns = _names(pairs)
    keys = {s.alias: s.dataset.key for s in sources}
    relations = {s.alias: s.dataset.relation for s in sources}
    layout = Layout(
        definition.name, sources[0].alias, keys, relations, joins, columns, exp.select()
    )
    return replace(layout, select=build_select(layout, plan))


def _pair(plan: Plan, name: str, i: int) -> Pair:
    ref = plan.scope.resolve(name, f"columns[{i}]", calculated=False)
    assert isinstance(ref.expr, exp.Column)
    return ref.expr.table, ref.expr.name


def on_pairs(step: JoinStep) -> frozenset[frozenset[Pair]]:
    found = set()
    for condition in step.conditions:
        assert isinstance(condition, exp.EQ)
        left, right = condition.this, condition.expression
        found.add(frozenset({(left.table, left.name), (right.table, right.name)}))
    return frozenset(found)


def _names(pairs: list[Pair]) -> dict[Pair, str]:
    """A column keeps its name when no other kept column has it, else `<alias>__<name>`."""
    counts = Counter(column for _, column in pairs)
    names = {p: p[1] if counts[p[1]] == 1 else f"{p[0]}__{p[1]}" for p in pairs}
    if len(set(names.values())) != len(names):
        raise InvalidQuery("two columns of this materialization would get the same name")
    return names


def build_select(layout: Layout, plan: Plan) -> exp.Select:
    """SELECT <alias.column AS name, ...> FROM <base> JOIN ... ON ... (nothing else)."""
    outputs = [
        exp.alias_(exp.column(column, table=alias), name, quoted=True)
        for (alias, column), name in layout.columns.items()
    ]
    select = exp.select(*outputs).from_(_table(layout, layout.base))
    for step in plan.joins:
        select = select.join(
            _table(layout, step.alias),
            on=exp.and_(*(c.copy() for c in step.conditions)),
            join_type=step.type.value,
        )
    return select


def _table(layout: Layout, alias: str) -> exp.Table:
    table = relation(layout.relations[alias])
    table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return table
