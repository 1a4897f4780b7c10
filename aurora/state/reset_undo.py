"""Reset All on an open report: the explorer detaches from the report (its title reads
"Unsaved", the address leaves `/reports/{id}`), and Undo puts the report's grid back.
What Reset All threw away is kept backend-side until the next reset or the Undo.
`explorer` is the ExplorerState, which imports this module (so it imports no state)."""

from __future__ import annotations

import copy
from typing import Any

from aurora.state import dialog_apply

UNDO_SECONDS = 10
_REPORT = ("report_id", "report_name", "report_description", "report_shared", "report_can_edit")
_VINTAGE = ("load_type", "load_id", "vintage_chosen", "load_ids")


def keep(explorer: Any) -> dict[str, Any]:
    """What Reset All is about to throw away."""
    names = (*dialog_apply.PARTS, *_VINTAGE, "quick_search", "limit", *_REPORT)
    return {name: copy.deepcopy(getattr(explorer, name)) for name in names}


def restore(explorer: Any, kept: dict[str, Any]) -> str:
    """Put a kept grid back; the report id it belongs to."""
    for name, value in kept.items():
        setattr(explorer, name, value)
    explorer.detached = False
    return str(kept.get("report_id") or "")
