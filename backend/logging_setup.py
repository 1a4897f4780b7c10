"""Structured JSON logs. Every line carries the request id of the request it belongs to;
the `RequestIdMiddleware` sets it and answers it in `X-Request-ID`."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_request_id: ContextVar[str | None] = ContextVar("aurora_request_id", default=None)
_MARK = "_aurora_json"

access_log = logging.getLogger("aurora.access")


def current_request_id() -> str | None:
    return _request_id.get()


@contextmanager
def request_id_bound(value: str) -> Iterator[None]:
    """Log lines written inside carry `value` as their request id: for work outside any
    request (an export job in a worker), so its lines can be found by one id."""
    token = _request_id.set(value)
    try:
        yield
    finally:
        _request_id.reset(token)


def _install_record_factory() -> None:
    base = logging.getLogRecordFactory()
    if getattr(base, _MARK, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        record.request_id = _request_id.get()
        return record

    setattr(factory, _MARK, True)
    logging.setLogRecordFactory(factory)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is now (test capture and reloaders replace it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for the root logger; idempotent. Uvicorn's loggers join in."""
    _install_record_factory()
    root = logging.getLogger()
    if not any(getattr(h, _MARK, False) for h in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # Our middleware logs each request with its id; uvicorn's access line would repeat it.
    logging.getLogger("uvicorn.access").disabled = True


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == HEADER.encode():
            candidate = value.decode("latin-1")
            return candidate if _SANE_ID.match(candidate) else None
    return None


class RequestIdMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware), so streaming responses stay streaming."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        token = _request_id.set(request_id)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            _request_id.reset(token)
