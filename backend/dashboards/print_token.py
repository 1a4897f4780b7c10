"""The headless browser's sign-in for a dashboard PDF: a token of the job's owner, scoped
to reading that one dashboard (backend.security.scopes), living five minutes, revoked as
soon as the print ends. It carries the owner's token version, so a password or role change
meanwhile kills it like any of their sessions; no admin identity is ever involved."""

from __future__ import annotations

from backend.config import Settings
from backend.errors import Forbidden
from backend.security.logins import revoke_token
from backend.security.scopes import print_scope
from backend.security.secret import signing_secret
from backend.security.tokens import TokenClaims, Tokens
from backend.store.base import utcnow
from backend.store.engine import Store
from backend.store.models import UserRow

PRINT_TTL_MINUTES = 5


def issue(
    settings: Settings, store: Store, user_id: int, dashboard_id: str
) -> tuple[str, TokenClaims]:
    with store.session() as session:
        row = session.get(UserRow, user_id)
        if row is None or not row.active:
            raise Forbidden("The owner of this export is no longer an active user.")
        version = row.token_version
    tokens = Tokens(signing_secret(settings), PRINT_TTL_MINUTES)
    return tokens.issue(user_id, version=version, scope=print_scope(dashboard_id))


def revoke(store: Store, claims: TokenClaims) -> None:
    """Dead from now: a token seen in a log or a browser profile opens nothing afterwards."""
    with store.session() as session:
        revoke_token(session, claims.jti, claims.expires_at, utcnow())
