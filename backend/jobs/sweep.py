"""Expiry: export files older than `EXPORT_RETENTION_H` are deleted, and so are leftovers of
killed workers (part files, xlsxwriter row files) once nobody has touched them for a while."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

from sqlalchemy import select, update

from backend.config import Settings
from backend.jobs.files import exports_dir
from backend.jobs.models import ExportJobRow
from backend.store.base import utcnow
from backend.store.engine import Store

log = logging.getLogger("aurora.exports")

# A file being written is touched every chunk; one untouched this long belongs to nobody.
ORPHAN_AFTER_S = 3600


def sweep(settings: Settings, store: Store, now: dt.datetime | None = None) -> int:
    """Delete expired and orphaned files; return how many files went."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(hours=settings.export_retention_h)
    removed = 0
    with store.session() as session:
        expired = session.execute(
            select(ExportJobRow.id, ExportJobRow.file_path).where(
                ExportJobRow.file_path.is_not(None), ExportJobRow.finished_at < cutoff
            )
        ).all()
        for job_id, file_path in expired:
            removed += _unlink(Path(str(file_path)))
            session.execute(
                update(ExportJobRow).where(ExportJobRow.id == job_id).values(file_path=None)
            )
        kept = set(
            session.scalars(
                select(ExportJobRow.file_path).where(ExportJobRow.file_path.is_not(None))
            )
        )
    return removed + _orphans(exports_dir(settings), kept, now.timestamp() - ORPHAN_AFTER_S)


def _orphans(folder: Path, kept: set[str | None], before: float) -> int:
    """Files no job points at and folders (xlsxwriter scratch) untouched since `before`."""
    removed = 0
    for path in folder.iterdir():
        if str(path) in kept or _last_touched(path) >= before:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
        else:
            removed += _unlink(path)
    return removed


def _last_touched(path: Path) -> float:
    """A folder counts as touched when any file in it was (a running export's row file)."""
    stamps = [path.stat().st_mtime]
    if path.is_dir():
        stamps += [child.stat().st_mtime for child in path.iterdir()]
    return max(stamps)


def _unlink(path: Path) -> int:
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    except OSError:
        log.warning("could not delete export file %s", path)
        return 0
    return 1
