"""Sign-in, sign-out and session end: nothing of the last user's work stays in the tab.

Every page's state is reset (lists, previews, pivot rows, admin forms), so another user who
signs in on the same tab starts clean.

Background events await the API without holding the state lock, so an answer can arrive
after its user signed out and someone else signed in on the same tab. Each one notes the
session generation it started under (`begin`) and keeps its answer only while that
generation is still the session's (`current`); sign-in and sign-out also cancel the tab's
running tasks (`cancel_tasks`).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any, TypeVar

# client token -> the background tasks running for that tab (this process's event loop)
_TASKS: dict[str, set[asyncio.Task[Any]]] = {}
# states that joined the reset with `@forgotten` (base.PageState gives them `_forget()`)
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


async def begin(state: Any) -> str:
    """Inside `async with state` of a background event: register the running task with the
    tab, so sign-out can cancel it, and return the session generation it works for."""
    from aurora.state.auth import AuthState

    track(state.router.session.client_token, asyncio.current_task())
    generation: str = (await state.get_state(AuthState))._generation
    return generation


async def current(state: Any, generation: str) -> bool:
    """Inside `async with state`: the session still belongs to the sign-in that asked."""
    from aurora.state.auth import AuthState

    return bool(generation) and (await state.get_state(AuthState))._generation == generation


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
    from aurora.state.admin_audit import AdminAuditState
    from aurora.state.admin_datasets import AdminDatasetsState
    from aurora.state.admin_people import AdminKeysState, AdminUsersState
    from aurora.state.aggregate import AggregateState
    from aurora.state.calculated import CalcState
    from aurora.state.chart import ChartState
    from aurora.state.explorer import ExplorerState
    from aurora.state.export import ExportState
    from aurora.state.filter_editor import FilterState
    from aurora.state.join import JoinState
    from aurora.state.pivot import PivotState
    from aurora.state.reports import ReportListState, SaveReportState
    from aurora.state.schedules import ScheduleState

    cancel_tasks(state.router.session.client_token)
    explorer = await state.get_state(ExplorerState)
    explorer._forget_everything()
    for cls in (
        AdminAuditState,
        AdminDatasetsState,
        AdminKeysState,
        AdminUsersState,
        AggregateState,
        CalcState,
        ExportState,
        FilterState,
        JoinState,
        PivotState,
        ReportListState,
        SaveReportState,
        ScheduleState,
    ):
        (await state.get_state(cls)).reset()
    (await state.get_state(ChartState)).reset()
    for joined in _FORGOTTEN:
        (await state.get_state(joined))._forget()
