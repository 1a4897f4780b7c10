"""The filter operators as the API names them (GET /api/meta/operators): each operator's
label, and which operators a column of each kind offers, the first being its default.

The UI keeps no copy of the API's registry (backend/query/operators.py). The vocabulary is
the same for every user, so a UI process asks once, when a signed-in page first loads
(base.PageState._signed_in_api), and keeps the answer. Until then labels read as the
operator's name in words and no operator is offered.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from aurora.api_client import ApiError


class _Client(Protocol):
    async def operators(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Vocabulary:
    labels: dict[str, str] = field(default_factory=dict)
    by_kind: dict[str, list[str]] = field(default_factory=dict)

    def operators_for(self, kind: str) -> list[str]:
        """The operators offered for a column of this kind (a kind the API lists no
        operators for is offered what text is).

        >>> v = take({"operators": [], "by_kind": {"text": ["contains", "="]}})
        >>> v.operators_for("other"), v.default_operator("text")
        (['contains', '='], 'contains')
        """
        return list(self.by_kind.get(kind) or self.by_kind.get("text") or [])

    def default_operator(self, kind: str) -> str:
        ops = self.operators_for(kind)
        return ops[0] if ops else ""

    def label(self, operator: str) -> str:
        """`starts_with` -> `starts with` (the API's label, else the name in words)."""
        return self.labels.get(operator) or operator.replace("_", " ")


_current = Vocabulary()


def take(answer: dict[str, Any]) -> Vocabulary:
    """Keep the API's answer as this process's vocabulary."""
    global _current
    _current = Vocabulary(
        labels={str(o["operator"]): str(o["label"]) for o in answer.get("operators", [])},
        by_kind={str(k): [str(op) for op in v] for k, v in answer.get("by_kind", {}).items()},
    )
    return _current


def current() -> Vocabulary:
    return _current


async def load(client: _Client) -> Vocabulary:
    """The vocabulary, asked of the API the first time (an error leaves it for next time)."""
    if not _current.by_kind:
        with contextlib.suppress(ApiError):
            take(await client.operators())
    return _current
