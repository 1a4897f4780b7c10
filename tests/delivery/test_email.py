"""The email channel sends through a real SMTP server (aiosmtpd on 127.0.0.1): the
recipient, the text and HTML bodies, the attachment and the inline image arrive; a refused
address fails at once, a server that is down is retried."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from backend.delivery.channels import Channels
from backend.delivery.email import EmailChannel, SmtpConfig
from backend.delivery.message import EMAIL, Attachment, Message, Recipient, SendFailed
from backend.delivery.outbox import Outbox, Source
from backend.delivery.registry import build_channels
from backend.store.engine import Store
from tests.delivery.smtp import SmtpServer, parts
from tests.jobs.conftest import add_user
from tests.store.fixtures import make_settings


def _channel(server: SmtpServer) -> EmailChannel:
    return EmailChannel(SmtpConfig(server.host, server.port, "aurora@example.com", starttls=False))


def test_a_message_arrives_with_its_text_html_attachment_and_inline_image(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    csv = tmp_path / "sales.csv"
    csv.write_text("region,amount\nNorth,10\n")
    png = tmp_path / "chart.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    message = Message(
        subject="Weekly sales",
        text="1 row",
        html='<table><tr><td>North</td></tr></table><img src="cid:chart.png">',
        attachments=(Attachment("sales.csv", "text/csv", csv),),
        images=(Attachment("chart.png", "image/png", png),),
    )
    asyncio.run(_channel(smtp_server).send(Recipient(EMAIL, "ann@example.com"), message))
    (received,) = smtp_server.inbox.wait(1)
    assert received.envelope_to == ["ann@example.com"]
    mail = received.message
    assert (mail["To"], mail["From"], mail["Subject"]) == (
        "ann@example.com",
        "aurora@example.com",
        "Weekly sales",
    )
    got = parts(mail)
    assert got["text"].strip() == "1 row"
    assert "<td>North</td>" in got["html"]
    assert got["attachments"]["sales.csv"] == b"region,amount\nNorth,10\n"
    assert got["images"]["chart.png"] == b"\x89PNG\r\n\x1a\nfake"


def test_a_refused_address_fails_at_once_without_retrying(smtp_server: SmtpServer) -> None:
    smtp_server.inbox.refuse.add("nobody@example.com")
    with pytest.raises(SendFailed) as failed:
        asyncio.run(
            _channel(smtp_server).send(Recipient(EMAIL, "nobody@example.com"), Message("s", "t"))
        )
    assert not failed.value.retryable and "nobody@example.com" in failed.value.reason


def test_a_mail_server_that_is_down_is_retried_then_recorded_failed(
    metadata_store: Store,
) -> None:
    owner = add_user(metadata_store, f"owner-{uuid.uuid4().hex[:8]}")
    down = EmailChannel(SmtpConfig("127.0.0.1", 1, "aurora@example.com", starttls=False))
    outbox = Outbox(metadata_store, Channels([down]), backoff_s=(0.0,))
    source = Source("test", uuid.uuid4().hex, owner)
    outcome = asyncio.run(
        outbox.deliver(source, Recipient(EMAIL, "a@example.com"), Message("s", "t"))
    )
    assert (outcome.status, outcome.attempts) == ("failed", 4)
    assert outcome.error and "could not be reached" in outcome.error


def test_email_is_a_channel_only_when_smtp_host_is_set(
    tmp_path: Path, metadata_store: Store
) -> None:
    without = make_settings(tmp_path, metadata_store)
    assert build_channels(without, metadata_store).names() == ["in_app"]
    with_host = make_settings(tmp_path, metadata_store, smtp_host="127.0.0.1")
    assert build_channels(with_host, metadata_store).names() == ["email", "in_app"]
