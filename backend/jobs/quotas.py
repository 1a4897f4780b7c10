"""Per-user quotas on what runs unattended: exports and their schedules.

Without them one viewer could schedule an every-minute export of anything, as often as
they like, and fill the export queue and the disk for everyone. Each quota is a setting
(`QUOTA_*`, `SCHEDULE_MIN_INTERVAL_MINUTES`); administrators are exempt, since they set
the quotas in the first place. Over a quota the answer says which one, in the error shape:
429 with Retry-After where waiting helps, 422 where only the user's own change does.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from itertools import pairwise

from backend.config import Settings
from backend.errors import QuotaExceeded
from backend.jobs.cron import next_runs
from backend.jobs.state import JobStore
from backend.security.principal import User

DAY = dt.timedelta(days=1)
# Fire times looked at for the shortest gap: a year covers every pattern cron can express
# (the gap across a month or year boundary included); the count bounds a frequent cron,
# whose shortest gap shows within its first days.
_LOOK_AHEAD = dt.timedelta(days=367)
_MAX_FIRES = 400
_BUSY_RETRY_S = 30


@dataclass(frozen=True)
class Quotas:
    active_schedules: int
    queued_exports: int
    export_bytes_per_day: int
    min_interval: dt.timedelta

    @classmethod
    def of(cls, settings: Settings) -> Quotas:
        return cls(
            active_schedules=settings.quota_active_schedules,
            queued_exports=settings.quota_queued_exports,
            export_bytes_per_day=settings.quota_export_mb_per_day * 2**20,
            min_interval=dt.timedelta(minutes=settings.schedule_min_interval_minutes),
        )

    def check_export(self, jobs: JobStore, user: User, now: dt.datetime) -> None:
        """Before a new export job: the user's queued exports and the day's export bytes."""
        if user.is_admin:
            return
        if jobs.active_count(user.id) >= self.queued_exports:
            raise QuotaExceeded(
                f"You have {self.queued_exports} exports queued or running, the most at once "
                "(QUOTA_QUEUED_EXPORTS). Wait for one to finish, or cancel one.",
                limit="QUOTA_QUEUED_EXPORTS",
                retry_after=_BUSY_RETRY_S,
            )
        used, first = jobs.bytes_since(user.id, now - DAY)
        if used >= self.export_bytes_per_day:
            wait = (first + DAY - now).total_seconds() if first else DAY.total_seconds()
            raise QuotaExceeded(
                f"Your exports of the last 24 hours wrote {used / 2**20:,.0f} MB, the daily "
                f"limit is {self.export_bytes_per_day // 2**20:,} MB (QUOTA_EXPORT_MB_PER_DAY). "
                "Try again later, or export less.",
                limit="QUOTA_EXPORT_MB_PER_DAY",
                retry_after=max(1, math.ceil(wait)),
            )

    def check_schedule(self, user: User, cron: str, timezone: str, *, enabled_others: int) -> None:
        """Before a schedule is saved enabled: how often it runs and how many the user has."""
        if user.is_admin:
            return
        if shortest_gap(cron, timezone) < self.min_interval:
            minutes = int(self.min_interval.total_seconds() // 60)
            raise QuotaExceeded(
                f"'{cron}' runs more often than every {minutes} minutes, the shortest "
                "interval allowed (SCHEDULE_MIN_INTERVAL_MINUTES). Choose a sparser schedule.",
                limit="SCHEDULE_MIN_INTERVAL_MINUTES",
            )
        if enabled_others >= self.active_schedules:
            raise QuotaExceeded(
                f"You have {enabled_others} active schedules, the most allowed "
                "(QUOTA_ACTIVE_SCHEDULES). Disable or delete one first.",
                limit="QUOTA_ACTIVE_SCHEDULES",
            )


def shortest_gap(cron: str, timezone: str, start: dt.datetime | None = None) -> dt.timedelta:
    """The shortest time between two consecutive runs of `cron` (a year ahead at most).

    >>> at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> shortest_gap("*/5 * * * *", "UTC", at), shortest_gap("0 6 * * 1-5", "UTC", at)
    (datetime.timedelta(seconds=300), datetime.timedelta(days=1))
    >>> shortest_gap("59,0 23,0 31,1 12,1 *", "UTC", at)  # New Year's Eve 23:59, then 00:00
    datetime.timedelta(seconds=60)
    """
    start = start or dt.datetime.now(dt.UTC)
    fires = next_runs(cron, timezone, start, _MAX_FIRES, until=start + _LOOK_AHEAD)
    gaps = [b - a for a, b in pairwise(fires)]
    return min(gaps, default=dt.timedelta.max)
