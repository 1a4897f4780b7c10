"""A report tile's answer, for the one-tile route and for the batch route.

`answer` is what POST /api/dashboards/{id}/tiles/{tile}/data sends: the tile's query under
the dashboard's filters, run through QueryService as the caller (RLS, vintage, gate, fair
queue, result cache), or its kept encoded answer (backend.dashboards.answers); audited
either way, one `query.run` row per tile.

`lines` is the batch (POST /api/dashboards/{id}/tiles/data): the same `answer` for each
tile asked, all at once, written as NDJSON, one line per tile as it is ready:

    {"tile": "<id>", "status": 200, "data": <the one-tile route's body>}
    {"tile": "<id>", "status": 404, "error": {"code", "message", "details"}}

Fifty viewers opening a ten-tile dashboard made 500 requests, each paying the framework,
the token check and the dashboard's visibility again (about 5 ms of API CPU per cached
tile); the batch pays those once per view, and each tile only its own spec, key and audit.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import Request

from backend.dashboards import tiles
from backend.dashboards.answers import Answer, TileAnswers
from backend.dashboards.models import DashboardIn, TileDataIn
from backend.errors import AuroraError
from backend.http_errors import error_body
from backend.metrics import Metrics
from backend.routes.audited import audited_page, record_answered
from backend.security.principal import User
from backend.services.offload import cells, json_response
from backend.services.queries import QueryService

log = logging.getLogger("aurora.dashboards")

NDJSON = "application/x-ndjson"


@dataclass(frozen=True)
class TileCall:
    """One viewer's request for tiles of one dashboard version, under one filter state."""

    doc: DashboardIn
    given: TileDataIn
    user: User
    queries: QueryService
    answers: TileAnswers
    metrics: Metrics
    request: Request


async def answer(call: TileCall, tile_id: str, *, watch: bool = True) -> bytes:
    """The tile's JSON body (the shape of POST /api/query), audited; a warm tile's kept
    answer as it is. `watch`: cancel the query if the client goes away (the batch is
    cancelled by its stream instead)."""
    tile = tiles.report_tile(call.doc, tile_id)
    spec = await tiles.tile_spec(call.queries, call.doc, tile, call.given, call.user)
    key = call.answers.key(call.queries, spec, call.user)
    kept = call.answers.get(key) if key is not None else None
    call.metrics.cache.labels("tile", "miss" if kept is None else "hit").inc()
    if kept is not None:
        record_answered(call.request, call.user, spec, action="query.run", rows=kept.rows)
        return kept.body
    # A tile shows no row count and never a second page: no count, no blocks prefetched.
    work = call.queries.page(spec, call.user, count=False, prefetch=False)
    result = await audited_page(
        call.request, call.user, spec, work, action="query.run", watch=watch
    )
    response = await json_response(result.as_dict, cells(result.rows))
    body = bytes(response.body)
    if key is not None:
        call.answers.put(key, Answer(body, len(result.rows)))
    return body


async def lines(call: TileCall, tile_ids: list[str]) -> AsyncIterator[bytes]:
    """Each tile's NDJSON line as soon as it is ready (a tile asked twice is answered
    once); the tiles not yet answered are cancelled if the stream is closed early."""
    pending = [asyncio.ensure_future(_line(call, t)) for t in dict.fromkeys(tile_ids)]
    try:
        for ready in asyncio.as_completed(pending):
            yield await ready
    finally:
        for task in pending:
            task.cancel()


async def _line(call: TileCall, tile_id: str) -> bytes:
    name = json.dumps(tile_id).encode()
    try:
        body = await answer(call, tile_id, watch=False)
    except AuroraError as e:
        return _error_line(tile_id, e.status, error_body(e.code, e.message, e.details))
    except Exception:  # one tile's bug is that tile's error, not the whole view's
        log.exception("unhandled error in dashboard tile %s", tile_id)
        message = "Something went wrong on our side; it has been logged."
        return _error_line(tile_id, 500, error_body("internal_error", message))
    return b'{"tile":' + name + b',"status":200,"data":' + body + b"}\n"


def _error_line(tile_id: str, status: int, err: dict[str, object]) -> bytes:
    return json.dumps({"tile": tile_id, "status": status, **err}).encode() + b"\n"
