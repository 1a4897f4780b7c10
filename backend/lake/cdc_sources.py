"""The registered PostgreSQL sources of CDC polling: what the admin routes manage and the
poll ticker claims and runs.

A source's connection URL is the registration's own (sealed with a key derived from the
app's secret, like a webhook's signing secret, and never shown again) or, when it gives
none, CDC_POSTGRES_URL. A registration is checked against the database at once: the table
and its columns must be there, and the watermark must be a timestamp or an integer.

A due source is claimed by moving its `next_run_at` forward in one conditional UPDATE, so
one ticker polls it however many run. The rows' place in the source (the watermark) is in
the dataset's Delta log, not here (backend.lake.poll): `last_*` only report the last poll.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from deltalake.exceptions import DeltaError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.delivery.secret_box import SecretBox
from backend.errors import AuroraError, BadRequest, Conflict, NotFound
from backend.lake import pg_source, poll
from backend.lake.cdc_table import CdcSourceRow
from backend.security.secret import signing_secret
from backend.store.base import utcnow
from backend.store.engine import Store

log = logging.getLogger("aurora.lake")
PURPOSE = b"aurora cdc source urls"
POLL_USER = "cdc-poll"


@dataclass(frozen=True)
class Registration:
    dataset: str
    schema: str
    table: str
    key_column: str
    watermark_column: str
    deleted_column: str | None
    interval_s: int
    enabled: bool = True
    url: str | None = None

    @property
    def spec(self) -> pg_source.SourceSpec:
        return pg_source.SourceSpec(
            self.schema, self.table, self.key_column, self.watermark_column, self.deleted_column
        )


@dataclass(frozen=True)
class SourceInfo:
    id: str
    registration: Registration  # its url is never filled in (see `has_own_url`)
    has_own_url: bool
    next_run_at: dt.datetime
    last_run_at: dt.datetime | None
    last_status: str | None
    last_error: str | None
    last_version: int | None
    last_change_at: dt.datetime | None
    created_at: dt.datetime
    last_upserted: int | None = None  # rows the last poll merged; None when it failed
    last_deleted: int | None = None

    @classmethod
    def of(cls, row: CdcSourceRow) -> SourceInfo:
        reg = Registration(
            row.dataset,
            row.source_schema,
            row.source_table,
            row.key_column,
            row.watermark_column,
            row.deleted_column,
            row.interval_s,
            row.enabled,
        )
        return cls(
            row.id,
            reg,
            row.url_sealed is not None,
            row.next_run_at,
            row.last_run_at,
            row.last_status,
            row.last_error,
            row.last_version,
            row.last_change_at,
            row.created_at,
            row.last_upserted,
            row.last_deleted,
        )


@dataclass(frozen=True)
class CdcSources:
    store: Store
    box: SecretBox
    warehouse: Path
    default_url: str | None
    batch_rows: int = 100_000

    @classmethod
    def of(cls, settings: Settings, store: Store) -> CdcSources:
        url = settings.cdc_postgres_url
        return cls(
            store,
            SecretBox(signing_secret(settings), PURPOSE),
            settings.data_dir,
            url.get_secret_value() if url is not None else None,
        )

    def all(self) -> list[SourceInfo]:
        with self.store.session() as session:
            rows = session.scalars(select(CdcSourceRow).order_by(CdcSourceRow.dataset))
            return [SourceInfo.of(row) for row in rows]

    def get(self, source_id: str) -> SourceInfo:
        with self.store.session() as session:
            return SourceInfo.of(_row(session, source_id))

    def create(self, reg: Registration, created_by: int | None) -> SourceInfo:
        self._check(reg, reg.url)
        with self.store.session() as session:
            if session.scalar(select(CdcSourceRow.id).where(CdcSourceRow.dataset == reg.dataset)):
                raise Conflict(f"Dataset '{reg.dataset}' already has a CDC source.")
            row = CdcSourceRow(created_by=created_by, **_columns(reg))
            row.url_sealed = self.box.seal(reg.url) if reg.url is not None else None
            session.add(row)
            session.flush()
            return SourceInfo.of(row)

    def update(self, source_id: str, changes: dict[str, Any]) -> SourceInfo:
        """Change a registration; `url` None in `changes` goes back to CDC_POSTGRES_URL."""
        with self.store.session() as session:
            row = _row(session, source_id)
            current = SourceInfo.of(row).registration
            url = changes["url"] if "url" in changes else self._url_of(row)
            reg = replace(current, **{k: v for k, v in changes.items() if k != "url"})
        if reg.dataset != current.dataset:
            raise BadRequest("A source's dataset cannot change: register a new source.")
        self._check(reg, url)
        with self.store.session() as session:
            row = _row(session, source_id)
            for name, value in _columns(reg).items():
                setattr(row, name, value)
            if "url" in changes:
                row.url_sealed = self.box.seal(url) if url is not None else None
            session.flush()
            return SourceInfo.of(row)

    def delete(self, source_id: str) -> None:
        """Stop polling; the dataset and its versions stay."""
        with self.store.session() as session:
            session.delete(_row(session, source_id))

    def applied(self, info: SourceInfo) -> tuple[int | None, str | None]:
        """The applied watermark and its text (backend.lake.poll.applied); None and
        None before the first poll, or when the dataset is no longer a Delta table."""
        reg = info.registration
        try:
            return poll.applied(self.warehouse / reg.dataset, info.id, reg.watermark_column)
        except (AuroraError, DeltaError, OSError):  # one unreadable dataset never fails a list
            return None, None

    def claim_due(self, now: dt.datetime) -> list[str]:
        """Claim every enabled source whose poll is due: moved to its next time, here only."""
        with self.store.session() as session:
            due = session.execute(
                select(CdcSourceRow.id, CdcSourceRow.next_run_at, CdcSourceRow.interval_s).where(
                    CdcSourceRow.enabled, CdcSourceRow.next_run_at <= now
                )
            ).all()
        return [source_id for source_id, at, every in due if self._claim(source_id, at, every, now)]

    def _claim(self, source_id: str, at: dt.datetime, every: int, now: dt.datetime) -> bool:
        with self.store.session() as session:
            moved = session.execute(
                update(CdcSourceRow)
                .where(CdcSourceRow.id == source_id, CdcSourceRow.next_run_at == at)
                .values(next_run_at=now + dt.timedelta(seconds=every))
            )
            return bool(getattr(moved, "rowcount", 0))

    def run(self, source_id: str) -> tuple[SourceInfo, poll.Polled | None]:
        """Poll the source now and record how it went; an error is recorded, not raised."""
        with self.store.session() as session:
            row = _row(session, source_id)
            info, url = SourceInfo.of(row), self._url_of(row)
        reg = info.registration
        try:
            if url is None:
                raise BadRequest("The source names no URL and CDC_POSTGRES_URL is not set.")
            done = poll.poll(
                self.warehouse / reg.dataset,
                info.id,
                reg.spec,
                url,
                limit=self.batch_rows,
                user=POLL_USER,
            )
        except AuroraError as e:
            return self._record(source_id, None, e.message), None
        except Exception as e:  # a poll never takes the ticker down; its status says why
            message = pg_source.scrub(f"{type(e).__name__}: {e}", url or "")
            log.warning("cdc poll of source %s failed: %s", source_id, message)
            return self._record(source_id, None, message), None
        return self._record(source_id, done, None), done

    def _record(self, source_id: str, done: poll.Polled | None, error: str | None) -> SourceInfo:
        now = utcnow()
        with self.store.session() as session:
            row = _row(session, source_id)
            row.last_run_at, row.last_error = now, error
            row.last_status = "failed" if error is not None else "ok"
            row.last_upserted = done.upserted if done is not None else None
            row.last_deleted = done.deleted if done is not None else None
            if done is not None and done.version is not None:
                row.last_version, row.last_change_at = done.version, now
            session.flush()
            return SourceInfo.of(row)

    def _url_of(self, row: CdcSourceRow) -> str | None:
        if row.url_sealed is None:
            return self.default_url
        url = self.box.open(row.url_sealed)
        if url is None:
            raise BadRequest("The source's URL was sealed under another app secret: set it again.")
        return url

    def _check(self, reg: Registration, url: str | None) -> None:
        folder = self.warehouse / reg.dataset
        if folder.exists() and not (folder / "_delta_log").is_dir() and any(folder.iterdir()):
            raise BadRequest(f"Dataset '{reg.dataset}' exists and is not a Delta table.")
        url = url if url is not None else self.default_url
        if url is None:
            raise BadRequest("Give the source a url: CDC_POSTGRES_URL is not set.")
        with pg_source.connect(url) as conn:
            pg_source.shape(conn, reg.spec)


def _columns(reg: Registration) -> dict[str, Any]:
    return {
        "dataset": reg.dataset,
        "source_schema": reg.schema,
        "source_table": reg.table,
        "key_column": reg.key_column,
        "watermark_column": reg.watermark_column,
        "deleted_column": reg.deleted_column,
        "interval_s": reg.interval_s,
        "enabled": reg.enabled,
    }


def _row(session: Session, source_id: str) -> CdcSourceRow:
    row = session.get(CdcSourceRow, source_id)
    if row is None:
        raise NotFound(f"CDC source {source_id} was not found.")
    return row
