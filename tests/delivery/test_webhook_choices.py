"""Webhooks in a schedule's delivery are chosen from the admin's targets: the form's options
list them (id and name, not the address), and an unknown or deleted id is a 400 in the error
shape on save, naming `delivery.webhooks`, not a failed send at the first run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.store.engine import Store
from tests.jobs.api_fixtures import running_api
from tests.store.fixtures import Api

SPEC = {"dataset": "sales", "columns": ["order_id", "region"]}


@pytest.fixture
def hooks_api(sqlite_store: Store, tmp_path: Path, shared_warehouse: Path) -> Iterator[Api]:
    yield from running_api(
        sqlite_store,
        tmp_path,
        shared_warehouse,
        schedule_min_interval_minutes=1,
        webhook_allowed_hosts="127.0.0.1",
    )


def _hook(api: Api, name: str) -> str:
    body = {"name": name, "url": "http://127.0.0.1:9/hook", "format": "slack"}
    r = api.client.post("/api/admin/webhooks", json=body, headers=api.headers())
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _schedule(api: Api, headers: dict[str, str], webhooks: list[str]) -> Any:
    r = api.client.post(
        "/api/reports", json={"name": "R", "spec": SPEC, "shared": False}, headers=headers
    )
    assert r.status_code == 201, r.text
    body = {"cron": "0 6 * * *", "report_id": r.json()["id"], "delivery": {"webhooks": webhooks}}
    return api.client.post("/api/schedules", json=body, headers=headers)


def test_the_options_list_the_admins_webhooks_by_id_and_name_only(hooks_api: Api) -> None:
    ops, sales = _hook(hooks_api, "ops"), _hook(hooks_api, "Sales room")
    ann = hooks_api.new_user("ann")
    options = hooks_api.client.get("/api/delivery/options", headers=ann).json()
    assert options["webhooks"] == [{"id": ops, "name": "ops"}, {"id": sales, "name": "Sales room"}]
    assert "127.0.0.1" not in str(options)


def test_a_schedule_keeps_a_known_webhook_and_refuses_an_unknown_or_deleted_one(
    hooks_api: Api,
) -> None:
    hook = _hook(hooks_api, "ops")
    ann = hooks_api.new_user("ann")
    made = _schedule(hooks_api, ann, [hook])
    assert made.status_code == 201, made.text
    assert made.json()["delivery"]["webhooks"] == [hook]
    unknown = _schedule(hooks_api, ann, ["0" * 32])
    assert unknown.status_code == 400
    error = unknown.json()["error"]
    assert error["code"] == "bad_request" and "0" * 32 in error["message"]
    assert error["details"][0]["path"] == "delivery.webhooks"
    r = hooks_api.client.delete(f"/api/admin/webhooks/{hook}", headers=hooks_api.headers())
    assert r.status_code == 204
    saved = made.json()
    again = {k: saved[k] for k in ("cron", "report_id", "delivery")}
    r = hooks_api.client.put(f"/api/schedules/{saved['id']}", json=again, headers=ann)
    assert r.status_code == 400 and r.json()["error"]["details"][0]["path"] == "delivery.webhooks"
