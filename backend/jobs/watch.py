"""Notices a cancel request while an export runs, within half a second.

A thread polls the job's cancel flag in the store (set by `DELETE /api/exports/{id}` from
any process) and a local event (set by the in-process runner or an ARQ abort). When either
fires it interrupts the running query too, so a cancel during a long query (before the
first batch) also lands quickly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from backend.jobs.state import JobStore

log = logging.getLogger("aurora.exports")
POLL_S = 0.4


class CancelWatch:
    def __init__(
        self,
        jobs: JobStore,
        job_id: str,
        stop: threading.Event,
        interrupt: Callable[[], object],
    ) -> None:
        self._jobs, self._job_id, self._stop, self._interrupt = jobs, job_id, stop, interrupt
        self._fired = threading.Event()
        self._done = threading.Event()
        self.by_user = False
        self._thread = threading.Thread(target=self._loop, name=f"cancel-{job_id}", daemon=True)

    def __enter__(self) -> CancelWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join(timeout=2)

    def is_set(self) -> bool:
        return self._fired.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking at once when the export is stopped."""
        return self._fired.wait(seconds)

    def _loop(self) -> None:
        while not self._done.wait(POLL_S):
            asked = self._user_asked()  # first, so a stop that *is* a cancel counts as one
            if asked or self._stop.is_set():
                self._fire()
                return

    def _user_asked(self) -> bool:
        try:
            self.by_user = self._jobs.cancel_requested(self._job_id)
        except Exception:  # a busy store must not kill the export; ask again next time
            log.warning("could not read the cancel flag of export %s", self._job_id)
            return False
        return self.by_user

    def _fire(self) -> None:
        self._fired.set()
        try:
            self._interrupt()
        except Exception:
            log.exception("interrupting the query of export %s failed", self._job_id)
