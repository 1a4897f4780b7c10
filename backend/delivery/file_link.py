"""The download link of a delivery email whose file is too big to attach.

The link carries a signed token of the export's owner (the recipient, or the schedule's
owner for an outside address) scoped to that one file (`file:<export id>`,
backend.security.scopes), living as long as the file is kept (EXPORT_RETENTION_H). It opens
the file once: redeeming it revokes it in the same transaction that checks it, so a second
use (or a second click racing the first) is refused. It opens no API route: the gate's scope
check refuses a `file:` token everywhere. A signed-in recipient may instead download their
own copy from /api/exports/{id}/download.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from backend.config import Settings
from backend.errors import Unauthenticated
from backend.security.logins import revoke_token
from backend.security.scopes import file_scope
from backend.security.secret import signing_secret
from backend.security.tokens import Tokens
from backend.store.base import utcnow
from backend.store.engine import Store
from backend.store.models import TokenRevocationRow, UserRow

ROUTE = "/api/delivery/files"
USED = "This download link was used already, or has expired; sign in to download the file."


def _tokens(settings: Settings) -> Tokens:
    return Tokens(signing_secret(settings), settings.export_retention_h * 60)


def issue_link(settings: Settings, store: Store, user_id: int, export_id: str) -> str:
    """The absolute link that downloads export `export_id` once, as its owner `user_id`."""
    with store.session() as session:
        row = session.get(UserRow, user_id)
        version = row.token_version if row is not None else 0
    token, _ = _tokens(settings).issue(user_id, version=version, scope=file_scope(export_id))
    return f"{settings.delivery_link_url.rstrip('/')}{ROUTE}/{export_id}?token={token}"


def redeem(settings: Settings, store: Store, token: str, export_id: str) -> int:
    """The user whose file this token opens (and from now on opens no more), or 401."""
    claims = _tokens(settings).decode(token)  # a bad signature or an expired token: 401
    if claims.scope != file_scope(export_id):
        raise Unauthenticated("This download link is for another file.")
    try:
        with store.session() as session:
            if session.get(TokenRevocationRow, claims.jti) is not None:
                raise Unauthenticated(USED)
            row = session.get(UserRow, claims.user_id)
            if row is None or not row.active or row.token_version != claims.version:
                raise Unauthenticated("This download link no longer works; sign in instead.")
            revoke_token(session, claims.jti, claims.expires_at, utcnow())
    except IntegrityError:  # another click revoked it between our check and our insert
        raise Unauthenticated(USED) from None
    return claims.user_id
