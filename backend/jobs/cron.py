"""Cron expressions: validated with croniter, evaluated in the schedule's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadCronError, CroniterBadDateError, croniter

from backend.errors import InvalidQuery


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise InvalidQuery(f"Unknown time zone '{name}'.", path="timezone") from e


def check_cron(expression: str, timezone: str = "UTC") -> None:
    """Five fields (minute hour day month weekday), e.g. `0 6 * * 1-5`; else 422."""
    if len(expression.split()) != 5 or not croniter.is_valid(expression):
        raise InvalidQuery(
            f"'{expression}' is not a cron expression of five fields "
            "(minute hour day-of-month month day-of-week), e.g. '0 6 * * 1-5'.",
            path="cron",
        )
    zone(timezone)


def next_runs(
    expression: str,
    timezone: str,
    after: dt.datetime,
    count: int = 3,
    *,
    until: dt.datetime | None = None,
) -> list[dt.datetime]:
    """The next `count` fire times strictly after `after`, in UTC; none past `until`."""
    start = after.astimezone(zone(timezone))
    fires: list[dt.datetime] = []
    try:
        it = croniter(expression, start)
        while len(fires) < count:
            fire = it.get_next(dt.datetime).astimezone(dt.UTC)
            if until is not None and fire > until:
                break
            fires.append(fire)
        return fires
    except (CroniterBadCronError, CroniterBadDateError) as e:
        raise InvalidQuery(f"'{expression}' never fires.", path="cron") from e
