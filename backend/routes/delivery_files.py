"""The download link of a delivery email (backend.delivery.file_link): one export's file,
opened once with the link's token, or by its owner signed in (bearer token or API key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from backend import audit
from backend.delivery.file_link import redeem
from backend.deps import AuthDep, ExportsDep, SettingsDep
from backend.jobs.export_job import load_owner
from backend.routes.exports import content_disposition
from backend.security.authenticate import authenticate
from backend.security.scopes import check_scope

# Public for the gate: the link's token is checked here, or the caller's credentials.
router = APIRouter(prefix="/delivery", tags=["delivery"])

Token = Annotated[str | None, Query(max_length=4096)]


@router.get("/files/{export_id}")
def download_delivered_file(
    export_id: str,
    request: Request,
    settings: SettingsDep,
    auth: AuthDep,
    exports: ExportsDep,
    token: Token = None,
) -> FileResponse:
    if token:
        user = load_owner(auth.store, redeem(settings, auth.store, token, export_id))
    else:
        sent = request.headers
        user = authenticate(auth, sent.get("authorization"), sent.get("x-api-key"))
        check_scope(user, request.method, request.url.path)
    file = exports.download(export_id, user)
    detail = {"export_id": export_id, "via": "link" if token else "login"}
    audit.record("export.download", user=user, request=request, detail=detail)
    headers = {"Content-Disposition": content_disposition(file.filename)}
    return FileResponse(file.path, media_type=file.content_type, headers=headers)
