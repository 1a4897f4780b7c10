"""Webhook targets: what the admin routes manage and the webhook channel reads.

The URL is checked against the allow-list on every save; the signing secret is made here,
handed back once (create, rotate) and otherwise kept sealed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.delivery.allowed_hosts import AllowedHosts
from backend.delivery.secret_box import SecretBox, new_secret
from backend.delivery.webhook_table import WebhookRow
from backend.errors import NotFound
from backend.security.secret import signing_secret
from backend.store.engine import Store


@dataclass(frozen=True)
class WebhookInfo:
    id: str
    name: str
    url: str
    format: str
    created_by: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, row: WebhookRow) -> WebhookInfo:
        return cls(
            row.id, row.name, row.url, row.format, row.created_by, row.created_at, row.updated_at
        )


@dataclass(frozen=True)
class SendTarget:
    """What one send needs; `secret` None when it was sealed under another app secret."""

    url: str
    format: str
    secret: str | None


@dataclass(frozen=True)
class Webhooks:
    store: Store
    allowed: AllowedHosts
    box: SecretBox

    @classmethod
    def of(cls, settings: Settings, store: Store) -> Webhooks:
        box = SecretBox(signing_secret(settings))
        return cls(store, AllowedHosts.parse(settings.webhook_allowed_hosts), box)

    def all(self) -> list[WebhookInfo]:
        with self.store.session() as session:
            rows = session.scalars(select(WebhookRow).order_by(WebhookRow.name, WebhookRow.id))
            return [WebhookInfo.of(row) for row in rows]

    def get(self, webhook_id: str) -> WebhookInfo:
        with self.store.session() as session:
            return WebhookInfo.of(_row(session, webhook_id))

    def create(self, name: str, url: str, format: str, created_by: int) -> tuple[WebhookInfo, str]:
        url = self.allowed.check(url).url
        secret = new_secret()
        with self.store.session() as session:
            row = WebhookRow(
                name=name,
                url=url,
                format=format,
                secret_sealed=self.box.seal(secret),
                created_by=created_by,
            )
            session.add(row)
            session.flush()
            return WebhookInfo.of(row), secret

    def update(
        self, webhook_id: str, *, name: str | None, url: str | None, format: str | None
    ) -> WebhookInfo:
        checked = self.allowed.check(url).url if url is not None else None
        with self.store.session() as session:
            row = _row(session, webhook_id)
            row.name = name if name is not None else row.name
            row.url = checked if checked is not None else row.url
            row.format = format if format is not None else row.format
            session.flush()
            return WebhookInfo.of(row)

    def rotate_secret(self, webhook_id: str) -> tuple[WebhookInfo, str]:
        secret = new_secret()
        with self.store.session() as session:
            row = _row(session, webhook_id)
            row.secret_sealed = self.box.seal(secret)
            session.flush()
            return WebhookInfo.of(row), secret

    def delete(self, webhook_id: str) -> None:
        with self.store.session() as session:
            session.delete(_row(session, webhook_id))

    def target(self, webhook_id: str) -> SendTarget:
        with self.store.session() as session:
            row = _row(session, webhook_id)
            return SendTarget(row.url, row.format, self.box.open(row.secret_sealed))


def _row(session: Session, webhook_id: str) -> WebhookRow:
    row = session.get(WebhookRow, webhook_id)
    if row is None:
        raise NotFound(f"Webhook {webhook_id} was not found.")
    return row
