"""Cron presets and the next run times shown while a schedule is edited. Pure.

The API computes the authoritative times once a schedule is saved (`next_runs`); this
shows the same three before saving, with the same library (croniter).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

PRESETS: tuple[tuple[str, str, str], ...] = (
    ("daily", "Every day at 06:00", "0 6 * * *"),
    ("weekly", "Every Monday at 06:00", "0 6 * * 1"),
    ("monthly", "The first day of each month at 06:00", "0 6 1 * *"),
    ("hourly", "Every hour", "0 * * * *"),
    ("minute", "Every minute", "* * * * *"),
    ("custom", "Custom cron expression", ""),
)
PRESET_CRON = {key: cron for key, _, cron in PRESETS if cron}


def preset_of(cron: str) -> str:
    return next((k for k, c in PRESET_CRON.items() if c == cron.strip()), "custom")


def describe(cron: str) -> str:
    key = preset_of(cron)
    return next(label for k, label, _ in PRESETS if k == key) if key != "custom" else cron


def next_times(cron: str, timezone: str = "UTC", now: dt.datetime | None = None) -> list[str]:
    """The next three fire times as `2024-06-03 06:00 UTC`; empty when the cron is invalid."""
    cron = cron.strip()
    if len(cron.split()) != 5 or not croniter.is_valid(cron):
        return []
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return []
    start = (now or dt.datetime.now(dt.UTC)).astimezone(zone)
    it = croniter(cron, start)
    return [it.get_next(dt.datetime).strftime("%Y-%m-%d %H:%M %Z") for _ in range(3)]


def shown_time(iso: str, timezone: str = "UTC") -> str:
    """An API timestamp (ISO, UTC) in the schedule's zone, to the minute."""
    try:
        moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
        return moment.astimezone(ZoneInfo(timezone or "UTC")).strftime("%Y-%m-%d %H:%M %Z")
    except (ValueError, ZoneInfoNotFoundError):
        return iso
