"""From an insights request to ordinary query specs: the series (one measure per period),
the grouped rows movers compare, and the spec each finding opens in the explorer.

Everything here is a spec, never SQL: the compiler applies vintage, row-level security and
hidden columns to each, and the UI restores each like a saved report.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from backend.catalog.models import Dataset, type_kind
from backend.errors import InvalidQuery, UnknownColumn
from backend.insights.models import InsightsRequest
from backend.query.spec import Agg, GroupBucket, Measure, QuerySpec, Vintage

Grain = str  # day, week, month, quarter, year
_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_DATE_KINDS = ("date", "timestamp")
#: A daily anomaly opens on the days around it, this many either side.
CONTEXT_DAYS = 14


@dataclass(frozen=True)
class Axis:
    """What the request asks about: the measure, the time axis and the mover groups."""

    base: QuerySpec  # the request's spec without grouping, measures, sort or columns
    measure: Measure
    date: str | None
    grain: Grain
    by: tuple[str, ...]
    compare: tuple[Vintage, Vintage] | None
    load_id: str | None = None  # the dataset's load id column, when it has loads

    @property
    def mover_grain(self) -> Grain:
        """Movers compare the latest two periods; a daily chart compares weeks."""
        return "week" if self.grain == "day" else self.grain


def axis_of(request: InsightsRequest, dataset: Dataset) -> Axis:
    """The request's axis, or 422 naming what is missing or wrong."""
    spec = request.spec
    if len(spec.measures) != 1:
        raise InvalidQuery(
            f"insights need exactly one measure; the spec has {len(spec.measures)}",
            path="spec.measures",
        )
    date, grain = _date_of(request, dataset)
    compare = _compare_of(request, dataset)
    if date is None and compare is None:
        raise InvalidQuery(
            "insights need a date column (group by a date, or name date_column) or two "
            "loads to compare",
            path="date_column",
        )
    by = request.by if request.by is not None else _plain_groups(spec, date)
    blank: dict[str, Any] = {
        "group_by": [],
        "measures": [],
        "sort": [],
        "columns": [],
        "totals": None,
        "limit": None,  # the findings read the whole series, not a top N of its rows
        "page": 1,
    }
    base = spec.model_copy(update=blank)
    load_id = dataset.vintage.load_id if dataset.vintage is not None else None
    return Axis(base, spec.measures[0], date, grain, tuple(by), compare, load_id)


def _date_of(request: InsightsRequest, dataset: Dataset) -> tuple[str | None, Grain]:
    spec = request.spec
    buckets = {g.column: g.bucket for g in spec.group_by if isinstance(g, GroupBucket)}
    name = request.date_column
    if name is None:
        found = [g if isinstance(g, str) else g.column for g in spec.group_by]
        name = next((n for n in found if n in buckets or _is_date(dataset, n)), None)
        if name is None:
            return None, "day"
    column = dataset.column(name)
    if column is None and "." not in name:  # a joined column is checked by the compiler
        raise UnknownColumn(f"unknown column '{name}' in {dataset.display}", path="date_column")
    if column is not None and column.kind not in _DATE_KINDS:
        raise InvalidQuery(f"{column.display} is not a date", path="date_column")
    return name, buckets.get(name, "day")


def _is_date(dataset: Dataset, name: str) -> bool:
    column = dataset.column(name)
    return column is not None and type_kind(column.type) in _DATE_KINDS


def _plain_groups(spec: QuerySpec, date: str | None) -> list[str]:
    return [g for g in spec.group_by if isinstance(g, str) and g != date][:3]


def _compare_of(request: InsightsRequest, dataset: Dataset) -> tuple[Vintage, Vintage] | None:
    if request.compare is None:
        return None
    loads = dataset.vintage
    if loads is None or loads.load_id is None:
        raise InvalidQuery(f"{dataset.display} has no loads to compare", path="compare")
    before, after = request.compare
    if before.load_id is None or after.load_id is None or before.load_id == after.load_id:
        raise InvalidQuery("compare takes two different load ids", path="compare")
    return before, after


# -- the specs the statements read -----------------------------------------------------------


def bucket(axis: Axis, grain: Grain) -> GroupBucket:
    assert axis.date is not None
    return GroupBucket(column=axis.date, bucket=grain)


def series_spec(axis: Axis) -> QuerySpec:
    """One row per period of the axis: the period and the measure, oldest first."""
    period = bucket(axis, axis.grain)
    body = _dumped(axis.base, [period], [axis.measure], [{"column": period.name}])
    return QuerySpec.model_validate(body)


#: The periods spec's second measure: the last day of data (is the latest period whole?).
LAST_DAY = "insight_last_day"


def series_statement_spec(axis: Axis) -> QuerySpec:
    """The series with the last day of data in each period (is the latest one whole?)."""
    period = bucket(axis, axis.grain)
    last = Measure(agg=Agg.MAX, column=axis.date, alias=LAST_DAY)
    return QuerySpec.model_validate(_dumped(axis.base, [period], [axis.measure, last], []))


def periods_spec(axis: Axis) -> QuerySpec:
    """The measure per mover group and period (movers compare the latest two whole periods),
    and the last day of data in each."""
    period = bucket(axis, axis.mover_grain)
    last = Measure(agg=Agg.MAX, column=axis.date, alias=LAST_DAY)
    return QuerySpec.model_validate(
        _dumped(axis.base, [*axis.by, period], [axis.measure, last], [])
    )


def loads_spec(axis: Axis, load_id: str) -> QuerySpec:
    """The measure per mover group and load, over the two loads compared."""
    assert axis.compare is not None
    body = _dumped(axis.base, [*axis.by, load_id], [axis.measure], [])
    body["vintage"] = {"all_loads": True}
    body["filters"] = _and(body.get("filters"), _loads_filter(axis.compare, load_id))
    return QuerySpec.model_validate(body)


def _dumped(
    base: QuerySpec, group_by: list[Any], measures: list[Measure], sort: list[Any]
) -> dict[str, Any]:
    body = base.model_dump(mode="json", exclude_defaults=True)
    body["group_by"] = [
        g if isinstance(g, str) else g.model_dump(exclude_none=True) for g in group_by
    ]
    body["measures"] = [m.model_dump(mode="json", exclude_none=True) for m in measures]
    body["sort"] = sort
    return body


def _and(existing: dict[str, Any] | None, *more: dict[str, Any]) -> dict[str, Any]:
    conditions = ([existing] if existing else []) + list(more)
    return {"op": "and", "conditions": conditions}


def _loads_filter(compare: tuple[Vintage, Vintage], load_id: str) -> dict[str, Any]:
    ids = [v.load_id for v in compare]
    return {"column": load_id, "operator": "in", "value": ids}


# -- the specs findings open -------------------------------------------------------------


def trend_finding_spec(axis: Axis, page_size: int) -> dict[str, Any]:
    return _shown(series_spec(axis), page_size)


def anomaly_finding_spec(axis: Axis, day: dt.date, page_size: int) -> dict[str, Any]:
    """The series; for a daily one, only the days around the anomaly."""
    spec = series_spec(axis)
    if axis.grain != "day":
        return _shown(spec, page_size)
    assert axis.date is not None
    start = day - dt.timedelta(days=CONTEXT_DAYS)
    end = day + dt.timedelta(days=CONTEXT_DAYS + 1)
    body = spec.model_dump(mode="json", exclude_defaults=True)
    body["filters"] = _and(body.get("filters"), *_range(axis.date, start, end))
    return _shown(QuerySpec.model_validate(body), page_size)


def period_mover_spec(
    axis: Axis, group: dict[str, Any], before: dt.date, after: dt.date, page_size: int
) -> dict[str, Any]:
    """The group's measure in the two periods compared, one row each."""
    assert axis.date is not None
    period = bucket(axis, axis.mover_grain)
    body = _dumped(axis.base, [*axis.by, period], [axis.measure], [{"column": period.name}])
    end = next_period(after, axis.mover_grain)
    body["filters"] = _and(
        body.get("filters"), *_group_filter(group), *_range(axis.date, before, end)
    )
    return _shown(QuerySpec.model_validate(body), page_size)


def load_mover_spec(
    axis: Axis, group: dict[str, Any], load_id: str, page_size: int
) -> dict[str, Any]:
    """The group's measure in the two loads compared, one row each."""
    body = loads_spec(axis, load_id).model_dump(mode="json", exclude_defaults=True)
    body["filters"] = _and(body.get("filters"), *_group_filter(group))
    body["sort"] = [{"column": load_id}]
    return _shown(QuerySpec.model_validate(body), page_size)


def _group_filter(group: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"column": k, "operator": "is_null"}
        if v is None
        else {"column": k, "operator": "=", "value": v}
        for k, v in group.items()
    ]


def _range(column: str, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """[start, end): works on dates and timestamps alike."""
    return [
        {"column": column, "operator": ">=", "value": start.isoformat()},
        {"column": column, "operator": "<", "value": end.isoformat()},
    ]


def _shown(spec: QuerySpec, page_size: int) -> dict[str, Any]:
    shown: dict[str, Any] = spec.model_dump(mode="json", exclude_defaults=True)
    shown["page_size"] = page_size
    return shown


def next_period(start: dt.date, grain: Grain) -> dt.date:
    """The first day of the period after the one starting on `start`.

    >>> next_period(dt.date(2024, 1, 31), "month"), next_period(dt.date(2024, 11, 1), "quarter")
    (datetime.date(2024, 2, 29), datetime.date(2025, 2, 1))
    >>> next_period(dt.date(2024, 3, 4), "week")
    datetime.date(2024, 3, 11)
    """
    if grain == "day":
        return start + dt.timedelta(days=1)
    if grain == "week":
        return start + dt.timedelta(days=7)
    months = start.month - 1 + _MONTHS[grain]
    year, month = start.year + months // 12, months % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
