"""GET /api/openapi.json and GET /api/docs: the API's own description.

FastAPI would serve both as plain routes that no auth rule reaches. They are ordinary
routes here instead, guarded by `require_user` unless `Settings.api_docs_public`, so the
AuthGate and the route matrix see them like any other. The docs page carries the schema
inline: a browser fetching `openapi.json` on its own would send no credentials.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from backend.config import Settings
from backend.deps import require_user

SCHEMA_PATH = "/api/openapi.json"


def router_for(settings: Settings) -> APIRouter:
    guard = [] if settings.api_docs_public else [Depends(require_user)]
    router = APIRouter(dependencies=guard, include_in_schema=False)

    @router.get("/openapi.json")
    def openapi(request: Request) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    @router.get("/docs")
    def docs(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=SCHEMA_PATH,
            title="Aurora API",
            swagger_ui_parameters={"spec": request.app.openapi()},
        )

    return router
