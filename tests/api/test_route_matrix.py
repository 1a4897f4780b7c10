"""Every route the app has, against every kind of caller. The routes come from the app
itself, so a new route without an auth rule fails here until it gets one."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from backend.main import create_app
from backend.security.deps import require_user
from backend.security.gate import AuthGate, rule_of
from tests.store.fixtures import Api

# The API's description: public in development (the tests' default), behind credentials in
# production unless PUBLIC_API_DOCS (tests/api/test_api_docs.py).
DOCS = {("GET", "/api/openapi.json"), ("GET", "/api/docs")}
# The only routes that answer without credentials.
PUBLIC = {
    ("GET", "/api/health"),
    ("GET", "/api/health/live"),
    ("GET", "/api/health/ready"),
    ("POST", "/api/auth/login"),
    # A delivery email's download link: its one-time token is in the query, checked by the
    # route itself (backend.delivery.file_link), so a recipient needs no session.
    ("GET", "/api/delivery/files/{export_id}"),
} | DOCS
BODY_METHODS = {"POST", "PUT", "PATCH"}


def _api_routes(app: FastAPI | None = None) -> Iterator[tuple[str, str, Any]]:
    for ctx in iter_route_contexts((app or create_app()).routes):
        if isinstance(ctx.original_route, APIRoute):
            for method in sorted(ctx.methods or ()):
                yield method, ctx.path, ctx


ROUTES = sorted((m, p) for m, p, _ in _api_routes())
PROTECTED = [r for r in ROUTES if r not in PUBLIC]
ADMIN = [r for r in PROTECTED if r[1].startswith("/api/admin/") or r[1] == "/api/admin"]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _call(api: Api, method: str, path: str, headers: dict[str, str], **kw: Any) -> Any:
    if method in BODY_METHODS and "content" not in kw:
        kw["json"] = {}
    return api.client.request(method, _url(path), headers=headers, **kw)


def _failures(api: Api, headers: dict[str, str], status: int, code: str, **kw: Any) -> list[str]:
    bad = []
    for method, path in PROTECTED if status == 401 else ADMIN:
        r = _call(api, method, path, headers, **kw)
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        if r.status_code != status or body.get("error", {}).get("code") != code:
            bad.append(f"{method} {path} -> {r.status_code} {r.text[:120]}")
    return bad


DASHBOARDS = {
    ("GET", "/api/dashboards"),
    ("POST", "/api/dashboards"),
    ("GET", "/api/dashboards/{dashboard_id}"),
    ("PUT", "/api/dashboards/{dashboard_id}"),
    ("DELETE", "/api/dashboards/{dashboard_id}"),
    ("GET", "/api/dashboards/{dashboard_id}/versions"),
    ("POST", "/api/dashboards/{dashboard_id}/versions/{n}/restore"),
    ("POST", "/api/dashboards/{dashboard_id}/tiles/{tile_id}/data"),
    ("POST", "/api/dashboards/{dashboard_id}/tiles/data"),
    ("POST", "/api/dashboards/{dashboard_id}/tiles/{tile_id}/spec"),
    ("GET", "/api/dashboards/{dashboard_id}/bookmarks"),
    ("POST", "/api/dashboards/{dashboard_id}/bookmarks"),
    ("DELETE", "/api/dashboards/{dashboard_id}/bookmarks/{bookmark_id}"),
    ("GET", "/api/dashboards/{dashboard_id}/tiles/{tile_id}/comments"),
    ("POST", "/api/dashboards/{dashboard_id}/tiles/{tile_id}/comments"),
    ("POST", "/api/dashboards/{dashboard_id}/export.xlsx"),
}


def test_the_app_has_routes_to_check() -> None:
    assert ("GET", "/api/reports") in ROUTES and ("GET", "/api/admin/users") in ROUTES
    assert set(PROTECTED) >= DASHBOARDS and not set(ADMIN) & DASHBOARDS
    assert set(ROUTES) >= PUBLIC


def test_every_route_is_an_api_route_with_a_rule() -> None:
    # A plain Starlette route (FastAPI's own docs pages were) has no dependencies to read.
    others = [
        ctx.path
        for ctx in iter_route_contexts(create_app().routes)
        if not isinstance(ctx.original_route, APIRoute)
    ]
    assert others == []


def _unguarded(app: FastAPI | None = None) -> list[tuple[str, str]]:
    rules = {(m, p): rule_of(ctx.dependant) for m, p, ctx in _api_routes(app)}
    return [
        r
        for r, rule in rules.items()
        if (r not in PUBLIC and rule == "public")
        or (r[1].startswith("/api/admin") and rule != "admin")
    ]


def test_every_protected_route_declares_a_rule_and_admin_routes_require_admin() -> None:
    assert _unguarded() == []


def test_a_new_route_without_a_rule_is_caught() -> None:
    app = create_app()

    @app.get("/api/leak")
    def leak() -> dict[str, str]:
        return {}

    @app.get("/api/admin/leak", dependencies=[Depends(require_user)])
    def viewer_admin() -> dict[str, str]:
        return {}

    assert _unguarded(app) == [("GET", "/api/leak"), ("GET", "/api/admin/leak")]


def test_no_credentials_is_401_everywhere_but_health_and_login(api: Api) -> None:
    assert _failures(api, {}, 401, "unauthenticated") == []


def test_401_wins_over_a_malformed_body(api: Api) -> None:
    # FastAPI parses bodies before dependencies run; the AuthGate middleware answers first.
    headers = {"Content-Type": "application/json"}
    assert _failures(api, headers, 401, "unauthenticated", content=b"{not json") == []


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Bearer ", "Basic YWRtaW46YWRtaW4=", "bearer a.b.c"],
)
def test_a_bad_token_is_401_everywhere(api: Api, authorization: str) -> None:
    assert _failures(api, {"Authorization": authorization}, 401, "unauthenticated") == []


def test_an_expired_token_is_401_everywhere(api: Api) -> None:
    admin_id = api.client.get("/api/auth/me", headers=api.headers()).json()["id"]
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=api.settings.token_ttl_minutes + 1)
    token, _ = api.app.state.context.auth.tokens.issue(admin_id, version=0, now=past)
    assert _failures(api, {"Authorization": f"Bearer {token}"}, 401, "unauthenticated") == []


def test_a_revoked_api_key_is_401_everywhere(api: Api) -> None:
    made = api.client.post(
        "/api/admin/api-keys", json={"username": "admin", "name": "job"}, headers=api.headers()
    ).json()
    api.client.delete(f"/api/admin/api-keys/{made['id']}", headers=api.headers())
    assert _failures(api, {"X-API-Key": made["key"]}, 401, "unauthenticated") == []


def test_a_viewer_is_403_on_every_admin_route(api: Api) -> None:
    viewer = api.new_user("vera")
    assert _failures(api, viewer, 403, "forbidden") == []


def test_a_viewer_with_an_api_key_is_403_on_every_admin_route(api: Api) -> None:
    api.new_user("vera")
    made = api.client.post(
        "/api/admin/api-keys", json={"username": "vera", "name": "job"}, headers=api.headers()
    ).json()
    assert _failures(api, {"X-API-Key": made["key"]}, 403, "forbidden") == []


def test_the_dependencies_guard_routes_even_without_the_gate(api: Api) -> None:
    app = create_app(api.settings)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not AuthGate]
    viewer = api.new_user("vera")
    with TestClient(app) as client:
        assert client.get("/api/auth/me").status_code == 401
        assert client.get("/api/auth/me", headers=viewer).status_code == 200
        assert client.get("/api/admin/users", headers=viewer).status_code == 403
        assert client.get("/api/admin/users", headers=api.headers()).status_code == 200
