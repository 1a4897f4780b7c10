"""Export files reach the browser through the UI's own backend.

The API wants a bearer token on the download, which a plain link cannot send, and the API
may not be reachable from the user's browser at all. So the UI hands the browser a
short-lived, single-purpose ticket; this route swaps it for the file, streamed from the API
with the user's token. Tickets live in this process (prod runs one backend worker unless
REFLEX_REDIS_URL is set; a multi-worker setup would keep them in Redis instead).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse

from aurora import once
from aurora.api_client import ApiClient, ApiError
from aurora.sealing import unseal

TICKET_TTL_S = 3600
PREFIX = "/_aurora/download"

_tickets: dict[str, tuple[str, str, float]] = {}


def issue(token: str, export_id: str) -> str:
    """A link path that downloads `export_id` as this user, for the next hour."""
    now = time.monotonic()
    for key in [k for k, (_, _, exp) in _tickets.items() if exp < now]:
        _tickets.pop(key, None)
    ticket = secrets.token_urlsafe(24)
    _tickets[ticket] = (token, export_id, now + TICKET_TTL_S)
    return f"{PREFIX}/{ticket}"


router = APIRouter()
PRIVATE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": []}}, status)


@router.get(PREFIX + "/{ticket}", response_model=None)
async def download(ticket: str, request: Request) -> Response:
    entry = _tickets.get(ticket)
    if entry is None or entry[2] < time.monotonic():
        return _error(404, "not_found", "This download link has expired; export again.")
    token, export_id, _ = entry
    try:
        browser = request.client.host if request.client else ""
        response = await ApiClient(unseal(token), browser).open_download(export_id)
    except ApiError as exc:
        return _error(exc.status, exc.code, exc.message)
    disposition = response.headers.get("content-disposition")
    headers = {"Content-Disposition": disposition} if disposition else {}
    return StreamingResponse(
        _body(response),
        media_type=response.headers.get("content-type", "application/octet-stream"),
        headers=headers,
    )


@router.get(once.ROUTE + "/{key}", response_model=None)
async def read_once(key: str) -> Response:
    """A value handed to this browser once (a new API key), then gone."""
    value = await once.get(key, consume=True)
    if value is None:
        return _error(404, "not_found", "This value was shown already or has expired.")
    return PlainTextResponse(str(value.get("key", "")), headers=PRIVATE)


async def _body(response: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_bytes():
            yield chunk
    finally:
        await response.aclose()


def api() -> FastAPI:
    """The FastAPI app Reflex mounts itself inside (`rx.App(api_transformer=...)`)."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(router)
    return app
