"""Name resolution: what a name written in the spec stands for.

A name is plain (`region`) or qualified (`employee_roster.region`, by alias or dataset key).
It resolves to a `Ref`: the sqlglot expression over qualified columns (`"alias"."column"`)
plus what the output needs to know (type, label, format, source).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlglot import exp

from backend.catalog.models import Column, Dataset
from backend.errors import InvalidQuery, UnknownColumn
from backend.query.spec import JoinType, Vintage

COLUMN_SIZE = 3  # a qualified column: Column(Identifier, table=Identifier)


@dataclass(frozen=True)
class Source:
    """One dataset occurrence in a query: the base (`join_type=None`) or a join."""

    alias: str
    dataset: Dataset
    path: str = "dataset"
    join_type: JoinType | None = None
    vintage: Vintage | None = None


@dataclass(frozen=True)
class Ref:
    """A resolved name. `aliases` are the datasets its expression reads; `source` is set when
    the name is exactly one dataset column. `size` counts the nodes of `expr` (what a copy
    costs the compile budget, known before copying)."""

    name: str
    expr: exp.Expr
    type: str
    label: str
    format: str | None = None
    source: str | None = None
    aliases: frozenset[str] = frozenset()
    measure: bool = False
    size: int = COLUMN_SIZE


def column_ref(alias: str, column: Column, name: str | None = None) -> Ref:
    """The reference to one column of one dataset occurrence.

    >>> from backend.catalog.models import Column
    >>> column_ref("gs", Column("region", "VARCHAR")).expr.sql()
    'gs.region'
    """
    return Ref(
        name=name or column.name,
        expr=exp.column(column.name, table=alias),
        type=column.type,
        label=column.display,
        format=column.format,
        source=alias,
        aliases=frozenset({alias}),
    )


def columns_in(expr: exp.Expr) -> Iterable[tuple[str, str]]:
    """(alias, column) pairs an expression over qualified columns reads."""
    for col in expr.find_all(exp.Column):
        yield col.table, col.name


@dataclass(frozen=True)
class Scope:
    """The names visible to a query: dataset columns, calculated fields, measure aliases."""

    sources: tuple[Source, ...] = ()
    calculated: Mapping[str, Ref] = field(default_factory=dict)
    measures: Mapping[str, Ref] = field(default_factory=dict)

    def source(self, alias: str) -> Source:
        return next(s for s in self.sources if s.alias == alias)

    def column(self, alias: str, name: str) -> Column:
        column = self.source(alias).dataset.column(name)
        assert column is not None, f"{alias}.{name} was resolved before"
        return column

    def resolve(
        self,
        name: str,
        path: str,
        *,
        among: tuple[Source, ...] | None = None,
        calculated: bool = True,
        measures: bool = False,
    ) -> Ref:
        """Resolve `name` written at JSON `path`; measure aliases win, then calculated fields,
        then columns (plain, then `qualifier.column`)."""
        if measures and name in self.measures:
            return self.measures[name]
        if calculated and name in self.calculated:
            return self.calculated[name]
        sources = self.sources if among is None else among
        found = _plain(name, sources, path) or _qualified(name, sources, path)
        if found is None:
            raise UnknownColumn(_unknown_message(name, self, sources), path=path)
        return column_ref(found[0].alias, found[1], name)


def _plain(name: str, sources: tuple[Source, ...], path: str) -> tuple[Source, Column] | None:
    hits = [(s, c) for s in sources if (c := _lookup(s.dataset, name)) is not None]
    if len(hits) > 1:
        both = " and ".join(f"'{s.alias}.{c.name}'" for s, c in hits)
        raise InvalidQuery(
            f"'{name}' is ambiguous: it could be {both}; qualify it at {path}", path=path
        )
    return hits[0] if hits else None


def _qualified(name: str, sources: tuple[Source, ...], path: str) -> tuple[Source, Column] | None:
    # Aliases may themselves contain dots, so try every split point, shortest qualifier first.
    for i, char in enumerate(name):
        if char != ".":
            continue
        named = sources_named(name[:i], sources, path)
        if len(named) == 1 and (column := _lookup(named[0].dataset, name[i + 1 :])) is not None:
            return named[0], column
    return None


def sources_named(qualifier: str, sources: tuple[Source, ...], path: str) -> list[Source]:
    """The sources a qualifier names: an alias exactly, else a dataset key (must be unique)."""
    by_alias = [s for s in sources if s.alias == qualifier]
    if by_alias:
        return by_alias
    by_key = [s for s in sources if s.dataset.key == qualifier]
    if len(by_key) > 1:
        aliases = ", ".join(s.alias for s in by_key)
        raise InvalidQuery(
            f"dataset '{qualifier}' appears more than once in the query; "
            f"qualify {path} with one of its aliases: {aliases}",
            path=path,
        )
    return by_key


def _lookup(dataset: Dataset, name: str) -> Column | None:
    """Exact name first; else a unique case-insensitive match (SQL names are case-blind)."""
    exact = dataset.column(name)
    if exact is not None:
        return exact
    folded = [c for c in dataset.columns if c.name.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def _unknown_message(name: str, scope: Scope, sources: tuple[Source, ...]) -> str:
    known = [c.name for s in sources for c in s.dataset.columns]
    known += [*scope.calculated, *scope.measures]
    close = difflib.get_close_matches(name, known, n=3)
    where = " or ".join(f"'{s.alias}'" for s in sources)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"unknown column '{name}' in {where}{hint}"
