"""Typed async calls to the Aurora API. The UI reaches the backend through this module only.

No SQL and no data work here: each method is one HTTP call that returns the API's JSON or
raises `ApiError` carrying the contract's error body.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp

DEFAULT_API_URL = "http://127.0.0.1:8000"
# Queries have their own server-side timeout; this one only guards against a dead API.
# aiohttp's `connect` is the wait for a pooled connection plus connecting; `sock_connect`
# the TCP connect alone.
TIMEOUT = aiohttp.ClientTimeout(total=None, connect=10.0, sock_connect=5.0, sock_read=120.0)

# Sign-ins wait at the API for its login pool (argon2, one thread per process). On the shared
# pool a burst of them held every connection while they waited, and pages then timed out
# waiting for one (api_unreachable). They get a few connections of their own, and wait for
# one as long as for an answer: the sign-in is a background event (AuthState.login) that
# holds no state lock meanwhile, and a burst told "try again" after 10 s came back to the
# same queue, with the argon2 work of those already sent done for nothing.
LOGIN_CONNECTIONS = 4

LOGIN_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=120.0, sock_connect=5.0, sock_read=120.0)

# Every user's calls share one pool of 100 connections, every one kept alive between bursts
# (closing idle ones made each burst reconnect). Not fewer: capped at 32, a burst of cold
# 3M-row sorts held them all and cached pages queued behind them here, first come first
# served, instead of at the API, whose admission lets interactive calls pass (3M rows, 200
# users signing in: next-page p95 1,263-1,305 ms capped at 32, 776 ms at 100).
SHARED_CONNECTIONS = 100
# Below the API's own keep-alive (backend.serve: 75 s), so the API never closes a
# connection this pool is about to reuse.
KEEPALIVE_S = 60.0

# aiohttp, not httpx: every API call of every user passes through this one process's
# event loop, and httpx spent 2.0-2.6 ms of CPU on a 50-row page call against aiohttp's
# 0.46-0.58 ms (one real uvicorn server on loopback, 8 calls at a time, kept-alive pool of
# 100). Under 200 users at 3M rows the UI server's CPU per click went from 16.0 to 9.4 ms
# (bench/results/ui-200-users-20261203-night.md).


class _Pool:
    """One aiohttp session and its connections, for the event loop that made it (a session
    cannot be used from another loop)."""

    def __init__(self, connections: int, timeout: aiohttp.ClientTimeout) -> None:
        self.loop = asyncio.get_running_loop()
        connector = aiohttp.TCPConnector(
            limit=connections, limit_per_host=0, keepalive_timeout=KEEPALIVE_S
        )
        # Every user's calls share this session: it must never keep a cookie one answer set
        # and send it with another user's call.
        self.session = aiohttp.ClientSession(
            connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
        )

    @property
    def is_closed(self) -> bool:
        return self.session.closed or self.loop is not asyncio.get_running_loop()

    async def aclose(self) -> None:
        await self.session.close()


_client: _Pool | None = None
_login_client: _Pool | None = None

# What the API can fail with, as seen from here: refused, reset, timed out.
UNREACHABLE = (aiohttp.ClientError, asyncio.TimeoutError)


def api_url() -> str:
    return os.environ.get("AURORA_API_URL", DEFAULT_API_URL).rstrip("/")


def forwarding_headers(client_addr: str, secret: str | None = None) -> dict[str, str]:
    """The browser's address for the API's login limits and audit log, with the secret
    that makes the API believe it (AURORA_UI_SECRET; without one nothing is forwarded).

    >>> forwarding_headers("203.0.113.7", secret="s3cret")
    {'X-Aurora-Client-Addr': '203.0.113.7', 'X-Aurora-UI-Secret': 's3cret'}
    >>> forwarding_headers("", secret="s3cret"), forwarding_headers("203.0.113.7", secret="")
    ({}, {})
    """
    secret = os.environ.get("AURORA_UI_SECRET", "") if secret is None else secret
    if not secret or not client_addr:
        return {}
    return {"X-Aurora-Client-Addr": client_addr, "X-Aurora-UI-Secret": secret}


def _shared_client() -> _Pool:
    """One connection pool per UI process, shared by every user's calls."""
    global _client
    if _client is None or _client.is_closed:
        _client = _Pool(SHARED_CONNECTIONS, TIMEOUT)
    return _client


def _sign_in_client() -> _Pool:
    """The sign-ins' own pool (LOGIN_CONNECTIONS), apart from every user's pages."""
    global _login_client
    if _login_client is None or _login_client.is_closed:
        _login_client = _Pool(LOGIN_CONNECTIONS, LOGIN_TIMEOUT)
    return _login_client


def query_params(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Query parameters as text, booleans as the API reads them.

    >>> query_params({"limit": 20, "all_loads": True, "q": "x"})
    {'limit': '20', 'all_loads': 'true', 'q': 'x'}
    """
    if params is None:
        return None
    return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in params.items()}


def form(files: Mapping[str, tuple[str, bytes, str]], data: Mapping[str, str]) -> aiohttp.FormData:
    """A multipart body: the fields, then each file as (name, content, type)."""
    body = aiohttp.FormData()
    for name, value in data.items():
        body.add_field(name, value)
    for name, (filename, content, content_type) in files.items():
        body.add_field(name, content, filename=filename, content_type=content_type)
    return body


@dataclass
class ApiError(Exception):
    """An error answer from the API, in the contract's shape."""

    status: int
    code: str
    message: str
    details: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    @classmethod
    def from_response(cls, status: int, body: bytes, reason: str | None = None) -> ApiError:
        """The error an answer of `status` with `body` carries.

        >>> ApiError.from_response(404, b'{"error": {"code": "not_found", "message": "No."}}')
        ApiError(status=404, code='not_found', message='No.', details=[])
        >>> ApiError.from_response(502, b"<html>bad gateway</html>", "Bad Gateway").code
        'http_502'
        """
        try:
            error = json.loads(body).get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        return cls(
            status=status,
            code=str(error.get("code") or f"http_{status}"),
            message=str(error.get("message") or reason or "Request failed"),
            details=[d for d in error.get("details") or [] if isinstance(d, dict)],
        )

    @classmethod
    def unreachable(cls, exc: Exception) -> ApiError:
        return cls(
            status=503,
            code="api_unreachable",
            message="The Aurora service cannot be reached right now. Try again in a minute.",
            details=[{"path": "", "message": type(exc).__name__}],
        )


def tile_line(line: dict[str, Any]) -> tuple[str, dict[str, Any] | ApiError]:
    """One line of the tiles batch: the tile's id and its answer, or its error.

    >>> tile_line({"tile": "a", "status": 200, "data": {"rows": []}})
    ('a', {'rows': []})
    >>> err = {"code": "not_found", "message": "No tile 'b'.", "details": []}
    >>> tile_line({"tile": "b", "status": 404, "error": err})[1]
    ApiError(status=404, code='not_found', message="No tile 'b'.", details=[])
    """
    tile = str(line.get("tile", ""))
    status = int(line.get("status", 500))
    if status == 200:
        return tile, dict(line.get("data") or {})
    err = line.get("error") or {}
    details = [d for d in err.get("details") or [] if isinstance(d, dict)]
    code, message = str(err.get("code") or f"http_{status}"), str(err.get("message") or "")
    return tile, ApiError(status=status, code=code, message=message, details=details)


class ApiClient:
    """Calls made on behalf of one signed-in user (or anonymously, for login), from the
    browser at `client_addr`."""

    def __init__(self, token: str = "", client_addr: str = "") -> None:
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._headers.update(forwarding_headers(client_addr))

    async def _call(self, method: str, path: str, pool: _Pool | None = None, **kwargs: Any) -> Any:
        """One call: `json`, `params`, or `files` with `data` (multipart)."""
        session = (pool or _shared_client()).session
        try:
            async with session.request(
                method, api_url() + path, headers=self._headers, **_body(kwargs)
            ) as response:
                content = await response.read()
                status, reason = response.status, response.reason
        except UNREACHABLE as exc:
            raise ApiError.unreachable(exc) from exc
        if status >= 400:
            raise ApiError.from_response(status, content, reason)
        return json.loads(content) if content else None

    async def login(self, username: str, password: str) -> dict[str, Any]:
        body = {"username": username, "password": password}
        path = "/api/auth/login"
        result: dict[str, Any] = await self._call("POST", path, _sign_in_client(), json=body)
        return result

    async def logout(self) -> None:
        """Revoke this token on the server (signing out is more than forgetting it)."""
        await self._call("POST", "/api/auth/logout")

    async def operators(self) -> dict[str, Any]:
        """The filter operators: labels, value shapes, and which each column kind offers."""
        result: dict[str, Any] = await self._call("GET", "/api/meta/operators")
        return result

    async def datasets(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._call("GET", "/api/datasets")
        return result

    async def dataset(self, key: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("GET", f"/api/datasets/{_seg(key)}")
        return result

    async def history(self, key: str, limit: int = 100) -> dict[str, Any]:
        """GET /api/datasets/{key}/history: `versioned`, `current_version`, `versions`."""
        return await self._obj("GET", f"/api/datasets/{_seg(key)}/history", params={"limit": limit})

    async def dataset_version(self, key: str) -> dict[str, Any]:
        """GET /api/datasets/{key}/version: `versioned` and the current `version` (cheap)."""
        return await self._obj("GET", f"/api/datasets/{_seg(key)}/version")

    async def values(self, key: str, column: str, q: str = "", limit: int = 20) -> list[Any]:
        params: dict[str, Any] = {"limit": limit}
        if q:
            params["q"] = q
        path = f"/api/datasets/{_seg(key)}/values/{_seg(column)}"
        result = await self._call("GET", path, params=params)
        return list(result.get("values", []) if isinstance(result, dict) else result or [])

    async def column_summary(
        self, key: str, column: str, vintage: dict[str, str]
    ) -> dict[str, Any]:
        """GET /api/datasets/{key}/summary/{column} over `vintage` (load_type, load_id,
        all_loads as query parameters)."""
        path = f"/api/datasets/{_seg(key)}/summary/{_seg(column)}"
        result: dict[str, Any] = await self._call("GET", path, params=vintage)
        return result

    async def query(self, spec: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("POST", "/api/query", json=spec)
        return result

    async def count(self, spec: dict[str, Any]) -> int | None:
        """The spec's row count (POST /api/count), for a page answered `total_pending`."""
        result = await self._call("POST", "/api/count", json=spec)
        total = result.get("total_rows") if isinstance(result, dict) else None
        return total if isinstance(total, int) else None

    async def totals(self, spec: dict[str, Any]) -> dict[str, Any]:
        """The totals row of an aggregated spec (POST /api/totals): `columns` and `row`."""
        result: dict[str, Any] = await self._call("POST", "/api/totals", json=spec)
        return result

    async def insights(self, body: dict[str, Any]) -> dict[str, Any]:
        """Findings about a chart's measure (POST /api/insights), each with its spec."""
        result: dict[str, Any] = await self._call("POST", "/api/insights", json=body)
        return result

    async def start_export(
        self, spec: dict[str, Any], fmt: str, filename: str = ""
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"query": spec, "format": fmt}
        if filename:
            body["filename"] = filename
        result: dict[str, Any] = await self._call("POST", "/api/exports", json=body)
        return result

    async def export_status(self, export_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("GET", f"/api/exports/{_seg(export_id)}")
        return result

    async def cancel_export(self, export_id: str) -> None:
        await self._call("DELETE", f"/api/exports/{_seg(export_id)}")

    async def _obj(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        result = await self._call(method, path, **kwargs)
        return dict(result) if isinstance(result, dict) else {}

    async def _list(self, path: str, **params: Any) -> list[dict[str, Any]]:
        query = {k: v for k, v in params.items() if v not in (None, "")}
        result = await self._call("GET", path, params=query)
        return [r for r in result or [] if isinstance(r, dict)]

    # ---- joins -------------------------------------------------------------------------

    async def joined_schema(self, spec: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("POST", "/api/joined-schema", json=spec)

    async def preview(self, spec: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("POST", "/api/preview", json=spec)

    # ---- ask in plain words -------------------------------------------------------------

    async def ask(self, question: str, dataset: str = "") -> dict[str, Any]:
        """POST /api/ask: the spec a question reads as, and how it was read; runs nothing."""
        body: dict[str, Any] = {"question": question}
        if dataset:
            body["dataset"] = dataset
        return await self._obj("POST", "/api/ask", json=body)

    async def ask_suggest(self, q: str, limit: int = 8) -> list[dict[str, Any]]:
        """GET /api/ask/suggest: completions for the word being typed."""
        found = await self._obj("GET", "/api/ask/suggest", params={"q": q, "limit": limit})
        return [s for s in found.get("suggestions") or [] if isinstance(s, dict)]

    # ---- saved reports -----------------------------------------------------------------

    async def reports(self) -> list[dict[str, Any]]:
        return await self._list("/api/reports")

    async def report(self, report_id: str) -> dict[str, Any]:
        return await self._obj("GET", f"/api/reports/{_seg(report_id)}")

    async def create_report(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("POST", "/api/reports", json=body)

    async def replace_report(self, report_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("PUT", f"/api/reports/{_seg(report_id)}", json=body)

    async def delete_report(self, report_id: str) -> None:
        await self._call("DELETE", f"/api/reports/{_seg(report_id)}")

    # ---- dashboards --------------------------------------------------------------------

    async def dashboards(self) -> list[dict[str, Any]]:
        return await self._list("/api/dashboards")

    async def dashboard(self, dashboard_id: str) -> dict[str, Any]:
        return await self._obj("GET", f"/api/dashboards/{_seg(dashboard_id)}")

    async def create_dashboard(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("POST", "/api/dashboards", json=body)

    async def replace_dashboard(self, dashboard_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("PUT", f"/api/dashboards/{_seg(dashboard_id)}", json=body)

    async def delete_dashboard(self, dashboard_id: str) -> None:
        await self._call("DELETE", f"/api/dashboards/{_seg(dashboard_id)}")

    async def tile_data(self, dashboard_id: str, tile: str, body: dict[str, Any]) -> dict[str, Any]:
        path = f"/api/dashboards/{_seg(dashboard_id)}/tiles/{_seg(tile)}/data"
        return await self._obj("POST", path, json=body)

    async def tiles_data(
        self, dashboard_id: str, tiles: list[str], body: dict[str, Any]
    ) -> AsyncIterator[tuple[str, dict[str, Any] | ApiError]]:
        """Several tiles in one request (POST .../tiles/data, NDJSON): each tile's answer,
        or its own error, as it arrives. A refusal of the whole request raises ApiError."""
        path = f"/api/dashboards/{_seg(dashboard_id)}/tiles/data"
        session = _shared_client().session
        payload = {**body, "tiles": tiles}
        try:
            async with session.post(api_url() + path, headers=self._headers, json=payload) as r:
                if r.status >= 400:
                    raise ApiError.from_response(r.status, await r.read(), r.reason)
                async for line in _lines(r.content):
                    yield tile_line(json.loads(line))
        except UNREACHABLE as exc:
            raise ApiError.unreachable(exc) from exc

    async def tile_spec(self, dashboard_id: str, tile: str, body: dict[str, Any]) -> dict[str, Any]:
        path = f"/api/dashboards/{_seg(dashboard_id)}/tiles/{_seg(tile)}/spec"
        return await self._obj("POST", path, json=body)

    async def export_dashboard(self, dashboard_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Start its XLSX or PDF (`format`, `filters`, `cross`); followed like any export."""
        path = f"/api/dashboards/{_seg(dashboard_id)}/exports"
        return await self._obj("POST", path, json=body)

    # ---- schedules ---------------------------------------------------------------------

    async def schedules(self) -> list[dict[str, Any]]:
        return await self._list("/api/schedules")

    async def create_schedule(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("POST", "/api/schedules", json=body)

    async def replace_schedule(self, schedule_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("PUT", f"/api/schedules/{_seg(schedule_id)}", json=body)

    async def delete_schedule(self, schedule_id: str) -> None:
        await self._call("DELETE", f"/api/schedules/{_seg(schedule_id)}")

    async def schedule_runs(self, schedule_id: str) -> list[dict[str, Any]]:
        return await self._list(f"/api/schedules/{_seg(schedule_id)}/runs")

    async def schedule_deliveries(self, schedule_id: str) -> list[dict[str, Any]]:
        return await self._list(f"/api/schedules/{_seg(schedule_id)}/deliveries")

    async def delivery_options(self) -> dict[str, Any]:
        return await self._obj("GET", "/api/delivery/options")

    # ---- alerts ------------------------------------------------------------------------

    async def alerts(self) -> list[dict[str, Any]]:
        return await self._list("/api/alerts")

    async def create_alert(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("POST", "/api/alerts", json=body)

    async def replace_alert(self, alert_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("PUT", f"/api/alerts/{_seg(alert_id)}", json=body)

    async def delete_alert(self, alert_id: str) -> None:
        await self._call("DELETE", f"/api/alerts/{_seg(alert_id)}")

    async def alert_history(self, alert_id: str) -> dict[str, Any]:
        return await self._obj("GET", f"/api/alerts/{_seg(alert_id)}/history")

    # ---- in-app notifications ----------------------------------------------------------

    async def notifications(self, page: int = 1, page_size: int = 20) -> dict[str, Any]:
        params = {"page": page, "page_size": page_size}
        return await self._obj("GET", "/api/notifications", params=params)

    async def unread_notifications(self) -> int:
        return int((await self._obj("GET", "/api/notifications/unread-count")).get("unread", 0))

    async def read_notification(self, notification_id: str) -> dict[str, Any]:
        return await self._obj("POST", f"/api/notifications/{_seg(notification_id)}/read")

    async def read_all_notifications(self) -> int:
        return int((await self._obj("POST", "/api/notifications/read-all")).get("marked", 0))

    # ---- AG Grid endpoints (the pivot view) --------------------------------------------

    async def grid(self, key: str, endpoint: str, request: dict[str, Any]) -> dict[str, Any]:
        """`endpoint` is one of table, pivot, drilldown, export (AG Grid's protocol)."""
        if endpoint not in ("table", "pivot", "drilldown", "export"):
            raise ValueError(endpoint)
        return await self._obj("POST", f"/api/datasets/{_seg(key)}/{endpoint}", json=request)

    # ---- administration ----------------------------------------------------------------

    async def me(self) -> dict[str, Any]:
        return await self._obj("GET", "/api/auth/me")

    async def admin_datasets(self) -> list[dict[str, Any]]:
        return await self._list("/api/admin/datasets")

    async def admin_dataset(self, key: str) -> dict[str, Any]:
        return await self._obj("GET", f"/api/admin/datasets/{_seg(key)}")

    async def upload_dataset(
        self, filename: str, content: bytes, fields: dict[str, str]
    ) -> dict[str, Any]:
        """Multipart: the file plus `key`, `load_type`, `load_id`, `types`, `replace`."""
        files = {"file": (filename, content, "application/octet-stream")}
        data = {k: v for k, v in fields.items() if v}
        return await self._obj("POST", "/api/admin/datasets", files=files, data=data)

    async def update_dataset(self, key: str, patch: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("PATCH", f"/api/admin/datasets/{_seg(key)}", json=patch)

    async def delete_dataset(self, key: str) -> None:
        await self._call("DELETE", f"/api/admin/datasets/{_seg(key)}")

    async def preview_as(self, key: str, username: str, spec: dict[str, Any]) -> dict[str, Any]:
        path = f"/api/admin/datasets/{_seg(key)}/preview-as"
        return await self._obj("POST", path, json={"username": username, "spec": spec})

    async def erase(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST /api/admin/datasets/{key}/erase: a preview, or with `confirm` the erase."""
        return await self._obj("POST", f"/api/admin/datasets/{_seg(key)}/erase", json=body)

    async def start_maintenance(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST /api/admin/datasets/{key}/maintenance: a queued optimize or vacuum job."""
        path = f"/api/admin/datasets/{_seg(key)}/maintenance"
        return await self._obj("POST", path, json=body)

    async def maintenance_job(self, job_id: str) -> dict[str, Any]:
        return await self._obj("GET", f"/api/admin/maintenance/{_seg(job_id)}")

    async def cdc_sources(self) -> list[dict[str, Any]]:
        return await self._list("/api/admin/cdc/sources")

    async def create_cdc_source(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("POST", "/api/admin/cdc/sources", json=body)

    async def update_cdc_source(self, source_id: str, patch: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("PATCH", f"/api/admin/cdc/sources/{_seg(source_id)}", json=patch)

    async def delete_cdc_source(self, source_id: str) -> None:
        await self._call("DELETE", f"/api/admin/cdc/sources/{_seg(source_id)}")

    async def run_cdc_source(self, source_id: str) -> dict[str, Any]:
        """POST /api/admin/cdc/sources/{id}/run: poll now; the source with how it went."""
        return await self._obj("POST", f"/api/admin/cdc/sources/{_seg(source_id)}/run")

    async def users(self) -> list[dict[str, Any]]:
        return await self._list("/api/admin/users")

    async def create_user(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("POST", "/api/admin/users", json=body)

    async def update_user(self, user_id: int, patch: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("PATCH", f"/api/admin/users/{int(user_id)}", json=patch)

    async def deactivate_user(self, user_id: int) -> None:
        await self._call("DELETE", f"/api/admin/users/{int(user_id)}")

    async def api_keys(self) -> list[dict[str, Any]]:
        return await self._list("/api/admin/api-keys")

    async def create_api_key(self, username: str, name: str) -> dict[str, Any]:
        body = {"username": username, "name": name}
        return await self._obj("POST", "/api/admin/api-keys", json=body)

    async def revoke_api_key(self, key_id: str) -> None:
        await self._call("DELETE", f"/api/admin/api-keys/{_seg(key_id)}")

    async def webhooks(self) -> list[dict[str, Any]]:
        return await self._list("/api/admin/webhooks")

    async def create_webhook(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self._obj("POST", "/api/admin/webhooks", json=body)

    async def delete_webhook(self, webhook_id: str) -> None:
        await self._call("DELETE", f"/api/admin/webhooks/{_seg(webhook_id)}")

    async def test_webhook(self, webhook_id: str) -> dict[str, Any]:
        return await self._obj("POST", f"/api/admin/webhooks/{_seg(webhook_id)}/test")

    async def audit(self, **filters: Any) -> dict[str, Any]:
        """`user`, `action`, `since`, `until` (ISO with zone), `page`, `page_size`."""
        query = {k: v for k, v in filters.items() if v not in (None, "")}
        return await self._obj("GET", "/api/admin/audit", params=query)

    async def open_download(self, export_id: str) -> aiohttp.ClientResponse:
        """The export file as a streamed response; the caller reads and releases it."""
        url = api_url() + f"/api/exports/{_seg(export_id)}/download"
        try:
            response = await _shared_client().session.get(url, headers=self._headers)
        except UNREACHABLE as exc:
            raise ApiError.unreachable(exc) from exc
        if response.status >= 400:
            content = await response.read()
            response.release()
            raise ApiError.from_response(response.status, content, response.reason)
        return response


def _body(kwargs: dict[str, Any]) -> dict[str, Any]:
    """`_call`'s keywords as aiohttp's: `params` as text, `files` and `data` as a form."""
    out = {k: v for k, v in kwargs.items() if k not in ("params", "files", "data")}
    if kwargs.get("params") is not None:
        out["params"] = query_params(kwargs["params"])
    if "files" in kwargs:
        out["data"] = form(kwargs["files"], kwargs.get("data") or {})
    return out


async def _lines(stream: aiohttp.StreamReader) -> AsyncIterator[str]:
    """The non-empty lines of an NDJSON body, however long (aiohttp's own line reader
    refuses a line over twice its read buffer, 512 KiB, and one tile's rows can be longer)."""
    pending = b""
    async for chunk in stream.iter_any():
        pending += chunk
        if b"\n" not in chunk:
            continue
        *complete, pending = pending.split(b"\n")
        for line in complete:
            if line.strip():
                yield line.decode()
    if pending.strip():
        yield pending.decode()


def _seg(value: str) -> str:
    """One URL path segment, escaped (keys and column names come from the API, but still)."""
    return quote(str(value), safe="")
