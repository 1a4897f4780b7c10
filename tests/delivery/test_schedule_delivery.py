"""A schedule delivered by email through a real SMTP server (aiosmtpd on 127.0.0.1), per
recipient: each Aurora user receives the rows their own row-level security allows (never the
owner's file), an outside address the owner's view; the owner reads every send's outcome."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from backend.delivery.lease import LEASE_S
from backend.delivery.schedule_runs import deliver_ready
from backend.delivery.tables import DeliveryRow
from backend.jobs.models import ScheduleRow, ScheduleRunRow
from backend.jobs.scheduler import tick
from backend.security.scopes import file_scope
from backend.security.secret import signing_secret
from backend.security.tokens import Tokens
from backend.store.base import utcnow
from backend.store.engine import Store
from backend.store.models import UserRow
from tests.delivery.smtp import SmtpServer, parts
from tests.jobs.api_fixtures import finished, poll, running_api
from tests.store.fixtures import Api

SPEC = {"dataset": "sales", "columns": ["order_id", "region"], "sort": [{"column": "order_id"}]}


@pytest.fixture
def delivery_api(
    sqlite_store: Store, tmp_path: Path, shared_warehouse: Path, smtp_server: SmtpServer
) -> Iterator[Api]:
    yield from running_api(
        sqlite_store,
        tmp_path,
        shared_warehouse,
        schedule_min_interval_minutes=1,
        delivery_outside_emails=True,
        **smtp_server.settings(),
    )


def _regional(api: Api) -> dict[str, dict[str, str]]:
    """RLS on sales by region; olga (East) owns, ann (North) and bob (South) receive."""
    r = api.client.patch(
        "/api/admin/datasets/sales",
        json={"rls": [{"column": "region", "attribute": "region"}]},
        headers=api.headers(),
    )
    assert r.status_code == 200, r.text
    return {
        name: api.new_user(name, attributes={"region": [region], "email": f"{name}@example.com"})
        for name, region in (("olga", "East"), ("ann", "North"), ("bob", "South"))
    }


def _report(api: Api, headers: dict[str, str]) -> str:
    body = {"name": "Sales <by> region", "spec": SPEC, "shared": False}
    r = api.client.post("/api/reports", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _schedule(api: Api, headers: dict[str, str], **body: Any) -> Any:
    return api.client.post("/api/schedules", json={"cron": "* * * * *", **body}, headers=headers)


def run_now(api: Api, schedule_id: str, owner: dict[str, str]) -> None:
    """Make the schedule due, tick, wait for the owner's export, then deliver."""
    now = utcnow().replace(second=0, microsecond=0)
    with api.store.session() as session:
        session.execute(
            update(ScheduleRow).where(ScheduleRow.id == schedule_id).values(next_run_at=now)
        )
    context = api.app.state.context
    assert asyncio.run(tick(api.store, context.exports, now + dt.timedelta(seconds=1))) == 1
    (run,) = api.client.get(f"/api/schedules/{schedule_id}/runs", headers=owner).json()
    assert poll(api, run["export_id"], owner, finished)["status"] == "done"
    assert asyncio.run(deliver_ready(context.run_delivery)) == 1
    assert asyncio.run(deliver_ready(context.run_delivery)) == 0  # delivered once


def _regions(mail: EmailMessage) -> set[str]:
    (data,) = parts(mail)["attachments"].values()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows, data[:200]
    assert "Region" in rows[0], data[:200]
    return {row["Region"] for row in rows}


def test_each_user_gets_their_own_rls_rows_and_an_outside_address_the_owners(
    delivery_api: Api, smtp_server: SmtpServer
) -> None:
    users = _regional(delivery_api)
    delivery = {
        "users": ["ann", "bob"],
        "channels": ["email", "in_app"],
        "emails": ["cfo@partner.example"],
    }
    report = _report(delivery_api, users["olga"])
    r = _schedule(delivery_api, users["olga"], report_id=report, delivery=delivery)
    assert r.status_code == 201, r.text
    assert r.json()["delivery"]["users"] == ["ann", "bob"]
    run_now(delivery_api, r.json()["id"], users["olga"])

    smtp_server.inbox.wait(3)
    (ann,), (bob,) = (
        smtp_server.inbox.to("ann@example.com"),
        smtp_server.inbox.to("bob@example.com"),
    )
    (cfo,) = smtp_server.inbox.to("cfo@partner.example")
    assert (_regions(ann), _regions(bob), _regions(cfo)) == ({"North"}, {"South"}, {"East"})
    html = parts(ann)["html"]
    assert "<td>North</td>" in html and "South" not in html and "East" not in html
    assert "<td>South</td>" in parts(bob)["html"] and "North" not in parts(bob)["html"]
    assert "Sales &lt;by&gt; region" in html and "<by>" not in html  # escaped
    assert ann["Subject"] == "Sales <by> region"

    sent = delivery_api.client.get(
        f"/api/schedules/{r.json()['id']}/deliveries", headers=users["olga"]
    ).json()
    got = {(d["channel"], d["recipient"], d["status"]) for d in sent}
    assert got == {
        ("email", "ann@example.com", "sent"),
        ("email", "bob@example.com", "sent"),
        ("email", "cfo@partner.example", "sent"),
        ("in_app", _user_id(delivery_api, "ann"), "sent"),
        ("in_app", _user_id(delivery_api, "bob"), "sent"),
    }


def _user_id(api: Api, username: str) -> str:
    users = api.client.get("/api/admin/users", headers=api.headers()).json()
    items = users["items"] if isinstance(users, dict) else users
    return str(next(u["id"] for u in items if u["username"] == username))


@pytest.mark.parametrize(
    ("delivery", "path"),
    [
        ({"users": ["nobody"], "channels": ["email"]}, "delivery.users"),
        ({"users": ["hidden"], "channels": ["in_app"]}, "delivery.users"),
        ({"users": ["noaddress"], "channels": ["email"]}, "delivery.users"),
        ({"emails": ["not-an-address"]}, "delivery.emails"),
        ({"users": ["ann"], "channels": ["pigeon"]}, "delivery.channels"),
    ],
)
def test_bad_recipients_are_refused_on_save_in_the_error_shape(
    delivery_api: Api, delivery: dict[str, Any], path: str
) -> None:
    users = _regional(delivery_api)
    delivery_api.new_user("noaddress", attributes={"region": ["North"]})
    delivery_api.new_user("hidden", attributes={"region": ["North"], "email": "h@example.com"})
    seeing = {"users": ["olga", "ann", "bob", "noaddress"]}
    r = delivery_api.client.patch(
        "/api/admin/datasets/sales", json={"visibility": seeing}, headers=delivery_api.headers()
    )
    assert r.status_code == 200, r.text
    report = _report(delivery_api, users["olga"])
    r = _schedule(delivery_api, users["olga"], report_id=report, delivery=delivery)
    assert 400 <= r.status_code < 500, r.text
    error = r.json()["error"]
    assert error["message"] and error["details"][0]["path"].startswith(path)


@pytest.fixture
def link_api(
    sqlite_store: Store, tmp_path: Path, shared_warehouse: Path, smtp_server: SmtpServer
) -> Iterator[Api]:
    """Every file is too big to attach (a tenth of a kilobyte is the limit)."""
    yield from running_api(
        sqlite_store,
        tmp_path,
        shared_warehouse,
        schedule_min_interval_minutes=1,
        email_attach_max_mb=0.0001,
        **smtp_server.settings(),
    )


def _link(mail: EmailMessage) -> tuple[str, str]:
    """The download link's path and export id, from the text body (the HTML has it too)."""
    got = parts(mail)
    assert got["attachments"] == {}
    found = re.search(
        r"http://127\.0\.0\.1:8000(/api/delivery/files/(\w+)\?token=[\w.-]+)", got["text"]
    )
    assert found is not None, got["text"]
    assert found.group(1).replace("&", "&amp;") in got["html"]
    return found.group(1), found.group(2)


def test_a_file_too_big_to_attach_is_a_link_that_opens_that_file_once(
    link_api: Api, smtp_server: SmtpServer
) -> None:
    users = _regional(link_api)
    report = _report(link_api, users["olga"])
    delivery = {"users": ["ann"], "channels": ["email"]}
    r = _schedule(link_api, users["olga"], report_id=report, delivery=delivery)
    run_now(link_api, r.json()["id"], users["olga"])
    (mail,) = smtp_server.inbox.to("ann@example.com")
    path, export_id = _link(mail)
    token = path.partition("token=")[2]

    anyone = link_api.client.get(path)  # no login: the token is enough, once
    assert anyone.status_code == 200
    assert {line.split(",")[1] for line in anyone.text.strip().splitlines()[1:]} == {'"North"'}
    again = link_api.client.get(path)
    assert again.status_code == 401 and again.json()["error"]["code"] == "unauthenticated"
    # A token opens no API route, nor another file.
    bearer = {"Authorization": f"Bearer {token}"}
    assert link_api.client.get("/api/auth/me", headers=bearer).status_code in (401, 403)
    (run,) = link_api.client.get(
        f"/api/schedules/{r.json()['id']}/runs", headers=users["olga"]
    ).json()
    other = link_api.client.get(f"/api/delivery/files/{run['export_id']}?token={token}")
    assert other.status_code == 401
    # Signed in, the recipient opens their own copy; nobody else does.
    assert (
        link_api.client.get(f"/api/delivery/files/{export_id}", headers=users["ann"]).status_code
        == 200
    )
    assert (
        link_api.client.get(f"/api/delivery/files/{export_id}", headers=users["bob"]).status_code
        == 404
    )
    assert link_api.client.get(f"/api/delivery/files/{export_id}").status_code == 401


def test_an_expired_file_link_is_refused(link_api: Api) -> None:
    _regional(link_api)
    ann_id = int(_user_id(link_api, "ann"))
    tokens = Tokens(signing_secret(link_api.settings), 60)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    token, _ = tokens.issue(ann_id, version=0, now=past, scope=file_scope("e" * 32))
    r = link_api.client.get(f"/api/delivery/files/{'e' * 32}?token={token}")
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]


def test_outside_addresses_are_refused_unless_an_admin_allowed_them(link_api: Api) -> None:
    users = _regional(link_api)
    report = _report(link_api, users["olga"])
    r = _schedule(link_api, users["olga"], report_id=report, delivery={"emails": ["x@y.example"]})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["details"][0]["path"] == "delivery.emails"
    assert "DELIVERY_OUTSIDE_EMAILS" in r.json()["error"]["message"]


def test_the_form_is_offered_the_active_users_the_channels_and_the_outside_rule(
    delivery_api: Api,
) -> None:
    users = _regional(delivery_api)
    options = delivery_api.client.get("/api/delivery/options", headers=users["ann"]).json()
    assert {"admin", "olga", "ann", "bob"} <= set(options["users"])
    assert options["channels"] == ["email", "in_app"] and options["outside_emails"] is True
    assert delivery_api.client.get("/api/delivery/options").status_code == 401


def test_a_chart_report_arrives_with_its_chart_drawn_by_chromium_inline(
    delivery_api: Api, smtp_server: SmtpServer
) -> None:
    users = _regional(delivery_api)
    spec = {
        "dataset": "sales",
        "group_by": ["region"],
        "measures": [{"column": "amount", "agg": "sum", "alias": "amount"}],
    }
    body = {
        "name": "Amount by region",
        "spec": spec,
        "kind": "chart",
        "chart": {"kind": "bar", "x": "region", "y": "amount"},
    }
    r = delivery_api.client.post("/api/reports", json=body, headers=users["olga"])
    assert r.status_code == 201, r.text
    delivery = {"users": ["ann"], "channels": ["email"]}
    made = _schedule(delivery_api, users["olga"], report_id=r.json()["id"], delivery=delivery)
    assert made.status_code == 201, made.text
    run_now(delivery_api, made.json()["id"], users["olga"])
    (mail,) = smtp_server.inbox.to("ann@example.com")
    got = parts(mail)
    png = got["images"]["chart.png"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    assert 'src="cid:chart.png"' in got["html"] and "<td>North</td>" in got["html"]


def _claimed_then_crashed(api: Api, schedule_id: str, owner: dict[str, str]) -> str:
    """Run the schedule's export, then leave its delivery as a worker that died holds it:
    `delivering`, with a lease it renewed just now; the run's id."""
    now = utcnow().replace(second=0, microsecond=0)
    with api.store.session() as session:
        session.execute(
            update(ScheduleRow).where(ScheduleRow.id == schedule_id).values(next_run_at=now)
        )
    context = api.app.state.context
    assert asyncio.run(tick(api.store, context.exports, now + dt.timedelta(seconds=1))) == 1
    (run,) = api.client.get(f"/api/schedules/{schedule_id}/runs", headers=owner).json()
    assert poll(api, run["export_id"], owner, finished)["status"] == "done"
    with api.store.session() as session:
        run_id = session.scalars(
            select(ScheduleRunRow.id).where(ScheduleRunRow.schedule_id == schedule_id)
        ).one()
        session.execute(
            update(ScheduleRunRow)
            .where(ScheduleRunRow.id == run_id)
            .values(delivery_status="delivering", delivery_claimed_at=utcnow())
        )
    return str(run_id)


def test_a_run_whose_worker_died_while_delivering_is_taken_up_and_sends_only_what_was_left(
    delivery_api: Api, smtp_server: SmtpServer
) -> None:
    users = _regional(delivery_api)
    report = _report(delivery_api, users["olga"])
    delivery = {"users": ["ann", "bob"], "channels": ["email"]}
    made = _schedule(delivery_api, users["olga"], report_id=report, delivery=delivery)
    assert made.status_code == 201, made.text
    run_id = _claimed_then_crashed(delivery_api, made.json()["id"], users["olga"])
    with delivery_api.store.session() as session:  # the dead worker had mailed ann
        owner_id = session.scalars(select(UserRow.id).where(UserRow.username == "olga")).one()
        session.add(DeliveryRow(owner_id=owner_id, source_kind="schedule", source_id=run_id,
                                 occasion=run_id, channel="email", recipient="ann@example.com",
                                 status="sent", attempts=1, finished_at=utcnow()))  # fmt: skip
    run_delivery = delivery_api.app.state.context.run_delivery
    assert asyncio.run(deliver_ready(run_delivery)) == 0  # its lease is still fresh
    with delivery_api.store.session() as session:  # ... until it is older than the lease
        session.execute(
            update(ScheduleRunRow)
            .where(ScheduleRunRow.id == run_id)
            .values(delivery_claimed_at=utcnow() - dt.timedelta(seconds=LEASE_S + 1))
        )
    assert asyncio.run(deliver_ready(run_delivery)) == 1
    assert asyncio.run(deliver_ready(run_delivery)) == 0
    smtp_server.inbox.wait(1)
    (bob,) = smtp_server.inbox.to("bob@example.com")
    assert _regions(bob) == {"South"}
    assert smtp_server.inbox.to("ann@example.com") == []  # sent once, by the dead worker
    sent = delivery_api.client.get(
        f"/api/schedules/{made.json()['id']}/deliveries", headers=users["olga"]
    ).json()
    assert sorted((d["recipient"], d["status"]) for d in sent) == [
        ("ann@example.com", "sent"),
        ("bob@example.com", "sent"),
    ]
    with delivery_api.store.session() as session:
        assert session.get(ScheduleRunRow, run_id).delivery_status == "done"  # type: ignore[union-attr]
