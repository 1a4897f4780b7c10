"""The request body limit (`MAX_JSON_BODY_MB`), enforced while the body streams in.

A declared Content-Length over the limit is refused before a byte of the body is read; a body
without one (chunked) is counted as it arrives and refused the moment it passes the limit.
Either way the caller gets 413 `payload_too_large` in the error shape with `Connection: close`,
and the rest of the body is never read: the server closes the connection instead of draining
gigabytes nobody wants, and no route ever holds more than the limit in memory.

Uploads (multipart bodies to the upload routes) pass: they stream to disk under their own
limit, `UPLOAD_MAX_MB` (backend.datasets_admin.uploads).
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.errors import PayloadTooLarge
from backend.http_errors import error_body

log = logging.getLogger("aurora.http")

DISCONNECT: Message = {"type": "http.disconnect"}


def too_large(max_bytes: int) -> PayloadTooLarge:
    mb = max_bytes / 2**20
    return PayloadTooLarge(f"The request body is larger than {mb:g} MB (MAX_JSON_BODY_MB).")


def declared_length(scope: Scope) -> int | None:
    """The Content-Length header as a number, None when absent or not a number.

    >>> declared_length({"headers": [(b"content-length", b"2147483648")]})
    2147483648
    >>> declared_length({"headers": [(b"transfer-encoding", b"chunked")]}) is None
    True
    """
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def is_multipart(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return bool(value.lower().startswith(b"multipart/form-data"))
    return False


async def refuse(scope: Scope, send: Send, max_bytes: int) -> None:
    exc = too_large(max_bytes)
    body = error_body(exc.code, exc.message, exc.details)
    # Connection: close makes uvicorn close the socket after the answer instead of waiting
    # for (and discarding) the rest of a body the client is still sending.
    response = JSONResponse(body, exc.status, headers={"Connection": "close"})
    await response(scope, _never_read, send)


async def _never_read() -> Message:
    return DISCONNECT


class BodyLimitMiddleware:
    """Pure ASGI: wraps `receive` to count body bytes; nothing is buffered here."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_paths: Collection[str]) -> None:
        self.app, self.max_bytes, self.upload_paths = app, max_bytes, frozenset(upload_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._is_upload(scope):
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            log.warning("request body refused", extra={"path": scope["path"], "bytes": declared})
            await refuse(scope, send, self.max_bytes)
            return
        guard = _Guard(scope, receive, send, self.max_bytes)
        try:
            await self.app(scope, guard.receive, guard.send)
        except Exception:
            # The app saw a disconnect where its body should be (ClientDisconnect); the
            # caller already has the 413.
            if not guard.refused:
                raise

    def _is_upload(self, scope: Scope) -> bool:
        return scope["path"] in self.upload_paths and is_multipart(scope)


class _Guard:
    """Counts the body as the app reads it; past the limit, answers 413 and from then on
    tells the app the client is gone, dropping whatever the app tries to answer."""

    def __init__(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        self.scope, self._receive, self._send, self.max_bytes = scope, receive, send, max_bytes
        self.seen, self.refused, self.started = 0, False, False

    async def receive(self) -> Message:
        if self.refused:
            return DISCONNECT
        message = await self._receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.max_bytes:
                await self._refuse()
                return DISCONNECT
        return message

    async def send(self, message: Message) -> None:
        if self.refused:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)

    async def _refuse(self) -> None:
        self.refused = True
        log.warning("request body refused", extra={"path": self.scope["path"], "bytes": self.seen})
        if not self.started:  # an app that answers before reading its body gets cut off
            await refuse(self.scope, self._send, self.max_bytes)
