"""Export jobs end to end on the in-process runner: the real QueryService over DuckDB, the
real metadata store, files read back with polars and openpyxl."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator

import duckdb
import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import update

from backend.errors import Conflict, ExportTooLarge, NotFound
from backend.jobs.export_job import run_export
from backend.jobs.models import ExportJobRow
from backend.jobs.runner import ORPHAN_AFTER_S, InProcessRunner
from backend.jobs.service import ExportService
from backend.query.spec import QuerySpec
from backend.store.base import utcnow
from tests.jobs.conftest import HUGE_ROWS, JobEnv

ITEMS = QuerySpec(dataset="items", sort=[{"column": "item_id"}])  # type: ignore[list-item]
HUGE = QuerySpec(dataset="huge")


@pytest.fixture
def service(job_env: JobEnv) -> Iterator[ExportService]:
    runner = InProcessRunner(job_env.deps, workers=2)
    yield ExportService(job_env.settings, job_env.jobs, runner, job_env.services.queries)
    asyncio.run(runner.close())


def _items(env: JobEnv) -> pl.DataFrame:
    path = env.settings.data_dir / "items.parquet"
    with duckdb.connect() as con:
        table = con.sql(f"SELECT * FROM '{path}' ORDER BY item_id").to_arrow_table()
    return pl.from_arrow(table)  # type: ignore[return-value]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_export_job_writes_the_query_result(
    job_env: JobEnv, service: ExportService, fmt: str
) -> None:
    job = asyncio.run(service.create(job_env.owner, ITEMS, fmt, filename="My items"))  # type: ignore[arg-type]
    done = job_env.wait_finished(job.id)

    assert (done.status, done.rows_written, done.error) == ("done", 300, None)
    download = service.download(job.id, job_env.owner)
    assert download.filename == f"My items.{fmt}"
    want = _items(job_env)
    if fmt == "parquet":
        assert_frame_equal(pl.read_parquet(download.path), want)
    elif fmt == "csv":
        labels = pl.read_csv(download.path, n_rows=0).columns
        got = pl.read_csv(download.path, schema=dict(zip(labels, want.dtypes, strict=True)))
        got.columns = want.columns
        got = got.with_columns(pl.col("name").str.strip_prefix("'"))  # defused formulas
        assert_frame_equal(got, want.with_columns(pl.col("name").str.strip_prefix("'")))
    else:
        rows = list(openpyxl.load_workbook(download.path, read_only=True)["Data"].values)
        assert rows[0][0] == "Item id" and len(rows) == 301
        assert [r[0] for r in rows[1:]] == want["item_id"].to_list()
    assert sorted(p.name for p in job_env.exports_dir.iterdir()) == [f"{job.id}.{fmt}"]


def test_progress_is_reported_while_running(job_env: JobEnv, service: ExportService) -> None:
    job = asyncio.run(service.create(job_env.owner, HUGE, "xlsx"))
    seen = job_env.wait(job.id, lambda j: 0 < j.rows_written < HUGE_ROWS)
    assert seen.status == "running"
    assert seen.total_rows == HUGE_ROWS  # counted by the limit check before the job starts
    asyncio.run(service.cancel(job.id, job_env.owner))
    job_env.wait_finished(job.id)


def test_cancel_stops_a_running_export_within_two_seconds_and_leaves_no_file(
    job_env: JobEnv, service: ExportService
) -> None:
    job = asyncio.run(service.create(job_env.owner, HUGE, "xlsx"))
    job_env.wait(job.id, lambda j: j.rows_written > 0)

    asked = time.monotonic()
    asyncio.run(service.cancel(job.id, job_env.owner))
    ended = job_env.wait_finished(job.id, timeout=5)
    assert ended.status == "cancelled"
    assert time.monotonic() - asked < 2
    time.sleep(0.2)  # let the writer thread finish removing its files
    assert list(job_env.exports_dir.iterdir()) == []
    with pytest.raises(Conflict):
        service.download(job.id, job_env.owner)


def test_a_bad_spec_ends_failed_with_its_error(job_env: JobEnv, service: ExportService) -> None:
    job = job_env.jobs.create(
        owner_id=job_env.owner.id,
        format="csv",
        filename="x.csv",
        spec={"dataset": "items", "columns": ["no_such_column"]},
    )
    assert run_export(job.id, job_env.deps) == "failed"
    failed = job_env.jobs.get(job.id)
    assert failed is not None and failed.status == "failed"
    assert "no_such_column" in (failed.error or "")
    assert list(job_env.exports_dir.iterdir()) == []


def test_exports_are_visible_to_their_owner_only(job_env: JobEnv, service: ExportService) -> None:
    job = asyncio.run(service.create(job_env.owner, ITEMS, "csv"))
    job_env.wait_finished(job.id)
    with pytest.raises(NotFound):
        asyncio.run(service.status(job.id, job_env.other))
    with pytest.raises(NotFound):
        service.download(job.id, job_env.other)
    with pytest.raises(NotFound):
        asyncio.run(service.cancel(job.id, job_env.other))
    assert asyncio.run(service.status(job.id, job_env.owner)).status == "done"


def test_xlsx_past_the_excel_limit_is_refused_before_any_job(job_env: JobEnv) -> None:
    settings = job_env.settings.model_copy(update={"export_excel_max_rows": 100})
    job_env.services.queries.settings = settings
    runner = InProcessRunner(job_env.deps)
    service = ExportService(settings, job_env.jobs, runner, job_env.services.queries)
    with pytest.raises(ExportTooLarge, match="CSV or Parquet"):
        asyncio.run(service.create(job_env.owner, ITEMS, "xlsx"))
    assert job_env.jobs.active_ids("inprocess") == []
    asyncio.run(runner.close())


def test_a_redelivered_job_restarts_cleanly_and_a_finished_one_is_left_alone(
    job_env: JobEnv,
) -> None:
    job = job_env.jobs.create(
        owner_id=job_env.owner.id, format="csv", filename="x.csv", spec=ITEMS.model_dump()
    )
    # A first try that died half-way: running, some progress, a partial file on disk.
    job_env.jobs.start(job.id, attempt=1)
    job_env.jobs.progress(job.id, 123)
    (job_env.exports_dir / f"{job.id}.csv.part").write_text("half")

    assert run_export(job.id, job_env.deps, attempt=2) == "done"
    done = job_env.jobs.get(job.id)
    assert done is not None and (done.rows_written, done.attempts) == (300, 2)
    assert [p.name for p in job_env.exports_dir.iterdir()] == [f"{job.id}.csv"]
    assert run_export(job.id, job_env.deps, attempt=3) == "skipped"


def test_a_job_cancelled_while_queued_never_runs(job_env: JobEnv) -> None:
    job = job_env.jobs.create(
        owner_id=job_env.owner.id, format="csv", filename="x.csv", spec=ITEMS.model_dump()
    )
    assert job_env.jobs.request_cancel(job.id).status == "cancelled"
    assert run_export(job.id, job_env.deps) == "skipped"
    assert list(job_env.exports_dir.iterdir()) == []


def test_jobs_left_active_by_a_dead_process_are_failed_and_a_live_ones_are_not(
    job_env: JobEnv,
) -> None:
    """Several API processes share the store: a job another live process touched lately is
    its own; one nobody touched for ORPHAN_AFTER_S belonged to a process that is gone."""
    dead, live = (
        job_env.jobs.create(
            owner_id=job_env.owner.id, format="csv", filename="x.csv", spec=ITEMS.model_dump()
        )
        for _ in range(2)
    )
    job_env.jobs.start(dead.id, attempt=1)
    job_env.jobs.start(live.id, attempt=1)
    silent_since = utcnow() - dt.timedelta(seconds=ORPHAN_AFTER_S + 5)
    with job_env.store.session() as session:
        session.execute(
            update(ExportJobRow).where(ExportJobRow.id == dead.id).values(heartbeat_at=silent_since)
        )
    runner = InProcessRunner(job_env.deps)
    assert runner.fail_orphans() == 1
    ended, running = job_env.jobs.get(dead.id), job_env.jobs.get(live.id)
    assert ended is not None and ended.status == "failed" and "restarted" in (ended.error or "")
    assert running is not None and running.status == "running"
    asyncio.run(runner.close())
