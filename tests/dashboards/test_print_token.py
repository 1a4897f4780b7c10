"""The PDF's headless browser signs in with a print token: the viewer's identity, scoped to
reading one dashboard, dead once revoked. Through the real app and store."""

from __future__ import annotations

from typing import Any

from backend.dashboards import print_token
from tests.dashboards.helpers import DETAIL, create, error
from tests.store.fixtures import USER_PASSWORD, Api


def _token(api: Api, username: str, dashboard_id: str) -> tuple[dict[str, str], Any]:
    user = api.client.get("/api/auth/me", headers=api.headers(username, USER_PASSWORD)).json()
    token, claims = print_token.issue(api.settings, api.store, user["id"], dashboard_id)
    return {"Authorization": f"Bearer {token}"}, claims


def test_a_print_token_reads_its_dashboard_as_its_viewer_and_nothing_else(api: Api) -> None:
    ann = api.new_user("ann")
    made, other = create(api, ann), create(api, ann, name="Other")
    printing, _ = _token(api, "ann", made["id"])
    base = f"/api/dashboards/{made['id']}"
    me = api.client.get("/api/auth/me", headers=printing).json()
    assert me["username"] == "ann" and me["role"] == "viewer"
    assert api.client.get(base, headers=printing).status_code == 200
    data = api.client.post(f"{base}/tiles/table/data", json={}, headers=printing)
    assert data.status_code == 200, data.text
    assert api.client.get(f"{base}/bookmarks", headers=printing).status_code == 200
    refused = [
        ("get", f"/api/dashboards/{other['id']}", None),
        ("post", f"/api/dashboards/{other['id']}/tiles/table/data", {}),
        ("put", base, {}),
        ("delete", base, None),
        ("post", f"{base}/exports", {"format": "pdf"}),
        ("post", "/api/query", DETAIL),
        ("get", "/api/datasets", None),
        ("get", "/api/dashboards", None),
        ("get", "/api/exports", None),
        ("get", f"/api/dashboards/{other['id']}/bookmarks", None),
        ("post", f"{base}/bookmarks", {"name": "b", "filters": {}}),
        ("get", "/api/datasets/sales/values/region", None),
    ]
    for method, path, body in refused:
        r = api.client.request(method, path, json=body, headers=printing)
        assert error(r, 403)["code"] == "forbidden", (method, path)


def test_a_revoked_print_token_opens_nothing(api: Api) -> None:
    ann = api.new_user("ann")
    made = create(api, ann)
    printing, claims = _token(api, "ann", made["id"])
    print_token.revoke(api.store, claims)
    r = api.client.get(f"/api/dashboards/{made['id']}", headers=printing)
    assert error(r, 401)["code"] == "unauthenticated"
    assert api.client.get(f"/api/dashboards/{made['id']}", headers=ann).status_code == 200
