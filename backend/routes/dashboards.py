"""Dashboards (backend.dashboards): CRUD, versions, and each report tile's rows with the
dashboard's filters, run through QueryService as the caller. A dashboard the caller may not
see (another's private one, or one on a dataset hidden from them) is 404 like a missing
id; a shared one is changed only by its owner or an admin (403)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from backend import audit
from backend.dashboards import store, tiles
from backend.dashboards.models import DashboardIn, TileDataIn, TilesDataIn
from backend.dashboards.service import Checker, DashboardOut, audit_detail, create, out, replace
from backend.deps import (
    AuthDep,
    CurrentUser,
    HiddenDatasets,
    MetricsDep,
    QueriesDep,
    SpecValidatorDep,
    TileAnswersDep,
    TileDashboard,
    VisibleDashboard,
    require_user,
)
from backend.query.spec import QuerySpec
from backend.routes import dashboard_tiles
from backend.routes.dashboard_tiles import NDJSON, TileCall

router = APIRouter(prefix="/dashboards", tags=["dashboards"], dependencies=[Depends(require_user)])

DashboardId = Annotated[str, Path(max_length=32)]
TileId = Annotated[str, Path(max_length=40)]


class VersionOut(BaseModel):
    n: int
    name: str
    saved_by: str
    saved_at: dt.datetime


@router.get("", response_model=list[DashboardOut])
def list_dashboards(user: CurrentUser, auth: AuthDep, hidden: HiddenDatasets) -> list[DashboardOut]:
    with auth.store.session() as session:
        return [out(f, user) for f in store.listed(session, user, hidden)]


@router.post("", response_model=DashboardOut, status_code=201)
def create_dashboard(
    body: DashboardIn,
    user: CurrentUser,
    auth: AuthDep,
    queries: QueriesDep,
    validate: SpecValidatorDep,
    request: Request,
) -> DashboardOut:
    doc = Checker(queries, validate, user)(body)
    with auth.store.session() as session:
        found = create(session, doc, user)
        result = out(found, user)
    audit.record("dashboard.create", user=user, request=request, detail=audit_detail(found))
    return result


@router.get("/{dashboard_id}", response_model=DashboardOut)
def get_dashboard(
    dashboard_id: DashboardId, user: CurrentUser, auth: AuthDep, hidden: HiddenDatasets
) -> DashboardOut:
    with auth.store.session() as session:
        return out(store.visible(session, dashboard_id, user, hidden), user)


@router.put("/{dashboard_id}", response_model=DashboardOut)
def replace_dashboard(
    dashboard_id: DashboardId,
    body: DashboardIn,
    user: CurrentUser,
    auth: AuthDep,
    queries: QueriesDep,
    validate: SpecValidatorDep,
    hidden: HiddenDatasets,
    request: Request,
) -> DashboardOut:
    with auth.store.session() as session:
        store.editable(session, dashboard_id, user, hidden)
    doc = Checker(queries, validate, user)(body)
    with auth.store.session() as session:
        found = replace(session, store.editable(session, dashboard_id, user, hidden), doc, user)
        result = out(found, user)
    audit.record("dashboard.update", user=user, request=request, detail=audit_detail(found))
    return result


@router.delete("/{dashboard_id}", status_code=204)
def delete_dashboard(
    dashboard_id: DashboardId,
    user: CurrentUser,
    auth: AuthDep,
    hidden: HiddenDatasets,
    request: Request,
) -> Response:
    with auth.store.session() as session:
        found = store.editable(session, dashboard_id, user, hidden)
        session.delete(found.row)
    audit.record("dashboard.delete", user=user, request=request, detail=audit_detail(found))
    return Response(status_code=204)


@router.get("/{dashboard_id}/versions", response_model=list[VersionOut])
def list_versions(
    dashboard_id: DashboardId, _: VisibleDashboard, auth: AuthDep
) -> list[VersionOut]:
    with auth.store.session() as session:
        return [
            VersionOut(n=v.n, name=v.name, saved_by=who, saved_at=v.saved_at)
            for v, who in store.versions(session, dashboard_id)
        ]


@router.post("/{dashboard_id}/versions/{n}/restore", response_model=DashboardOut)
def restore_version(
    dashboard_id: DashboardId,
    n: int,
    user: CurrentUser,
    auth: AuthDep,
    queries: QueriesDep,
    validate: SpecValidatorDep,
    hidden: HiddenDatasets,
    request: Request,
) -> DashboardOut:
    """The version's document saved again, as a new version (history only grows); checked
    like any save, against the catalog as it is now."""
    with auth.store.session() as session:
        store.editable(session, dashboard_id, user, hidden)
        old = store.document(store.version(session, dashboard_id, n))
    doc = Checker(queries, validate, user)(old)
    with auth.store.session() as session:
        found = replace(session, store.editable(session, dashboard_id, user, hidden), doc, user)
        result = out(found, user)
    detail = audit_detail(found, restored=n)
    audit.record("dashboard.restore", user=user, request=request, detail=detail)
    return result


@router.post("/{dashboard_id}/tiles/data")
async def tiles_data(
    dashboard_id: DashboardId,
    body: TilesDataIn,
    doc: TileDashboard,
    user: CurrentUser,
    queries: QueriesDep,
    answers: TileAnswersDep,
    metrics: MetricsDep,
    request: Request,
) -> StreamingResponse:
    """Several tiles' rows in one request, as NDJSON, a line per tile as each is ready
    (backend.routes.dashboard_tiles): each tile answered, audited and refused exactly as
    its own tile request would be; who may see the dashboard is decided once, here."""
    given = TileDataIn(filters=body.filters, cross=body.cross, page_size=body.page_size)
    call = TileCall(doc, given, user, queries, answers, metrics, request)
    return StreamingResponse(dashboard_tiles.lines(call, body.tiles), media_type=NDJSON)


@router.post("/{dashboard_id}/tiles/{tile_id}/data")
async def tile_data(
    dashboard_id: DashboardId,
    tile_id: TileId,
    body: TileDataIn,
    doc: TileDashboard,
    user: CurrentUser,
    queries: QueriesDep,
    answers: TileAnswersDep,
    metrics: MetricsDep,
    request: Request,
) -> Response:
    """The tile's rows (the shape of POST /api/query) under the dashboard's filters; a warm
    tile's answer is sent as kept (backend.dashboards.answers), audited all the same."""
    call = TileCall(doc, body, user, queries, answers, metrics, request)
    return Response(await dashboard_tiles.answer(call, tile_id), media_type="application/json")


class TileSpecOut(BaseModel):
    spec: QuerySpec


@router.post("/{dashboard_id}/tiles/{tile_id}/spec", response_model=TileSpecOut)
async def tile_spec(
    dashboard_id: DashboardId,
    tile_id: TileId,
    body: TileDataIn,
    doc: TileDashboard,
    user: CurrentUser,
    queries: QueriesDep,
) -> TileSpecOut:
    """The query the tile runs under these filters, to open in the explorer ("Open in
    explorer"): the tile's spec with the filter conditions ANDed onto its own."""
    tile = tiles.report_tile(doc, tile_id)
    spec = await tiles.tile_spec(queries, doc, tile, body, user)
    return TileSpecOut(spec=spec.model_copy(update={"page_size": 50}))
