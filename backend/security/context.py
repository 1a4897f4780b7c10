"""The auth parts of one app: secrets, login limiter and audit writer, over the app's store.

Built by the composition root (`backend.wiring.AppContext.open`) when the app starts, after
the store is migrated; read by the gate and the auth dependencies through `auth_of`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from backend import audit
from backend.config import Settings
from backend.security.bootstrap import ensure_first_admin
from backend.security.passwords import Passwords
from backend.security.ratelimit import LoginLimiter
from backend.security.secret import signing_secret
from backend.security.tokens import Tokens
from backend.store.engine import Store


@dataclass
class AuthContext:
    settings: Settings
    store: Store  # the app's; its AppContext closes it
    passwords: Passwords
    tokens: Tokens
    limiter: LoginLimiter
    audit: audit.AuditWriter

    def close(self) -> None:
        self.limiter.close()
        self.audit.stop()


def build_auth(settings: Settings, store: Store) -> AuthContext:
    """Over a migrated store: creates the first admin if there is nobody, starts the audit
    writer."""
    passwords = Passwords(settings.argon2_profile)
    ensure_first_admin(store, passwords, settings)
    writer = audit.AuditWriter(store)
    writer.start()
    tokens = Tokens(signing_secret(settings), settings.token_ttl_minutes)
    limiter = LoginLimiter.from_settings(settings)
    return AuthContext(settings, store, passwords, tokens, limiter, writer)


def auth_of(app: FastAPI) -> AuthContext:
    """The running app's auth parts. Only a started app has them: its lifespan opens the
    AppContext (with a TestClient: `with TestClient(app) as client`)."""
    ctx: AuthContext | None = getattr(getattr(app.state, "context", None), "auth", None)
    if ctx is None:
        raise RuntimeError("the app has not started: its lifespan builds the auth parts")
    return ctx
