"""Where export files live and what they are called when downloaded."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

from backend.config import Settings
from backend.exports import EXTENSIONS

_UNSAFE = re.compile(r"[^\w .()-]+", re.UNICODE)


def exports_dir(settings: Settings) -> Path:
    folder = settings.state_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def export_path(settings: Settings, job_id: str, fmt: str) -> Path:
    """The file of one job: named by its id, never by anything the user typed."""
    return exports_dir(settings) / f"{job_id}{EXTENSIONS[fmt]}"


def attempt_part(final: Path, attempt: int) -> Path:
    """The temp file of one attempt. Each attempt has its own, so an attempt whose lease
    lapsed while it still ran (a stalled worker) never writes into its successor's file.

    >>> attempt_part(Path("/x/ab12.csv"), 2).name
    'ab12.csv.2.part'
    """
    return final.with_name(f"{final.name}.{attempt}.part")


def remove_parts(final: Path, keep: Path | None = None) -> int:
    """Delete what earlier attempts of this file left (their part files and writer scratch
    folders), but not `keep`; return how many went."""
    removed = 0
    for path in final.parent.glob(f"{final.name}.*"):
        if keep is not None and path.name.startswith(keep.name):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed += 1
    return removed


def download_name(requested: str | None, dataset: str, fmt: str, now: dt.datetime) -> str:
    """A safe file name for Content-Disposition, with the format's extension.

    >>> download_name("Q1 / sales.csv", "global_sales", "csv", dt.datetime(2024, 1, 2))
    'Q1 _ sales.csv'
    >>> download_name(None, "global_sales", "xlsx", dt.datetime(2024, 1, 2, 3, 4))
    'global_sales-20240102-0304.xlsx'
    """
    ext = EXTENSIONS[fmt]
    stem = (requested or "").strip()
    if stem.lower().endswith(ext):
        stem = stem[: -len(ext)]
    stem = _UNSAFE.sub("_", stem).strip(" ._")[:150]
    if not stem:
        stem = f"{_UNSAFE.sub('_', dataset)[:100]}-{now:%Y%m%d-%H%M}"
    return stem + ext
