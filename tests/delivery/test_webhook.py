"""The webhook channel against a real HTTP server on 127.0.0.1: a signed body in the target's
format, retries after a 5xx or a timeout through the Outbox, none after a 4xx or a redirect,
and no request at all to a host outside the allow-list, or to a listed name that resolves to
an internal address."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid

import pytest

from backend.delivery.allowed_hosts import AllowedHosts, HostNotAllowed
from backend.delivery.channels import Channels
from backend.delivery.message import WEBHOOK, Message, Recipient
from backend.delivery.outbox import RETRIES, Outbox, Outcome, Source
from backend.delivery.secret_box import SecretBox
from backend.delivery.webhook import WebhookChannel
from backend.delivery.webhooks import Webhooks
from backend.security.principal import User
from backend.store.engine import Store
from tests.delivery.receiver import Received, receiving
from tests.jobs.conftest import add_user

MESSAGE = Message(
    subject="Revenue North below 100,000",
    text="Daily revenue in North is 98,500 (below 100,000).",
    link="https://aurora.example.com/reports/r1",
    facts={"measure": "revenue", "value": 98500, "region": "North"},
)
BOX = SecretBox("t" * 40)


@pytest.fixture
def owner(metadata_store: Store) -> User:
    return add_user(metadata_store, f"owner-{uuid.uuid4().hex[:8]}")


def _webhooks(store: Store, allowed: str = "127.0.0.1") -> Webhooks:
    return Webhooks(store, AllowedHosts.parse(allowed), BOX)


def _send(
    store: Store, owner: User, webhook_id: str, allowed: str = "127.0.0.1", timeout_s: float = 5.0
) -> Outcome:
    webhooks = _webhooks(store, allowed)
    channel = WebhookChannel(webhooks, webhooks.allowed, timeout_s)
    outbox = Outbox(store, Channels([channel]), backoff_s=(0.0,))
    source = Source("test", uuid.uuid4().hex, owner)
    return asyncio.run(outbox.deliver(source, Recipient(WEBHOOK, webhook_id), MESSAGE))


def _create(store: Store, owner: User, url: str, fmt: str = "generic") -> tuple[str, str]:
    info, secret = _webhooks(store, "127.0.0.1, localhost").create("ops", url, fmt, owner.id)
    return info.id, secret


def _verified(got: Received, secret: str) -> bool:
    """The receiver's side, written from docs/delivery.md with nothing of ours."""
    fields = dict(part.split("=", 1) for part in got.headers["x-aurora-signature"].split(","))
    signed = fields["t"].encode() + b"." + got.body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(fields["t"])) < 60
    return fresh and hmac.compare_digest(expected, fields["v1"])


def test_a_send_is_signed_over_its_exact_body_with_a_timestamp(
    metadata_store: Store, owner: User
) -> None:
    with receiving([200]) as receiver:
        webhook_id, secret = _create(metadata_store, owner, receiver.url)
        outcome = _send(metadata_store, owner, webhook_id)
    assert (outcome.status, outcome.attempts) == ("sent", 1)
    [got] = receiver.received
    assert got.path == "/hook" and got.headers["content-type"] == "application/json"
    assert _verified(got, secret)
    assert not _verified(got, secret + "x")
    assert not _verified(Received(got.path, got.headers, got.body + b" "), secret)


def _slack(body: dict[str, object]) -> None:
    assert body["text"] == f"{MESSAGE.subject}\n{MESSAGE.text}"
    blocks = body["blocks"]
    assert isinstance(blocks, list)
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": MESSAGE.subject}}
    assert blocks[1]["text"]["text"] == MESSAGE.text
    assert "*region*\nNorth" in [f["text"] for f in blocks[2]["fields"]]
    assert "<https://aurora.example.com/reports/r1|Open in Aurora>" in json.dumps(blocks[3])


def _teams(body: dict[str, object]) -> None:
    assert body["type"] == "message"
    [attachment] = body["attachments"]  # type: ignore[misc]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"]
    assert [b["type"] for b in card["body"]] == ["TextBlock", "TextBlock", "FactSet"]
    assert card["body"][0]["text"] == MESSAGE.subject
    assert {"title": "value", "value": "98500"} in card["body"][2]["facts"]
    assert card["actions"][0]["url"] == MESSAGE.link


def _generic(body: dict[str, object]) -> None:
    assert body == {
        "event": "aurora.delivery",
        "subject": MESSAGE.subject,
        "text": MESSAGE.text,
        "link": MESSAGE.link,
        "facts": {"measure": "revenue", "value": 98500, "region": "North"},
    }


@pytest.mark.parametrize(
    ("fmt", "check"), [("slack", _slack), ("teams", _teams), ("generic", _generic)]
)
def test_the_body_has_the_shape_of_the_webhooks_format(
    metadata_store: Store, owner: User, fmt: str, check: object
) -> None:
    with receiving([200]) as receiver:
        webhook_id, _ = _create(metadata_store, owner, receiver.url, fmt)
        assert _send(metadata_store, owner, webhook_id).status == "sent"
    check(json.loads(receiver.received[0].body))  # type: ignore[operator]


@pytest.mark.parametrize(
    ("statuses", "status", "attempts"),
    [
        ([500, 503, 200], "sent", 3),
        ([500], "failed", RETRIES + 1),
        ([429, 200], "sent", 2),
        ([400], "failed", 1),
        ([404], "failed", 1),
    ],
)
def test_a_5xx_is_retried_and_a_4xx_is_not(
    metadata_store: Store, owner: User, statuses: list[int], status: str, attempts: int
) -> None:
    with receiving(statuses) as receiver:
        webhook_id, _ = _create(metadata_store, owner, receiver.url)
        outcome = _send(metadata_store, owner, webhook_id)
    assert (outcome.status, outcome.attempts, len(receiver.received)) == (
        status,
        attempts,
        attempts,
    )
    if status == "failed":
        assert outcome.error is not None and str(statuses[-1]) in outcome.error


def test_a_timeout_is_retried(metadata_store: Store, owner: User) -> None:
    with receiving([200], delay_s=[1.0]) as receiver:
        webhook_id, _ = _create(metadata_store, owner, receiver.url)
        outcome = _send(metadata_store, owner, webhook_id, timeout_s=0.3)
    assert (outcome.status, outcome.attempts, len(receiver.received)) == ("sent", 2, 2)


def test_a_redirect_is_not_followed(metadata_store: Store, owner: User) -> None:
    with receiving([302]) as target, receiving([200], location="") as elsewhere:
        target.location = elsewhere.url
        webhook_id, _ = _create(metadata_store, owner, target.url)
        outcome = _send(metadata_store, owner, webhook_id)
    assert (outcome.status, outcome.attempts) == ("failed", 1)
    assert "redirect" in (outcome.error or "")
    assert (len(target.received), len(elsewhere.received)) == (1, 0)


def test_a_host_taken_off_the_allow_list_is_refused_at_send_without_a_request(
    metadata_store: Store, owner: User
) -> None:
    with receiving([200]) as receiver:
        webhook_id, _ = _create(metadata_store, owner, receiver.url)
        outcome = _send(metadata_store, owner, webhook_id, allowed="hooks.slack.com")
    assert (outcome.status, outcome.attempts, receiver.received) == ("failed", 1, [])
    assert "WEBHOOK_ALLOWED_HOSTS" in (outcome.error or "")


def test_a_listed_name_that_resolves_to_an_internal_address_is_refused_at_send(
    metadata_store: Store, owner: User
) -> None:
    # `localhost` is on the list by name; it resolves to loopback, which only an address
    # entry may allow (the DNS trick: a name an attacker points at an internal service).
    with receiving([200]) as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost")
        webhook_id, _ = _create(metadata_store, owner, url)
        outcome = _send(metadata_store, owner, webhook_id, allowed="localhost")
        assert (outcome.status, outcome.attempts, receiver.received) == ("failed", 1, [])
        assert "internal address" in (outcome.error or "")
        assert (
            _send(metadata_store, owner, webhook_id, allowed="localhost, 127.0.0.1, ::1").status
            == "sent"
        )


def test_a_host_outside_the_allow_list_is_refused_at_save(
    metadata_store: Store, owner: User
) -> None:
    webhooks = _webhooks(metadata_store, "hooks.slack.com, *.office.com")
    for url in (
        "https://evil.example.com/x",
        "https://office.com/x",  # the wildcard is for subdomains only
        "http://127.0.0.1:9/x",
        "https://hooks.slack.com@evil.example.com/x",
        "ftp://hooks.slack.com/x",
    ):
        with pytest.raises(HostNotAllowed):
            webhooks.create("x", url, "slack", owner.id)
    assert webhooks.create("ok", "https://a.b.office.com/hook", "teams", owner.id)[0].url


def test_a_deleted_webhook_fails_without_retrying(metadata_store: Store, owner: User) -> None:
    outcome = _send(metadata_store, owner, uuid.uuid4().hex)
    assert (outcome.status, outcome.attempts) == ("failed", 1)
