"""Sign-in, sign-out and session end: nothing of the last user's work stays in the tab.

Every page's state is reset (lists, previews, pivot rows, admin forms), so another user who
signs in on the same tab starts clean. A state joins that reset with `@session.forgotten`;
`forget_all` calls its `_forget()` (base.PageState: back to the defaults). This module is a
leaf: it imports no state, so no state reaches itself through it.

Background events await the API without holding the state lock, so an answer can arrive
after its user signed out and someone else signed in on the same tab. Each one notes the
session generation it started under (base.PageState._begin) and keeps its answer only
while that generation is still the session's (`_current`); sign-in and sign-out also cancel
the tab's running tasks (`cancel_tasks`).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any, TypeVar

# client token -> the background tasks running for that tab (this process's event loop)
_TASKS: dict[str, set[asyncio.Task[Any]]] = {}
# the states a sign-in or sign-out resets, in the order they joined
_FORGOTTEN: list[type] = []

S = TypeVar("S", bound=type)


def forgotten(cls: S) -> S:
    """Class decorator: sign-in and sign-out reset this state (its `_forget()`)."""
    if cls not in _FORGOTTEN:
        _FORGOTTEN.append(cls)
    return cls


def new_generation(user_id: object) -> str:
    """Who signed in and when: a new value at every sign-in, never reused."""
    return f"{user_id}:{time.time_ns()}:{secrets.token_hex(4)}"


def track(token: str, task: asyncio.Task[Any] | None) -> None:
    """Register a running background task with its tab, so sign-out can cancel it."""
    if task is not None:
        running = _TASKS.setdefault(token, set())
        running.add(task)
        task.add_done_callback(lambda done: _forget_task(token, done))


def cancel_tasks(token: str) -> None:
    """Stop every background task of this tab but the caller (sign-in, sign-out)."""
    me = asyncio.current_task()
    for task in list(_TASKS.pop(token, ())):
        if task is not me and not task.done():
            task.cancel()


def _forget_task(token: str, task: asyncio.Task[Any]) -> None:
    running = _TASKS.get(token)
    if running is not None:
        running.discard(task)
        if not running:
            _TASKS.pop(token, None)


async def forget_all(state: Any) -> None:
    cancel_tasks(state.router.session.client_token)
    for cls in _FORGOTTEN:
        (await state.get_state(cls))._forget()
