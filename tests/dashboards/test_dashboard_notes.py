"""Bookmarks are private named filter states; comments are a thread per tile that whoever
sees the dashboard sees; the XLSX workbook has a sheet per report tile with numbers as
numbers and the viewer's own rows."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from tests.dashboards.helpers import BY_REGION, DETAIL, create, error, query_rows
from tests.store.fixtures import USER_PASSWORD, Api


@pytest.fixture
def ann(api: Api) -> dict[str, str]:
    return api.new_user("ann")


@pytest.fixture
def bob(api: Api) -> dict[str, str]:
    return api.new_user("bob")


def test_bookmarks_are_private_to_their_user(
    api: Api, ann: dict[str, str], bob: dict[str, str]
) -> None:
    made = create(api, ann, shared=True)
    url = f"/api/dashboards/{made['id']}/bookmarks"
    state = {"reg": ["North"], "when": {"preset": "last_30_days"}}
    r = api.client.post(url, json={"name": "North, recent", "filters": state}, headers=ann)
    assert r.status_code == 201, r.text
    saved = r.json()
    assert saved["filters"]["reg"] == ["North"]
    assert saved["filters"]["when"]["preset"] == "last_30_days"
    assert [b["name"] for b in api.client.get(url, headers=ann).json()] == ["North, recent"]
    assert api.client.get(url, headers=bob).json() == []
    error(api.client.delete(f"{url}/{saved['id']}", headers=bob), 404)
    assert api.client.delete(f"{url}/{saved['id']}", headers=ann).status_code == 204
    assert api.client.get(url, headers=ann).json() == []


def test_a_bookmark_of_an_unknown_filter_or_a_wrong_value_is_422(
    api: Api, ann: dict[str, str]
) -> None:
    made = create(api, ann)
    url = f"/api/dashboards/{made['id']}/bookmarks"
    error(api.client.post(url, json={"name": "x", "filters": {"nope": []}}, headers=ann), 422)
    wrong = {"name": "x", "filters": {"reg": {"preset": "last_30_days"}}}
    error(api.client.post(url, json=wrong, headers=ann), 422)
    error(api.client.post(url, json={"name": "", "filters": {}}, headers=ann), 422)


def test_comments_form_a_thread_per_tile_seen_by_whoever_sees_the_dashboard(
    api: Api, ann: dict[str, str], bob: dict[str, str]
) -> None:
    made = create(api, ann, shared=True)
    url = f"/api/dashboards/{made['id']}/tiles"
    for who, text in ((ann, "North is down"), (bob, "Looking into it")):
        r = api.client.post(f"{url}/chart/comments", json={"text": text}, headers=who)
        assert r.status_code == 201, r.text
    thread = api.client.get(f"{url}/chart/comments", headers=bob).json()
    assert [(c["author"], c["text"]) for c in thread] == [
        ("ann", "North is down"),
        ("bob", "Looking into it"),
    ]
    assert api.client.get(f"{url}/table/comments", headers=ann).json() == []
    error(api.client.get(f"{url}/nope/comments", headers=ann), 404)
    error(api.client.post(f"{url}/chart/comments", json={"text": ""}, headers=ann), 422)
    private = create(api, ann)
    purl = f"/api/dashboards/{private['id']}/tiles/chart/comments"
    error(api.client.get(purl, headers=bob), 404)
    error(api.client.post(purl, json={"text": "hi"}, headers=bob), 404)


def _sheets(api: Api, headers: dict[str, str], dashboard_id: str, **body: Any) -> Any:
    r = api.client.post(f"/api/dashboards/{dashboard_id}/export.xlsx", json=body, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book}


def test_the_workbook_has_a_sheet_per_report_tile_with_numbers_as_numbers(
    api: Api, ann: dict[str, str]
) -> None:
    made = create(api, ann)
    sheets = _sheets(api, ann, made["id"])
    assert list(sheets) == ["Sales by region", "Orders"]
    header, *rows = sheets["Sales by region"]
    assert len(header) == 2 and all(isinstance(h, str) for h in header)
    expected = query_rows(api, ann, BY_REGION)
    assert [r[0] for r in rows] == [r[0] for r in expected]
    totals = [r[1] for r in rows if r[1] is not None]
    assert totals and all(isinstance(v, int | float) for v in totals)
    assert totals == pytest.approx([float(r[1]) for r in expected if r[1] is not None])
    orders = sheets["Orders"][1:]
    assert len(orders) == len(query_rows(api, ann, DETAIL))
    assert all(isinstance(r[0], int) for r in orders)


def test_the_workbook_holds_only_the_viewers_rows_and_filters(api: Api) -> None:
    r = api.client.patch(
        "/api/admin/datasets/sales",
        json={"rls": [{"column": "region", "attribute": "region"}], "rls_admin_exempt": True},
        headers=api.headers(),
    )
    assert r.status_code == 200, r.text
    api.new_user("ann", attributes={"region": ["North", "South"]})
    made = create(api, api.headers(), shared=True)
    ann = api.headers("ann", USER_PASSWORD)
    regions = {r[0] for r in _sheets(api, ann, made["id"])["Sales by region"][1:]}
    assert regions == {"North", "South"}
    narrowed = _sheets(api, ann, made["id"], filters={"reg": ["South"]})
    assert {r[2] for r in narrowed["Orders"][1:]} == {"South"}
