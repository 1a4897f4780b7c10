"""Admin: compact (optimize) or vacuum a Delta dataset from its settings card.

The API runs the job off the request path (202 and a job id); a background event follows
it every second until it ends, then shows its report in words.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from aurora.api_client import ApiError
from aurora.state import session
from aurora.state.admin_datasets import AdminDatasetsState
from aurora.state.base import PageState

POLL_SECONDS = 1.0
POLLS = 600  # ten minutes, then the admin is told to look again later


def report_text(job: dict[str, Any]) -> str:
    """A finished job in words.

    >>> report_text({"action": "optimize", "status": "done", "report": {"version": 9,
    ...     "files_before": 8, "bytes_before": 6144, "files_after": 1, "bytes_after": 1020}})
    'optimize done: 8 files (6,144 bytes) -> 1 file (1,020 bytes), now version 9.'
    >>> report_text({"action": "vacuum", "status": "failed", "error": "changed"})
    'vacuum failed: changed'
    """
    action, status = job.get("action", ""), job.get("status", "")
    if status == "failed":
        return f"{action} failed: {job.get('error') or 'unknown error'}"
    r = job.get("report") or {}

    def files(n: int, size: int) -> str:
        return f"{n:,} file{'' if n == 1 else 's'} ({size:,} bytes)"

    before = files(int(r.get("files_before", 0)), int(r.get("bytes_before", 0)))
    after = files(int(r.get("files_after", 0)), int(r.get("bytes_after", 0)))
    return f"{action} {status}: {before} -> {after}, now version {r.get('version')}."


@session.forgotten
class MaintenanceState(PageState, rx.State):
    retention_hours: str = "168"
    running: bool = False
    status: str = ""

    @rx.event
    def set_retention(self, text: str):
        self.retention_hours = text

    @rx.event(background=True)
    async def start(self, action: str):
        async with self:
            if self.running or action not in ("optimize", "vacuum"):
                return
            key = (await self.get_state(AdminDatasetsState)).key
            body: dict[str, Any] = {"action": action}
            if action == "vacuum":
                try:
                    body["retention_hours"] = float(self.retention_hours)
                except ValueError:
                    self.status = "Give the hours of versions to keep, e.g. 168."
                    return
            self.running, self.status = True, f"{action} queued…"
            client = await self._api()
        text = await self._follow(client, key, body)
        async with self:
            self.running, self.status = False, text

    async def _follow(self, client: Any, key: str, body: dict[str, Any]) -> str:
        try:
            job = await client.start_maintenance(key, body)
            for _ in range(POLLS):
                if job.get("status") in ("done", "failed"):
                    return report_text(job)
                await asyncio.sleep(POLL_SECONDS)
                job = await client.maintenance_job(str(job.get("job_id")))
        except ApiError as exc:
            return exc.message
        return f"{body['action']} is still running; look at the dataset's history later."
