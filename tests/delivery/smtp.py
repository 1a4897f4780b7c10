"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, on a free port, in a thread of
its own. It keeps every message it accepts, parsed, and can be told to refuse addresses."""

from __future__ import annotations

import email
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    """The handler aiosmtpd calls; what it received, and which addresses it refuses."""

    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.messages.append(Received(list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.messages if address in r.envelope_to]

    def wait(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} mails came"
            time.sleep(0.05)


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox

    def settings(self) -> dict[str, Any]:
        """The SMTP_* settings that point Aurora at this server."""
        return {"smtp_host": self.host, "smtp_port": self.port, "smtp_starttls": False}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, inbox)
    finally:
        controller.stop()


def parts(message: EmailMessage) -> dict[str, Any]:
    """The text, the HTML, the attachments (filename -> bytes) and inline images (cid ->
    bytes) of a received message."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    attached = {
        str(part.get_filename()): part.get_payload(decode=True)
        for part in message.iter_attachments()
    }
    inline = {
        str(part["Content-ID"]).strip("<>"): part.get_payload(decode=True)
        for part in message.walk()
        if part["Content-ID"]
    }
    return {
        "text": text.get_content() if text else "",
        "html": html.get_content() if html else "",
        "attachments": attached,
        "images": inline,
    }
