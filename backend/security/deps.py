"""Authorization as dependencies, declared once per router:

    router = APIRouter(dependencies=[Depends(require_user)])     # any active user
    router = APIRouter(dependencies=[Depends(require_admin)])    # admins only
    def handler(user: CurrentUser) -> ...                         # the caller (backend.deps)

`AuthGate` (backend.security.gate) runs the same check before the request body is read, so
a 401/403 always wins over body validation; these dependencies then reuse its result.
"""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from backend.errors import Forbidden
from backend.security.authenticate import authenticate, require_credentials
from backend.security.context import auth_of
from backend.security.principal import User
from backend.security.scopes import check_scope

STATE_KEY = "aurora_user"

# Declared for the OpenAPI document (the "Authorize" button); `authenticate` reads headers.
_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/auth/login")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="Key from an admin")


async def require_user(
    request: Request,
    _bearer_doc: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    _key_doc: Annotated[str | None, Depends(_api_key)],
) -> User:
    """The active caller, or 401 `unauthenticated`. Async: the usual path (the gate already
    checked) is a dict lookup, not worth a worker thread; the store is read in one if not."""
    cached = request.scope.get("state", {}).get(STATE_KEY)
    if isinstance(cached, User):
        return cached
    authorization, api_key = request.headers.get("authorization"), request.headers.get("x-api-key")
    require_credentials(authorization, api_key)
    user = await anyio.to_thread.run_sync(_authenticate, request.app, authorization, api_key)
    check_scope(user, request.method, request.url.path)
    request.scope.setdefault("state", {})[STATE_KEY] = user
    return user


def _authenticate(app: FastAPI, authorization: str | None, api_key: str | None) -> User:
    return authenticate(auth_of(app), authorization, api_key)


def check_admin(user: User) -> User:
    if not user.is_admin:
        raise Forbidden("This needs an administrator.")
    return user


async def require_admin(user: Annotated[User, Depends(require_user)]) -> User:
    """An active admin: 401 without credentials, 403 `forbidden` for a viewer."""
    return check_admin(user)


def check_ingest(user: User) -> User:
    if not user.may_ingest:
        raise Forbidden("This needs an administrator or the ingest role.")
    return user


async def require_ingest(user: Annotated[User, Depends(require_user)]) -> User:
    """An active admin or ingest user (pushing changes): 403 `forbidden` for a viewer."""
    return check_ingest(user)
