"""Admin: pre-computed joins (materializations).

GET    /api/admin/materializations                  every declaration with its build state
POST   /api/admin/materializations                  declare one (201); DuckDB builds it now
GET    /api/admin/materializations/{name}           one, with the SQL that defines it
POST   /api/admin/materializations/{name}/rebuild   build again now (202)
DELETE /api/admin/materializations/{name}           forget it and remove its files (204)
"""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Depends, Request, Response

from backend import audit
from backend.deps import AdminUser, MaterializationsDep, require_admin
from backend.materialize.schema import MaterializationIn, MaterializationOut

router = APIRouter(
    prefix="/admin/materializations", tags=["admin"], dependencies=[Depends(require_admin)]
)


@router.get("", response_model=list[MaterializationOut])
def list_materializations(materialized: MaterializationsDep) -> list[MaterializationOut]:
    return materialized.list()


@router.post("", response_model=MaterializationOut, status_code=201)
async def declare(
    body: MaterializationIn, admin: AdminUser, materialized: MaterializationsDep, request: Request
) -> MaterializationOut:
    """Checked against the catalog first: unknown datasets or columns, right or full joins,
    and (PostgreSQL, Oracle) a relation lacking a column are 422."""
    declared = materialized.declare
    view = await anyio.to_thread.run_sync(lambda: declared(body, by=admin.username))
    detail = {"before": None, "after": body.model_dump(mode="json")}
    audit.record("materialization.create", user=admin, request=request, detail=detail)
    return view


@router.get("/{name}", response_model=MaterializationOut)
def get_materialization(name: str, materialized: MaterializationsDep) -> MaterializationOut:
    return materialized.view(name)


@router.post("/{name}/rebuild", response_model=MaterializationOut, status_code=202)
def rebuild(name: str, admin: AdminUser, materialized: MaterializationsDep) -> MaterializationOut:
    materialized.view(name)  # 404 first
    materialized.schedule(name, force=True)
    return materialized.view(name)


@router.delete("/{name}", status_code=204)
def delete(
    name: str, admin: AdminUser, materialized: MaterializationsDep, request: Request
) -> Response:
    before = materialized.delete(name)
    detail = {"before": before.model_dump(mode="json"), "after": None}
    audit.record("materialization.delete", user=admin, request=request, detail=detail)
    return Response(status_code=204)
