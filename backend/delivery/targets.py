"""Who a schedule or an alert is delivered to: the `delivery` field of both.

    {"users": ["alice", "bob"], "channels": ["email", "in_app"],
     "emails": ["cfo@partner.example"], "webhooks": ["<webhook id>"]}

Each Aurora user in `users` receives the data as their own row-level security allows, over
each of `channels`. `emails` are outside addresses (allowed by an admin setting), which
receive the owner's view; `webhooks` are targets an admin configured, which receive the
owner's view too. The resolution to `Recipient`s lives with the channels that need it.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.delivery.message import EMAIL

# Deliberately plain: one @, no spaces, a dot in the domain. The SMTP server is the judge
# of the rest; this catches typos before a schedule is saved.
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
MAX_RECIPIENTS = 100


def is_address(text: str) -> bool:
    """Whether `text` looks like an email address (the check `emails` gets).

    >>> is_address("cfo@partner.example"), is_address("alice")
    (True, False)
    """
    return _ADDRESS.match(text) is not None


Channel = Literal["email", "in_app"]


def _in_app_only() -> list[Channel]:
    return ["in_app"]


class DeliveryTargets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    users: list[str] = Field(default_factory=list, max_length=MAX_RECIPIENTS)
    channels: list[Channel] = Field(default_factory=_in_app_only)
    emails: list[str] = Field(default_factory=list, max_length=MAX_RECIPIENTS)
    webhooks: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("emails")
    @classmethod
    def _addresses(cls, emails: list[str]) -> list[str]:
        bad = [address for address in emails if not _ADDRESS.match(address)]
        if bad:
            raise ValueError(f"not an email address: {', '.join(bad[:3])}")
        return [address.strip() for address in emails]

    @field_validator("users", "webhooks")
    @classmethod
    def _distinct(cls, names: list[str]) -> list[str]:
        return list(dict.fromkeys(name.strip() for name in names if name.strip()))

    @property
    def empty(self) -> bool:
        return not (self.users or self.emails or self.webhooks)

    @property
    def by_email(self) -> bool:
        return EMAIL in self.channels
