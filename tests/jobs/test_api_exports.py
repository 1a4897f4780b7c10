"""The exports API through the real app: 202 then poll then download, owners only, limits
refused by POST itself, cancel, the contract's error shape."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest

from backend.routes.exports import content_disposition
from backend.store.engine import Store
from tests.jobs.api_fixtures import finished, poll, running_api
from tests.store.fixtures import Api

ITEMS = {
    "dataset": "items",
    "columns": ["item_id", "name", "price"],
    "sort": [{"column": "item_id"}],
}


def _start(api: Api, headers: dict[str, str], **body: object) -> str:
    r = api.client.post(
        "/api/exports", json={"query": ITEMS, "format": "csv", **body}, headers=headers
    )
    assert r.status_code == 202, r.text
    assert set(r.json()) == {"id", "status"} and r.json()["status"] == "queued"
    return str(r.json()["id"])


def test_export_is_accepted_then_done_then_downloaded(export_api: Api) -> None:
    ann = export_api.new_user("ann")
    export_id = _start(export_api, ann, filename="Items report", bom=True)
    body = poll(export_api, export_id, ann, finished)
    assert body["status"] == "done" and body["rows_written"] == 300 and body["error"] is None
    assert body["download_url"] == f"/api/exports/{export_id}/download"

    r = export_api.client.get(body["download_url"], headers=ann)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="Items report.csv"' in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    frame = pl.read_csv(io.BytesIO(r.content))
    assert frame.columns == ["Item id", "Name", "Price"] and frame.height == 300


def test_another_users_export_does_not_exist_for_them(export_api: Api) -> None:
    ann, bob = export_api.new_user("ann"), export_api.new_user("bob")
    export_id = _start(export_api, ann)
    poll(export_api, export_id, ann, finished)
    for method, path in [
        ("get", f"/api/exports/{export_id}"),
        ("get", f"/api/exports/{export_id}/download"),
        ("delete", f"/api/exports/{export_id}"),
    ]:
        r = export_api.client.request(method, path, headers=bob)
        assert r.status_code == 404, (method, path)
        assert r.json()["error"]["code"] == "not_found"
    assert export_api.client.get("/api/exports", headers=bob).json() == []
    assert [e["id"] for e in export_api.client.get("/api/exports", headers=ann).json()] == [
        export_id
    ]


def test_download_before_the_file_is_ready_is_a_conflict_and_cancel_stops_it(
    export_api: Api,
) -> None:
    ann = export_api.new_user("ann")
    r = export_api.client.post(
        "/api/exports", json={"query": {"dataset": "huge"}, "format": "xlsx"}, headers=ann
    )
    export_id = r.json()["id"]
    poll(export_api, export_id, ann, lambda b: b["rows_written"] > 0)
    r = export_api.client.get(f"/api/exports/{export_id}/download", headers=ann)
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"

    r = export_api.client.delete(f"/api/exports/{export_id}", headers=ann)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert r.json()["download_url"] is None


def test_xlsx_over_the_excel_limit_is_refused_up_front(
    sqlite_store: Store, tmp_path: Path, shared_warehouse: Path
) -> None:
    for api in running_api(sqlite_store, tmp_path, shared_warehouse, export_excel_max_rows=100):
        ann = api.new_user("ann")
        r = api.client.post("/api/exports", json={"query": ITEMS, "format": "xlsx"}, headers=ann)
        assert r.status_code == 422
        error = r.json()["error"]
        assert error["code"] == "export_too_large"
        assert "100" in error["message"] and "CSV or Parquet" in error["message"]
        assert api.client.get("/api/exports", headers=ann).json() == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"query": ITEMS, "format": "pdf"}, 422),
        ({"query": ITEMS}, 422),
        ({"query": ITEMS, "format": "csv", "extra": 1}, 422),
        ({"query": {"dataset": "nope"}, "format": "csv"}, 404),
    ],
)
def test_bad_export_requests_get_contract_errors(
    export_api: Api, body: dict[str, object], status: int
) -> None:
    r = export_api.client.post("/api/exports", json=body, headers=export_api.new_user("ann"))
    assert r.status_code == status
    assert set(r.json()["error"]) == {"code", "message", "details"}


def test_exports_need_credentials(export_api: Api) -> None:
    assert (
        export_api.client.post("/api/exports", json={"query": ITEMS, "format": "csv"}).status_code
        == 401
    )
    assert export_api.client.get("/api/exports/x").status_code == 401


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("plain.csv", "attachment; filename=\"plain.csv\"; filename*=utf-8''plain.csv"),
        (
            'Zürich "q".csv',
            "attachment; filename=\"Z_rich _q_.csv\"; filename*=utf-8''Z%C3%BCrich%20%22q%22.csv",
        ),
    ],
)
def test_download_names_work_in_old_and_new_clients(name: str, header: str) -> None:
    assert content_disposition(name) == header
