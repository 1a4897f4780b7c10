"""The request and answer of POST /api/ask (docs/ask.md). Every model forbids unknown fields."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_QUESTION = 500

PartKind = Literal["dataset", "measure", "group", "filter", "sort", "limit", "vintage", "join"]
Status = Literal["ok", "clarify", "refused"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AskRequest(_Strict):
    question: Annotated[str, Field(min_length=1, max_length=MAX_QUESTION)]
    dataset: Annotated[str, Field(min_length=1, max_length=255)] | None = None


class Part(_Strict):
    """One understood piece: the words it came from and where it landed in the spec."""

    kind: PartKind
    text: str
    label: str
    spec_path: str


class Choice(_Strict):
    label: str
    value: str


class Alternative(_Strict):
    """Words that could mean several things. A choice's `value` is the phrase to put in
    place of `text` before asking again; `dataset:<key>` means "ask again on that dataset"."""

    text: str
    choices: list[Choice]


class Interpretation(_Strict):
    parts: list[Part] = []
    ignored: list[str] = []
    alternatives: list[Alternative] = []


class AskAnswer(_Strict):
    status: Status
    engine: str
    dataset: str | None = None
    spec: dict[str, Any] | None = None
    message: str | None = None
    interpretation: Interpretation = Interpretation()


class Suggestion(_Strict):
    """A completion for the Ask box: `text` replaces the word being typed."""

    text: str
    label: str
    kind: Literal["column", "value", "measure", "dataset", "word"]


class SuggestResponse(_Strict):
    suggestions: list[Suggestion]
