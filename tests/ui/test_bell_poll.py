"""The bell's poll costs little: it asks only the unread count, and sets the state only when
the count moved, so under many open tabs an unchanged count writes no Reflex state and sends
no delta (Reflex saves and sends only touched state); a refused call changes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from aurora.api_client import ApiError
from aurora.components.bell_poll import POLL_S, BellPoll
from aurora.state import notifications


class _Client:
    def __init__(self, answer: int | ApiError) -> None:
        self.answer, self.calls = answer, 0

    async def unread_notifications(self) -> int:
        self.calls += 1
        if isinstance(self.answer, ApiError):
            raise self.answer
        return self.answer


class _Tab:
    """Stands for the tab's NotificationState: records every assignment."""

    def __init__(self, unread: int, client: _Client) -> None:
        object.__setattr__(self, "unread", unread)
        object.__setattr__(self, "client", client)
        object.__setattr__(self, "written", [])

    async def _api(self) -> _Client:
        return self.client  # type: ignore[no-any-return]

    def __setattr__(self, name: str, value: Any) -> None:
        self.written.append((name, value))  # type: ignore[attr-defined]
        object.__setattr__(self, name, value)


def test_an_unchanged_count_writes_nothing_and_a_new_one_is_set() -> None:
    client = _Client(3)
    tab = _Tab(3, client)
    asyncio.run(notifications._recount(tab))
    assert client.calls == 1 and tab.written == []  # type: ignore[attr-defined]
    client.answer = 4
    asyncio.run(notifications._recount(tab))
    assert tab.written == [("unread", 4)]  # type: ignore[attr-defined]


def test_a_refused_count_changes_nothing() -> None:
    tab = _Tab(2, _Client(ApiError(503, "unavailable", "down")))
    asyncio.run(notifications._recount(tab))
    assert tab.unread == 2 and tab.written == []  # type: ignore[attr-defined]


def test_the_poll_runs_every_minute_and_skips_hidden_tabs() -> None:
    assert POLL_S == 60
    code = "".join(BellPoll.create(seconds=POLL_S).add_custom_code())
    assert "setInterval" in code and 'visibilityState === "visible"' in code
    assert "clearInterval" in code  # stops with the bar
