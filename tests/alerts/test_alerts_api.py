"""CRUD of alerts: owner or admin; another viewer's alert is 404; bad input is 4xx in the
error shape (a report without a measure, a bad condition, a bad cron, two triggers)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.alerts.conftest import TOTAL, AlertsEnv


def _post(env: AlertsEnv, headers: dict[str, str], **body: Any) -> Any:
    return env.api.client.post("/api/alerts", json=body, headers=headers)


def test_owner_creates_lists_changes_and_deletes_an_alert(alerts_env: AlertsEnv) -> None:
    env = alerts_env
    ann = env.api.new_user("ann")
    alert = env.alert(ann, env.report(ann), on_new_version=False, cron="0 6 * * 1-5",
                      timezone="Europe/Paris")  # fmt: skip
    assert alert["measure"] == "total" and alert["condition"] == {"kind": "above", "threshold": 100}
    assert len(alert["next_checks"]) == 3 and alert["delivery"]["channels"] == ["in_app"]
    client = env.api.client
    assert [a["id"] for a in client.get("/api/alerts", headers=ann).json()] == [alert["id"]]
    body = {"report_id": alert["report_id"], "name": "Lower", "on_new_version": True,
            "condition": {"kind": "below", "threshold": 5}}  # fmt: skip
    changed = client.put(f"/api/alerts/{alert['id']}", json=body, headers=ann).json()
    assert changed["name"] == "Lower" and changed["cron"] is None and changed["next_checks"] == []
    admin = env.api.headers()
    assert client.get(f"/api/alerts/{alert['id']}", headers=admin).status_code == 200
    assert client.delete(f"/api/alerts/{alert['id']}", headers=ann).status_code == 204
    assert client.get(f"/api/alerts/{alert['id']}", headers=ann).status_code == 404


def test_another_viewers_alert_is_not_found(alerts_env: AlertsEnv) -> None:
    env = alerts_env
    ann, bob = env.api.new_user("ann"), env.api.new_user("bob")
    alert = env.alert(ann, env.report(ann))
    client = env.api.client
    for method in ("GET", "PUT", "DELETE"):
        kw = {"json": {**alert, "condition": alert["condition"]}} if method == "PUT" else {}
        r = client.request(method, f"/api/alerts/{alert['id']}", headers=bob, **kw)
        assert r.status_code in (404, 422) and "error" in r.json()
    r = client.get(f"/api/alerts/{alert['id']}/history", headers=bob)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get("/api/alerts", headers=bob).json() == []


def test_a_report_without_a_measure_is_refused(alerts_env: AlertsEnv) -> None:
    env = alerts_env
    ann = env.api.new_user("ann")
    report_id = env.report(ann, measures=[], columns=["region", "amount"])
    r = _post(env, ann, report_id=report_id, name="x", on_new_version=True,
              condition={"kind": "above", "threshold": 1})  # fmt: skip
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_request" and "no" in r.json()["error"]["message"]


def test_a_report_of_several_measures_needs_one_picked(alerts_env: AlertsEnv) -> None:
    env = alerts_env
    ann = env.api.new_user("ann")
    count = {"agg": "count", "alias": "orders"}
    report_id = env.report(ann, measures=[TOTAL, count])
    base = {"report_id": report_id, "name": "x", "on_new_version": True,
            "condition": {"kind": "above", "threshold": 1}}  # fmt: skip
    assert _post(env, ann, **base).status_code == 400
    assert _post(env, ann, **base, measure="nope").status_code == 400
    r = _post(env, ann, **base, measure="orders")
    assert r.status_code == 201 and r.json()["measure"] == "orders"


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"condition": {"kind": "around", "threshold": 1}}, 422),
        ({"condition": {"kind": "changes_by", "threshold": -5}}, 422),
        ({"condition": {"kind": "above"}}, 422),
        ({"on_new_version": False, "cron": "every day"}, 422),
        ({"on_new_version": False, "cron": "0 6 * * *", "timezone": "Mars/Base"}, 422),
        ({"cron": "0 6 * * *"}, 422),  # two triggers
        ({"on_new_version": False}, 422),  # none
        ({"delivery": {"users": ["nobody"]}}, 422),
        ({"delivery": {"emails": ["not-an-address"]}}, 422),
        ({"delivery": {"emails": ["cfo@partner.example"]}}, 400),  # outside: not allowed here
        ({"delivery": {"users": ["ann"], "channels": ["email"]}}, 400),  # no SMTP_HOST
        ({"report_id": "0" * 32}, 404),
    ],
)
def test_bad_input_is_refused_in_the_error_shape(
    alerts_env: AlertsEnv, change: dict[str, Any], status: int
) -> None:
    env = alerts_env
    ann = env.api.new_user("ann")
    body = {"report_id": env.report(ann), "name": "x", "on_new_version": True,
            "condition": {"kind": "above", "threshold": 1}, **change}  # fmt: skip
    r = _post(env, ann, **body)
    assert r.status_code == status, r.text
    assert set(r.json()["error"]) == {"code", "message", "details"}


def test_an_alert_keeps_a_known_webhook_and_refuses_an_unknown_or_deleted_one(
    alerts_env: AlertsEnv,
) -> None:
    env = alerts_env
    ann = env.api.new_user("ann")
    report_id, hook = env.report(ann), env.webhook()
    alert = env.alert(ann, report_id, delivery={"webhooks": [hook]})
    assert alert["delivery"]["webhooks"] == [hook]
    body = {"report_id": report_id, "name": "x", "on_new_version": True,
            "condition": {"kind": "above", "threshold": 1}}  # fmt: skip
    r = _post(env, ann, **body, delivery={"webhooks": ["0" * 32]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"
    assert r.json()["error"]["details"][0]["path"] == "delivery.webhooks"
    r = env.api.client.delete(f"/api/admin/webhooks/{hook}", headers=env.api.headers())
    assert r.status_code == 204
    r = env.api.client.put(f"/api/alerts/{alert['id']}", json={**body, "delivery": {
        "webhooks": [hook]}}, headers=ann)  # fmt: skip
    assert r.status_code == 400 and hook in r.json()["error"]["message"]
