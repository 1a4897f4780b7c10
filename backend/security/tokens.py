"""Short-lived HS256 access tokens. The claims carry who, until when and under which of the
user's token versions; role and attributes are read from the store on every request, and a
token whose version is not the user's current one is refused (backend.security.authenticate),
so an account change ends every session opened before it."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass

import jwt

from backend.errors import Unauthenticated

ALGORITHM = "HS256"
_EXPIRED = "Your session has expired; please log in again."
ISSUER = "aurora"


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    jti: str
    expires_at: dt.datetime
    version: int
    # A single-purpose token (backend.security.scopes) names what it may do; None: anything
    # its user may.
    scope: str | None = None


# Verified tokens kept per process (a few hundred bytes each): more than the people signed in.
_VERIFIED_MAX = 10_000


class Tokens:
    def __init__(self, secret: str, ttl_minutes: int) -> None:
        self._secret = secret
        self.ttl = dt.timedelta(minutes=ttl_minutes)
        # token -> its claims, once its signature checked out: the same text under the same
        # secret always decodes to the same claims, so only the expiry is checked again.
        # What may change (logout, the user's version, active) is the store's, read on
        # every request (backend.security.authenticate).
        self._verified: OrderedDict[str, TokenClaims] = OrderedDict()
        self._lock = threading.Lock()

    def issue(
        self,
        user_id: int,
        *,
        version: int,
        now: dt.datetime | None = None,
        scope: str | None = None,
    ) -> tuple[str, TokenClaims]:
        now = now or dt.datetime.now(dt.UTC)
        claims = TokenClaims(user_id, uuid.uuid4().hex, now + self.ttl, version, scope)
        payload: dict[str, object] = {
            "sub": str(user_id),
            "jti": claims.jti,
            "ver": version,
            "iat": now,
            "exp": claims.expires_at,
            "iss": ISSUER,
        }
        if scope is not None:
            payload["scp"] = scope
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM), claims

    def decode(self, token: str) -> TokenClaims:
        """The claims of a token signed with our secret and not expired; PyJWT (its key
        preparation and two JSON parses) only the first time a token is seen."""
        with self._lock:
            known = self._verified.get(token)
        if known is None:
            known = self._verify(token)
            with self._lock:
                self._verified[token] = known
                while len(self._verified) > _VERIFIED_MAX:
                    self._verified.popitem(last=False)
        elif dt.datetime.now(dt.UTC) >= known.expires_at:  # PyJWT's rule: expired at exp
            raise Unauthenticated(_EXPIRED)
        return known

    def _verify(self, token: str) -> TokenClaims:
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "jti", "iss", "ver"]},
            )
            user_id, version = int(payload["sub"]), int(payload["ver"])
            expires = dt.datetime.fromtimestamp(int(payload["exp"]), dt.UTC)
            scope = payload.get("scp")
            scope = None if scope is None else str(scope)
        except jwt.ExpiredSignatureError as e:
            raise Unauthenticated(_EXPIRED) from e
        except (jwt.InvalidTokenError, ValueError, TypeError) as e:
            raise Unauthenticated("The access token is not valid; please log in again.") from e
        return TokenClaims(user_id, str(payload["jti"]), expires, version, scope)
