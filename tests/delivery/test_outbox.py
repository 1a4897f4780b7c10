"""The outbox sends one message to one recipient with retries, records each send's outcome
in `deliveries`, audits it without data, and an in-app send becomes the user's notification."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from backend.audit import AuditWriter
from backend.delivery.channels import Channels
from backend.delivery.in_app import InAppChannel
from backend.delivery.message import IN_APP, Message, Recipient, SendFailed
from backend.delivery.outbox import RETRIES, Outbox, Source
from backend.delivery.tables import DeliveryRow, NotificationRow
from backend.security.principal import User
from backend.store.engine import Store
from backend.store.models import AuditRow
from tests.jobs.conftest import add_user

MESSAGE = Message(subject="Weekly sales", text="3 rows", link="/reports/r1")


class Flaky:
    """A channel over nothing that fails its first `failures` sends."""

    name = "flaky"

    def __init__(self, failures: int, *, retryable: bool = True) -> None:
        self.failures, self.retryable, self.calls = failures, retryable, 0

    async def send(self, recipient: Recipient, message: Message) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise SendFailed(f"refused #{self.calls}", retryable=self.retryable)


@pytest.fixture
def writer(metadata_store: Store) -> Iterator[AuditWriter]:
    audit = AuditWriter(metadata_store)
    audit.start()
    yield audit
    audit.stop()


@pytest.fixture
def owner(metadata_store: Store) -> User:
    return add_user(metadata_store, f"owner-{uuid.uuid4().hex[:8]}")


def _outbox(store: Store, writer: AuditWriter, *channels: object) -> Outbox:
    return Outbox(store, Channels([InAppChannel(store), *channels]), writer, backoff_s=(0.0,))  # type: ignore[list-item]


def _row(store: Store, delivery_id: str) -> DeliveryRow:
    with store.session() as session:
        row = session.get(DeliveryRow, delivery_id)
        assert row is not None
        session.expunge(row)
        return row


@pytest.mark.parametrize(
    ("failures", "retryable", "status", "attempts"),
    [
        (0, True, "sent", 1),
        (RETRIES, True, "sent", RETRIES + 1),
        (RETRIES + 1, True, "failed", RETRIES + 1),
        (1, False, "failed", 1),
    ],
)
def test_a_send_is_retried_three_times_then_recorded_failed_with_its_reason(
    metadata_store: Store,
    writer: AuditWriter,
    owner: User,
    failures: int,
    retryable: bool,
    status: str,
    attempts: int,
) -> None:
    channel = Flaky(failures, retryable=retryable)
    outbox = _outbox(metadata_store, writer, channel)
    source = Source("schedule", uuid.uuid4().hex, owner)
    outcome = asyncio.run(outbox.deliver(source, Recipient("flaky", "a@example.com"), MESSAGE))
    row = _row(metadata_store, outcome.delivery_id)
    assert (row.status, row.attempts, channel.calls) == (status, attempts, attempts)
    assert row.error == (None if status == "sent" else f"refused #{attempts}")
    assert row.finished_at is not None


def test_each_send_is_audited_with_channel_recipient_and_status_but_no_data(
    metadata_store: Store, writer: AuditWriter, owner: User
) -> None:
    outbox = _outbox(metadata_store, writer, Flaky(0))
    source = Source("alert", uuid.uuid4().hex, owner)
    asyncio.run(outbox.deliver(source, Recipient("flaky", "b@example.com"), MESSAGE))
    assert writer.flush()
    with metadata_store.session() as session:
        audit = session.scalars(
            select(AuditRow).where(AuditRow.action == "delivery.sent", AuditRow.user_id == owner.id)
        ).one()
        detail = audit.detail
    assert detail["channel"] == "flaky" and detail["recipient"] == "b@example.com"
    assert (detail["source"], detail["source_id"]) == ("alert", source.id)
    assert "Weekly sales" not in str(detail) and "3 rows" not in str(detail)


def test_an_in_app_send_is_an_unread_notification_of_that_user(
    metadata_store: Store, writer: AuditWriter, owner: User
) -> None:
    reader = add_user(metadata_store, f"reader-{uuid.uuid4().hex[:8]}")
    outbox = _outbox(metadata_store, writer)
    source = Source("schedule", uuid.uuid4().hex, owner)
    recipient = Recipient(IN_APP, str(reader.id), user_id=reader.id)
    assert asyncio.run(outbox.deliver(source, recipient, MESSAGE)).status == "sent"
    with metadata_store.session() as session:
        note = session.scalars(
            select(NotificationRow).where(NotificationRow.user_id == reader.id)
        ).one()
        assert (note.title, note.body, note.link, note.read_at) == (
            "Weekly sales",
            "3 rows",
            "/reports/r1",
            None,
        )


def test_an_unknown_channel_or_an_outside_in_app_recipient_fails_without_retrying(
    metadata_store: Store, writer: AuditWriter, owner: User
) -> None:
    outbox = _outbox(metadata_store, writer)
    source = Source("test", uuid.uuid4().hex, owner)
    for recipient in (Recipient("pigeon", "x"), Recipient(IN_APP, "someone@example.com")):
        outcome = asyncio.run(outbox.deliver(source, recipient, MESSAGE))
        assert (outcome.status, outcome.attempts) == ("failed", 1)
        assert outcome.error
