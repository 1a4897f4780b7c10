"""Which tab a Reflex socket may act on, decided once when it connects.

Reflex joins a socket to the tab whose client token its connect query names, and runs every
event it sends on that tab's state. The token sits in sessionStorage and names a state file,
so it alone must not open a signed-in tab. `GuardedNamespace` (Reflex's event namespace with
three checks) is installed on the app by `install`:

- **On connect**, a token bound to a session (aurora.session_cookie) is joined only by a
  socket that proves the cookie bound to it; any other socket is handed a fresh, empty tab
  (Reflex's own `new_token`), before Reflex hydrates anything. So a replayed token is never
  sent the tab's last screen, and nothing it sends reaches the tab.
- **On each event**, the event acts on the tab this socket joined, and only while Reflex
  still links the socket to it; an event naming another tab is dropped. The record is kept
  in the process that owns the socket (socket.io delivers a socket's events to the process
  that accepted it), so no shared store is read per event and it holds on any number of
  workers.
- **A reload racing its old socket.** Reflex hands a new token to a socket whose token is
  still held by another socket (a duplicated tab). With several workers, a reload's new
  socket can reach another worker before the old socket's disconnect has been handled, and
  the tab would lose its session. A socket that proves the tab's cookie waits up to
  `RELEASE_WAIT_S` for the old socket to let go first; a tab duplicated in the same browser
  still gets a new token after that wait.
"""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.parse
import uuid
from typing import Any

from reflex.app import App, EventNamespace
from reflex.utils.token_manager import RedisTokenManager

from aurora import session_cookie

logger = logging.getLogger(__name__)

RELEASE_WAIT_S = (
    5.0  # a reload's old socket closes within milliseconds, a loaded machine in seconds
)
POLL_S = 0.05


def _query_token(environ: dict[str, Any]) -> str:
    found = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("token", [])
    return found[0] if found else ""


def _with_token(environ: dict[str, Any], token: str) -> dict[str, Any]:
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    query["token"] = [token]
    return {**environ, "QUERY_STRING": urllib.parse.urlencode(query, doseq=True)}


def _named_tokens(data: Any) -> set[str]:
    """Tokens an event names itself (Reflex ignores them; a client that sends one other
    than its own is trying something)."""
    if not isinstance(data, dict):
        return set()
    router = data.get("router_data")
    named = {data.get("token"), router.get("token") if isinstance(router, dict) else None}
    return {str(t) for t in named if t}


class GuardedNamespace(EventNamespace):
    """Reflex's event namespace, each socket bound to the one tab it was checked for."""

    def __init__(self, namespace: str, app: App) -> None:
        super().__init__(namespace, app)
        self._joined: dict[str, str] = {}  # sid -> the tab's token it was checked for

    async def on_connect(self, sid: str, environ: dict[Any, Any], auth: Any = None) -> None:
        token = _query_token(environ)
        if token and await session_cookie.bound(token):
            if await session_cookie.proven(token, str(environ.get("HTTP_COOKIE", ""))):
                await self._wait_release(token)
            else:
                logger.warning("socket %s named a signed-in tab without its cookie: a new tab", sid)
                environ = _with_token(environ, str(uuid.uuid4()))
                await self.emit("new_token", _query_token(environ), to=sid)
        try:
            await super().on_connect(sid, environ, auth)
        except Exception:
            self._joined.pop(sid, None)  # a refused connect never reaches on_disconnect
            raise

    async def link_token_to_sid(self, sid: str, token: str, *, update_state: bool = True) -> None:
        await super().link_token_to_sid(sid, token, update_state=update_state)
        if (linked := self.sid_to_token.get(sid)) is not None:
            self._joined[sid] = linked

    async def on_event(self, sid: str, data: Any) -> None:
        joined = self._joined.get(sid)
        if joined is None or self.sid_to_token.get(sid) != joined:
            logger.warning("event dropped: socket %s is not joined to a tab", sid)
            return
        if _named_tokens(data) - {joined}:
            logger.warning("event dropped: socket %s named another tab", sid)
            return
        await super().on_event(sid, data)

    def on_disconnect(self, sid: str) -> asyncio.Task[Any] | None:
        self._joined.pop(sid, None)
        return super().on_disconnect(sid)

    async def _wait_release(self, token: str) -> None:
        """Until no other socket holds `token` (or RELEASE_WAIT_S passed)."""
        deadline = time.monotonic() + RELEASE_WAIT_S
        while await self._held(token):
            if time.monotonic() > deadline:
                logger.warning("tab still held by another socket after %.0f s", RELEASE_WAIT_S)
                return
            await asyncio.sleep(POLL_S)

    async def _held(self, token: str) -> bool:
        """Reflex's own test for a duplicate: its record in Redis (every worker's sockets),
        else this process's map."""
        manager = self._token_manager
        if isinstance(manager, RedisTokenManager):
            return bool(await manager.redis.exists(manager._get_redis_key(token)))
        return token in manager.token_to_socket


def install(app: App) -> None:
    """Put the guarded namespace in the place of the one `rx.App` made."""
    if app.sio is None or app.event_namespace is None:
        return
    guarded = GuardedNamespace(app.event_namespace.namespace, app)
    app._event_namespace = guarded
    app.sio.register_namespace(guarded)
