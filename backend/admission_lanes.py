"""Tags each request with its place in the database queue: its user and its priority.

Runs inside `AuthGate`, which has put the caller in the scope. The ticket is a context
variable, so every statement the request runs (in its own task or in tasks it starts)
queues under it in `backend.services.admission`. Exports and schedules are background
work; everything else a person waits for on screen is interactive.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from backend.security.deps import STATE_KEY
from backend.services.admission import Priority, Ticket, current_ticket

_BACKGROUND_PREFIXES = ("/api/exports", "/api/schedules")


def priority_of(path: str) -> Priority:
    """
    >>> priority_of("/api/query").name, priority_of("/api/exports").name
    ('INTERACTIVE', 'BACKGROUND')
    >>> priority_of("/api/datasets/sales/export").name
    'BACKGROUND'
    """
    background = path.startswith(_BACKGROUND_PREFIXES) or path.endswith("/export")
    return Priority.BACKGROUND if background else Priority.INTERACTIVE


class AdmissionLanes:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        user = scope.get("state", {}).get(STATE_KEY)
        ticket = Ticket(str(getattr(user, "id", "")), priority_of(scope.get("path", "")))
        token = current_ticket.set(ticket)
        try:
            await self.app(scope, receive, send)
        finally:
            current_ticket.reset(token)
