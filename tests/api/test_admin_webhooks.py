"""Admin webhooks through the API: the secret is made by the server and shown once, stored
sealed; a URL outside WEBHOOK_ALLOWED_HOSTS is 422 in the error shape; the test send goes
through the Outbox to a real HTTP server and answers its outcome, recorded and audited."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from backend.delivery.tables import DeliveryRow
from backend.delivery.webhook_table import WebhookRow
from backend.store.engine import Store
from tests.delivery.receiver import receiving
from tests.store.fixtures import Api, _running_api


@pytest.fixture
def hooks_api(metadata_store: Store, tmp_path: Path, shared_warehouse: Path) -> Iterator[Api]:
    yield from _running_api(
        metadata_store, tmp_path, data_dir=shared_warehouse, webhook_allowed_hosts="127.0.0.1"
    )


def _create(api: Api, url: str, fmt: str = "slack", name: str = "ops channel") -> Any:
    r = api.client.post(
        "/api/admin/webhooks", json={"name": name, "url": url, "format": fmt}, headers=api.headers()
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_the_secret_is_generated_shown_once_and_stored_sealed(hooks_api: Api) -> None:
    made = _create(hooks_api, "http://127.0.0.1:9/hook")
    other = _create(hooks_api, "http://127.0.0.1:9/hook", name="second")
    assert made["secret"].startswith("whsec_") and len(made["secret"]) > 40
    assert made["secret"] != other["secret"]
    listed = hooks_api.client.get("/api/admin/webhooks", headers=hooks_api.headers()).json()
    one = hooks_api.client.get(f"/api/admin/webhooks/{made['id']}", headers=hooks_api.headers())
    assert made["secret"] not in str(listed) + one.text and "secret" not in one.json()
    with hooks_api.store.session() as session:
        row = session.scalars(select(WebhookRow).where(WebhookRow.id == made["id"])).one()
        assert made["secret"] not in row.secret_sealed


@pytest.mark.parametrize(
    "url", ["https://hooks.slack.com/services/x", "http://localhost:9/hook", "not a url"]
)
def test_a_url_outside_the_allow_list_is_422_in_the_error_shape(hooks_api: Api, url: str) -> None:
    body = {"name": "x", "url": url, "format": "slack"}
    r = hooks_api.client.post("/api/admin/webhooks", json=body, headers=hooks_api.headers())
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "host_not_allowed"
    made = _create(hooks_api, "http://127.0.0.1:9/hook")
    r = hooks_api.client.patch(
        f"/api/admin/webhooks/{made['id']}", json={"url": url}, headers=hooks_api.headers()
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "host_not_allowed"


def test_no_webhook_can_be_saved_while_the_allow_list_is_empty(api: Api) -> None:
    body = {"name": "x", "url": "http://127.0.0.1:9/hook", "format": "generic"}
    r = api.client.post("/api/admin/webhooks", json=body, headers=api.headers())
    assert r.status_code == 422 and "WEBHOOK_ALLOWED_HOSTS" in r.json()["error"]["message"]


def test_update_and_delete(hooks_api: Api) -> None:
    made = _create(hooks_api, "http://127.0.0.1:9/hook")
    url = f"/api/admin/webhooks/{made['id']}"
    r = hooks_api.client.patch(
        url, json={"name": "renamed", "format": "teams"}, headers=hooks_api.headers()
    )
    assert (r.json()["name"], r.json()["format"], r.json()["url"]) == (
        "renamed",
        "teams",
        "http://127.0.0.1:9/hook",
    )
    assert hooks_api.client.delete(url, headers=hooks_api.headers()).status_code == 204
    assert hooks_api.client.get(url, headers=hooks_api.headers()).status_code == 404
    assert hooks_api.client.post(f"{url}/test", headers=hooks_api.headers()).status_code == 404


def test_a_viewer_cannot_see_or_manage_webhooks(hooks_api: Api) -> None:
    viewer = hooks_api.new_user("vera")
    assert hooks_api.client.get("/api/admin/webhooks", headers=viewer).status_code == 403
    body = {"name": "x", "url": "http://127.0.0.1:9/hook"}
    assert (
        hooks_api.client.post("/api/admin/webhooks", json=body, headers=viewer).status_code == 403
    )


def test_the_test_send_reaches_the_target_signed_and_answers_its_outcome(hooks_api: Api) -> None:
    with receiving([500, 200]) as receiver:
        made = _create(hooks_api, receiver.url, fmt="slack")
        r = hooks_api.client.post(
            f"/api/admin/webhooks/{made['id']}/test", headers=hooks_api.headers()
        )
    assert r.status_code == 200, r.text
    outcome = r.json()
    assert (outcome["status"], outcome["attempts"], outcome["error"]) == ("sent", 2, None)
    got = receiver.received[-1]
    t, v1 = (part.split("=", 1)[1] for part in got.headers["x-aurora-signature"].split(","))
    mac = hmac.new(made["secret"].encode(), f"{t}.".encode() + got.body, hashlib.sha256)
    assert hmac.compare_digest(mac.hexdigest(), v1)
    assert b"Aurora test message" in got.body and b'"blocks"' in got.body
    with hooks_api.store.session() as session:
        row = session.get(DeliveryRow, outcome["delivery_id"])
        assert row is not None
        assert (row.source_kind, row.source_id, row.channel, row.status) == (
            "test",
            made["id"],
            "webhook",
            "sent",
        )
    [audited] = hooks_api.audit_rows(action="delivery.sent")
    assert audited["detail"]["recipient"] == made["id"]


def test_a_failed_test_send_answers_the_reason(hooks_api: Api) -> None:
    with receiving([400]) as receiver:
        made = _create(hooks_api, receiver.url)
        r = hooks_api.client.post(
            f"/api/admin/webhooks/{made['id']}/test", headers=hooks_api.headers()
        )
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["attempts"]) == ("failed", 1)
    assert "400" in r.json()["error"]


def test_rotating_the_secret_shows_the_new_one_once(hooks_api: Api) -> None:
    with receiving([200]) as receiver:
        made = _create(hooks_api, receiver.url, fmt="generic")
        r = hooks_api.client.post(
            f"/api/admin/webhooks/{made['id']}/secret", headers=hooks_api.headers()
        )
        assert r.status_code == 200
        rotated = r.json()["secret"]
        hooks_api.client.post(f"/api/admin/webhooks/{made['id']}/test", headers=hooks_api.headers())
    got = receiver.received[-1]
    t, v1 = (part.split("=", 1)[1] for part in got.headers["x-aurora-signature"].split(","))
    mac = hmac.new(rotated.encode(), f"{t}.".encode() + got.body, hashlib.sha256)
    assert rotated != made["secret"] and hmac.compare_digest(mac.hexdigest(), v1)
