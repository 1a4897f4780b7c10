"""Typed async calls to the Aurora API. The UI reaches the backend through this module only.

No SQL and no data work here: each method is one HTTP call that returns the API's JSON or
raises `ApiError` carrying the contract's error body.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

DEFAULT_API_URL = "http://127.0.0.1:8000"
# Queries have their own server-side timeout; this one only guards against a dead API.
TIMEOUT = httpx.Timeout(connect=5.0, read=120.0, write=30.0, pool=10.0)

_client: httpx.AsyncClient | None = None


def api_url() -> str:
    return os.environ.get("AURORA_API_URL", DEFAULT_API_URL).rstrip("/")


def _shared_client() -> httpx.AsyncClient:
    """One connection pool per UI process, shared by every user's calls."""
    global _client
    if _client is None or _client.is_closed:
        _client = httpx.AsyncClient(base_url=api_url(), timeout=TIMEOUT)
    return _client


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
    def from_response(cls, response: httpx.Response) -> ApiError:
        try:
            body = response.json().get("error") or {}
        except (ValueError, AttributeError):
            body = {}
        return cls(
            status=response.status_code,
            code=str(body.get("code") or f"http_{response.status_code}"),
            message=str(body.get("message") or response.reason_phrase or "Request failed"),
            details=[d for d in body.get("details") or [] if isinstance(d, dict)],
        )

    @classmethod
    def unreachable(cls, exc: Exception) -> ApiError:
        return cls(
            status=503,
            code="api_unreachable",
            message="The Aurora service cannot be reached right now. Try again in a minute.",
            details=[{"path": "", "message": type(exc).__name__}],
        )


class ApiClient:
    """Calls made on behalf of one signed-in user (or anonymously, for login)."""

    def __init__(self, token: str = "") -> None:
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await _shared_client().request(method, path, headers=self._headers, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiError.unreachable(exc) from exc
        if response.status_code >= 400:
            raise ApiError.from_response(response)
        return response.json() if response.content else None

    async def login(self, username: str, password: str) -> dict[str, Any]:
        body = {"username": username, "password": password}
        result: dict[str, Any] = await self._call("POST", "/api/auth/login", json=body)
        return result

    async def logout(self) -> None:
        """Revoke this token on the server (signing out is more than forgetting it)."""
        await self._call("POST", "/api/auth/logout")

    async def datasets(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._call("GET", "/api/datasets")
        return result

    async def dataset(self, key: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("GET", f"/api/datasets/{_seg(key)}")
        return result

    async def values(self, key: str, column: str, q: str = "", limit: int = 20) -> list[Any]:
        params: dict[str, Any] = {"limit": limit}
        if q:
            params["q"] = q
        path = f"/api/datasets/{_seg(key)}/values/{_seg(column)}"
        result = await self._call("GET", path, params=params)
        return list(result.get("values", []) if isinstance(result, dict) else result or [])

    async def query(self, spec: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._call("POST", "/api/query", json=spec)
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

    async def open_download(self, export_id: str) -> httpx.Response:
        """The export file as a streamed response; the caller reads and closes it."""
        path = f"/api/exports/{_seg(export_id)}/download"
        request = _shared_client().build_request("GET", path, headers=self._headers)
        try:
            response = await _shared_client().send(request, stream=True)
        except httpx.HTTPError as exc:
            raise ApiError.unreachable(exc) from exc
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
            raise ApiError.from_response(response)
        return response


def _seg(value: str) -> str:
    """One URL path segment, escaped (keys and column names come from the API, but still)."""
    return quote(str(value), safe="")
