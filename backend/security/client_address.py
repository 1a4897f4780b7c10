"""Whose address a request comes from, for the login limits and the audit log.

The socket's peer, unless one of two callers the API trusts says otherwise:

- the UI server, proven by `AURORA_UI_SECRET`: it forwards the browser's address in
  `X-Aurora-Client-Addr` beside the secret in `X-Aurora-UI-Secret` (aurora/api_client.py).
  Without the secret, or with a wrong one, the header is ignored;
- a reverse proxy named in `TRUSTED_PROXIES`: its `X-Forwarded-For` is read by uvicorn's own
  ProxyHeadersMiddleware, from the right, skipping the trusted proxies.

Anyone else's `X-Forwarded-For` is ignored, and uvicorn itself is started without proxy
headers (backend/serve.py): its default believes any caller on 127.0.0.1. The believed
address replaces `scope["client"]`, so every reader (limits, audit, logs) sees the same one.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from backend.config import Settings

log = logging.getLogger("aurora.security")

ADDR_HEADER = b"x-aurora-client-addr"
SECRET_HEADER = b"x-aurora-ui-secret"


def forwarded_by_ui(scope: Scope, secret: bytes | None) -> str | None:
    """The address the UI server forwards, when it proves itself with the secret.

    >>> scope = {"headers": [(ADDR_HEADER, b"203.0.113.7"), (SECRET_HEADER, b"s3cret")]}
    >>> [forwarded_by_ui(scope, secret) for secret in (b"s3cret", b"other", None)]
    ['203.0.113.7', None, None]
    """
    headers = dict(scope.get("headers", []))
    addr, given = headers.get(ADDR_HEADER), headers.get(SECRET_HEADER)
    if addr is None or secret is None:
        return None
    if given is None or not hmac.compare_digest(given, secret):
        log.warning("a client address header without the UI secret was ignored")
        return None
    try:
        return str(ipaddress.ip_address(addr.decode("latin-1").strip()))
    except ValueError:
        return None


class ClientAddressMiddleware:
    def __init__(self, app: ASGIApp, *, ui_secret: str | None, trusted_proxies: str | None) -> None:
        self.app = app
        self._secret = ui_secret.encode() if ui_secret else None
        proxies = [p.strip() for p in (trusted_proxies or "").split(",") if p.strip()]
        # No trusted proxy: X-Forwarded-For is never read at all.
        self._proxied: ASGIApp = app
        if proxies:
            self._proxied = ProxyHeadersMiddleware(app, trusted_hosts=proxies)  # type: ignore[arg-type,assignment]

    @classmethod
    def options(cls, settings: Settings) -> dict[str, str | None]:
        secret = settings.ui_secret.get_secret_value() if settings.ui_secret else None
        return {"ui_secret": secret, "trusted_proxies": settings.trusted_proxies}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        addr = forwarded_by_ui(scope, self._secret)
        if addr is not None:
            port = scope["client"][1] if scope.get("client") else 0
            scope = {**scope, "client": (addr, port), "headers": _without_secret(scope)}
            await self.app(scope, receive, send)
            return
        await self._proxied(scope, receive, send)


def _without_secret(scope: Scope) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in scope.get("headers", []) if k != SECRET_HEADER]
