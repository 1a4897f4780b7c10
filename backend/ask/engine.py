"""What an engine is: `interpret(question, context) -> AskAnswer`. The deterministic parser
(`backend.ask.parser.ParserEngine`) is the default; a model engine can stand beside it. The
service validates and compiles whatever spec an engine proposes, so no engine is trusted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from backend.ask.models import AskAnswer
from backend.catalog.models import Dataset


@dataclass(frozen=True)
class DatasetView:
    """One dataset as the caller sees it: hidden columns gone (the admin's synonyms are on the
    dataset and its columns), and the values of its low-cardinality text columns read under the
    caller's row-level security."""

    dataset: Dataset
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    loads: list[dict[str, Any]] = field(default_factory=list)  # catalog.vintage_options


@dataclass(frozen=True)
class AskContext:
    """Everything an engine may read: only what the caller may see."""

    datasets: tuple[DatasetView, ...]
    today: dt.date
    dataset: str | None = None  # the dataset the question is about, when the caller said

    def view(self, key: str) -> DatasetView | None:
        return next((v for v in self.datasets if v.dataset.key == key), None)


class Engine(Protocol):
    name: str

    def interpret(self, question: str, context: AskContext) -> AskAnswer: ...
