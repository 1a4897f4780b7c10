"""Findings in words: one short sentence each, numbers as a business user reads them."""

from __future__ import annotations

import datetime as dt
from typing import Any


def number(value: float) -> str:
    """Thousands separated; two decimals unless the value is whole.

    >>> number(1234.5), number(710.0), number(-0.375)
    ('1,234.50', '710', '-0.38')
    """
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.2f}"


def signed(value: float) -> str:
    """The sentence.

    >>> signed(12.0), signed(-3.5)
    ('+12', '-3.50')
    """
    return ("+" if value > 0 else "") + number(value)


def period(day: dt.date, grain: str) -> str:
    """How a period is named in a sentence.

    >>> period(dt.date(2024, 2, 10), "day"), period(dt.date(2024, 4, 1), "quarter")
    ('on 2024-02-10', 'in Q2 2024')
    >>> period(dt.date(2024, 3, 1), "month"), period(dt.date(2024, 3, 4), "week")
    ('in March 2024', 'in the week of 2024-03-04')
    """
    if grain == "week":
        return f"in the week of {day.isoformat()}"
    if grain == "month":
        return f"in {day:%B %Y}"
    if grain == "quarter":
        return f"in Q{(day.month - 1) // 3 + 1} {day.year}"
    if grain == "year":
        return f"in {day.year}"
    return f"on {day.isoformat()}"


def anomaly(label: str, day: dt.date, grain: str, value: float, expected: float, z: float) -> str:
    """The sentence.

    >>> anomaly("Revenue", dt.date(2024, 2, 10), "day", 710.0, 238.0, 7.58)
    'Revenue on 2024-02-10 was 710, well above the expected 238 (robust z-score 7.6).'
    """
    side = "above" if value > expected else "below"
    return (
        f"{label} {period(day, grain)} was {number(value)}, well {side} the expected "
        f"{number(expected)} (robust z-score {z:.1f})."
    )


#: Days in a period on average, to say a slope per period of the chart's grain.
DAYS_PER = {"day": 1.0, "week": 7.0, "month": 365.25 / 12, "quarter": 365.25 / 4, "year": 365.25}


def trend(
    label: str,
    span: tuple[dt.date, dt.date],
    slope: float,
    span_change: float,
    r2: float,
    grain: str = "day",
) -> str:
    """The sentence; `slope` is per day, said per period of `grain`.

    >>> print(trend("Revenue", (dt.date(2024, 1, 1), dt.date(2024, 3, 30)), 2.0, 178.0, 0.46))
    Revenue trended up from 2024-01-01 to 2024-03-30: +178 over the range (+2 a day); the trend explains 46% of the variation.
    >>> trend("Cost", (dt.date(2024, 1, 1), dt.date(2024, 12, 1)), -1.0, -335.0, 0.9, "month")[:62]
    'Cost trended down from 2024-01-01 to 2024-12-01: -335 over the'
    """  # noqa: E501
    direction = "up" if slope > 0 else "down" if slope < 0 else "flat"
    per = slope * DAYS_PER.get(grain, 1.0)
    return (
        f"{label} trended {direction} from {span[0].isoformat()} to {span[1].isoformat()}: "
        f"{signed(span_change)} over the range ({signed(per)} a {grain}); the trend "
        f"explains {r2:.0%} of the variation."
    )


def group_name(group: dict[str, Any], labels: dict[str, str]) -> str:
    """The sentence.

    >>> group_name({"region": "North", "channel": None}, {"region": "Region"})
    'Region North, channel (empty)'
    """
    parts = [f"{labels.get(k, k)} {'(empty)' if v is None else v}" for k, v in group.items()]
    return ", ".join(parts) if parts else "The total"


def mover(
    label: str,
    group: str,
    before: float | None,
    after: float | None,
    relative: float | None,
    between: tuple[str, str],
) -> str:
    """The sentence.

    >>> mover("Revenue", "Region North", 100.0, 150.0, 0.5, ("May 2024", "June 2024"))
    'Region North: Revenue rose from 100 to 150 (+50, +50%) between May 2024 and June 2024.'
    """
    old, new = before or 0.0, after or 0.0
    verb = "rose" if new > old else "fell"
    share = f", {relative:+.0%}" if relative is not None else ""
    return (
        f"{group}: {label} {verb} from {number(old)} to {number(new)} "
        f"({signed(new - old)}{share}) between {between[0]} and {between[1]}."
    )
