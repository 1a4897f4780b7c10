"""Checks a schedule's `delivery` before it is saved: every named user exists, is active and
may see every dataset the schedule reads (they receive it as their own row-level security
allows), has an address when email is a channel; outside addresses only when an admin
allowed them; email only when a mail server is configured; webhooks only by the ids of
targets an admin configured (`known_webhooks`, which alerts use too). Each refusal is a 400
naming the field."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.delivery.targets import DeliveryTargets, is_address
from backend.delivery.webhook_table import WebhookRow
from backend.errors import BadRequest
from backend.security.principal import User
from backend.services.access import AccessPolicy
from backend.store.models import UserRow

OUTSIDE_OFF = (
    "Outside email addresses are not allowed here; an administrator can allow them "
    "(DELIVERY_OUTSIDE_EMAILS)."
)


def _refuse(path: str, message: str) -> BadRequest:
    return BadRequest(message, details=[{"path": f"delivery.{path}", "message": message}])


def known_webhooks(session: Session, webhook_ids: list[str]) -> None:
    """A 400 naming the first id that is no admin-configured webhook (unknown or deleted):
    caught on save, not as a failed send at the first run."""
    if not webhook_ids:
        return
    found = set(session.scalars(select(WebhookRow.id).where(WebhookRow.id.in_(webhook_ids))))
    missing = [hook for hook in webhook_ids if hook not in found]
    if missing:
        raise _refuse("webhooks", f"There is no webhook with the id {missing[0]!r}.")


def user_address(user: User | UserRow) -> str | None:
    """A user's email: their `email` attribute, else their name when it is an address."""
    given = str((user.attributes or {}).get("email") or "").strip()
    if given and is_address(given):
        return given
    return user.username if is_address(user.username) else None


class RecipientRules:
    def __init__(self, settings: Settings, policy: AccessPolicy) -> None:
        self.settings, self.policy = settings, policy

    def check(
        self, session: Session, delivery: dict[str, Any], datasets: frozenset[str]
    ) -> dict[str, Any] | None:
        """The delivery to store (None when it names nobody), or a 400."""
        try:
            targets = DeliveryTargets.model_validate(delivery)
        except ValidationError as e:
            first = e.errors()[0]
            path = ".".join(str(p) for p in first["loc"])
            raise _refuse(path, str(first["msg"]).removeprefix("Value error, ")) from None
        if targets.empty:
            return None
        if targets.by_email and not self.settings.smtp_host:
            raise _refuse("channels", "Email is not configured on this server (SMTP_HOST).")
        if targets.emails and not self.settings.delivery_outside_emails:
            raise _refuse("emails", OUTSIDE_OFF)
        known_webhooks(session, targets.webhooks)
        for username in targets.users:
            self._check_user(session, username, targets, datasets)
        return targets.model_dump(mode="json")

    def _check_user(
        self, session: Session, username: str, targets: DeliveryTargets, datasets: frozenset[str]
    ) -> None:
        row = session.scalar(select(UserRow).where(UserRow.username == username))
        if row is None or not row.active:
            raise _refuse("users", f"There is no active user named {username!r}.")
        unseen = sorted(datasets & self.policy.hidden_from(User.from_row(row)))
        if unseen:
            raise _refuse("users", f"{username} may not see the dataset {unseen[0]!r}.")
        if targets.by_email and user_address(row) is None:
            message = f"{username} has no email address (an admin sets the 'email' attribute)."
            raise _refuse("users", message)
