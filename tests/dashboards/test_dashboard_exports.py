"""Dashboard exports as jobs (`POST /api/dashboards/{id}/exports`): the workbook holds each
tile's whole result under the viewer's filters and RLS; bad input is 4xx in the error shape;
a PDF whose UI cannot be reached fails with a message naming AURORA_UI_URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.store.engine import Store
from tests.dashboards.delivery_fixtures import (
    LINES,
    LINES_ROWS,
    delivery_api,
    download,
    finished,
    sheets,
    start,
)
from tests.dashboards.helpers import chart_tile, create, error, table_tile
from tests.store.fixtures import USER_PASSWORD, Api


@pytest.fixture
def api(metadata_store: Store, tmp_path: Path) -> Iterator[Api]:
    yield from delivery_api(metadata_store, tmp_path)


def _lines_dashboard(api: Api, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    tiles = [chart_tile(), table_tile("lines", title="All lines", spec=LINES)]
    tabs = [{"id": "main", "title": "Main", "tiles": tiles}]
    return create(api, headers, tabs=tabs, **changes)


def test_the_workbook_job_holds_each_tiles_whole_result_numbers_as_numbers(api: Api) -> None:
    ann = api.new_user("ann")
    made = _lines_dashboard(api, ann)
    body = finished(api, start(api, ann, made["id"], format="xlsx"), ann)
    assert body["filename"].startswith("Sales overview") and body["filename"].endswith(".xlsx")
    got = sheets(download(api, body, ann))
    assert list(got) == ["Sales by region", "All lines"]
    lines = got["All lines"]
    assert lines[0] == ("Line id", "Price")
    assert len(lines) - 1 == LINES_ROWS  # past the 1,000 rows a tile's page holds
    assert lines[-1] == (LINES_ROWS - 1, (LINES_ROWS - 1) * 0.5)
    regions = got["Sales by region"]
    assert all(isinstance(total, float | int) for _, total in regions[1:])


def test_a_sheet_past_the_excel_limit_ends_with_a_row_saying_where_it_was_cut(
    metadata_store: Store, tmp_path: Path
) -> None:
    for api in delivery_api(metadata_store, tmp_path, export_excel_max_rows=2_000):
        made = _lines_dashboard(api, api.headers())
        body = finished(api, start(api, api.headers(), made["id"], format="xlsx"), api.headers())
        lines = sheets(download(api, body, api.headers()))["All lines"]
        assert len(lines) == 1 + 2_000 + 1
        assert lines[-1][0] == "Cut at 2,000 rows (EXPORT_EXCEL_MAX_ROWS)."


def test_a_viewer_with_rls_gets_only_their_slice_in_the_workbook(api: Api) -> None:
    rls = {"rls": [{"column": "region", "attribute": "region"}], "rls_admin_exempt": True}
    r = api.client.patch("/api/admin/datasets/sales", json=rls, headers=api.headers())
    assert r.status_code == 200, r.text
    api.new_user("ann", attributes={"region": ["North"]})
    ann = api.headers("ann", USER_PASSWORD)
    made = create(api, api.headers(), shared=True)
    mine = sheets(
        download(api, finished(api, start(api, ann, made["id"], format="xlsx"), ann), ann)
    )
    admins = api.headers()
    everyone = sheets(
        download(api, finished(api, start(api, admins, made["id"], format="xlsx"), admins), admins)
    )
    assert [row[0] for row in mine["Sales by region"][1:]] == ["North"]
    assert len(everyone["Sales by region"]) > 2, "the admin sees more, so the slice means something"
    orders = mine["Orders"][1:]
    assert orders and {row[2] for row in orders} == {"North"}


def test_the_workbook_follows_the_viewers_filter_values(api: Api) -> None:
    ann = api.new_user("ann")
    made = create(api, ann)
    body = finished(
        api, start(api, ann, made["id"], format="xlsx", filters={"reg": ["South"]}), ann
    )
    got = sheets(download(api, body, ann))
    assert [row[0] for row in got["Sales by region"][1:]] == ["South"]


BAD = [
    ({"format": "docx"}, 422, "format"),
    ({"format": "xlsx", "filters": {"nope": ["x"]}}, 422, "filters.nope"),
    ({"format": "pdf", "filters": {"when": "yesterday"}}, 422, "filters.when"),
    ({"format": "xlsx", "extra": 1}, 422, "extra"),
    ({"format": "xlsx", "cross": [{"column": "region"}]}, 422, "cross"),
]


@pytest.mark.parametrize(("body", "status", "path"), BAD)
def test_bad_export_requests_are_refused_in_the_error_shape(
    refusing_api: tuple[Api, dict[str, str]], body: dict[str, Any], status: int, path: str
) -> None:
    api, ann = refusing_api
    made = create(api, ann)
    r = api.client.post(f"/api/dashboards/{made['id']}/exports", json=body, headers=ann)
    found = error(r, status)
    assert any(path in d["path"] for d in found["details"]), found


def test_a_dashboard_the_caller_may_not_see_is_404_and_starts_nothing(api: Api) -> None:
    ann, bob = api.new_user("ann"), api.new_user("bob")
    made = create(api, ann)  # private to ann
    for dashboard_id in (made["id"], "nosuchdashboard"):
        r = api.client.post(
            f"/api/dashboards/{dashboard_id}/exports", json={"format": "pdf"}, headers=bob
        )
        assert error(r, 404)["code"] == "not_found"
    assert api.client.get("/api/exports", headers=bob).json() == []


def test_a_pdf_without_a_reachable_ui_fails_saying_where_it_looked(
    metadata_store: Store, tmp_path: Path
) -> None:
    nowhere = "http://127.0.0.1:9"  # the discard port: nothing answers HTTP there
    for api in delivery_api(metadata_store, tmp_path, ui_url=nowhere):
        made = create(api, api.headers())
        body = finished(api, start(api, api.headers(), made["id"], format="pdf"), api.headers())
        assert body["status"] == "failed" and body["download_url"] is None
        assert nowhere in body["error"] and "AURORA_UI_URL" in body["error"]
