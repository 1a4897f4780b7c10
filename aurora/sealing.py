"""Secrets the UI must keep between events (the user's API token) are kept sealed.

Reflex pickles every state var, backend-only ones included, into its state store. The token
is stored encrypted (Fernet) under a key derived from the UI's secret, `AURORA_UI_SECRET`
(`make run` sets one per run), so a state file or Redis dump alone signs nobody in. Without
the secret each UI process uses a random key of its own: sessions then end with the process.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import secrets

from cryptography.fernet import Fernet, InvalidToken


@functools.cache
def _fernet() -> Fernet:
    secret = os.environ.get("AURORA_UI_SECRET") or secrets.token_urlsafe(32)
    digest = hashlib.sha256(b"aurora-ui-state\0" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(value: str) -> str:
    """`value` encrypted and authenticated; the empty string stays empty.

    >>> unseal(seal("eyJ.token")) == "eyJ.token", seal("")
    (True, '')
    """
    return _fernet().encrypt(value.encode()).decode() if value else ""


def unseal(sealed: str) -> str:
    """The sealed value, or "" when it was sealed under another key (a restarted UI)."""
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return ""
