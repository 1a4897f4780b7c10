"""The auth parts of one app, built once from its settings: store, secrets, limiter, audit.

Built eagerly by the app's lifespan (`open_auth`), and lazily on first use otherwise, so a
`TestClient` without a `with` block still works.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from fastapi import FastAPI

from backend import audit
from backend.config import Settings, get_settings
from backend.security.bootstrap import ensure_first_admin
from backend.security.passwords import Passwords
from backend.security.ratelimit import LoginLimiter
from backend.security.secret import signing_secret
from backend.security.tokens import Tokens
from backend.store.engine import Store, default_url
from backend.store.migrate import migrate

_lock = threading.Lock()


@dataclass
class AuthContext:
    settings: Settings
    store: Store
    passwords: Passwords
    tokens: Tokens
    limiter: LoginLimiter
    audit: audit.AuditWriter

    def close(self) -> None:
        self.limiter.close()
        audit.uninstall(self.audit)
        self.audit.stop()
        self.store.close()


def settings_of(app: FastAPI) -> Settings:
    """The settings the app runs with: `create_app(settings)` installs them as an override."""
    factory = app.dependency_overrides.get(get_settings, get_settings)
    settings: Settings = factory()
    return settings


def build_context(settings: Settings) -> AuthContext:
    store = Store(default_url(settings))
    migrate(store)
    passwords = Passwords(settings.argon2_profile)
    ensure_first_admin(store, passwords, settings)
    writer = audit.AuditWriter(store)
    writer.start()
    tokens = Tokens(signing_secret(settings), settings.token_ttl_minutes)
    limiter = LoginLimiter.from_settings(settings)
    return AuthContext(settings, store, passwords, tokens, limiter, writer)


def auth_of(app: FastAPI) -> AuthContext:
    ctx: AuthContext | None = getattr(app.state, "auth", None)
    if ctx is None:
        with _lock:
            ctx = getattr(app.state, "auth", None)
            if ctx is None:
                ctx = build_context(settings_of(app))
                app.state.auth = ctx
                audit.install(ctx.audit)
    return ctx


def open_auth(app: FastAPI) -> AuthContext:
    """Call from the lifespan: migrations, first admin and audit writer before serving."""
    return auth_of(app)


def close_auth(app: FastAPI) -> None:
    ctx: AuthContext | None = getattr(app.state, "auth", None)
    if ctx is not None:
        ctx.close()
        app.state.auth = None
