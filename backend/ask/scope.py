"""Which dataset a question is about, and what each catalog phrase in it means there.

The dataset named by the caller wins; else the one whose columns, values and name the
question mentions most (a tie is a question to ask back). Phrases that name a column of
another dataset only are taken from there, through a join (`backend.ask.build`)."""

from __future__ import annotations

from collections import defaultdict

from backend.ask.engine import AskContext
from backend.ask.lexicon import Meaning
from backend.ask.tagging import Item


def scores(items: list[Item]) -> dict[str, float]:
    """Each dataset's weight of evidence: per phrase, the best meaning it has there."""
    total: dict[str, float] = defaultdict(float)
    for item in items:
        best: dict[str, float] = {}
        for m in item.meanings:
            best[m.dataset] = max(best.get(m.dataset, 0.0), m.weight)
        for key, weight in best.items():
            total[key] += weight
    return dict(total)


def choose(items: list[Item], context: AskContext) -> tuple[str | None, list[str]]:
    """(the dataset, the tied candidates when it cannot be told)."""
    if context.dataset is not None:
        return context.dataset, []
    if len(context.datasets) == 1:
        return context.datasets[0].dataset.key, []
    found = scores(items)
    if not found:
        return None, []
    best = max(found.values())
    tied = sorted(k for k, v in found.items() if v == best)
    if len(tied) == 1:
        return tied[0], []
    return None, tied


def resolve(item: Item, primary: str) -> list[Meaning]:
    """The meanings an item keeps: those in the primary dataset, else the others'."""
    here = [m for m in item.meanings if m.dataset == primary]
    if here:
        exact = [m for m in here if m.exact]
        return exact or here
    elsewhere = [m for m in item.meanings if m.kind in ("column", "value")]
    exact = [m for m in elsewhere if m.exact]
    return exact or elsewhere
