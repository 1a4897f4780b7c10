"""Alerts checked on new data versions, through the real query service over DuckDB: they
fire once when the condition becomes true and again only after it was false, record every
check and firing, and notify in-app; the value is each person's own under row-level
security; an owner who loses the report stops the alert with the reason."""

from __future__ import annotations

from tests.alerts.conftest import AlertsEnv


def test_true_true_false_true_over_four_versions_fires_exactly_twice(alerts_env: AlertsEnv) -> None:
    env = alerts_env
    ann = env.api.new_user("ann")
    alert = env.alert(ann, env.report(ann))  # total 20 now: below the line
    assert env.tick() == 0  # nothing new since it was created
    for rows in ([("North", 200)], [("South", 5)], [("North", -300)], [("South", 400)]):
        env.add_rows(*rows)  # totals 220, 225, -75, 325: true, true, false, true
        assert env.tick() == 1
    history = env.history(ann, alert["id"])
    checks = sorted(history["checks"], key=lambda c: c["seq"])
    assert [c["value"] for c in checks] == [220, 225, -75, 325]
    assert [c["met"] for c in checks] == [True, True, False, True]
    assert [c["fired"] for c in checks] == [True, False, False, True]
    assert all(c["trigger"] == "new_version" and c["error"] is None for c in checks)
    firings = history["firings"]
    assert len(firings) == 2 and {f["value"] for f in firings} == {220, 325}
    assert all(f["user"] == "ann" and f["notified"] == 1 for f in firings)
    sends = [(d["channel"], d["status"], d["attempts"]) for d in history["deliveries"]]
    assert sends == [("in_app", "sent", 1)] * 2
    notes = env.notifications("ann")
    assert [n.title for n in notes] == ["Alert: Revenue watch"] * 2
    assert "325" in notes[1].body and "above 100" in notes[1].body


def test_changed_by_more_than_a_percentage_since_the_last_check(alerts_env: AlertsEnv) -> None:
    env = alerts_env
    ann = env.api.new_user("ann")
    condition = {"kind": "changes_by", "threshold": 10}
    alert = env.alert(ann, env.report(ann), condition=condition)
    for amount in (80, 5, 30, 1, -70):  # totals 100, 105, 135, 136, 66
        env.add_rows(("North", amount))
        env.tick()
    checks = sorted(env.history(ann, alert["id"])["checks"], key=lambda c: c["seq"])
    assert [c["value"] for c in checks] == [100, 105, 135, 136, 66]
    # No base at the first check; +5% no; +28.6% yes; +0.7% no; -51.5% yes.
    assert [c["met"] for c in checks] == [False, False, True, False, True]
    assert [c["fired"] for c in checks] == [False, False, True, False, True]
    assert len(env.notifications("ann")) == 2


def test_each_person_is_judged_on_the_value_their_row_level_security_allows(
    alerts_env: AlertsEnv,
) -> None:
    env = alerts_env
    admin = env.api.headers()
    rls = {"rls": [{"column": "region", "attribute": "region"}]}
    assert env.api.client.patch("/api/admin/datasets/metrics", json=rls, headers=admin).is_success
    ann = env.api.new_user("ann", attributes={"region": ["North"]})
    bob = env.api.new_user("bob", attributes={"region": ["South"]})
    delivery = {"users": ["ann", "bob"], "channels": ["in_app"]}
    alert = env.alert(ann, env.report(ann), delivery=delivery)
    env.add_rows(("North", 40), ("South", 500))  # North 50, South 510, all 560
    assert env.tick() == 1
    history = env.history(ann, alert["id"])
    (check,) = history["checks"]
    assert (check["value"], check["met"], check["fired"]) == (50, False, False)
    (firing,) = history["firings"]
    assert firing["user"] == "bob" and firing["value"] is None  # bob's value is not ann's
    assert env.notifications("ann") == []
    (note,) = env.notifications("bob")
    assert "510" in note.body and "560" not in note.body
    bob_view = env.api.client.get(f"/api/alerts/{alert['id']}/history", headers=bob)
    assert bob_view.status_code == 404  # his firing, but ann's alert


def test_an_owner_who_can_no_longer_open_the_report_stops_the_alert(alerts_env: AlertsEnv) -> None:
    env = alerts_env
    bob = env.api.new_user("bob")
    ann = env.api.new_user("ann")
    report_id = env.report(bob, shared=True)
    alert = env.alert(ann, report_id)
    unshare = {"name": "Revenue", "spec": {"dataset": "metrics", "measures": [
        {"agg": "sum", "column": "amount", "alias": "total"}]}, "shared": False}  # fmt: skip
    r = env.api.client.put(f"/api/reports/{report_id}", json=unshare, headers=bob)
    assert r.status_code == 200, r.text
    env.add_rows(("North", 500))
    assert env.tick() == 1
    (check,) = env.history(ann, alert["id"])["checks"]
    assert check["error"] and "can no longer open" in check["error"]
    again = env.api.client.get(f"/api/alerts/{alert['id']}", headers=ann).json()
    assert again["enabled"] is False and "can no longer open" in again["stopped_reason"]
    env.add_rows(("North", 1))
    assert env.tick() == 0
    assert env.notifications("ann") == []


def test_two_tickers_at_once_check_each_due_alert_exactly_once(alerts_env: AlertsEnv) -> None:
    import asyncio

    from backend.alerts.ticker import tick

    env = alerts_env
    ann = env.api.new_user("ann")
    report_id = env.report(ann)
    ids = [env.alert(ann, report_id, name=f"a{i}")["id"] for i in range(4)]
    ids += [
        env.alert(ann, report_id, name=f"c{i}", on_new_version=False, cron="* * * * *")["id"]
        for i in range(4)
    ]
    env.add_rows(("North", 500))
    due = max(env.api.client.get(f"/api/alerts/{i}", headers=ann).json()["next_checks"][0]
              for i in ids[4:])  # fmt: skip

    async def both() -> list[int]:
        import datetime as dt

        now = dt.datetime.fromisoformat(due) + dt.timedelta(seconds=1)
        return list(await asyncio.gather(tick(env.deps, now=now), tick(env.deps, now=now)))

    portal = env.api.client.portal
    assert portal is not None
    ran = portal.call(both)
    assert sum(ran) == 8
    for alert_id in ids:
        (check,) = env.history(ann, alert_id)["checks"]
        assert check["fired"] is True
    assert len(env.notifications("ann")) == 8


def test_the_workers_cron_job_checks_a_due_alert_and_notifies(alerts_env: AlertsEnv) -> None:
    """The ARQ worker's `check_alerts` over a worker AppContext of its own (its own query
    services and outbox) on the same store and warehouse as the API."""
    import asyncio

    from backend.wiring import AppContext
    from backend.worker import check_alerts
    from tests.required import redis_url

    env = alerts_env
    ann = env.api.new_user("ann")
    alert = env.alert(ann, env.report(ann))
    env.add_rows(("North", 500))
    settings = env.api.settings.model_copy(update={"redis_url": redis_url(9)})

    async def worker_tick() -> int:
        context = await AppContext.open(settings, worker=True)
        try:
            return await check_alerts({"context": context})
        finally:
            await context.close()

    assert asyncio.run(worker_tick()) == 1
    (check,) = env.history(ann, alert["id"])["checks"]
    assert (check["value"], check["fired"]) == (520, True)
    assert len(env.notifications("ann")) == 1
    assert env.tick() == 0  # the API's ticker finds it done


def test_uploads_that_make_the_condition_true_true_false_true_fire_twice(
    alerts_env: AlertsEnv,
) -> None:
    """The same through the admin upload API: each replaced load is a new Delta version."""
    from tests.admin.helpers import upload

    env = alerts_env
    admin = env.api.headers()

    def load(amount: int) -> None:
        content = f"region,amount\nNorth,{amount}\nSouth,10\n".encode()
        r = upload(env.api, "uploaded", content, load_type="DAILY", load_id=20240101,
                   replace="true")  # fmt: skip
        assert r.status_code == 201, r.text

    load(10)  # 20: false
    report = {"name": "Uploaded", "spec": {"dataset": "uploaded", "measures": [
        {"agg": "sum", "column": "amount", "alias": "total"}]}}  # fmt: skip
    report_id = env.api.client.post("/api/reports", json=report, headers=admin).json()["id"]
    alert = env.alert(admin, report_id)
    for amount in (140, 200, 5, 95):  # 150, 210, 15, 105: true, true, false, true
        load(amount)
        assert env.tick() == 1
    checks = sorted(env.history(admin, alert["id"])["checks"], key=lambda c: c["seq"])
    assert [c["value"] for c in checks] == [150, 210, 15, 105]
    assert [c["fired"] for c in checks] == [True, False, False, True]
    assert len(env.notifications("admin")) == 2


def test_a_send_that_fails_is_in_the_history_with_its_reason(alerts_env: AlertsEnv) -> None:
    env = alerts_env
    ann = env.api.new_user("ann")
    alert = env.alert(ann, env.report(ann), delivery={"webhooks": [env.webhook()]})
    env.add_rows(("North", 500))
    assert env.tick() == 1
    history = env.history(ann, alert["id"])
    (firing,) = history["firings"]
    assert (firing["notified"], firing["failed"]) == (0, 1)
    (send,) = history["deliveries"]
    assert (send["channel"], send["status"]) == ("webhook", "failed")
    assert "not configured" in send["error"]  # no WEBHOOK_ALLOWED_HOSTS in this app
    assert env.notifications("ann") == []  # only the webhook was named
