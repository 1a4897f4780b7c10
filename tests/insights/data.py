"""A generated dataset with known answers, and the reference computations in plain Python.

`daily_sales`: one row per day of 2024-01-01 .. 2024-03-31 (13 whole weeks, Monday to Sunday)
and region, in two loads of load type DAILY:

- a trend of +5 a day per region, a weekly pattern (weekends low) and small fixed noise;
- a planted anomaly: North on 2024-02-14 sells 3,000 more;
- a planted mover: West sells 400 more a day in the last week (from 2024-03-25);
- load 20240401 restates East 10% higher; nothing else differs from load 20240331.

The reference uses `statistics` (median = PERCENTILE_CONT(0.5), least squares), not SQL.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

FIRST_DAY = dt.date(2024, 1, 1)
DAYS = 91
REGIONS = ("North", "South", "East", "West")
LOAD, RESTATED = 20240331, 20240401
ANOMALY_DAY = dt.date(2024, 2, 14)
MOVER_FROM = dt.date(2024, 3, 25)
WEEKLY = (0, 40, 80, 120, 160, -300, -350)
EPOCH = dt.date(1900, 1, 1)

Row = tuple[dt.date, str, str, Decimal, str, int]


def _amount(i: int, r: int, region: str, load: int) -> Decimal:
    day = FIRST_DAY + dt.timedelta(days=i)
    value = 1000 + 5 * i + WEEKLY[day.weekday()] + 50 * r + ((i * 37 + r * 11) % 17) - 8
    value += 3000 if (region == "North" and day == ANOMALY_DAY) else 0
    value += 400 if (region == "West" and day >= MOVER_FROM) else 0
    amount = Decimal(value)
    if load == RESTATED and region == "East":
        amount = amount * Decimal("1.10")
    return amount.quantize(Decimal("0.01"))


def rows(load: int = LOAD) -> list[Row]:
    return [
        (
            FIRST_DAY + dt.timedelta(days=i),
            region,
            "Web" if (i + r) % 2 else "Store",
            _amount(i, r, region, load),
            "DAILY",
            load,
        )
        for i in range(DAYS)
        for r, region in enumerate(REGIONS)
    ]


def write_warehouse(root: Path) -> Path:
    """`root/daily_sales/load_type=DAILY/load_id=<N>/...parquet` for both loads."""
    root.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(
            "CREATE TABLE t (order_date DATE, region VARCHAR, channel VARCHAR, "
            "amount DECIMAL(18,2), load_type VARCHAR, load_id BIGINT)"
        )
        con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", rows(LOAD) + rows(RESTATED))
        con.execute(
            f"COPY t TO '{root / 'daily_sales'}' "
            "(FORMAT parquet, PARTITION_BY (load_type, load_id))"
        )
    return root


# -- the reference -----------------------------------------------------------------------

Keep = Callable[[Row], bool]


def _everything(_row: Row) -> bool:
    return True


def daily(keep: Keep = _everything, load: int = LOAD) -> dict[dt.date, float]:
    """The sum of amount per day."""
    found: dict[dt.date, Decimal] = defaultdict(Decimal)
    for row in rows(load):
        if keep(row):
            found[row[0]] += row[3]
    return {d: float(v) for d, v in sorted(found.items())}


def anomalies(series: dict[dt.date, float], threshold: float = 3.5) -> list[tuple[Any, ...]]:
    """(day, value, expected, z) above `threshold`, largest |z| first: residual after the
    weekday's median, robust z-score with the median and MAD of the residuals."""
    by_weekday: dict[int, list[float]] = defaultdict(list)
    for day, value in series.items():
        by_weekday[(day - EPOCH).days % 7].append(value)
    base = {w: statistics.median(v) for w, v in by_weekday.items()}
    residual = {d: v - base[(d - EPOCH).days % 7] for d, v in series.items()}
    mid = statistics.median(residual.values())
    mad = statistics.median(abs(r - mid) for r in residual.values())
    found = []
    for day, r in residual.items():
        z = (r - mid) / (1.4826 * mad)
        if abs(z) > threshold:
            found.append((day, series[day], base[(day - EPOCH).days % 7] + mid, z))
    return sorted(found, key=lambda f: (-abs(f[3]), f[0]))


def trend(series: dict[dt.date, float]) -> tuple[float, float]:
    """(slope per day, R²) of the least-squares line."""
    x = [float((d - EPOCH).days) for d in series]
    y = list(series.values())
    slope, _ = statistics.linear_regression(x, y)
    return slope, statistics.correlation(x, y) ** 2


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def movers(
    pairs: Iterable[tuple[str, float, float]],
) -> list[tuple[str, float, float, float, float | None]]:
    """(group, before, after, change, relative) with a change, largest |change| first."""
    found = [(g, b, a, a - b, (a - b) / abs(b) if b else None) for g, b, a in pairs if a - b != 0]
    return sorted(found, key=lambda m: (-abs(m[3]), m[0]))


def weekly_by_region(keep: Keep = _everything) -> dict[tuple[str, dt.date], float]:
    found: dict[tuple[str, dt.date], Decimal] = defaultdict(Decimal)
    for row in rows(LOAD):
        if keep(row):
            found[(row[1], week_of(row[0]))] += row[3]
    return {k: float(v) for k, v in found.items()}


def by_region(load: int) -> dict[str, float]:
    found: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows(load):
        found[row[1]] += row[3]
    return {k: float(v) for k, v in found.items()}
