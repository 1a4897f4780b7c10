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
from backend.deps import ServicesDep
from backend.materialize.schema import MaterializationIn, MaterializationOut
from backend.materialize.service import Materializations
from backend.security.deps import AdminUser, require_admin
from backend.services.container import Services

router = APIRouter(
    prefix="/admin/materializations", tags=["admin"], dependencies=[Depends(require_admin)]
)


def _materialized(services: Services) -> Materializations:
    found = services.materialized
    assert found is not None, "build_services always sets it"
    return found


@router.get("", response_model=list[MaterializationOut])
def list_materializations(services: ServicesDep) -> list[MaterializationOut]:
    return _materialized(services).list()


@router.post("", response_model=MaterializationOut, status_code=201)
async def declare(
    body: MaterializationIn, admin: AdminUser, services: ServicesDep, request: Request
) -> MaterializationOut:
    """Checked against the catalog first: unknown datasets or columns, right or full joins,
    and (PostgreSQL, Oracle) a relation lacking a column are 422."""
    declared = _materialized(services).declare
    view = await anyio.to_thread.run_sync(lambda: declared(body, by=admin.username))
    detail = {"before": None, "after": body.model_dump(mode="json")}
    audit.record("materialization.create", user=admin, request=request, detail=detail)
    return view


@router.get("/{name}", response_model=MaterializationOut)
def get_materialization(name: str, services: ServicesDep) -> MaterializationOut:
    return _materialized(services).view(name)


@router.post("/{name}/rebuild", response_model=MaterializationOut, status_code=202)
def rebuild(name: str, admin: AdminUser, services: ServicesDep) -> MaterializationOut:
    materialized = _materialized(services)
    materialized.view(name)  # 404 first
    materialized.schedule(name, force=True)
    return materialized.view(name)


@router.delete("/{name}", status_code=204)
def delete(name: str, admin: AdminUser, services: ServicesDep, request: Request) -> Response:
    before = _materialized(services).delete(name)
    detail = {"before": before.model_dump(mode="json"), "after": None}
    audit.record("materialization.delete", user=admin, request=request, detail=detail)
    return Response(status_code=204)
