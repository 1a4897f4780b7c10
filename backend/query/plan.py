"""The state the compiler's steps pass along: immutable, each step returns a new one.

Expressions in a plan are over *qualified* columns (`"alias"."column"`); only the CTE step
strips the qualifier when it moves a predicate into a dataset's own CTE.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from backend.query.budget import Budget
from backend.query.context import CompileContext, OutputColumn
from backend.query.names import Scope
from backend.query.spec import JoinType, QuerySpec


@dataclass(frozen=True)
class Output:
    """One result column: its output name (the SQL alias) and the expression behind it."""

    name: str
    expr: exp.Expr
    info: OutputColumn


@dataclass(frozen=True)
class JoinStep:
    """A dataset joined onto the ones before it, with the equalities that join it."""

    alias: str
    type: JoinType
    conditions: tuple[exp.Expr, ...]


@dataclass(frozen=True)
class Cte:
    """The CTE of one dataset occurrence: `name` in WITH, read back as `alias`."""

    alias: str
    name: str
    select: exp.Select


@dataclass(frozen=True)
class Plan:
    spec: QuerySpec
    ctx: CompileContext
    scope: Scope = field(default_factory=Scope)
    joins: tuple[JoinStep, ...] = ()
    outputs: tuple[Output, ...] = ()
    group_by: tuple[exp.Expr, ...] = ()
    where: tuple[exp.Expr, ...] = ()
    pushed: tuple[tuple[str, exp.Expr], ...] = ()
    having: tuple[exp.Expr, ...] = ()
    order: tuple[exp.Ordered, ...] = ()
    ctes: tuple[Cte, ...] = ()
    join_order: tuple[str, ...] = ()
    tree: exp.Select | None = None
    paged: exp.Select | None = None
    notes: tuple[str, ...] = ()
    # Shared by the steps of one compile (the one mutable thing here): what they have built.
    budget: Budget = field(default_factory=Budget, compare=False, repr=False)

    def but(self, **changes: Any) -> Plan:
        """A copy with `changes`; steps never mutate a plan."""
        return dataclasses.replace(self, **changes)

    def output(self, name: str) -> Output | None:
        return next((o for o in self.outputs if o.name == name), None)

    @property
    def base(self) -> str:
        return self.scope.sources[0].alias
