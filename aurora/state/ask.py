"""The Ask box: a question in plain words -> the spec /api/ask proposes, shown as pills.

Typing asks /api/ask/suggest for completions (the input is debounced). Asking shows how the
question was read: one pill per part (removed or, for a filter's value and a limit, edited
here, in the spec itself: aurora.ask_pills), the words ignored, and each ambiguity's
choices (a choice puts its words in the question and asks again). Run puts the spec into
the explorer the way a saved report opens (aurora.spec_restore) and runs it. Nothing runs
before Run.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from aurora import ask_pills
from aurora.api_client import ApiError
from aurora.state import session
from aurora.state.auth import AuthState
from aurora.state.base import PageState
from aurora.state.dashboard_view import _restore_into
from aurora.state.explorer import ExplorerState


@dataclasses.dataclass
class AskPill:
    index: int = 0
    kind: str = ""
    text: str = ""  # the question's words it came from
    label: str = ""
    removable: bool = True
    editable: bool = False


@dataclasses.dataclass
class AskChoice:
    index: int = 0
    prompt: str = ""  # the ambiguous words
    label: str = ""
    first: bool = False  # the first choice of its ambiguity: the prompt is shown before it


@dataclasses.dataclass
class AskSuggestion:
    text: str = ""
    label: str = ""
    kind: str = ""


def _pills(parts: list[dict[str, Any]]) -> list[AskPill]:
    return [
        AskPill(
            index=i,
            kind=str(p.get("kind", "")),
            text=str(p.get("text") or ""),
            label=str(p.get("label") or p.get("text") or ""),
            removable=p.get("kind") not in ask_pills.FIXED_KINDS,
            editable=p.get("kind") in ask_pills.EDITABLE_KINDS,
        )
        for i, p in enumerate(parts)
    ]


def _choices(alternatives: list[dict[str, Any]]) -> tuple[list[AskChoice], list[dict[str, str]]]:
    """Flat choices for the page, and what each one means (the words and their stand-in)."""
    shown, meant = [], []
    for alt in alternatives:
        for n, c in enumerate(alt.get("choices") or []):
            meant.append({"text": str(alt.get("text", "")), "value": str(c.get("value", ""))})
            shown.append(
                AskChoice(len(shown), str(alt.get("text", "")), str(c.get("label", "")), n == 0)
            )
    return shown, meant


def _completed(question: str, word: str) -> str:
    """The question with its last (partly typed) word replaced by `word`.

    >>> _completed("revenue by reg", "region"), _completed("revenue by ", "region")
    ('revenue by region ', 'revenue by region ')
    """
    if not question or question[-1].isspace():
        return f"{question}{word} "
    head = question.rpartition(" ")[0]
    return f"{head} {word} ".lstrip()


# After a completion is taken: back in the box, the caret after it, to type on (the click
# took the focus; the new value would otherwise leave the caret where the browser puts it).
_TYPE_ON = (
    "setTimeout(() => { const e = document.getElementById('ask-input'); if (!e) return;"
    " e.focus(); const n = e.value.length; e.setSelectionRange(n, n); }, 60)"
)


@session.forgotten
class AskState(PageState, rx.State):
    question: str = ""
    suggestions: list[AskSuggestion] = []
    pills: list[AskPill] = []
    ignored: list[str] = []
    choices: list[AskChoice] = []
    status: str = ""  # "", ok, clarify, refused
    message: str = ""
    engine: str = ""
    asking: bool = False
    editing: int = -1  # the pill whose value is being edited
    edit_text: str = ""
    _spec: dict[str, Any] = {}
    _parts: list[dict[str, Any]] = []
    _meant: list[dict[str, str]] = []
    _dataset: str = ""

    @rx.var
    def can_run(self) -> bool:
        return self.status == "ok" and bool(self.pills)

    def _show(self, answer: dict[str, Any]) -> None:
        reading = answer.get("interpretation") or {}
        self.status = str(answer.get("status") or "")
        self.engine = str(answer.get("engine") or "")
        self.message = str(answer.get("message") or "")
        self._spec = dict(answer.get("spec") or {})
        self._parts = [dict(p) for p in reading.get("parts") or []]
        self.pills = _pills(self._parts)
        self.ignored = [str(w) for w in reading.get("ignored") or []]
        self.choices, self._meant = _choices(list(reading.get("alternatives") or []))
        self.editing, self.suggestions = -1, []

    def _show_failure(self, exc: ApiError) -> None:
        self.status, self.message, self.pills, self.choices = "refused", exc.message, [], []

    @rx.event
    async def set_question(self, text: str):
        self.question = text[:500]
        if not text.strip():
            self.suggestions = []
            return None
        try:
            found = await (await self._api()).ask_suggest(self.question)
        except ApiError as exc:
            self.suggestions = []
            return AuthState.session_expired if exc.status == 401 else None
        self.suggestions = [
            AskSuggestion(str(s.get("text", "")), str(s.get("label", "")), str(s.get("kind", "")))
            for s in found
        ]
        return None

    @rx.event
    def take_suggestion(self, text: str):
        self.question, self.suggestions = _completed(self.question, text), []
        return rx.call_script(_TYPE_ON)

    @rx.event
    def close_suggestions(self):
        self.suggestions = []

    @rx.event
    async def ask(self, form: dict[str, Any] | None = None):
        question = str((form or {}).get("question", self.question)).strip()
        self.question = question
        return await self._ask(question, self._dataset)

    async def _ask(self, question: str, dataset: str) -> Any:
        if not question:
            return None
        self.asking, self.suggestions = True, []
        try:
            answer = await (await self._api()).ask(question, dataset)
        except ApiError as exc:
            self.asking = False
            return self._failed(exc)
        self.asking = False
        self._show(answer)
        return None

    @rx.event
    async def choose(self, index: int):
        """An ambiguity's choice: its words in the question (or its dataset), asked again."""
        if not 0 <= index < len(self._meant):
            return None
        meant = self._meant[index]
        if meant["value"].startswith("dataset:"):
            self._dataset = meant["value"].removeprefix("dataset:")
        elif meant["text"]:
            self.question = self.question.replace(meant["text"], meant["value"], 1)
        return await self._ask(self.question, self._dataset)

    @rx.event
    def remove_pill(self, index: int):
        self._spec, self._parts = ask_pills.remove(self._spec, self._parts, index)
        self.pills, self.editing = _pills(self._parts), -1

    @rx.event
    def start_edit(self, index: int):
        if 0 <= index < len(self._parts):
            self.editing = index
            self.edit_text = ask_pills.value_of(self._spec, self._parts[index])

    @rx.event
    def set_edit_text(self, text: str):
        self.edit_text = text[:500]

    @rx.event
    def save_edit(self, form: dict[str, Any] | None = None):
        text = str((form or {}).get("value", self.edit_text))
        self._spec, self._parts = ask_pills.edit(self._spec, self._parts, self.editing, text)
        self.pills, self.editing = _pills(self._parts), -1

    @rx.event
    def cancel_edit(self):
        self.editing = -1

    @rx.event
    def clear(self):
        self.reset()

    @rx.event
    async def run(self):
        """The spec into the explorer, as a saved report opens, and run."""
        if not self.can_run:
            return None
        client = await self._api()
        explorer = await self.get_state(ExplorerState)
        try:
            await _restore_into(explorer, client, self._spec)
        except ApiError as exc:
            return self._failed(exc)
        if str(self.router.url.path).startswith("/reports/"):
            return [rx.redirect("/"), ExplorerState.run_query]
        return ExplorerState.run_query
