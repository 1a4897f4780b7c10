"""The export dialog: start a job for exactly the spec on screen, follow it, download it."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import reflex as rx

from aurora import downloads
from aurora.api_client import ApiError
from aurora.state import session
from aurora.state.auth import AuthState
from aurora.state.base import PageState
from aurora.state.explorer import ExplorerState

FORMATS = ["csv", "xlsx", "parquet"]
POLL_S = 0.5
FINISHED = frozenset({"done", "failed", "cancelled"})


def safe_filename(name: str, fallback: str) -> str:
    stem = re.sub(r"[^0-9A-Za-z._ -]+", "_", name).strip(" ._") or fallback
    return stem[:120]


def restart_text(attempt: int, max_attempts: int) -> str:
    """What the dialog says while an export waits for another worker.

    >>> restart_text(2, 3)
    "The export's worker stopped; restarting (attempt 2 of 3)…"
    """
    return f"The export's worker stopped; restarting (attempt {attempt} of {max_attempts})…"


@session.forgotten
class ExportState(PageState, rx.State):
    open: bool = False
    format: str = "csv"
    filename: str = ""
    export_id: str = ""
    status: str = ""
    rows_written: int = 0
    total_rows: int = -1
    download_href: str = ""
    attempt: int = 1
    max_attempts: int = 1
    restarting: bool = False

    @rx.var
    def running(self) -> bool:
        return self.status in ("queued", "running")

    @rx.var
    def progress(self) -> int:
        if self.status == "done":
            return 100
        if self.total_rows > 0:
            return min(99, int(100 * self.rows_written / self.total_rows))
        return 0

    @rx.var
    def status_text(self) -> str:
        if self.restarting:  # the worker died; the bar is back at 0 until another takes over
            return restart_text(self.attempt, self.max_attempts)
        if not self.status:
            return ""
        rows = f"{self.rows_written:,}"
        total = f" of {self.total_rows:,}" if self.total_rows >= 0 else ""
        again = f" (attempt {self.attempt} of {self.max_attempts})" if self.attempt > 1 else ""
        return {
            "queued": "Waiting to start…",
            "running": f"Writing rows{again}: {rows}{total}",
            "done": f"Ready: {rows} rows",
            "failed": "The export failed.",
            "cancelled": "Cancelled.",
        }.get(self.status, self.status)

    @rx.event
    async def open_modal(self):
        explorer = await self.get_state(ExplorerState)
        if not self.running:
            self.export_id, self.status, self.download_href, self.error = "", "", "", ""
            self.rows_written, self.total_rows = 0, -1
        self.filename = self.filename or explorer.dataset_key
        self.open = True

    @rx.event
    def set_open(self, value: bool):
        self.open = value

    @rx.event
    def set_format(self, value: str):
        self.format = value if value in FORMATS else "csv"

    @rx.event
    def set_filename(self, value: str):
        self.filename = value

    @rx.event(background=True)
    async def start(self):
        async with self:
            if self.running:
                return
            explorer = await self.get_state(ExplorerState)
            spec = explorer._current_spec()
            spec.pop("page", None)
            spec.pop("page_size", None)
            name = f"{safe_filename(self.filename, explorer.dataset_key or 'export')}.{self.format}"
            client = await self._api()
            fmt = self.format
            generation = await self._begin()
            self.error, self.download_href, self.status = "", "", "queued"
            self.rows_written, self.total_rows = 0, -1
        try:
            job = await client.start_export(spec, fmt, name)
        except ApiError as exc:
            async with self:
                if not await self._current(generation):
                    return
                self.status = ""
                ended = self._failed(exc)
            if ended is not None:
                yield ended
            return
        async with self:
            if not await self._current(generation):
                return
            self.export_id = str(job.get("id", ""))
            self._take(job)
        await self._follow(client, str(job.get("id", "")), generation)

    async def _follow(self, client: Any, export_id: str, generation: str) -> None:
        """Poll the job until it finishes, or until the user cancels or starts another."""
        while True:
            await asyncio.sleep(POLL_S)
            try:
                job = await client.export_status(export_id)
            except ApiError as exc:
                async with self:
                    if self.export_id == export_id and await self._current(generation):
                        self.status, self.error = "failed", exc.message
                return
            async with self:
                if self.export_id != export_id or self.status == "cancelled":
                    return
                if not await self._current(generation):
                    return
                self._take(job)
                if self.status == "done":
                    self.download_href = await downloads.issue(
                        (await self.get_state(AuthState))._token,
                        export_id,
                        self.router.session.client_token,
                    )
                if self.status in FINISHED:
                    return

    def _take(self, job: dict[str, Any]) -> None:
        self.status = str(job.get("status", "queued"))
        self.attempt = int(job.get("attempt") or 1)
        self.max_attempts = int(job.get("max_attempts") or 1)
        self.restarting = bool(job.get("restarting"))
        self.rows_written = int(job.get("rows_written") or 0)
        total = job.get("total_rows")
        self.total_rows = int(total) if isinstance(total, int) else -1
        if self.status == "failed":
            self.error = str(job.get("error") or "The export failed.")

    @rx.event
    async def cancel(self):
        export_id = self.export_id
        if not export_id or self.status in FINISHED:
            return
        self.status = "cancelled"
        try:
            await (await self._api()).cancel_export(export_id)
        except ApiError as exc:
            self.error = exc.message
