"""The catalog's words: every phrase that names a dataset, a column, a value the caller may
see, or a load type, with what it means. Built per question from the caller's context (only
what they may see is ever in it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from backend.ask.engine import AskContext, DatasetView
from backend.ask.text import phrase
from backend.ask.words import KEYWORDS, STOP
from backend.catalog.models import Column, Dataset

_ID = re.compile(r"(^|_)(id|key|code|no|number)$")
NUMERIC = ("integer", "decimal", "float")
DATES = ("date", "timestamp")


@dataclass(frozen=True)
class Meaning:
    kind: str  # dataset, column, value, load_type
    dataset: str
    column: str = ""
    value: str = ""
    exact: bool = True  # False: one word of a longer name ("price" of "unit price")
    measure: bool = False  # a number one adds up: the question is most likely about its dataset

    @property
    def weight(self) -> float:
        if self.kind == "dataset":
            return 3.0 if self.exact else 0.75
        if not self.exact:
            return 0.5
        return 1.5 if self.measure else 1.0


@dataclass
class Lexicon:
    phrases: dict[tuple[str, ...], list[Meaning]] = field(default_factory=dict)
    longest: int = 1

    def add(self, words: tuple[str, ...], meaning: Meaning) -> None:
        if not words or (len(words) == 1 and words[0] in STOP and meaning.kind != "value"):
            return
        found = self.phrases.setdefault(words, [])
        if meaning not in found:
            found.append(meaning)
        self.longest = max(self.longest, len(words))

    def get(self, words: tuple[str, ...]) -> list[Meaning]:
        """Exact meanings when there are any, else the partial ones."""
        found = self.phrases.get(words, [])
        exact = [m for m in found if m.exact]
        return exact or found


def is_id(column: Column) -> bool:
    return bool(_ID.search(column.name.casefold()))


def is_measure(column: Column) -> bool:
    """A number one adds up: numeric and not an identifier."""
    return column.kind in NUMERIC and not is_id(column)


def column_phrases(column: Column, synonyms: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    yield phrase(column.name)
    if column.label:
        yield phrase(column.label)
    for s in synonyms:
        yield phrase(s)


def build(context: AskContext) -> Lexicon:
    lexicon = Lexicon()
    for view in context.datasets:
        _dataset(lexicon, view)
    return lexicon


def _dataset(lexicon: Lexicon, view: DatasetView) -> None:
    d = view.dataset
    for words in _dataset_phrases(d, d.synonyms):
        lexicon.add(words, Meaning("dataset", d.key))
        for w in _parts(words):
            lexicon.add((w,), Meaning("dataset", d.key, exact=False))
    vintage = {d.vintage.load_type, d.vintage.load_id} if d.vintage else set()
    for c in d.columns:
        if c.name not in vintage:
            _column(lexicon, d.key, c)
    for column, values in view.values.items():
        for value in values:
            lexicon.add(phrase(value), Meaning("value", d.key, column, value))
    for option in view.loads:
        if option.get("load_type"):
            load_type = str(option["load_type"])
            lexicon.add(phrase(load_type), Meaning("load_type", d.key, value=load_type))


def _parts(words: tuple[str, ...]) -> list[str]:
    """The words of a longer name that may stand for it alone ("price" for "unit price")."""
    if len(words) < 2:
        return []
    return [w for w in words if (w,) not in KEYWORDS and len(w) > 2 and not w.isdigit()]


def _column(lexicon: Lexicon, key: str, c: Column) -> None:
    for words in column_phrases(c, c.synonyms):
        lexicon.add(words, Meaning("column", key, c.name, measure=is_measure(c)))
        if len(words) == 2:  # "revenue local" is also "local revenue"
            lexicon.add(words[::-1], Meaning("column", key, c.name, measure=is_measure(c)))
        for w in _parts(words):
            lexicon.add((w,), Meaning("column", key, c.name, exact=False))


def _dataset_phrases(d: Dataset, synonyms: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    yield phrase(d.key)
    if d.label:
        yield phrase(d.label)
    for s in synonyms:
        yield phrase(s)
