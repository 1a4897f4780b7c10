"""The delivery field's shape: addresses are checked, names kept once, unknown fields refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from backend.delivery.targets import DeliveryTargets


@pytest.mark.parametrize(
    "body",
    [
        {"emails": ["not-an-address"]},
        {"emails": ["a@b"]},
        {"emails": ["two@at@example.com"]},
        {"emails": ["a b@example.com"]},
        {"channels": ["pigeon"]},
        {"users": ["alice"], "cc": ["x@example.com"]},
        {"users": [f"u{n}" for n in range(101)]},
    ],
)
def test_bad_delivery_targets_are_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        DeliveryTargets.model_validate(body)


def test_users_are_kept_once_in_order_and_in_app_is_the_default_channel() -> None:
    targets = DeliveryTargets.model_validate({"users": ["bob", " alice", "bob", ""]})
    assert targets.users == ["bob", "alice"]
    assert targets.channels == ["in_app"] and not targets.by_email and not targets.empty


def test_no_recipient_at_all_is_empty() -> None:
    assert DeliveryTargets().empty
    assert not DeliveryTargets(emails=["cfo@partner.example"]).empty
