"""A dashboard as its tile routes read it: the document checked once per saved version,
not once per tile request.

A view of a 10-tile dashboard asks for its ten tiles at once; each request used to read the
whole row (owner joined) and validate the whole document again, the same work ten times
per view and the most of a cached tile's own CPU after the framework's. Here each request
reads only the row's version, owner and shared flag (one indexed row, three columns), so
who may see it is decided on the store's current answer, exactly as before, in every API
process; the document itself comes from a small per-process cache keyed by the dashboard
and its version. Every save makes a new version, and a version's document never changes,
so a kept document cannot be stale, whichever process saved it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.dashboards import store
from backend.dashboards.models import DashboardIn
from backend.dashboards.tables import DashboardRow
from backend.errors import NotFound
from backend.security.principal import User

DOCUMENTS_MAX = 256  # documents kept per process (a 30-tile document is tens of kB)


@dataclass(frozen=True)
class Seen:
    """What a tile route needs of a dashboard: who may see it, and its document."""

    id: str
    owner_id: int
    shared: bool
    version: int
    doc: DashboardIn


class DashboardViews:
    """Dashboards by id for the tile routes (thread-safe: dependencies run in threads)."""

    def __init__(self, maxsize: int = DOCUMENTS_MAX) -> None:
        self.maxsize = maxsize
        self._docs: OrderedDict[tuple[str, int], DashboardIn] = OrderedDict()
        self._lock = threading.Lock()

    def visible(
        self, session: Session, dashboard_id: str, user: User, hidden: frozenset[str]
    ) -> Seen:
        """The dashboard, or 404 when `user` may not see it (the rule of `store.visible`,
        on the row as the store has it now)."""
        seen = self._seen(session, dashboard_id)
        if seen is None or not store.may_read(seen.owner_id, seen.shared, seen.doc, user, hidden):
            raise NotFound(f"Dashboard {dashboard_id} was not found.")
        return seen

    def _seen(self, session: Session, dashboard_id: str) -> Seen | None:
        head = session.execute(
            select(DashboardRow.owner_id, DashboardRow.shared, DashboardRow.version).where(
                DashboardRow.id == dashboard_id
            )
        ).first()
        if head is None:
            return None
        owner_id, shared, version = head
        with self._lock:
            doc = self._docs.get((dashboard_id, version))
            if doc is not None:
                self._docs.move_to_end((dashboard_id, version))
                return Seen(dashboard_id, owner_id, shared, version, doc)
        row = session.get(DashboardRow, dashboard_id)  # the whole row, read once per version
        if row is None:
            return None
        seen = Seen(dashboard_id, row.owner_id, row.shared, row.version, store.document(row))
        with self._lock:
            self._docs[(dashboard_id, seen.version)] = seen.doc
            while len(self._docs) > self.maxsize:
                self._docs.popitem(last=False)
        return seen
