"""What one recipient is sent, whatever the channel: a subject, a text and an HTML body,
files, and the structured facts a webhook posts as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EMAIL = "email"
WEBHOOK = "webhook"
IN_APP = "in_app"
CHANNEL_NAMES = (EMAIL, WEBHOOK, IN_APP)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    path: Path


@dataclass(frozen=True)
class Recipient:
    """`address` is an email address, a webhook's id or a user's id, by `channel`.

    `user_id` is the Aurora user whose row-level security shaped the message; None for an
    outside address, which receives the owner's view."""

    channel: str
    address: str
    user_id: int | None = None


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    # Inline images (a report's chart), referenced from `html` by filename.
    images: tuple[Attachment, ...] = ()
    # Where to read the whole result when it is not attached (too big, or a notification).
    link: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)


class SendFailed(Exception):
    """A channel could not send. `retryable` False ends the retries at once (a refused
    address, a host outside the allow-list); True lets the outbox try again."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
