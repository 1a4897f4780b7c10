"""The datasets one question reads: its own, and any other whose columns it names, joined on
the key the join builder proposes (aurora/joins.py `guess_pair`): a column of the same name and
type family on both sides, identifiers (`..._id`, `..._key`) first. A joined column is named
plainly when only one source has that name, else `dataset.column`, as the compiler reads it."""

from __future__ import annotations

import re

from backend.ask.engine import AskContext
from backend.ask.intent import Ref
from backend.catalog.models import Column, Dataset

_KEYISH = re.compile(r"(^|_)(id|key)$")
_FAMILY = {"integer": "number", "decimal": "number", "float": "number", "timestamp": "date"}


def family(column: Column) -> str:
    return _FAMILY.get(column.kind, column.kind)


def join_key(left: Dataset, right: Dataset) -> str | None:
    candidates = []
    for c in left.columns:
        other = right.column(c.name)
        if other is not None and family(c) == family(other):
            candidates.append((0 if _KEYISH.search(c.name) else 1, c.name))
    return min(candidates)[1] if candidates else None


class Sources:
    def __init__(self, primary: str, context: AskContext) -> None:
        self.primary, self.context = primary, context
        self._joined: dict[str, tuple[str, str]] = {}  # dataset -> (key column, label)

    def dataset(self, key: str) -> Dataset:
        view = self.context.view(key)
        if view is None:
            raise LookupError(f"No dataset '{key}'.")
        return view.dataset

    def column(self, ref: Ref) -> Column | None:
        return self.dataset(ref.dataset).column(ref.column)

    def kind(self, ref: Ref) -> str:
        column = self.column(ref)
        return column.kind if column else "other"

    def label(self, ref: Ref) -> str:
        column = self.column(ref)
        return column.display if column else ref.column

    def name(self, ref: Ref) -> str:
        if ref.dataset != self.primary and ref.dataset not in self._joined:
            self._join(ref.dataset)
        shared = sum(
            1 for key in (self.primary, *self._joined) if self.dataset(key).column(ref.column)
        )
        return ref.column if shared <= 1 else f"{ref.dataset}.{ref.column}"

    def _join(self, key: str) -> None:
        left, right = self.dataset(self.primary), self.dataset(key)
        on = join_key(left, right)
        if on is None:
            raise LookupError(
                f"{left.display} and {right.display} share no key column to join them on."
            )
        self._joined[key] = (on, right.display)

    def joins(self) -> list[dict[str, object]]:
        return [
            {"dataset": key, "type": "left", "on": [{"left": on, "right": on}]}
            for key, (on, _label) in self._joined.items()
        ]

    def join_texts(self) -> list[tuple[str, str]]:
        out = []
        for key, (on, label) in self._joined.items():
            column = self.dataset(key).column(on)
            out.append((f"{label} on {column.display if column else on}", label))
        return out
