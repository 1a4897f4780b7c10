"""The EXPLAIN cost gate: refuse a statement before it runs when the planner expects it to
be huge, and tell the user which filters would make it small."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from adapters.base import Estimate
from backend.catalog.models import Dataset


@dataclass(frozen=True)
class GateDecision:
    allowed: bool
    estimated_rows: int | None
    estimated_cost: float | None
    reason: str | None = None


def decide(
    estimate: Estimate, datasets: Sequence[Dataset], *, max_rows: int, max_cost: float
) -> GateDecision:
    """Gate on the largest intermediate result, not the final row count: a LIMIT 50 on top
    of a fan-out join does not make the join cheap."""
    rows = estimate.max_rows if estimate.max_rows is not None else estimate.rows
    over_rows = rows is not None and rows > max_rows
    over_cost = estimate.cost is not None and estimate.cost > max_cost
    if not (over_rows or over_cost):
        return GateDecision(True, rows, estimate.cost)
    size = f"about {_human(rows)} rows" if over_rows and rows is not None else "too much work"
    reason = (
        f"This query would process {size}, more than this service allows at once. "
        f"{_helpful_filters(datasets)}"
    )
    return GateDecision(False, rows, estimate.cost, reason)


def _helpful_filters(datasets: Sequence[Dataset]) -> str:
    names: list[str] = []
    for ds in datasets:
        names += [c.display for c in ds.visible_columns if c.kind in ("date", "timestamp")][:1]
        names += [c.display for c in ds.visible_columns if c.name.lower() == "department"]
        if ds.vintage and ds.vintage.load_id:
            col = ds.column(ds.vintage.load_id)
            names.append(col.display if col else ds.vintage.load_id)
    unique = list(dict.fromkeys(names))
    if not unique:
        return "Add filters or aggregate the data to make it smaller."
    return f"Add a filter on {_or_list(unique)} to make it smaller."


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _human(n: int) -> str:
    for size, unit in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:,}"
