"""A dashboard's bookmarks (private to their user), tile comments (seen by whoever sees the
dashboard) and its XLSX workbook (the viewer's rows, as their tiles show them). Each answers
404 for a dashboard the caller may not see, like backend.routes.dashboards."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from backend import audit
from backend.dashboards import notes, tiles, workbook
from backend.dashboards.models import DashboardIn, ReportTile, TileDataIn
from backend.dashboards.notes import BookmarkIn, BookmarkOut, CommentIn, CommentOut
from backend.deps import AuthDep, CurrentUser, QueriesDep, VisibleDashboard, require_user
from backend.routes.disconnect import cancel_on_disconnect
from backend.security.principal import User
from backend.services.offload import off_loop
from backend.services.queries import PageResult, QueryService

router = APIRouter(prefix="/dashboards", tags=["dashboards"], dependencies=[Depends(require_user)])

DashboardId = Annotated[str, Path(max_length=32)]
TileId = Annotated[str, Path(max_length=40)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/{dashboard_id}/bookmarks", response_model=list[BookmarkOut])
def list_bookmarks(
    dashboard_id: DashboardId, _: VisibleDashboard, user: CurrentUser, auth: AuthDep
) -> list[BookmarkOut]:
    with auth.store.session() as session:
        return notes.bookmarks(session, dashboard_id, user)


@router.post("/{dashboard_id}/bookmarks", response_model=BookmarkOut, status_code=201)
def add_bookmark(
    dashboard_id: DashboardId,
    body: BookmarkIn,
    doc: VisibleDashboard,
    user: CurrentUser,
    auth: AuthDep,
) -> BookmarkOut:
    with auth.store.session() as session:
        return notes.add_bookmark(session, dashboard_id, doc, body, user)


@router.delete("/{dashboard_id}/bookmarks/{bookmark_id}", status_code=204)
def delete_bookmark(
    dashboard_id: DashboardId,
    bookmark_id: Annotated[str, Path(max_length=32)],
    _: VisibleDashboard,
    user: CurrentUser,
    auth: AuthDep,
) -> Response:
    with auth.store.session() as session:
        notes.delete_bookmark(session, dashboard_id, bookmark_id, user)
    return Response(status_code=204)


@router.get("/{dashboard_id}/tiles/{tile_id}/comments", response_model=list[CommentOut])
def list_comments(
    dashboard_id: DashboardId,
    tile_id: TileId,
    doc: VisibleDashboard,
    auth: AuthDep,
) -> list[CommentOut]:
    with auth.store.session() as session:
        return notes.comments(session, dashboard_id, doc, tile_id)


@router.post("/{dashboard_id}/tiles/{tile_id}/comments", response_model=CommentOut, status_code=201)
def add_comment(
    dashboard_id: DashboardId,
    tile_id: TileId,
    body: CommentIn,
    doc: VisibleDashboard,
    user: CurrentUser,
    auth: AuthDep,
) -> CommentOut:
    with auth.store.session() as session:
        return notes.add_comment(session, dashboard_id, doc, tile_id, body.text, user)


@router.post("/{dashboard_id}/export.xlsx", response_class=Response)
async def export_xlsx(
    dashboard_id: DashboardId,
    body: TileDataIn,
    doc: VisibleDashboard,
    user: CurrentUser,
    queries: QueriesDep,
    request: Request,
) -> Response:
    """One sheet per report tile, its rows under `body`'s filters, run as the caller."""
    report_tiles = doc.report_tiles()
    pages = await cancel_on_disconnect(request, _pages(queries, doc, report_tiles, body, user))
    data = await off_loop(workbook.write, report_tiles, pages)
    detail = {"dashboard_id": dashboard_id, "sheets": len(report_tiles), "bytes": len(data)}
    audit.record("dashboard.export", user=user, request=request, detail=detail)
    headers = {"Content-Disposition": f'attachment; filename="dashboard-{dashboard_id}.xlsx"'}
    return Response(data, media_type=XLSX, headers=headers)


async def _pages(
    queries: QueryService,
    doc: DashboardIn,
    report_tiles: list[ReportTile],
    body: TileDataIn,
    user: User,
) -> list[PageResult]:
    """Every tile at once: they share the fair queue and cache like a dashboard's tiles."""

    async def one(tile: ReportTile) -> PageResult:
        spec = await tiles.tile_spec(queries, doc, tile, body, user)
        return await queries.page(spec, user)

    return list(await asyncio.gather(*(one(t) for t in report_tiles)))
