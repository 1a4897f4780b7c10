"""Schedules that deliver a dashboard: exactly one target, a dashboard's formats, the owner's
view of it; a due run produces the workbook under the owner's RLS."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from backend.jobs.models import ScheduleRow
from backend.jobs.scheduler import tick
from backend.jobs.service import ExportService
from backend.store.base import utcnow
from backend.store.engine import Store
from tests.dashboards.delivery_fixtures import (
    delivery_api,
    download,
    finished,
    sheets,
)
from tests.dashboards.helpers import BY_REGION, create, error
from tests.store.fixtures import USER_PASSWORD, Api


@pytest.fixture
def api(metadata_store: Store, tmp_path: Path) -> Iterator[Api]:
    yield from delivery_api(metadata_store, tmp_path)


def _post(api: Api, headers: dict[str, str], **body: Any) -> Any:
    return api.client.post("/api/schedules", json={"cron": "0 7 * * 1", **body}, headers=headers)


def _report(api: Api, headers: dict[str, str]) -> str:
    r = api.client.post("/api/reports", json={"name": "R", "spec": BY_REGION}, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_a_schedule_can_target_a_dashboard(api: Api) -> None:
    ann = api.new_user("ann")
    made = create(api, ann)
    r = _post(api, ann, dashboard_id=made["id"], format="pdf")
    assert r.status_code == 201, r.text
    got = api.client.get(f"/api/schedules/{r.json()['id']}", headers=ann).json()
    assert got["dashboard_id"] == made["id"] and got["report_id"] is None
    assert got["format"] == "pdf" and len(got["next_runs"]) == 3
    listed = api.client.get("/api/schedules", headers=ann).json()
    assert [s["dashboard_id"] for s in listed] == [made["id"]]


BAD = [
    ("both", {"format": "xlsx"}, True, True, 422),
    ("neither", {"format": "xlsx"}, False, False, 422),
    ("pdf of a report", {"format": "pdf"}, True, False, 422),
    ("csv of a dashboard", {"format": "csv"}, False, True, 422),
    ("parquet of a dashboard", {"format": "parquet"}, False, True, 422),
]


@pytest.mark.parametrize(("case", "body", "report", "dashboard", "status"), BAD)
def test_a_schedule_needs_one_target_in_one_of_its_formats(
    refusing_api: tuple[Api, dict[str, str]],
    case: str,
    body: dict[str, Any],
    report: bool,
    dashboard: bool,
    status: int,
) -> None:
    api, ann = refusing_api
    targets = {
        **({"report_id": _report(api, ann)} if report else {}),
        **({"dashboard_id": create(api, ann)["id"]} if dashboard else {}),
    }
    assert error(_post(api, ann, **targets, **body), status)["details"], case


def test_another_users_private_dashboard_or_an_unknown_one_is_404(api: Api) -> None:
    ann, bob = api.new_user("ann"), api.new_user("bob")
    private = create(api, ann)["id"]
    for dashboard_id in (private, "nosuchdashboard"):
        r = _post(api, bob, dashboard_id=dashboard_id, format="xlsx")
        assert error(r, 404)["code"] == "not_found"


def test_a_due_dashboard_schedule_delivers_the_owners_slice(api: Api) -> None:
    rls = {"rls": [{"column": "region", "attribute": "region"}], "rls_admin_exempt": True}
    r = api.client.patch("/api/admin/datasets/sales", json=rls, headers=api.headers())
    assert r.status_code == 200, r.text
    api.new_user("ann", attributes={"region": ["North"]})
    ann = api.headers("ann", USER_PASSWORD)
    made = create(api, api.headers(), shared=True)  # the admin's, shared: ann sees her slice
    sid = _post(api, ann, dashboard_id=made["id"], format="xlsx").json()["id"]
    now = utcnow().replace(second=0, microsecond=0)
    with api.store.session() as session:
        session.execute(update(ScheduleRow).where(ScheduleRow.id == sid).values(next_run_at=now))
    exports: ExportService = api.app.state.context.exports
    assert asyncio.run(tick(api.store, exports, now + dt.timedelta(seconds=1))) == 1
    runs = api.client.get(f"/api/schedules/{sid}/runs", headers=ann).json()
    assert len(runs) == 1 and runs[0]["error"] is None, runs
    done = finished(api, runs[0]["export_id"], ann)
    got = sheets(download(api, done, ann))
    assert [row[0] for row in got["Sales by region"][1:]] == ["North"]
    assert {row[2] for row in got["Orders"][1:]} == {"North"}
