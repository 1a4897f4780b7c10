"""The audit log: rows for logins, admin changes and queries, written in the background,
read back filtered and paged, newest first."""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor

from backend import audit
from backend.query.spec import QuerySpec
from backend.security.principal import User
from tests.store.fixtures import ADMIN, Api

ANN = User(id=7, username="ann", display_name="Ann", role="viewer", attributes={})


def test_login_success_and_failure_are_recorded(api: Api) -> None:
    api.headers()  # logs in once, and audit_rows reuses that token
    api.client.post("/api/auth/login", json={"username": "ghost", "password": "x"})
    rows = api.audit_rows(action="login")
    assert [(r["action"], r["username"]) for r in rows] == [
        ("login.failure", "ghost"),
        ("login.success", ADMIN),
    ]
    assert rows[0]["user_id"] is None and rows[0]["client_addr"] == "testclient"
    assert rows[0]["request_id"]


def test_admin_change_keeps_before_and_after_without_the_password(api: Api) -> None:
    headers = api.new_user("ann")
    me = api.client.get("/api/auth/me", headers=headers).json()
    body = {"role": "admin", "password": "another-password"}
    api.client.patch(f"/api/admin/users/{me['id']}", json=body, headers=api.headers())
    [row] = api.audit_rows(action="user.update")
    assert row["username"] == ADMIN
    assert row["detail"]["before"]["role"] == "viewer"
    assert row["detail"]["after"]["role"] == "admin"
    assert row["detail"]["password_changed"] is True
    assert "another-password" not in str(row)


def test_every_recorded_query_becomes_exactly_one_row(api: Api) -> None:
    spec = QuerySpec(dataset="sales")

    def run(i: int) -> None:
        detail = {"spec_hash": audit.spec_hash(spec), "rows": i, "elapsed_ms": 1.5, "status": "ok"}
        api.writer.record("query.run", user=ANN, dataset="sales", detail=detail)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(run, range(1200)))
    assert api.writer.flush()
    first = api.audit_rows(action="query.run")
    total = api.client.get(
        "/api/admin/audit", params={"action": "query.run"}, headers=api.headers()
    ).json()["total"]
    assert total == 1200 and len(first) == 500
    assert first[0]["dataset"] == "sales" and first[0]["detail"]["status"] == "ok"


def test_recording_does_not_wait_for_the_database(api: Api) -> None:
    started = time.perf_counter()
    for _ in range(2000):
        api.writer.record("query.run", user=ANN, dataset="sales", detail={"rows": 1})
    per_call_ms = (time.perf_counter() - started) * 1000 / 2000
    assert per_call_ms < 0.5
    api.writer.flush()


def test_filters_by_user_action_and_time(api: Api) -> None:
    api.writer.record("query.run", user=ANN, dataset="sales")
    api.writer.record("export.create", user=ANN, dataset="sales")
    api.login()
    rows = api.audit_rows(user="ann")
    assert sorted(r["action"] for r in rows) == ["export.create", "query.run"]
    assert [r["action"] for r in api.audit_rows(user="ann", action="export")] == ["export.create"]
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    assert api.audit_rows(since=future) == []
    assert len(api.audit_rows(until=future, user="ann")) == 2


def test_action_filter_is_literal(api: Api) -> None:
    api.writer.record("query.run", user=ANN)
    assert api.audit_rows(action="q%") == []
    assert api.audit_rows(action="query_run") == []


def test_pages_run_newest_first(api: Api) -> None:
    for i in range(5):
        api.writer.record("query.run", user=ANN, detail={"n": i})
    api.writer.flush()
    params = {"action": "query.run", "page_size": 2}
    pages = [
        api.client.get(
            "/api/admin/audit", params={**params, "page": p}, headers=api.headers()
        ).json()
        for p in (1, 2, 3)
    ]
    assert [[r["detail"]["n"] for r in page["items"]] for page in pages] == [[4, 3], [2, 1], [0]]
    assert pages[0]["total"] == 5


def test_time_filter_without_a_zone_is_a_clear_400(api: Api) -> None:
    r = api.client.get(
        "/api/admin/audit", params={"since": "2024-01-01T00:00:00"}, headers=api.headers()
    )
    assert r.status_code == 400
    assert "time zone" in r.json()["error"]["message"]


def test_spec_hash_is_stable_and_order_independent() -> None:
    a = QuerySpec.model_validate({"dataset": "s", "columns": ["a"], "page": 2})
    b = QuerySpec.model_validate({"page": 2, "columns": ["a"], "dataset": "s"})
    assert audit.spec_hash(a) == audit.spec_hash(b)
    assert audit.spec_hash(a) != audit.spec_hash(QuerySpec(dataset="s"))


def test_query_detail_names_spec_rows_time_and_status() -> None:
    spec = QuerySpec(dataset="sales")
    detail = audit.query_detail(spec, rows=50, elapsed_ms=12.345, status="error", error="boom")
    assert detail == {
        "spec_hash": audit.spec_hash(spec),
        "rows": 50,
        "elapsed_ms": 12.3,
        "status": "error",
        "error": "boom",
    }
