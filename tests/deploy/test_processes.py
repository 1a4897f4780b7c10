"""The embedded default (no Redis) served by several API processes on one machine, as `make
run` starts it: they share the SQLite metadata store and the state folder, each runs its own
in-process export pool and schedule loop. Whatever one process starts, another must be able
to follow, download, cancel, and nothing may run twice or be failed by a neighbour."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import httpx
import pytest

from backend.serve import machine_memory
from tests.conftest import ITEMS_ROWS, build_tiny_warehouse
from tests.deploy.servers import (
    ApiProcess,
    base_env,
    login,
    running,
    start_api,
    stop,
    wait_for,
)

pytestmark = pytest.mark.slow

WIDE_ROWS = (
    950_000  # under MAX_ROW_LIMIT, many batches: with the pause, an export runs over a minute
)
PAUSE_MS = 5000


@dataclass
class Pair:
    a: ApiProcess
    b: ApiProcess
    env: dict[str, str]
    logs: Path

    def admin(self, api: ApiProcess) -> httpx.Client:
        return api.client(login(api.url))


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    root = tmp_path_factory.mktemp("embedded")
    warehouse = build_tiny_warehouse(root / "warehouse").root
    with duckdb.connect() as con:
        wide = "SELECT i::BIGINT AS id, 'row ' || i AS name FROM range($n) t(i)"
        con.execute(f"COPY ({wide}) TO '{warehouse / 'wide.parquet'}'", {"n": WIDE_ROWS})
    env = base_env(warehouse, root / "state", EXPORT_BATCH_PAUSE_MS=str(PAUSE_MS))
    a = start_api(env, root)  # the first start migrates; the second finds the store ready
    try:
        with running(env, root) as b:
            yield Pair(a, b, env, root)
    finally:
        stop(a)


def test_serve_starts_api_workers_processes_each_with_a_share_of_memory(
    tmp_path: Path,
) -> None:
    warehouse = build_tiny_warehouse(tmp_path / "warehouse").root
    env = base_env(warehouse, tmp_path / "state", API_WORKERS="2")
    with running(env, tmp_path, workers=0) as api:  # --workers 0: API_WORKERS decides
        workers = api.workers()
        assert len(workers) == 2
        limits = {w.environ().get("DUCKDB_MEMORY_LIMIT") for w in workers}
        share = int(machine_memory() * 0.6 / 2 // 2**20)
        assert limits == {f"{share}MiB"}
        with api.client(login(api.url)) as admin:
            r = admin.post("/api/query", json={"dataset": "items", "page_size": 5})
            assert r.status_code == 200 and len(r.json()["rows"]) == 5


def test_a_login_and_a_user_made_on_one_process_hold_on_the_other(pair: Pair) -> None:
    with pair.admin(pair.a) as admin_a:
        body = {"username": "ann", "password": "ann-long-password", "role": "viewer"}
        assert admin_a.post("/api/admin/users", json=body).status_code == 201
        token_a = admin_a.headers["Authorization"]
    ann_token = login(pair.b.url, "ann", "ann-long-password")
    with pair.b.client() as b:
        me = b.get("/api/auth/me", headers={"Authorization": token_a})
        assert me.status_code == 200 and me.json()["username"] == "admin"
        ann = b.get("/api/auth/me", headers={"Authorization": f"Bearer {ann_token}"})
        assert ann.json()["role"] == "viewer"


def test_an_export_made_on_one_process_is_followed_and_downloaded_on_the_other(
    pair: Pair,
) -> None:
    spec = {"dataset": "items", "columns": ["item_id"], "sort": [{"column": "item_id"}]}
    with pair.admin(pair.a) as a, pair.admin(pair.b) as b:
        created = a.post("/api/exports", json={"query": spec, "format": "csv"})
        assert created.status_code == 202, created.text
        job = created.json()["id"]
        done = wait_for(lambda: _finished(b, job), 60, "the export, seen from the other process")
        assert done["status"] == "done" and done["rows_written"] == ITEMS_ROWS
        assert job in [e["id"] for e in b.get("/api/exports").json()]
        download = b.get(f"/api/exports/{job}/download")
        assert download.status_code == 200
        rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
        assert [int(r[0]) for r in rows[1:]] == list(range(ITEMS_ROWS))


def test_a_new_process_leaves_a_running_export_alone_and_a_cancel_crosses_processes(
    pair: Pair,
) -> None:
    wide = {"dataset": "wide"}
    with pair.admin(pair.a) as a, pair.admin(pair.b) as b:
        job = a.post("/api/exports", json={"query": wide, "format": "csv"}).json()["id"]
        wait_for(lambda: b.get(f"/api/exports/{job}").json()["rows_written"] > 0, 60, "rows")
        # Another worker coming up (uvicorn replacing one, a scale-up) must not take the
        # running job for an orphan of a dead process.
        with running(pair.env, pair.logs) as c, c.client(a.headers["Authorization"][7:]) as cc:
            assert cc.get(f"/api/exports/{job}").json()["status"] == "running"
            cancelled = b.delete(f"/api/exports/{job}")
            assert cancelled.status_code == 200
            ended = wait_for(lambda: _finished(cc, job), 15, "the cancel to reach process A")
            assert ended["status"] == "cancelled"
            assert ended["rows_written"] < WIDE_ROWS


def test_a_due_schedule_runs_once_though_every_process_ticks(pair: Pair) -> None:
    """Both processes' loops wake just after each minute starts and find the same due run."""
    with pair.admin(pair.a) as a, pair.admin(pair.b) as b:
        spec = {"dataset": "items", "columns": ["item_id", "price"]}
        report = a.post("/api/reports", json={"name": "Items", "spec": spec}).json()["id"]
        before = {e["id"] for e in a.get("/api/exports").json()}
        wait_for(lambda: dt.datetime.now(dt.UTC).second < 50, 15, "room before the next tick")
        minute = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).minute
        body = {"report_id": report, "cron": f"{minute} * * * *", "format": "csv"}
        schedule = a.post("/api/schedules", json=body)
        assert schedule.status_code == 201, schedule.text
        sid = schedule.json()["id"]

        def finished_run() -> list[dict[str, object]] | None:
            runs: list[dict[str, object]] = b.get(f"/api/schedules/{sid}/runs").json()
            return runs if runs and runs[0]["status"] == "done" else None

        runs = wait_for(finished_run, 150, "the scheduled run", every_s=2)
        wait_for(lambda: dt.datetime.now(dt.UTC).second >= 15, 60, "both ticks to be over")
        runs = b.get(f"/api/schedules/{sid}/runs").json()
        assert len(runs) == 1 and runs[0]["rows_written"] == ITEMS_ROWS
        made = [e["id"] for e in a.get("/api/exports").json() if e["id"] not in before]
        assert made == [runs[0]["export_id"]]


def _finished(client: httpx.Client, job: str) -> dict[str, object] | None:
    body: dict[str, object] = client.get(f"/api/exports/{job}").json()
    return body if body["status"] in ("done", "failed", "cancelled") else None
