"""`deliver`: one message to one recipient, retried, recorded and audited.

A failed send is retried RETRIES times with growing pauses, then recorded as failed with
its reason, which the owner sees. A SendFailed that is not retryable (a refused address, a
host outside the allow-list) fails at once. The audit row names the channel, the recipient,
the source and the status, never the data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.audit import AuditWriter
from backend.delivery.channels import Channels
from backend.delivery.message import Message, Recipient, SendFailed
from backend.delivery.tables import DeliveryRow
from backend.security.principal import User
from backend.store.base import utcnow
from backend.store.engine import Store

log = logging.getLogger("aurora.delivery")

RETRIES = 3
BACKOFF_S: Sequence[float] = (2.0, 10.0, 30.0)


@dataclass(frozen=True)
class Source:
    """What is being delivered, on whose behalf: `kind` is schedule, alert or test."""

    kind: str
    id: str
    owner: User
    occasion: str | None = None  # the run or firing; None: no once-only guard (test sends)


@dataclass(frozen=True)
class Outcome:
    delivery_id: str
    status: str
    attempts: int
    error: str | None


def earlier_send(
    session: Session, source: Source, channel: str, recipient: str
) -> DeliveryRow | None:
    """This occasion's send to `recipient` over `channel`, if one was begun already."""
    if source.occasion is None:
        return None
    return session.scalar(
        select(DeliveryRow)
        .where(
            DeliveryRow.source_kind == source.kind,
            DeliveryRow.source_id == source.id,
            DeliveryRow.occasion == source.occasion,
            DeliveryRow.channel == channel,
            DeliveryRow.recipient == recipient,
        )
        .limit(1)
    )


@dataclass
class Outbox:
    store: Store
    channels: Channels
    audit: AuditWriter | None = None
    backoff_s: Sequence[float] = BACKOFF_S

    async def deliver(self, source: Source, recipient: Recipient, message: Message) -> Outcome:
        delivery_id, done = await asyncio.to_thread(self._open, source, recipient)
        if done is not None:
            return done  # sent (or failed for good) before this worker took the work up
        attempts, error = await self._attempt(recipient, message)
        status = "sent" if error is None else "failed"
        await asyncio.to_thread(self._close, delivery_id, status, attempts, error)
        self._audit(source, recipient, status, attempts, error)
        return Outcome(delivery_id, status, attempts, error)

    async def _attempt(self, recipient: Recipient, message: Message) -> tuple[int, str | None]:
        error: str | None = None
        for attempt in range(1, RETRIES + 2):
            try:
                await self.channels.get(recipient.channel).send(recipient, message)
                return attempt, None
            except SendFailed as failed:
                error = failed.reason
                if not failed.retryable:
                    return attempt, error
            except Exception as exc:  # a channel's unexpected error is one more failed try
                log.warning("send over %s failed", recipient.channel, exc_info=True)
                error = f"{type(exc).__name__}: {exc}"
            if attempt <= RETRIES:
                await asyncio.sleep(self._pause(attempt))
        return RETRIES + 1, error

    def _pause(self, attempt: int) -> float:
        return self.backoff_s[min(attempt, len(self.backoff_s)) - 1] if self.backoff_s else 0.0

    def _open(self, source: Source, recipient: Recipient) -> tuple[str, Outcome | None]:
        """The row this send writes to, and its outcome when it was finished already."""
        with self.store.session() as session:
            row = earlier_send(session, source, recipient.channel, recipient.address[:320])
            if row is not None:
                finished = row.status != "sending"
                done = Outcome(row.id, row.status, row.attempts, row.error) if finished else None
                return row.id, done
            row = DeliveryRow(
                owner_id=source.owner.id,
                source_kind=source.kind,
                source_id=source.id,
                occasion=source.occasion,
                channel=recipient.channel,
                recipient=recipient.address[:320],
            )
            session.add(row)
            session.flush()
            return row.id, None

    def _close(self, delivery_id: str, status: str, attempts: int, error: str | None) -> None:
        with self.store.session() as session:
            row = session.get(DeliveryRow, delivery_id)
            if row is not None:
                row.status, row.attempts, row.error = status, attempts, error
                row.finished_at = utcnow()

    def _audit(
        self, source: Source, recipient: Recipient, status: str, attempts: int, error: str | None
    ) -> None:
        if self.audit is None:
            return
        detail = {
            "channel": recipient.channel,
            "recipient": recipient.address,
            "source": source.kind,
            "source_id": source.id,
            "status": status,
            "attempts": attempts,
            "error": error,
        }
        self.audit.record(f"delivery.{status}", user=source.owner, detail=detail)
