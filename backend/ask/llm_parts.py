"""The interpretation of a model's spec: one pill per part, in the parser's shape.

A model does not say which words each part came from, so a part's `text` is the words of
the question that name it (its column's label or name, or its value) when they appear, else
empty; `label` is always said in the catalog's labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from backend.catalog.models import Dataset
from backend.query.spec import Condition, FilterGroup, GroupBucket, QuerySpec

Part = dict[str, str]


class Namer:
    """Column labels across the spec's datasets, and the question's words that name them."""

    def __init__(self, question: str, datasets: dict[str, Dataset]) -> None:
        self.question, self.datasets = question, datasets

    def label(self, spec: QuerySpec, column: str) -> str:
        key, _, name = column.rpartition(".")
        found = self.datasets.get(key or spec.dataset)
        col = found.column(name) if found else None
        return col.display if col else name

    def words(self, *candidates: Any) -> str:
        """The first candidate that appears in the question, as the question spells it."""
        for c in candidates:
            text = str(c).replace("_", " ").strip()
            if not text:
                continue
            m = re.search(rf"(?<!\w){re.escape(text)}(?!\w)", self.question, re.IGNORECASE)
            if m:
                return m.group(0)
        return ""


def _part(kind: str, text: str, label: str, path: str) -> Part:
    return {"kind": kind, "text": text, "label": label, "spec_path": path}


def _conditions(spec: QuerySpec) -> Iterator[tuple[int, Condition]]:
    group = spec.filters or FilterGroup()
    for i, node in enumerate(group.conditions):
        if isinstance(node, Condition):
            yield i, node


def _filter_parts(spec: QuerySpec, n: Namer) -> list[Part]:
    parts = []
    for i, c in _conditions(spec):
        label = n.label(spec, c.column)
        value = ", ".join(map(str, c.value)) if isinstance(c.value, list) else c.value
        said = f"{label} {c.operator.value} {value}" if value is not None else label
        text = n.words(*(c.value if isinstance(c.value, list) else [c.value]), label)
        parts.append(_part("filter", text, said, f"filters.conditions.{i}"))
    return parts


def _shape_parts(spec: QuerySpec, n: Namer) -> list[Part]:
    parts = []
    for i, m in enumerate(spec.measures):
        label = n.label(spec, m.column) if m.column else "rows"
        parts.append(
            _part(
                "measure",
                n.words(label, m.column or ""),
                f"{m.agg.value} of {label}",
                f"measures.{i}",
            )
        )
    for i, g in enumerate(spec.group_by):
        column = g.column if isinstance(g, GroupBucket) else g
        label = n.label(spec, column)
        said = f"by {label}" + (f" ({g.bucket})" if isinstance(g, GroupBucket) else "")
        parts.append(_part("group", n.words(label, column), said, f"group_by.{i}"))
    for i, s in enumerate(spec.sort):
        label = n.label(spec, s.column)
        order = "highest first" if s.direction == "desc" else "lowest first"
        parts.append(_part("sort", n.words(label), f"{label}, {order}", f"sort.{i}"))
    return parts


def describe(question: str, spec: QuerySpec, datasets: dict[str, Dataset]) -> list[Part]:
    """The parts of `spec`, in the order a reader takes them in."""
    n = Namer(question, datasets)
    own = datasets.get(spec.dataset)
    title = own.display if own else spec.dataset
    parts = [_part("dataset", n.words(title, spec.dataset), title, "dataset")]
    for i, j in enumerate(spec.joins):
        other = datasets.get(j.dataset)
        label = other.display if other else j.dataset
        parts.append(_part("join", n.words(label, j.dataset), f"with {label}", f"joins.{i}"))
    parts += _shape_parts(spec, n) + _filter_parts(spec, n)
    parts += _tail_parts(spec, n)
    return parts


def _tail_parts(spec: QuerySpec, n: Namer) -> list[Part]:
    parts = []
    if (v := spec.vintage) is not None:
        said = " ".join(str(x) for x in (v.load_type, v.load_id) if x) or "all loads"
        parts.append(_part("vintage", n.words(v.load_type or "", v.load_id or ""), said, "vintage"))
    if spec.limit is not None:
        parts.append(_part("limit", n.words(spec.limit), f"first {spec.limit}", "limit"))
    return parts
