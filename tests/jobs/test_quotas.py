"""Per-user quotas: exports queued at once, export bytes per day, enabled schedules and the
shortest schedule interval. Over one, a viewer gets 429 with Retry-After (waiting helps) or
422 (only their own change does), code `quota_exceeded`, the message naming the setting;
administrators are exempt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.jobs.models import ExportJobRow
from backend.store.base import utcnow
from backend.store.engine import Store
from tests.jobs.api_fixtures import finished, poll, running_api
from tests.store.fixtures import Api

EXPORT = {"query": {"dataset": "items", "columns": ["item_id", "price"]}, "format": "csv"}


@pytest.fixture
def api(sqlite_store: Store, tmp_path: Path, shared_warehouse: Path) -> Iterator[Api]:
    yield from running_api(
        sqlite_store,
        tmp_path,
        shared_warehouse,
        quota_queued_exports=2,
        quota_export_mb_per_day=1,
        quota_active_schedules=2,
        schedule_min_interval_minutes=60,
    )


def _me(api: Api, headers: dict[str, str]) -> int:
    user_id: int = api.client.get("/api/auth/me", headers=headers).json()["id"]
    return user_id


def _add_jobs(api: Api, owner: int, n: int, **values: Any) -> None:
    with api.store.session() as session:
        for _ in range(n):
            session.add(
                ExportJobRow(owner_id=owner, format="csv", filename="x.csv", spec={}, **values)
            )


def _quota_error(r: Any, status: int, limit: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    error: dict[str, Any] = r.json()["error"]
    assert error["code"] == "quota_exceeded" and limit in error["message"]
    assert error["details"] == [{"limit": limit}]
    return error


def test_exports_past_the_queued_quota_are_429_until_one_finishes(api: Api) -> None:
    ann = api.new_user("ann")
    _add_jobs(api, _me(api, ann), 2, status="queued")
    r = api.client.post("/api/exports", json=EXPORT, headers=ann)
    _quota_error(r, 429, "QUOTA_QUEUED_EXPORTS")
    assert int(r.headers["Retry-After"]) > 0
    assert api.client.post("/api/exports", json=EXPORT, headers=api.headers()).status_code == 202
    with api.store.session() as session:
        for job in session.query(ExportJobRow).filter_by(owner_id=_me(api, ann)):
            job.status = "done"
    assert api.client.post("/api/exports", json=EXPORT, headers=ann).status_code == 202


def test_export_bytes_are_recorded_and_a_day_past_the_quota_is_429(api: Api) -> None:
    ann = api.new_user("ann")
    r = api.client.post("/api/exports", json=EXPORT, headers=ann)
    assert r.status_code == 202, r.text
    done = poll(api, r.json()["id"], ann, finished)
    assert done["status"] == "done"
    with api.store.session() as session:
        job = session.get(ExportJobRow, done["id"])
        assert job is not None and job.file_path is not None
        assert job.bytes_written == Path(job.file_path).stat().st_size > 0

    an_hour_ago = utcnow() - dt.timedelta(hours=1)
    _add_jobs(api, _me(api, ann), 1, status="done", bytes_written=2**20, finished_at=an_hour_ago)
    r = api.client.post("/api/exports", json=EXPORT, headers=ann)
    _quota_error(r, 429, "QUOTA_EXPORT_MB_PER_DAY")
    assert 22 * 3600 < int(r.headers["Retry-After"]) <= 23 * 3600  # when that hour's bytes age out


def _report(api: Api, headers: dict[str, str]) -> str:
    body = {"name": "Items", "spec": EXPORT["query"]}
    r = api.client.post("/api/reports", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.mark.parametrize(
    ("cron", "allowed"),
    [
        ("* * * * *", False),
        ("*/30 * * * *", False),
        ("0,59 6 * * *", False),  # once a day, but two runs a minute apart
        ("0 * * * *", True),
        ("0 6 * * 1-5", True),
    ],
)
def test_a_schedule_running_more_often_than_the_minimum_interval_is_422(
    api: Api, cron: str, allowed: bool
) -> None:
    ann = api.new_user("ann")
    body = {"report_id": _report(api, ann), "cron": cron}
    r = api.client.post("/api/schedules", json=body, headers=ann)
    if allowed:
        assert r.status_code == 201, r.text
        return
    error = _quota_error(r, 422, "SCHEDULE_MIN_INTERVAL_MINUTES")
    assert "60 minutes" in error["message"]
    assert api.client.post("/api/schedules", json=body, headers=api.headers()).status_code == 201


def test_enabled_schedules_past_the_quota_are_422_and_disabled_ones_do_not_count(
    api: Api,
) -> None:
    ann = api.new_user("ann")
    report = _report(api, ann)
    daily = {"report_id": report, "cron": "0 6 * * *"}
    first, _ = (api.client.post("/api/schedules", json=daily, headers=ann) for _ in range(2))
    _quota_error(
        api.client.post("/api/schedules", json=daily, headers=ann), 422, "QUOTA_ACTIVE_SCHEDULES"
    )
    off = api.client.post("/api/schedules", json={**daily, "enabled": False}, headers=ann)
    assert off.status_code == 201, off.text
    r = api.client.put(f"/api/schedules/{off.json()['id']}", json=daily, headers=ann)
    _quota_error(r, 422, "QUOTA_ACTIVE_SCHEDULES")
    assert (
        api.client.put(f"/api/schedules/{first.json()['id']}", json=daily, headers=ann).status_code
        == 200
    )
    assert api.client.delete(f"/api/schedules/{first.json()['id']}", headers=ann).status_code == 204
    r = api.client.put(f"/api/schedules/{off.json()['id']}", json=daily, headers=ann)
    assert r.status_code == 200 and r.json()["enabled"] is True
