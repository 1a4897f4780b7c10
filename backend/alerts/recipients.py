"""Who hears of a firing, and over what: `Recipient`s from an alert's `delivery`.

An Aurora user gets one recipient per chosen channel: in-app by their id, email at the
address in their `email` attribute, or their user name when it is an address (docs/delivery.md;
none: that send is recorded as failed, with the reason).
Outside addresses and webhooks hear of the owner's firing only: they get the owner's view.
"""

from __future__ import annotations

from backend.delivery.message import EMAIL, IN_APP, WEBHOOK, Recipient
from backend.delivery.targets import DeliveryTargets
from backend.security.principal import User


def user_address(user: User, channel: str) -> str:
    if channel == IN_APP:
        return str(user.id)
    email = user.attributes.get("email")
    if isinstance(email, list):
        email = email[0] if email else None
    if not email and "@" in user.username:
        email = user.username
    return str(email or "")


def of_user(user: User, targets: DeliveryTargets) -> list[Recipient]:
    return [Recipient(c, user_address(user, c), user.id) for c in targets.channels]


def outside(targets: DeliveryTargets) -> list[Recipient]:
    """The owner's view goes to these: outside email addresses and admin webhooks."""
    emails = [Recipient(EMAIL, address) for address in targets.emails]
    return emails + [Recipient(WEBHOOK, hook) for hook in targets.webhooks]


def hears_owner(owner: User, targets: DeliveryTargets) -> bool:
    """The owner is told of their own firing when they are listed, or when nobody is."""
    return owner.username in targets.users or targets.empty
