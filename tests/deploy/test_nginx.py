"""The production shape end to end: two API processes (two machines, as far as they can
tell) behind a real nginx running deploy/nginx-aurora.conf, sharing Redis (result cache and
the ARQ export queue, run by a real ARQ worker), a PostgreSQL metadata store and the state
folder. A user logs in, pages and exports through nginx, and a page one process computed is
answered by the other from Redis."""

from __future__ import annotations

import csv
import io
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ITEMS_ROWS, build_tiny_warehouse
from tests.deploy.nginx import nginx
from tests.deploy.servers import ROOT, ApiProcess, base_env, login, start_api, stop, wait_for
from tests.required import redis_client, redis_url
from tests.store.fixtures import PG_SERVER

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]

REDIS_URL = redis_url(12)  # AURORA_TEST_REDIS_URL, the deploy tests' database
PASSWORD = "viewer-long-password"
ITEMS_PAGE = {"dataset": "items", "columns": ["item_id", "name"], "sort": [{"column": "item_id"}]}


@dataclass
class Shape:
    proxy: str
    a: ApiProcess
    b: ApiProcess

    def upstream(self, response: httpx.Response) -> ApiProcess:
        port = int(response.headers["X-Aurora-Upstream"].rsplit(":", 1)[1])
        return self.a if port == self.a.port else self.b


@pytest.fixture(scope="module")
def pg_metadata() -> Iterator[str]:
    schema = f"aurora_deploy_{secrets.token_hex(5)}"
    engine = create_engine(PG_SERVER)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="module")
def shape(tmp_path_factory: pytest.TempPathFactory, pg_metadata: str) -> Iterator[Shape]:
    root = tmp_path_factory.mktemp("deploy")
    warehouse = build_tiny_warehouse(root / "warehouse").root
    redis_client(12).flushdb()  # fails (or skips) naming Redis when it is down
    env = base_env(
        warehouse,
        root / "state",  # export files: on many machines, a shared volume
        REDIS_URL=REDIS_URL,
        AURORA_METADATA_URL=pg_metadata,
        AURORA_SECRET_KEY=secrets.token_urlsafe(48),  # the same on every machine
        AURORA_EXPORT_QUEUE=f"aurora:deploy:{secrets.token_hex(4)}",
    )
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "arq"), "backend.worker.WorkerSettings"],
        cwd=ROOT,
        env=env,
        stdout=(root / "arq.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    a = start_api(env, root)
    b = None
    try:
        b = start_api(env, root)
        with nginx([a.port, b.port], root / "nginx") as proxy:
            yield Shape(proxy, a, b)
    finally:
        for api in (a, b):
            if api is not None:
                stop(api)
        worker.terminate()
        worker.wait(30)


def _client(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60)


@pytest.fixture(scope="module")
def viewer(shape: Shape) -> str:
    """A viewer made by the admin and logged in, everything through nginx."""
    with _client(shape.proxy, login(shape.proxy)) as admin:
        body = {"username": "vera", "password": PASSWORD, "role": "viewer"}
        assert admin.post("/api/admin/users", json=body).status_code == 201
    return login(shape.proxy, "vera", PASSWORD)


def test_a_user_pages_through_nginx_and_both_processes_answer(shape: Shape, viewer: str) -> None:
    seen = set()
    with _client(shape.proxy, viewer) as c:
        for page in (1, 2, 3, 1):
            r = c.post("/api/query", json=ITEMS_PAGE | {"page": page, "page_size": 50})
            assert r.status_code == 200, r.text
            assert [row[0] for row in r.json()["rows"]] == list(range((page - 1) * 50, page * 50))
            seen.add(shape.upstream(r).port)
        assert c.get("/api/auth/me").json()["username"] == "vera"
    assert seen == {shape.a.port, shape.b.port}  # round robin: the session held on both


def test_a_page_one_process_computed_is_answered_by_the_other_from_redis(
    shape: Shape, viewer: str
) -> None:
    # One page holds the whole result, so its total needs no count that could still be
    # running on A when B is asked.
    spec = {
        "dataset": "sales",
        "columns": ["order_id", "region", "amount"],
        "filters": {"conditions": [{"column": "amount", "operator": ">", "value": 500}]},
        "sort": [{"column": "amount", "direction": "desc"}],
        "page_size": 1000,
    }
    with _client(shape.a.url, viewer) as direct:
        first = direct.post("/api/query", json=spec)
        assert first.status_code == 200, first.text
    before = _lookups(shape.b)
    with _client(shape.proxy, viewer) as c:
        # Round robin: of two requests in a row, one goes to B.
        answers = [c.post("/api/query", json=spec) for _ in range(2)]
    [from_b] = [r for r in answers if shape.upstream(r) is shape.b]
    assert from_b.status_code == 200 and from_b.json()["rows"] == first.json()["rows"]
    after = _lookups(shape.b)
    assert after.get("hit", 0) > before.get("hit", 0)
    assert after.get("miss", 0) == before.get("miss", 0)  # B ran nothing: Redis had it all


def test_an_export_is_made_by_the_worker_and_downloaded_through_nginx(
    shape: Shape, viewer: str
) -> None:
    with _client(shape.proxy, viewer) as c:
        created = c.post("/api/exports", json={"query": ITEMS_PAGE, "format": "csv"})
        assert created.status_code == 202, created.text
        job = created.json()["id"]

        def finished() -> dict[str, object] | None:
            body: dict[str, object] = c.get(f"/api/exports/{job}").json()
            return body if body["status"] not in ("queued", "running") else None

        done = wait_for(finished, 90, "the export")
        assert done["status"] == "done", done
        download = c.get(f"/api/exports/{job}/download")
        assert download.status_code == 200
        rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
        assert [int(r[0]) for r in rows[1:]] == list(range(ITEMS_ROWS))


_LOOKUP = re.compile(r'^aurora_cache_lookups_total\{cache="(result|block)",result="(\w+)"\} (\S+)$')


def _lookups(api: ApiProcess) -> dict[str, float]:
    """Result (and block) cache lookups of one process, asked of it directly by an admin."""
    with _client(api.url, login(api.url)) as admin:
        body = admin.get("/metrics").text
    found: dict[str, float] = {}
    for line in body.splitlines():
        if m := _LOOKUP.match(line):
            found[m[2]] = found.get(m[2], 0) + float(m[3])
    return found
