"""API keys: `aur_<prefix>_<secret>`. The prefix finds the row; only a SHA-256 of the key is
stored. A fast hash is enough here, unlike passwords: the key carries 256 random bits, so
there is nothing to guess, and a cheap hash keeps every keyed request fast."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_MARK = "aur"


@dataclass(frozen=True)
class NewKey:
    key: str
    prefix: str
    key_hash: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> NewKey:
    prefix = f"{KEY_MARK}_{secrets.token_hex(6)}"
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(key, prefix, hash_key(key))


def prefix_of(key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None (no database work for junk)."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_MARK or len(parts[1]) != 12 or len(key) > 200:
        return None
    return f"{parts[0]}_{parts[1]}"


def key_matches(key: str, key_hash: str) -> bool:
    return hmac.compare_digest(hash_key(key), key_hash)
