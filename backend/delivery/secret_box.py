"""Webhook signing secrets: made here, shown once, kept sealed.

A secret must be readable again to sign each send, so it cannot be stored as a one-way hash
like an API key. It is encrypted and authenticated (Fernet: AES-128-CBC with HMAC-SHA256)
under a key derived with HKDF from the app's secret (`AURORA_SECRET_KEY`, or the generated
one in the state folder, backend.security.secret), which the API and the worker share. A
copy of the metadata store alone then reveals no secret. Changing the app's secret makes the
sealed ones unreadable: such a webhook fails its sends until an admin rotates its secret.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_BYTES = 32
PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret: 256 random bits, never a default."""
    return PREFIX + secrets.token_urlsafe(SECRET_BYTES)


class SecretBox:
    """`purpose` gives each kind of secret its own key (webhook secrets, CDC source URLs)."""

    def __init__(self, app_secret: str, purpose: bytes = b"aurora webhook secrets") -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
            app_secret.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The secret, or None when it was sealed under another app secret.

        >>> box = SecretBox("x" * 32)
        >>> box.open(box.seal("whsec_abc")), SecretBox("y" * 32).open(box.seal("whsec_abc"))
        ('whsec_abc', None)
        """
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None
