"""What the parser understood, before it becomes a spec: each piece with the words it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.ask.lexicon import Meaning
from backend.ask.models import Alternative
from backend.ask.timewords import Range


@dataclass(frozen=True)
class Ref:
    """A column of some dataset the caller may see."""

    dataset: str
    column: str


@dataclass
class MeasureIntent:
    agg: str
    ref: Ref | None  # None: count rows
    text: str


@dataclass
class GroupIntent:
    ref: Ref
    bucket: str | None
    text: str


@dataclass
class FilterIntent:
    ref: Ref
    operator: str
    value: Any
    text: str


@dataclass
class TimeIntent:
    range: Range
    ref: Ref | None  # None: the dataset's date column
    text: str


@dataclass
class Intent:
    dataset: str | None = None
    dataset_text: str = ""
    measures: list[MeasureIntent] = field(default_factory=list)
    groups: list[GroupIntent] = field(default_factory=list)
    filters: list[FilterIntent] = field(default_factory=list)
    times: list[TimeIntent] = field(default_factory=list)
    mentioned: list[tuple[Ref, str]] = field(default_factory=list)  # bare column names
    rank: tuple[str, Ref | None, str] | None = None  # (asc|desc, measure column, words)
    sort: tuple[Ref, str, str] | None = None  # explicit "sorted by"
    limit: tuple[int, str] | None = None
    vintage: tuple[dict[str, Any], str] | None = None
    listing: bool = False  # "list", "rows": a detail query
    rows: bool = False  # a noun for the rows ("orders", "employees"): counted when nothing else is
    which: bool = False  # "which region ...": one answer wanted
    ignored: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # words that look like names we lack
    alternatives: list[Alternative] = field(default_factory=list)
    refusal: str | None = None
    clarify: str | None = None

    def substantive(self) -> bool:
        return bool(
            self.measures or self.groups or self.filters or self.times or self.mentioned
            or self.rank or self.vintage or self.dataset_text or self.listing
        )  # fmt: skip


def is_partial(meanings: list[Meaning]) -> bool:
    return bool(meanings) and not any(m.exact for m in meanings)
