"""Scheduled exports: CRUD through the API, cron validation with the next three run times,
and the scheduler starting each due run exactly once, even with two schedulers at once."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from backend.jobs.export_job import load_owner
from backend.jobs.models import ExportJobRow, ScheduleRow, ScheduleRunRow
from backend.jobs.scheduler import RESTART_AFTER, claim, report_spec, tick
from backend.jobs.service import ExportService
from backend.store.base import utcnow
from backend.store.engine import Store
from tests.jobs.api_fixtures import finished, poll
from tests.store.fixtures import Api

SPEC = {"dataset": "items", "columns": ["item_id", "price"]}


@pytest.fixture
def export_api(sqlite_store: Store, tmp_path: Path, shared_warehouse: Path) -> Iterator[Api]:
    """Schedules every minute, as these tests use (tests/jobs/test_quotas.py: the interval)."""
    from tests.jobs.api_fixtures import running_api

    yield from running_api(
        sqlite_store, tmp_path, shared_warehouse, schedule_min_interval_minutes=1
    )


def _report(api: Api, headers: dict[str, str], shared: bool = False) -> str:
    body = {"name": "Items", "spec": SPEC, "shared": shared}
    r = api.client.post("/api/reports", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _schedule(api: Api, headers: dict[str, str], **body: Any) -> Any:
    r = api.client.post("/api/schedules", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _make_due(api: Api, schedule_id: str, at: dt.datetime) -> None:
    with api.store.session() as session:
        session.execute(
            update(ScheduleRow).where(ScheduleRow.id == schedule_id).values(next_run_at=at)
        )


def test_schedule_crud_shows_the_next_three_runs(export_api: Api) -> None:
    ann = export_api.new_user("ann")
    report = _report(export_api, ann)
    created = _schedule(export_api, ann, report_id=report, cron="*/5 * * * *", format="xlsx")
    runs = [dt.datetime.fromisoformat(t) for t in created["next_runs"]]
    assert len(runs) == 3 and all(t.minute % 5 == 0 and t.second == 0 for t in runs)
    assert [b - a for a, b in itertools.pairwise(runs)] == [dt.timedelta(minutes=5)] * 2

    sid = created["id"]
    assert [s["id"] for s in export_api.client.get("/api/schedules", headers=ann).json()] == [sid]
    body = {"report_id": report, "cron": "0 6 * * 1-5", "format": "csv", "enabled": False}
    r = export_api.client.put(f"/api/schedules/{sid}", json=body, headers=ann)
    assert r.status_code == 200 and r.json()["cron"] == "0 6 * * 1-5"
    assert r.json()["next_runs"] == [] and r.json()["enabled"] is False
    assert export_api.client.get(f"/api/schedules/{sid}/runs", headers=ann).json() == []
    assert export_api.client.delete(f"/api/schedules/{sid}", headers=ann).status_code == 204
    assert export_api.client.get(f"/api/schedules/{sid}", headers=ann).status_code == 404


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"cron": "every minute"}, "cron"),
        ({"cron": "* * * *"}, "cron"),
        ({"cron": "61 * * * *"}, "cron"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_bad_cron_or_zone_is_refused_with_its_field(
    export_api: Api, changes: dict[str, str], path: str
) -> None:
    ann = export_api.new_user("ann")
    body = {"report_id": _report(export_api, ann), "cron": "* * * * *", **changes}
    r = export_api.client.post("/api/schedules", json=body, headers=ann)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["path"] == path


def test_schedules_of_others_and_their_private_reports_are_404(export_api: Api) -> None:
    ann, bob = export_api.new_user("ann"), export_api.new_user("bob")
    private = _report(export_api, ann)
    sid = _schedule(export_api, ann, report_id=private, cron="* * * * *")["id"]
    for method in ("get", "delete"):
        assert (
            export_api.client.request(method, f"/api/schedules/{sid}", headers=bob).status_code
            == 404
        )
    assert export_api.client.get(f"/api/schedules/{sid}/runs", headers=bob).status_code == 404
    assert export_api.client.get("/api/schedules", headers=bob).json() == []
    r = export_api.client.post(
        "/api/schedules", json={"report_id": private, "cron": "* * * * *"}, headers=bob
    )
    assert r.status_code == 404
    shared = _report(export_api, ann, shared=True)
    _schedule(export_api, bob, report_id=shared, cron="* * * * *")
    admin_view = export_api.client.get("/api/schedules", headers=export_api.headers()).json()
    assert len(admin_view) == 2


def test_a_due_schedule_runs_once_as_its_owner_and_records_its_file(export_api: Api) -> None:
    ann = export_api.new_user("ann")
    sid = _schedule(
        export_api, ann, report_id=_report(export_api, ann), cron="* * * * *", format="parquet"
    )["id"]
    now = utcnow().replace(second=0, microsecond=0)
    _make_due(export_api, sid, now)
    exports: ExportService = export_api.app.state.context.exports

    assert asyncio.run(tick(export_api.store, exports, now + dt.timedelta(seconds=1))) == 1
    assert asyncio.run(tick(export_api.store, exports, now + dt.timedelta(seconds=2))) == 0

    runs = export_api.client.get(f"/api/schedules/{sid}/runs", headers=ann).json()
    assert len(runs) == 1 and runs[0]["scheduled_for"].startswith(now.isoformat()[:16])
    done = poll(export_api, runs[0]["export_id"], ann, finished)
    assert done["status"] == "done" and done["rows_written"] == 300
    runs = export_api.client.get(f"/api/schedules/{sid}/runs", headers=ann).json()
    assert runs[0]["status"] == "done" and runs[0]["download_url"]
    assert export_api.client.get(runs[0]["download_url"], headers=ann).status_code == 200
    next_run = export_api.client.get(f"/api/schedules/{sid}", headers=ann).json()["next_runs"][0]
    assert dt.datetime.fromisoformat(next_run) == now + dt.timedelta(minutes=1)


def test_two_schedulers_on_the_same_minute_start_exactly_one_run(export_api: Api) -> None:
    ann = export_api.new_user("ann")
    report = _report(export_api, ann)
    ids = [_schedule(export_api, ann, report_id=report, cron="* * * * *")["id"] for _ in range(3)]
    now = utcnow().replace(second=0, microsecond=0)
    for sid in ids:
        _make_due(export_api, sid, now)
    exports: ExportService = export_api.app.state.context.exports
    started: list[int] = []
    barrier = threading.Barrier(2)

    def scheduler() -> None:
        barrier.wait()
        started.append(asyncio.run(tick(export_api.store, exports, now)))

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(started) == 3
    with export_api.store.session() as session:
        assert session.scalar(select(func.count()).select_from(ScheduleRunRow)) == 3
        assert session.scalar(select(func.count()).select_from(ExportJobRow)) == 3


def test_a_run_whose_report_is_gone_is_recorded_as_failed(export_api: Api) -> None:
    ann = export_api.new_user("ann")
    report = _report(export_api, ann)
    sid = _schedule(export_api, ann, report_id=report, cron="* * * * *")["id"]
    now = utcnow().replace(second=0, microsecond=0)
    _make_due(export_api, sid, now)
    with export_api.store.session() as session:  # the report went private to someone else
        from backend.store.models import ReportRow

        row = session.get(ReportRow, report)
        assert row is not None
        row.owner_id = export_api.client.get("/api/auth/me", headers=export_api.headers()).json()[
            "id"
        ]
    asyncio.run(tick(export_api.store, export_api.app.state.context.exports, now))
    runs = export_api.client.get(f"/api/schedules/{sid}/runs", headers=ann).json()
    assert runs[0]["status"] == "failed" and "not found" in runs[0]["error"]


def _die_after_claim(api: Api, run_id: str) -> None:
    """The scheduler claimed the run, then died."""


def _die_after_the_export(api: Api, run_id: str) -> None:
    """The scheduler created the run's export, then died before recording it on the run."""
    exports: ExportService = api.app.state.context.exports
    with api.store.session() as session:
        run = session.get(ScheduleRunRow, run_id)
        assert run is not None
        schedule = session.get(ScheduleRow, run.schedule_id)
        assert schedule is not None
        owner_id, report_id, fmt = schedule.owner_id, schedule.report_id, schedule.format
    user = load_owner(api.store, owner_id)
    spec = report_spec(api.store, report_id, user)
    asyncio.run(exports.create(user, spec, fmt, job_id=run_id))  # type: ignore[arg-type]


@pytest.mark.parametrize("die", [_die_after_claim, _die_after_the_export])
def test_a_run_its_scheduler_died_on_is_started_once_by_the_next_tick(
    export_api: Api, die: Any
) -> None:
    ann = export_api.new_user("ann")
    yearly = "0 0 1 1 *"  # due once now, then not again during the test
    sid = _schedule(export_api, ann, report_id=_report(export_api, ann), cron=yearly)["id"]
    now = utcnow().replace(second=0, microsecond=0)
    _make_due(export_api, sid, now)
    run_id = claim(export_api.store, sid, now)
    assert run_id is not None
    die(export_api, run_id)
    exports: ExportService = export_api.app.state.context.exports

    later = now + dt.timedelta(minutes=1)  # the next tick: the run is not yet given up on
    assert asyncio.run(tick(export_api.store, exports, later - RESTART_AFTER / 2)) == 0
    with export_api.store.session() as session:
        session.execute(update(ScheduleRunRow).values(created_at=later - RESTART_AFTER * 1.5))
    assert asyncio.run(tick(export_api.store, exports, later)) == 1
    assert asyncio.run(tick(export_api.store, exports, later + dt.timedelta(seconds=5))) == 0

    runs = export_api.client.get(f"/api/schedules/{sid}/runs", headers=ann).json()
    assert [r["export_id"] for r in runs] == [run_id]
    done = poll(export_api, run_id, ann, finished)
    assert (done["status"], done["rows_written"], done["attempt"]) == ("done", 300, 1)
    with export_api.store.session() as session:
        assert session.scalar(select(func.count()).select_from(ExportJobRow)) == 1
