"""Admin: preview a dataset as another user sees it (row-level security, hidden columns,
visibility), to check an RLS mapping before telling anyone about it.

POST /api/admin/datasets/{key}/preview-as  {"username": "ann", "spec"?: {...}}

The preview runs through the same QueryService as `/api/preview`, with the named user's
identity loaded from the store; the audit row names the admin who asked, and whom for.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from backend import audit
from backend.deps import AdminUser, AuthDep, QueriesDep, require_admin
from backend.errors import InvalidQuery
from backend.query.spec import QuerySpec
from backend.routes.disconnect import cancel_on_disconnect
from backend.routes.query import QueryResponse
from backend.security.context import AuthContext
from backend.security.principal import User
from backend.security.users import active_user

router = APIRouter(prefix="/admin/datasets", tags=["admin"], dependencies=[Depends(require_admin)])


class PreviewAs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, Field(min_length=1, max_length=64)]
    spec: QuerySpec | None = None


class PreviewAsResponse(QueryResponse):
    username: str
    attributes: dict[str, Any]


def _load_user(auth: AuthContext, username: str) -> User:
    with auth.store.session() as session:
        return User.from_row(active_user(session, username))


@router.post("/{key}/preview-as", response_model=PreviewAsResponse)
async def preview_as(
    key: str,
    body: PreviewAs,
    admin: AdminUser,
    auth: AuthDep,
    queries: QueriesDep,
    request: Request,
) -> JSONResponse:
    """At most PREVIEW_ROWS rows of `spec` (default: the dataset's visible columns) as
    `username` would get them."""
    spec = body.spec or QuerySpec(dataset=key)
    if spec.dataset != key:
        raise InvalidQuery(f"The spec's dataset must be '{key}'.", path="spec.dataset")
    target = await anyio.to_thread.run_sync(_load_user, auth, body.username)
    result = await cancel_on_disconnect(request, queries.preview(spec, target))
    detail = {"as": target.username, "rows": len(result.rows)}
    audit.record("dataset.preview_as", user=admin, dataset=key, request=request, detail=detail)
    return JSONResponse(
        {**asdict(result), "username": target.username, "attributes": target.attributes}
    )
