"""The UI server's own HTTP routes: export downloads, one-time values, the session cookie.

The API wants a bearer token on the download, which a plain link cannot send, and the API
may not be reachable from the user's browser at all. So the UI hands the browser a
short-lived ticket; this route swaps it for the file, streamed from the API with the user's
token. A ticket is bound to the tab that asked and works only with that tab's session
cookie (aurora.session_cookie), for a few minutes, and not after sign-out. Tickets are kept
by aurora.once: in Redis when the UI's state is there (a link one worker made downloads
from any), else in this process (which is then the only worker).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse

from aurora import once, session_cookie
from aurora.api_client import ApiClient, ApiError
from aurora.sealing import unseal

TICKET_TTL_S = 300
PREFIX = "/_aurora/download"
# The only types a download is served as, by file extension; anything else is bytes.
TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
    "pdf": "application/pdf",
}
CHUNK = 64 * 1024  # bytes of the file per write to the browser
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
PRIVATE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


TICKET = "ticket:"  # aurora.once's names for tickets; the value names the tab that asked


async def issue(token: str, export_id: str, tab: str) -> str:
    """A link path that downloads `export_id` as this user, from this tab, for a few minutes
    (`token` is the sealed token the tab's state holds, and stays sealed in the store)."""
    ticket = secrets.token_urlsafe(24)
    value = {"token": token, "export": export_id, "tab": tab}
    await once.put_named(TICKET + ticket, value, TICKET_TTL_S)
    return f"{PREFIX}/{ticket}"


def safe_filename(disposition: str, export_id: str) -> tuple[str, str]:
    """A plain file name from the API's Content-Disposition, and its extension.

    >>> safe_filename('attachment; filename="sales 2024.csv"', "e1")
    ('sales_2024.csv', 'csv')
    >>> safe_filename('attachment; filename="../x.html"', "e1")
    ('x.html', 'html')
    >>> safe_filename("", "e1")
    ('export-e1', '')
    """
    found = re.search(r'filename="?([^";]+)"?', disposition or "")
    name = SAFE_NAME.sub("_", found.group(1)).strip("._") if found else ""
    name = name or f"export-{SAFE_NAME.sub('_', export_id)}"
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return name, ext


router = APIRouter()


def _error(status: int, code: str, message: str) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": []}}
    return JSONResponse(body, status, headers=PRIVATE)


def _cookie(request: Request) -> str:
    return request.cookies.get(session_cookie.COOKIE, "")


@router.get(PREFIX + "/{ticket}", response_model=None)
async def download(ticket: str, request: Request) -> Response:
    entry = await once.get(TICKET + ticket)
    gone = _error(404, "not_found", "This download link has expired; export again.")
    if entry is None:
        return gone
    token, export_id, tab = (str(entry.get(k, "")) for k in ("token", "export", "tab"))
    if not await session_cookie.matches(tab, _cookie(request)):
        return gone  # not the session that asked, or it signed out
    try:
        browser = request.client.host if request.client else ""
        response = await ApiClient(unseal(token), browser).open_download(export_id)
    except ApiError as exc:
        return _error(exc.status, exc.code, exc.message)
    name, ext = safe_filename(response.headers.get("content-disposition", ""), export_id)
    headers = {**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'}
    media_type = TYPES.get(ext, "application/octet-stream")
    return StreamingResponse(_body(response), media_type=media_type, headers=headers)


@router.get(once.ROUTE + "/{key}", response_model=None)
async def read_once(key: str, request: Request) -> Response:
    """A value handed to this browser once (a new API key), then gone."""
    value = await once.get(key, consume=True)
    tab = str((value or {}).get("tab", ""))
    if value is None or not await session_cookie.matches(tab, _cookie(request)):
        return _error(404, "not_found", "This value was shown already or has expired.")
    return PlainTextResponse(str(value.get("key", "")), headers=PRIVATE)


@router.post(session_cookie.ROUTE + "/{claim}", response_model=None)
async def claim_session(claim: str, request: Request) -> Response:
    """Sets the cookie a sign-in bound to its tab (one claim, within a minute)."""
    value = await once.get(claim, consume=True)
    if value is None:
        return _error(404, "not_found", "Sign in again.")
    response = Response(status_code=204, headers=PRIVATE)
    _set_cookie(response, str(value.get("cookie", "")), request)
    return response


@router.delete(session_cookie.ROUTE, response_model=None)
async def release_session(request: Request) -> Response:
    response = Response(status_code=204, headers=PRIVATE)
    _set_cookie(response, "", request, max_age=0)
    return response


def _set_cookie(response: Response, value: str, request: Request, **extra: Any) -> None:
    response.set_cookie(
        session_cookie.COOKIE,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
        **extra,
    )


async def _body(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.content.iter_chunked(CHUNK):
            yield chunk
    finally:
        response.release()


def api() -> FastAPI:
    """The FastAPI app Reflex mounts itself inside (`rx.App(api_transformer=...)`)."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(router)
    return app


def guard_uploads(app: Any) -> Any:
    """ASGI wrapper: Reflex's upload endpoint runs a handler on the state of the tab named
    by a header, only with that tab's session cookie; Reflex's socket sees a proof of the
    cookie instead of the cookie (session_cookie.proof_headers)."""

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if str(scope.get("path", "")).startswith("/_event"):  # the socket Reflex stores
            scope = {**scope, "headers": await session_cookie.proof_headers(scope["headers"])}
        elif scope.get("type") == "http" and str(scope.get("path", "")).startswith("/_upload"):
            request = Request(scope)
            tab = request.headers.get("reflex-client-token", "")
            if not await session_cookie.matches(tab, _cookie(request)):
                refused = _error(403, "forbidden", "Sign in again to upload.")
                await refused(scope, receive, send)
                return
        await app(scope, receive, send)

    return guarded
