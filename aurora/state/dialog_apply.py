"""A builder dialog's Apply is tried, not trusted: the dialog stays open until the grid's
query answers. A refusal puts the explorer's spec back as it was (the page on screen stays:
it is still that spec's answer) and hands the error to the dialog, which shows it at the
field the error's path names. Success closes the dialog.

The explorer calls `remember` before a dialog changes its spec, then `settled` or `refused`
from its query; the dialogs join with `@dialog("name")` and implement
`_apply_refused(exc, spec, paths)`. This module imports no state: `explorer` below is the
ExplorerState, which imports it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

from aurora.api_client import ApiError

S = TypeVar("S", bound=type)
_DIALOGS: dict[str, type] = {}

# What a dialog's Apply may change in the explorer.
PARTS = (
    *("columns", "joins", "hidden", "filter_rows", "sort"),
    *("group_by", "buckets", "measures", "calculated", "page"),
)


def dialog(name: str) -> Callable[[S], S]:
    """Class decorator: the state of the builder dialog called `name`."""

    def join(cls: S) -> S:
        _DIALOGS[name] = cls
        return cls

    return join


def dialog_state(name: str) -> type:
    """The state of the dialog called `name`."""
    return _DIALOGS[name]


def remember(explorer: Any, dialog: str) -> None:
    """Before `dialog` changes the explorer's spec: what to put back if the query fails."""
    explorer._before = {part: copy.deepcopy(getattr(explorer, part)) for part in PARTS}
    explorer.applying = dialog


async def settled(explorer: Any) -> None:
    """The query ran: the dialog whose Apply it was closes."""
    if not explorer.applying:
        return
    dialog = await explorer.get_state(dialog_state(explorer.applying))
    explorer.applying, explorer._before = "", {}
    dialog.open = False  # type: ignore[attr-defined]


async def refused(
    explorer: Any, exc: ApiError, spec: dict[str, Any], paths: dict[str, str]
) -> bool:
    """The query of a dialog's Apply was refused: spec back, page kept, error to the dialog.
    False when no Apply was waiting (the explorer shows the error itself)."""
    if not explorer.applying or exc.status == 401:
        return False
    dialog = await explorer.get_state(dialog_state(explorer.applying))
    for part, value in explorer._before.items():
        setattr(explorer, part, value)
    explorer.applying, explorer._before, explorer.loading = "", {}, False
    dialog._apply_refused(exc, spec, paths)  # type: ignore[attr-defined]
    return True
