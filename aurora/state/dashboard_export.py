"""The dashboard's Export menu (aurora/components/dashboard_export.py): the XLSX workbook or
the PDF of the dashboard as shown (its filter values and cross-filter pills), made by an
export job as the signed-in user, followed until done, then a download link."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from aurora import downloads
from aurora.api_client import ApiClient, ApiError
from aurora.state import session
from aurora.state.auth import AuthState
from aurora.state.base import PageState
from aurora.state.dashboard_view import DashboardState

FORMATS = ("xlsx", "pdf")
POLL_S = 0.5
FINISHED = frozenset({"done", "failed", "cancelled"})


def progress_text(fmt: str, job: dict[str, Any]) -> str:
    """What the menu says about a job.

    >>> progress_text("pdf", {"status": "running", "rows_written": 1, "total_rows": 3})
    'Printing the PDF: 1 of 3 tabs'
    >>> progress_text("xlsx", {"status": "running", "rows_written": 1200})
    'Writing the workbook: 1,200 rows'
    >>> progress_text("xlsx", {"status": "done"})
    'Ready.'
    """
    status = str(job.get("status", ""))
    done = int(job.get("rows_written") or 0)
    if status == "running" and fmt == "pdf":
        return f"Printing the PDF: {done} of {job.get('total_rows') or '?'} tabs"
    if status == "running":
        return f"Writing the workbook: {done:,} rows"
    return {"queued": "Waiting to start…", "done": "Ready.", "cancelled": "Cancelled."}.get(
        status, ""
    )


@session.forgotten
class DashboardExportState(PageState, rx.State):
    menu_open: bool = False
    format: str = ""
    export_id: str = ""
    status: str = ""
    progress: str = ""
    download_href: str = ""

    @rx.var
    def running(self) -> bool:
        return self.status in ("queued", "running")

    @rx.event
    def toggle_menu(self):
        self.menu_open = not self.menu_open

    @rx.event(background=True)
    async def start(self, fmt: str):
        async with self:
            if self.running or fmt not in FORMATS:
                return
            board = await self.get_state(DashboardState)
            dashboard_id, body = board.dashboard_id, {"format": fmt, **board._request()}
            client, generation = await self._api(), await self._begin()
            self.menu_open, self.format, self.error, self.download_href = False, fmt, "", ""
            self.export_id, self.status, self.progress = "", "queued", "Starting…"
        try:
            job = await client.export_dashboard(dashboard_id, body)
        except ApiError as exc:
            async with self:
                self.status, self.progress = "", ""
                ended = self._failed(exc) if await self._current(generation) else None
            if ended is not None:
                yield ended
            return
        async with self:
            self.export_id = str(job.get("id", ""))
        await self._follow(client, self.export_id, generation)

    async def _follow(self, client: ApiClient, export_id: str, generation: str) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            try:
                job = await client.export_status(export_id)
            except ApiError as exc:
                async with self:
                    self.status, self.error, self.progress = "failed", exc.message, ""
                return
            async with self:
                if self.export_id != export_id or not await self._current(generation):
                    return
                self._take(job)
                if self.status == "done":
                    token = (await self.get_state(AuthState))._token
                    tab = self.router.session.client_token
                    self.download_href = await downloads.issue(token, export_id, tab)
                if self.status in FINISHED:
                    return

    def _take(self, job: dict[str, Any]) -> None:
        self.status = str(job.get("status", "queued"))
        self.progress = progress_text(self.format, job)
        if self.status == "failed":
            self.error = str(job.get("error") or "The export failed.")
