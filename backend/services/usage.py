"""Which columns a spec filters and joins on, per dataset: recorded with each query run in
the audit log, and read back for indexing advice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from backend.query.spec import Condition, FilterGroup, QuerySpec


def _conditions(group: FilterGroup | None) -> Iterator[Condition]:
    for node in group.conditions if group else ():
        if isinstance(node, FilterGroup):
            yield from _conditions(node)
        else:
            yield node


def _owner(name: str, spec: QuerySpec, aliases: Mapping[str, str]) -> tuple[str, str]:
    """(dataset key, column) for a name as written. A plain name is taken as the base
    dataset's: the usual case, and a guess is enough for advice."""
    head, dot, tail = name.partition(".")
    if dot and head in aliases:
        return aliases[head], tail
    return spec.dataset, name


def spec_usage(spec: QuerySpec) -> dict[str, list[list[str]]]:
    """`{"filter": [[dataset, column], ...], "join": [...]}` for the audit detail."""
    aliases = {spec.dataset: spec.dataset}
    aliases.update({j.alias or j.dataset: j.dataset for j in spec.joins})
    filters = [_owner(c.column, spec, aliases) for c in _conditions(spec.filters)]
    joins = [
        _owner(name, spec, aliases)
        for join in spec.joins
        for pair in join.on
        for name in (pair.left, pair.right)
    ]
    return {
        "filter": [list(p) for p in dict.fromkeys(filters)],
        "join": [list(p) for p in dict.fromkeys(joins)],
    }


def column_usage(details: Iterable[Mapping[str, Any]], dataset: str) -> dict[str, Counter[str]]:
    """How often each column of `dataset` was filtered or joined on, over audit details."""
    counts: dict[str, Counter[str]] = {"filter": Counter(), "join": Counter()}
    for detail in details:
        usage = detail.get("usage") or {}
        for kind, counter in counts.items():
            for key, column in usage.get(kind, []):
                if key == dataset:
                    counter[column] += 1
    return counts


def most_used(
    usage: Mapping[str, Counter[str]], candidates: Iterable[str], limit: int
) -> list[str]:
    """The `limit` candidate columns filtered or joined on most (ties by name), never one
    that no query used.

    >>> most_used({"filter": Counter(a=1, b=5), "join": Counter(a=5)}, ["a", "b", "c"], 2)
    ['a', 'b']
    """
    uses = {c: usage["filter"][c] + usage["join"][c] for c in candidates}
    ranked = sorted((c for c, n in uses.items() if n), key=lambda c: (-uses[c], c))
    return ranked[:limit]
