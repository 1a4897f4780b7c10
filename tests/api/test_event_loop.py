"""Nothing heavy on the event loop: a big compile leaves the rest of the service answering.

A spec just inside the compile budget takes a second or more to compile and render. The
loop serves every request of the process, so while one such spec compiles, a health probe
sent after it must be answered before the compile ends: the compile runs in the compile
pool (backend.services.offload), not on the loop. Order, not timings, so a loaded machine
cannot make it flake.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.main import create_app
from backend.services.admission import Admission, Ticket
from backend.store.engine import Store
from tests.store.fixtures import ADMIN, ADMIN_PASSWORD, make_settings, wipe


def big_spec() -> dict[str, Any]:
    """About 20,000 expression nodes: a calculated field of 60 terms in 60 measures."""
    return {
        "dataset": "sales",
        "group_by": ["region"],
        "calculated": [{"name": "c0", "expr": "+".join(["amount"] * 60)}],
        "measures": [{"agg": "sum", "alias": f"m{i}", "expr": f"c0 + {i}"} for i in range(60)],
    }


ROUTES = ("/api/query", "/api/preview", "/api/explain", "/api/sql")


async def _probe_during_compile(app: FastAPI, path: str) -> tuple[bool, int]:
    """Whether a probe sent while the big spec compiles is answered before the compile ends,
    and the big request's status. The only query worker is held meanwhile, so a compiled
    spec stops in the admission queue: queued means compiled."""
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://aurora", timeout=60) as client,
    ):
        login = {"username": ADMIN, "password": ADMIN_PASSWORD}
        token = (await client.post("/api/auth/login", json=login)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        # Warm up (the catalog, the dataset's statistics): the big request compiles at once.
        small = {"dataset": "sales", "group_by": ["region"], "page_size": 5}
        assert (await client.post(path, json=small, headers=headers)).status_code == 200
        admission: Admission = app.state.context.services.executor.admission
        async with admission.slot(Ticket("someone else")):
            big = asyncio.create_task(client.post(path, json=big_spec(), headers=headers))
            await asyncio.sleep(0.3)  # the big spec is compiling by now
            assert (await client.get("/api/health/live")).status_code == 200
            compiling = not big.done() and admission.waiting() == 0
        return compiling, (await big).status_code


@pytest.mark.parametrize("path", ROUTES)
def test_probes_are_answered_while_a_big_spec_compiles(
    path: str, sqlite_store: Store, tmp_path: Path, shared_warehouse: Path
) -> None:
    wipe(sqlite_store)
    settings = make_settings(tmp_path, sqlite_store, data_dir=shared_warehouse, query_workers=1)
    answered_while_compiling, status = asyncio.run(
        _probe_during_compile(create_app(settings), path)
    )
    assert status == 200
    assert answered_while_compiling
