"""A versioned dataset's history as the explorer shows it, and the `as_of` it reads. Pure.

Times are shown and typed in UTC: the API's history is in UTC, and a typed time without a
zone would otherwise be the API server's local time, which the user cannot see.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any


@dataclasses.dataclass
class VersionRow:
    version: int = 0
    when: str = ""  # "02 Dec 2026 22:31:05 UTC"
    operation: str = ""
    rows: str = ""  # "+3 -1" (a minus sign), empty when the API gives no counts (RLS)
    user: str = ""


def when_text(iso: str) -> str:
    """An API timestamp in UTC, as the history and the pill show it.

    >>> when_text("2026-12-02T22:31:05.120000Z")
    '02 Dec 2026 22:31:05 UTC'
    >>> when_text("not a time")
    'not a time'
    """
    try:
        moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%d %b %Y %H:%M:%S UTC")


def rows_text(change: dict[str, Any]) -> str:
    """Rows a version added, updated and removed, e.g. `+3 ~1 -2` (a minus sign; nothing
    when unknown).

    >>> rows_text({"rows_added": 1000, "rows_removed": 0, "rows_updated": None})
    '+1,000'
    >>> rows_text({"rows_added": None, "rows_removed": 2, "rows_updated": 1})
    '~1 \u22122'
    """
    parts = []
    for name, sign in (("rows_added", "+"), ("rows_updated", "~"), ("rows_removed", "\u2212")):
        n = change.get(name)
        if isinstance(n, int) and n:
            parts.append(f"{sign}{n:,}")
    if not parts and change.get("rows_added") == 0:
        return "0"
    return " ".join(parts)


def version_rows(answer: dict[str, Any]) -> list[VersionRow]:
    """GET /api/datasets/{key}/history -> the rows of the history table, newest first."""
    return [
        VersionRow(
            version=int(c.get("version") or 0),
            when=when_text(str(c.get("timestamp") or "")),
            operation=str(c.get("operation") or ""),
            rows=rows_text(c),
            user=str(c.get("user") or ""),
        )
        for c in answer.get("versions") or []
        if isinstance(c, dict)
    ]


def typed_time(text: str) -> str | None:
    """A `datetime-local` input's value (UTC, see above) -> the spec's timestamp, or None.

    >>> typed_time("2026-12-02T22:31")
    '2026-12-02T22:31:00+00:00'
    >>> typed_time("yesterday") is None
    True
    """
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat()


def pill_text(as_of: dict[str, Any], when: str = "") -> str:
    """What the pill above the grid says about the version on screen.

    >>> pill_text({"version": 3}, "02 Dec 2026 22:31:05 UTC")
    'as of version 3 / 02 Dec 2026 22:31:05 UTC'
    >>> pill_text({"timestamp": "2026-12-02T22:31:00+00:00"})
    'as of 02 Dec 2026 22:31:00 UTC'
    >>> pill_text({})
    ''
    """
    if as_of.get("version") is not None:
        head = f"as of version {as_of['version']}"
        return f"{head} / {when}" if when else head
    if as_of.get("timestamp"):
        return f"as of {when_text(str(as_of['timestamp']))}"
    return ""
