"""The schedule and alert forms' delivery part as data: the API's `delivery` field from what
the form holds, and back (docs/delivery.md)."""

from __future__ import annotations

import re
from typing import Any

EMAIL, IN_APP = "email", "in_app"
OWNER_VIEW = (
    "Outside addresses receive the data as you (the schedule's owner) see it; each Aurora "
    "user above receives only what their own access allows."
)
ALERT_OWNER_VIEW = (
    "Outside addresses and webhooks are told of the alert as you (its owner) see the data; "
    "each Aurora user above is judged on what their own access allows."
)


def addresses(text: str) -> list[str]:
    """Outside addresses typed one per line or separated by commas, semicolons or spaces.

    >>> addresses("a@x.example, b@y.example\\n c@z.example;")
    ['a@x.example', 'b@y.example', 'c@z.example']
    """
    return [part for part in re.split(r"[\s,;]+", text) if part]


def delivery_body(
    users: list[str], by_email: bool, by_in_app: bool, outside: str, webhooks: list[str]
) -> dict[str, Any] | None:
    """The `delivery` field, or None when the form names nobody.

    >>> delivery_body(["ann"], True, False, "", [])
    {'users': ['ann'], 'channels': ['email'], 'emails': [], 'webhooks': []}
    >>> delivery_body([], False, True, "", ["h1"])["webhooks"]
    ['h1']
    >>> delivery_body([], True, True, "", []) is None
    True
    """
    emails = addresses(outside)
    if not users and not emails and not webhooks:
        return None
    channels = [c for c, on in ((EMAIL, by_email), (IN_APP, by_in_app)) if on] or [IN_APP]
    return {"users": list(users), "channels": channels, "emails": emails, "webhooks": webhooks}


def form_values(delivery: dict[str, Any] | None) -> tuple[list[str], bool, bool, str, list[str]]:
    """What the form shows for a saved `delivery`: users, by email, in-app, outside text,
    webhook ids.

    >>> form_values({"users": ["ann"], "channels": ["email"], "emails": ["a@x.example"],
    ...              "webhooks": ["h1"]})
    (['ann'], True, False, 'a@x.example', ['h1'])
    >>> form_values(None)
    ([], False, True, '', [])
    """
    if not delivery:
        return [], False, True, "", []
    channels = list(delivery.get("channels") or [])
    users = [str(u) for u in delivery.get("users") or []]
    outside = ", ".join(str(e) for e in delivery.get("emails") or [])
    webhooks = [str(h) for h in delivery.get("webhooks") or []]
    return users, EMAIL in channels, IN_APP in channels, outside, webhooks


def webhook_choices(options: dict[str, Any]) -> list[tuple[str, str]]:
    """The admin's webhooks GET /api/delivery/options offers: (id, name) each.

    >>> webhook_choices({"webhooks": [{"id": "h1", "name": "ops"}]})
    [('h1', 'ops')]
    """
    return [(str(h["id"]), str(h.get("name") or h["id"])) for h in options.get("webhooks") or []]


def toggled(chosen: list[str], item: str) -> list[str]:
    """`chosen` with `item` ticked or unticked.

    >>> toggled(["a"], "b"), toggled(["a", "b"], "a")
    (['a', 'b'], ['b'])
    """
    return [c for c in chosen if c != item] if item in chosen else [*chosen, item]
