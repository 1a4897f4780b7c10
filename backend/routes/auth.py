"""Login, logout and who-am-I."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from backend import audit
from backend.deps import AuthDep, CurrentUser, require_user
from backend.errors import BadRequest, TooManyRequests, Unauthenticated
from backend.security.context import AuthContext
from backend.security.logins import revoke_token, verify_password
from backend.security.passwords import in_login_pool
from backend.security.principal import User
from backend.security.ratelimit import Attempt
from backend.store.base import utcnow
from backend.store.models import UserRow

public = APIRouter(prefix="/auth", tags=["auth"])
private = APIRouter(prefix="/auth", tags=["auth"], dependencies=[Depends(require_user)])

WRONG_LOGIN = "Wrong user name or password."
# Said only after the right password, so it tells nothing to someone guessing.
ACCOUNT_DISABLED = "This account is disabled."


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class LoginResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    user: dict[str, Any]


def _attempt(username: str, request: Request) -> Attempt:
    # The believed address: backend.security.client_address has set it on the request.
    return Attempt(username, request.client.host if request.client else "unknown")


def _try_again(wait_s: int) -> str:
    """
    >>> _try_again(1), _try_again(45)
    ('try again in 1 second', 'try again in 45 seconds')
    >>> _try_again(61), _try_again(300)
    ('try again in 2 minutes', 'try again in 5 minutes')
    """
    if wait_s < 60:
        return f"try again in {wait_s} second{'s' if wait_s != 1 else ''}"
    return f"try again in {-(-wait_s // 60)} minutes"


def _verify(auth: AuthContext, body: LoginRequest) -> UserRow | None:
    with auth.store.session() as session:
        return verify_password(session, auth.passwords, body.username, body.password)


@public.post("/login", response_model=LoginResponse)
async def login(body: LoginRequest, request: Request, auth: AuthDep) -> LoginResponse:
    """Run in the login pool (backend.security.passwords): a burst of logins waits there,
    not on the threads and cores page requests need."""
    return await in_login_pool(_login, body, request, auth)


def _login(body: LoginRequest, request: Request, auth: AuthContext) -> LoginResponse:
    attempt = _attempt(body.username, request)
    wait = auth.limiter.retry_after(attempt)
    if wait:
        audit.record("login.blocked", user=None, username=body.username[:64], request=request)
        raise TooManyRequests(f"Too many failed logins; {_try_again(wait)}.", retry_after=wait)
    row = _verify(auth, body)
    if row is None:
        auth.limiter.failed(attempt)
        audit.record("login.failure", user=None, username=body.username[:64], request=request)
        raise Unauthenticated(WRONG_LOGIN)
    if not row.active:
        detail = {"reason": "account disabled"}
        audit.record(
            "login.failure", user=None, username=row.username, request=request, detail=detail
        )
        raise Unauthenticated(ACCOUNT_DISABLED)
    auth.limiter.succeeded(attempt)
    user = User.from_row(row)
    token, _ = auth.tokens.issue(user.id, version=row.token_version)
    audit.record("login.success", user=user, request=request)
    return LoginResponse(access_token=token, user=user.public())


@private.post("/logout", status_code=204)
def logout(user: CurrentUser, auth: AuthDep, request: Request) -> Response:
    """Revoke the token this request came with; it stays revoked until it would expire."""
    if user.token_jti is None or user.token_expires_at is None:
        raise BadRequest("Only a login token can log out; API keys are revoked by an admin.")
    with auth.store.session() as session:
        revoke_token(session, user.token_jti, user.token_expires_at, now=utcnow())
    audit.record("logout", user=user, request=request)
    return Response(status_code=204)


@private.get("/me")
def me(user: CurrentUser) -> dict[str, Any]:
    return user.public()


# Login is the one public route here; everything else needs a caller.
router = APIRouter()
router.include_router(public)
router.include_router(private)
