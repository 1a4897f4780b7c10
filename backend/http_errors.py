"""The one place where errors become HTTP responses, all in the contract's shape:
`{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.errors import AuroraError

log = logging.getLogger("aurora.errors")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


# Tags of the filter tree's discriminated union: pydantic puts them in error locations.
_UNION_TAGS = {"condition", "group"}


def error_body(code: str, message: str, details: Sequence[Any] = ()) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": list(details)}}


def json_path(loc: Sequence[Any]) -> str:
    """`("body", "filters", "conditions", 2, "column")` -> `filters.conditions[2].column`."""
    out = ""
    for i, part in enumerate(loc):
        if part in ("body", "query", "path") and not out:
            continue
        if part in _UNION_TAGS and i and isinstance(loc[i - 1], int):
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"path": json_path(err.get("loc", ())), "message": str(err.get("msg", ""))}
        for err in exc.errors()
    ]


def error_response(exc: AuroraError) -> JSONResponse:
    """One of our errors as the client sees it: its status, the error body and its headers."""
    return JSONResponse(
        error_body(exc.code, exc.message, exc.details), exc.status, headers=exc.headers()
    )


def register_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AuroraError)
    async def _aurora(_: Request, exc: AuroraError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        first = details[0] if details else {"path": "", "message": "invalid request"}
        where = f" at {first['path']}" if first["path"] else ""
        message = f"Invalid request{where}: {first['message']}"
        return JSONResponse(error_body("invalid_query", message, details), 422)

    @app.exception_handler(ValidationError)
    async def _model(request: Request, exc: ValidationError) -> JSONResponse:
        # A model built in service code from what the caller sent (a grid request turned
        # into a spec, a stored spec read back) refused it: the input's fault, not ours.
        # Paths are inside that model, so the message says which model it was.
        log.warning("model validation failed on %s: %s", request.url.path, exc.title)
        details = [
            {"path": json_path(err.get("loc", ())), "message": str(err.get("msg", ""))}
            for err in exc.errors()
        ]
        first = details[0] if details else {"path": "", "message": "invalid"}
        where = f" at {first['path']}" if first["path"] else ""
        message = f"Invalid {exc.title}{where}: {first['message']}"
        return JSONResponse(error_body("invalid_query", message, details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return JSONResponse(
            error_body("internal_error", "Something went wrong on our side; it has been logged."),
            500,
        )
