"""Preview as user: an admin sees a dataset exactly as a named user would (row-level
security applied with that user's attributes); viewers are refused."""

from __future__ import annotations

from typing import Any

from tests.store.fixtures import Api

SPEC = {"dataset": "sales", "columns": ["order_id", "region"], "page_size": 50}


def _preview_as(api: Api, username: str, spec: dict[str, Any] | None = SPEC, **kw: Any) -> Any:
    body: dict[str, Any] = {"username": username}
    if spec is not None:
        body["spec"] = spec
    return api.client.post(
        "/api/admin/datasets/sales/preview-as",
        json=body,
        headers=kw.get("headers") or api.headers(),
    )


def test_preview_as_a_user_shows_only_the_rows_their_attributes_allow(admin_api_sqlite: Api):
    api = admin_api_sqlite
    r = api.client.patch(
        "/api/admin/datasets/sales",
        json={"rls": [{"column": "region", "attribute": "region"}], "rls_admin_exempt": True},
        headers=api.headers(),
    )
    assert r.status_code == 200, r.text
    regions = api.client.get("/api/datasets/sales/values/region", headers=api.headers()).json()
    allowed = next(v for v in regions["values"] if v is not None)
    viewer = api.new_user("ann", attributes={"region": [allowed]})
    api.new_user("bob", attributes={})

    shown = _preview_as(api, "ann")
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["username"] == "ann" and body["attributes"] == {"region": [allowed]}
    assert body["rows"] and {row[1] for row in body["rows"]} == {allowed}
    own = api.client.post("/api/preview", json=SPEC, headers=viewer).json()
    assert own["rows"] == body["rows"]  # the same rows ann gets herself

    assert _preview_as(api, "bob").json()["rows"] == []  # no attribute: no rows
    assert len(_preview_as(api, "admin", spec=None).json()["rows"]) == 50  # exempt admin


def test_preview_as_refuses_viewers_unknown_users_and_other_datasets(admin_api_sqlite: Api):
    api = admin_api_sqlite
    viewer = api.new_user("vera")
    refused = _preview_as(api, "vera", headers=viewer)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    missing = _preview_as(api, "nobody")
    assert missing.status_code == 404 and "nobody" in missing.json()["error"]["message"]
    other = _preview_as(api, "vera", spec={"dataset": "items"})
    assert other.status_code == 422
    assert other.json()["error"]["details"][0]["path"] == "spec.dataset"
