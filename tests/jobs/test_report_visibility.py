"""Reports, their schedules and runs are visible only to a caller who may see every dataset
the report reads, its own and the joined ones: for anyone else they are 404 exactly like an
id that never existed, on every route, and a scheduled run of such a report exports
nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import select, update

from backend.jobs.models import ScheduleRow, ScheduleRunRow
from backend.jobs.scheduler import tick
from backend.store.base import utcnow
from tests.store.fixtures import Api

ON_SALES = {"dataset": "sales", "columns": ["order_id", "region"]}
JOINING_SALES = {
    "dataset": "items",
    "joins": [{"dataset": "sales", "on": [{"left": "items.item_id", "right": "sales.quantity"}]}],
    "columns": ["items.item_id"],
}
ON_ITEMS = {"dataset": "items", "columns": ["item_id"]}
MISSING = "0" * 32


def _report(api: Api, headers: dict[str, str], name: str, spec: dict[str, Any]) -> str:
    body = {"name": name, "spec": spec, "shared": True}
    r = api.client.post("/api/reports", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _hide_sales_from_viewers(api: Api) -> None:
    body = {"visibility": {"roles": ["admin"]}}
    r = api.client.patch("/api/admin/datasets/sales", json=body, headers=api.headers())
    assert r.status_code == 200, r.text


def _not_found(r: Any, missing: Any) -> bool:
    """404 in the same words as an id that does not exist (only the id differs)."""
    same = r.json()["error"]["code"] == missing.json()["error"]["code"]
    return r.status_code == missing.status_code == 404 and same


def test_reports_on_a_hidden_dataset_are_404_for_a_viewer(export_api: Api) -> None:
    admin = export_api.headers()
    ann = export_api.new_user("ann")
    on_sales = _report(export_api, admin, "Sales", ON_SALES)
    joining = _report(export_api, admin, "Items with sales", JOINING_SALES)
    on_items = _report(export_api, admin, "Items", ON_ITEMS)
    _hide_sales_from_viewers(export_api)

    listed = export_api.client.get("/api/reports", headers=ann).json()
    assert [r["id"] for r in listed] == [on_items]
    assert {r["id"] for r in export_api.client.get("/api/reports", headers=admin).json()} == {
        on_sales,
        joining,
        on_items,
    }
    missing = export_api.client.get(f"/api/reports/{MISSING}", headers=ann)
    put = {"name": "x", "spec": ON_ITEMS, "shared": True}
    for report in (on_sales, joining):
        calls = [
            export_api.client.get(f"/api/reports/{report}", headers=ann),
            export_api.client.put(f"/api/reports/{report}", json=put, headers=ann),
            export_api.client.delete(f"/api/reports/{report}", headers=ann),
        ]
        assert all(_not_found(r, missing) for r in calls), [r.text for r in calls]
        assert "sales" not in calls[0].text
        assert export_api.client.get(f"/api/reports/{report}", headers=admin).status_code == 200


def _schedule(api: Api, headers: dict[str, str], report: str) -> Any:
    body = {"report_id": report, "cron": "0 6 * * *"}
    return api.client.post("/api/schedules", json=body, headers=headers)


def test_schedules_and_runs_of_a_hidden_report_are_404_and_the_run_exports_nothing(
    export_api: Api,
) -> None:
    admin = export_api.headers()
    ann = export_api.new_user("ann")
    on_sales = _report(export_api, admin, "Sales", ON_SALES)
    joining = _report(export_api, admin, "Items with sales", JOINING_SALES)
    on_items = _report(export_api, admin, "Items", ON_ITEMS)
    schedules = {r: _schedule(export_api, ann, r).json()["id"] for r in (on_sales, on_items)}
    _hide_sales_from_viewers(export_api)

    listed = export_api.client.get("/api/schedules", headers=ann).json()
    assert [s["id"] for s in listed] == [schedules[on_items]]
    missing = export_api.client.get(f"/api/schedules/{MISSING}", headers=ann)
    hidden = schedules[on_sales]
    put = {"report_id": on_items, "cron": "0 7 * * *"}
    calls = [
        export_api.client.get(f"/api/schedules/{hidden}", headers=ann),
        export_api.client.get(f"/api/schedules/{hidden}/runs", headers=ann),
        export_api.client.put(f"/api/schedules/{hidden}", json=put, headers=ann),
        export_api.client.delete(f"/api/schedules/{hidden}", headers=ann),
        _schedule(export_api, ann, on_sales),
        _schedule(export_api, ann, joining),
    ]
    assert all(_not_found(r, missing) for r in calls), [r.text for r in calls]
    assert export_api.client.get(f"/api/schedules/{hidden}", headers=admin).status_code == 200

    now = utcnow().replace(second=0, microsecond=0)
    with export_api.store.session() as session:
        session.execute(update(ScheduleRow).where(ScheduleRow.id == hidden).values(next_run_at=now))
    asyncio.run(
        tick(export_api.store, export_api.app.state.context.exports, now + dt.timedelta(seconds=1))
    )
    with export_api.store.session() as session:
        run = session.scalars(select(ScheduleRunRow).where(ScheduleRunRow.schedule_id == hidden))
        (only,) = run.all()
        assert only.job_id is None and "not found" in (only.error or "")
