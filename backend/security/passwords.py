"""Argon2id password hashing. Production uses the library's recommended parameters;
`AURORA_ARGON2_PROFILE=fast` (tests only) makes hashing cheap."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_FAST = profiles.CHEAPEST


class Passwords:
    def __init__(self, profile: str = "default") -> None:
        self._hasher = (
            PasswordHasher.from_parameters(_FAST) if profile == "fast" else PasswordHasher()
        )
        # Verified against when the user name is unknown, so both paths cost the same.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when `password` matches; with no stored hash, spends the same time and fails."""
        try:
            return self._hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
