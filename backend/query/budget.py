"""The compile budget: one size limit for the whole compiled query, enforced while it is built.

Each list of a spec is bounded (`backend.query.spec`), but sizes multiply once calculated
fields are inlined: `c1 = c0+c0+...` copies c0 at each use and a measure over c1 copies c1,
so three short texts make a tree of a million nodes, and building and rendering it holds a
worker for minutes. So the whole query has one budget (`CompileLimits`): expression nodes
(definitions and every use of a calculated field or measure counted), IN-list values in
total, measures and joins. It is checked twice, and never after the fact:

1. `check_spec`, before anything is parsed: the counts in the spec, and a lower bound of the
   nodes read off the expression texts by a regular expression (a calculated field's bound
   multiplied in at each use). Pathological specs stop here, in microseconds, without the
   cost of parsing a thousand expressions.
2. `Budget.charge`, while compiling: every expression is sized before it is copied into the
   plan (a calculated field's exact size is known once it is built), so an expansion over
   the budget is never materialized.

Over either: `QueryTooComplex` (422 `query_too_complex`), naming the part that is too big.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB

from backend.errors import QueryTooComplex
from backend.query.operators import split_list
from backend.query.spec import Condition, FilterGroup, FilterNode, Op, QuerySpec


@dataclass(frozen=True)
class CompileLimits:
    """How big one compiled query may be (settings `QUERY_MAX_*`)."""

    max_nodes: int = 50_000
    max_in_values: int = 10_000
    max_measures: int = 1_000
    max_joins: int = 8
    max_depth: int = 24

    @classmethod
    def of(cls, settings: Any) -> CompileLimits:
        """From `backend.config.Settings` (duck-typed: the compiler imports no config)."""
        return cls(
            max_nodes=settings.query_max_nodes,
            max_in_values=settings.query_max_in_values,
            max_measures=settings.query_max_measures,
            max_joins=settings.query_max_joins,
            max_depth=settings.query_max_depth,
        )


class Budget:
    """The expression nodes one compile has built so far, by part of the query.

    The one mutable object a plan carries: the steps of one compile share it, and each
    charges what it is about to build *before* building it.

    >>> b = Budget(CompileLimits(max_nodes=10))
    >>> b.charge("measures", 6, "measure 'm'", "measures[0].expr")
    >>> b.charge("measures", 6, "measure 'n'", "measures[1].expr")
    Traceback (most recent call last):
    backend.errors.QueryTooComplex: This query is too large to compile: it has 12 parts \
(expression nodes, calculated fields counted at each use), more than the 10 a query may \
have (QUERY_MAX_NODES). Most of them are in its measures (12); the largest is measure 'm' \
(6, at measures[0].expr). Use fewer or simpler measures.
    """

    def __init__(self, limits: CompileLimits | None = None, *, at_least: bool = False) -> None:
        self.limits = limits or CompileLimits()
        self.total = 0
        self._parts: Counter[str] = Counter()
        self._items: Counter[tuple[str, str]] = Counter()
        self._at_least = at_least  # counting a lower bound: say "at least"

    def charge(self, part: str, nodes: int, what: str, path: str) -> None:
        """Count `nodes` for `what` (at JSON `path`) in `part`; refuse past the limit."""
        self.total += nodes
        self._parts[part] += nodes
        self._items[what, path] += nodes
        if self.total > self.limits.max_nodes:
            raise self._refusal()

    def _refusal(self) -> QueryTooComplex:
        (what, path), size = self._items.most_common(1)[0]
        part, in_part = self._parts.most_common(1)[0]
        limit, more = self.limits.max_nodes, "at least " if self._at_least else ""
        if size > limit:
            message = (
                f"This query is too large to compile: {what} alone has {more}{size:,} parts "
                "(expression nodes, with the calculated fields it uses written out), more "
                f"than the {limit:,} a whole query may have (QUERY_MAX_NODES). Simplify it, "
                "or build it from fewer copies of other calculated fields."
            )
        else:
            message = (
                f"This query is too large to compile: it has {more}{self.total:,} parts "
                "(expression nodes, calculated fields counted at each use), more than the "
                f"{limit:,} a query may have (QUERY_MAX_NODES). Most of them are in its "
                f"{part} ({in_part:,}); the largest is {what} ({size:,}, at {path}). "
                f"Use fewer or simpler {part}."
            )
        return QueryTooComplex(message, details=[{"path": path, "message": message}])


# Levels a parser enters recursively. Chains of AND, OR and arithmetic are binary nodes, which
# sqlglot parses in a loop, so they do not count however long they are.
_NESTING = (exp.Func, exp.Unary, exp.Query, exp.Subquery, exp.Window)


def nesting(tree: exp.Expr) -> int:
    """How many parentheses, functions and subqueries lie inside one another on the deepest
    path of `tree` (counted without recursion: the point is trees too deep to recurse over).

    >>> nesting(exp.maybe_parse("SELECT ROUND((a + b) * 2, 1) FROM t"))
    3
    >>> nesting(exp.maybe_parse("SELECT a FROM t WHERE a = 1 AND b = 2 AND c = 3"))
    1
    """
    deepest, stack = 0, [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        depth += isinstance(node, _NESTING) and not isinstance(node, exp.Binary)
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in node.iter_expressions())
    return deepest


def check_nesting(tree: exp.Expr, limits: CompileLimits) -> None:
    """Refuse a tree nested deeper than `limits.max_depth` (QUERY_MAX_DEPTH)."""
    depth = nesting(tree)
    if depth > limits.max_depth:
        message = (
            f"This query is nested too deeply to run: {depth} levels of parentheses, "
            f"functions and subqueries inside one another, more than the {limits.max_depth} "
            "a query may have (QUERY_MAX_DEPTH). Build its calculated fields from fewer "
            "calculated fields inside one another."
        )
        raise QueryTooComplex(message, details=[{"path": "calculated", "message": message}])


def tree_size(tree: exp.Expr) -> int:
    """The nodes of a built tree (what copying it costs)."""
    return sum(1 for _ in tree.walk())


def condition_size(condition: Condition, operand: int) -> int:
    """Nodes of a filter condition's predicate over an operand of `operand` nodes: the
    operator (and a parenthesis or NOT), the operand, one per value."""
    values = len(split_list(condition.value)) if condition.operator in _INS else 2
    return operand + values + 2


def too_complex(message: str, path: str) -> QueryTooComplex:
    return QueryTooComplex(message, details=[{"path": path, "message": message}])


# --- before parsing: counts, and a lower bound of the nodes -------------------------------


def check_spec(spec: QuerySpec, limits: CompileLimits) -> None:
    """Refuse a spec whose counts, or whose expressions' least possible size, pass `limits`.

    >>> c0 = "+".join(["amount"] * 60)
    >>> spec = QuerySpec(dataset="sales", calculated=[
    ...     {"name": "c0", "expr": c0}, {"name": "c1", "expr": "+".join(["c0"] * 6)}],
    ...     measures=[{"agg": "sum", "alias": "m", "expr": "+".join(["c1"] * 60)}])
    >>> check_spec(spec, CompileLimits(max_nodes=20_000))
    Traceback (most recent call last):
    backend.errors.QueryTooComplex: This query is too large to compile: measure 'm' alone \
has at least 86,400 parts (expression nodes, with the calculated fields it uses written \
out), more than the 20,000 a whole query may have (QUERY_MAX_NODES). Simplify it, or build \
it from fewer copies of other calculated fields.
    """
    if len(spec.joins) > limits.max_joins:
        raise too_complex(
            f"This query joins {len(spec.joins)} datasets; at most {limits.max_joins} "
            "(QUERY_MAX_JOINS).",
            f"joins[{limits.max_joins}]",
        )
    if len(spec.measures) > limits.max_measures:
        raise too_complex(
            f"This query has {len(spec.measures):,} measures; at most {limits.max_measures:,} "
            "(QUERY_MAX_MEASURES).",
            f"measures[{limits.max_measures}]",
        )
    _check_in_values(spec, limits)
    _least_nodes(spec, Budget(limits, at_least=True))


def _check_in_values(spec: QuerySpec, limits: CompileLimits) -> None:
    lists = [(len(_items(c.value)), path) for c, path in _conditions(spec) if c.operator in _INS]
    total = sum(n for n, _ in lists)
    if total > limits.max_in_values:
        most, path = max(lists)
        message = (
            f"The IN lists of this query hold {total:,} values in total (the longest, at "
            f"{path}, {most:,}); at most {limits.max_in_values:,} (QUERY_MAX_IN_VALUES). "
            "Filter on a coarser column (a range, a category) instead of listing values."
        )
        raise too_complex(message, path)


_INS = (Op.IN, Op.NOT_IN)


def _items(value: Any) -> list[Any]:
    return split_list(value)


def _conditions(spec: QuerySpec) -> Iterator[tuple[Condition, str]]:
    """Every filter condition of the spec with its JSON path: filters and measure wheres."""
    if spec.filters is not None:
        yield from _walk(spec.filters, "filters")
    for i, measure in enumerate(spec.measures):
        if measure.where is not None:
            yield from _walk(measure.where, f"measures[{i}].where")


def _walk(node: FilterNode, path: str) -> Iterator[tuple[Condition, str]]:
    if isinstance(node, Condition):
        yield node, path
        return
    assert isinstance(node, FilterGroup)
    for i, child in enumerate(node.conditions):
        yield from _walk(child, f"{path}.conditions[{i}]")


def _least_nodes(spec: QuerySpec, budget: Budget) -> None:
    """Charge `budget` with a lower bound of what compiling `spec` builds: every calculated
    field's definition, each measure (defined, then selected), each output column, each
    filter condition; a calculated field's bound at each use of its name."""
    floors: dict[str, int] = {}
    for i, calc in enumerate(spec.calculated):
        floors[calc.name] = text_floor(calc.expr, floors)
        budget.charge("calculated fields", floors[calc.name], _calc(calc.name), f"calculated[{i}]")
    for i, measure in enumerate(spec.measures):
        size = 1 + (
            text_floor(measure.expr, floors)
            if measure.expr is not None
            else _name_floor(measure.column, floors)
        )
        size += sum(_condition_floor(c, floors) for c, _ in _walk_opt(measure.where))
        what = f"measure '{measure.alias}'"
        budget.charge("measures", 2 * size, what, f"measures[{i}]")  # defined, then selected
    outputs = spec.group_by if spec.aggregated else spec.columns
    part = "group-by columns" if spec.aggregated else "columns"
    key = "group_by" if spec.aggregated else "columns"
    for i, entry in enumerate(outputs):
        name = entry if isinstance(entry, str) else entry.column  # a date bucket's column
        budget.charge(part, _name_floor(name, floors), f"column '{name}'", f"{key}[{i}]")
    if spec.filters is not None:
        for condition, path in _walk(spec.filters, "filters"):
            budget.charge("filters", _condition_floor(condition, floors), "a filter", path)


def _walk_opt(node: FilterNode | None) -> Iterator[tuple[Condition, str]]:
    return _walk(node, "") if node is not None else iter(())


def _calc(name: str) -> str:
    return f"calculated field '{name}'"


def _name_floor(name: str | None, floors: dict[str, int]) -> int:
    return floors.get(name, 1) if name is not None else 1


def _condition_floor(condition: Condition, floors: dict[str, int]) -> int:
    values = len(_items(condition.value)) if condition.operator in _INS else 1
    return _name_floor(condition.column, floors) + values


# Lexing just enough of an expression to bound its size from below, at C speed (a thousand
# measure texts are bounded in milliseconds). Each name (not a keyword, not a qualifier),
# literal and binary operator is at least one node once parsed; a calculated field's name is
# at least its own bound; comments are nothing. Anything unusual (a `$`, a backslash, an
# unpaired quote) makes the bound 0: the exact count while compiling still applies, and a
# legal expression is never refused on a guess.
_TOKEN = re.compile(
    r"""(--[^\n]*|/\*.*?\*/)
      |('(?:[^']|'')*')
      |(\.\s*)?(?:"((?:[^"]|"")*)"|([^\W\d]\w*))(?=\s*([.(]))?
      |(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
      |(<=|>=|<>|!=|\|\||[-+*/%=<>])
      |([(),])""",
    re.VERBOSE | re.DOTALL,
)
_UNUSUAL = re.compile(r"[$\\`\[\]{}:;?@#&^~]")
_KEYWORDS = frozenset(k for k in DuckDB.Tokenizer.KEYWORDS if k.isidentifier())


def text_floor(text: str, floors: dict[str, int]) -> int:
    """At least how many nodes `text` parsed, with calculated fields inlined, has.

    >>> text_floor("round(t.a + b * -2, 1) -- c c c", {})
    7
    >>> text_floor("c + c + 'c'", {"c": 10})
    23
    """
    if _UNUSUAL.search(text) or text.count("'") % 2 or text.count('"') % 2:
        return 0
    if "/*" in text and "*/" not in text:
        return 0
    total, operand = 0, False  # operand: the last token ends one, so an operator is binary
    for token in _TOKEN.findall(text):
        comment, string, dot, quoted, word, follows, number, op, punct = token
        if comment:
            continue
        if op or punct:
            total += 1 if op and operand else 0
            operand = punct == ")"
        elif string or number or follows == "(" or dot:
            total += 1  # a literal, a function, the column of a qualified name
            operand = follows != "("
        elif follows == "." or (word and word.upper() in _KEYWORDS):
            operand = False  # a qualifier; AND, CASE, NULL...
        else:
            total += floors.get(word or quoted.replace('""', '"'), 1)
            operand = True
    return total
