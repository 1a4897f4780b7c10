"""The insights use case: request -> specs -> compiled (vintage, RLS, hidden columns) -> cost
gate -> one statement per kind of finding, run through the query service's executor (the
admission queue and timeout) -> findings in words, each with the spec that shows it.

Only the statements' answers come back to Python: at most `top` anomalies and movers and one
trend row, never the series itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlglot import exp

from backend.catalog.models import Dataset
from backend.insights import specs, sql, text
from backend.insights.models import Finding, InsightsRequest, InsightsResponse
from backend.insights.specs import Axis
from backend.query.context import CompiledQuery
from backend.query.spec import Agg, QuerySpec
from backend.services.access import Caller
from backend.services.offload import off_loop
from backend.services.queries import QueryService

_ADDITIVE = frozenset({Agg.SUM, Agg.COUNT, Agg.COUNT_DISTINCT})
Shape = Callable[[list[list[Any]], "Ran"], list[Finding]]


@dataclass(frozen=True)
class Ran:
    """One statement's context for shaping its rows into findings."""

    axis: Axis
    request: InsightsRequest
    label: str
    labels: dict[str, str]


@dataclass(frozen=True)
class Statement:
    spec: QuerySpec
    build: Callable[[exp.Select], exp.Select]
    shape: Shape


class Insights:
    def __init__(self, queries: QueryService) -> None:
        self.queries = queries

    async def find(self, request: InsightsRequest, caller: Caller) -> InsightsResponse:
        """Findings for `request` as `caller` sees the data; 404 for a dataset they cannot
        see, 422 for a request without a measure or a time axis."""
        dataset = self.queries.policy.dataset_for(request.spec.dataset, caller)
        axis = specs.axis_of(request, dataset)
        answers = await asyncio.gather(
            *(self._run(s, request, axis, dataset, caller) for s in statements(axis, request))
        )
        findings = [f for found, _ in answers for f in found]
        return InsightsResponse(findings=findings, sql=[q for _, q in answers])

    async def _run(
        self,
        statement: Statement,
        request: InsightsRequest,
        axis: Axis,
        dataset: Dataset,
        caller: Caller,
    ) -> tuple[list[Finding], str]:
        queries = self.queries
        compiled: CompiledQuery = await off_loop(queries.prepared, statement.spec, caller)
        await queries.gate(compiled)  # the spec's own reads; the wrapper reads its few rows
        tree = await off_loop(statement.build, compiled.unpaged)
        timeout = queries.settings.query_timeout_s
        table = await queries.executor.run(
            lambda qid: queries.adapter.run(tree, timeout_s=timeout, query_id=qid),
            timeout_s=timeout,
        )
        ran = Ran(axis, request, _label(compiled, axis), _labels(dataset, compiled))
        return statement.shape(_rows(table), ran), queries.adapter.render(tree)


def statements(axis: Axis, request: InsightsRequest) -> list[Statement]:
    """The statements a request needs: anomalies and trend over the time axis, movers
    between the latest two periods (when there are groups) or the two loads compared."""
    found: list[Statement] = []
    value = axis.measure.alias
    if axis.date is not None:
        period = specs.bucket(axis, axis.grain).name
        weekly = axis.grain == "day"
        # A day is whole once it has data; longer periods may still be under way.
        whole = None if weekly else (specs.LAST_DAY, axis.grain)
        series = specs.series_spec(axis) if weekly else specs.series_statement_spec(axis)
        found.append(
            Statement(
                series,
                lambda t: sql.anomalies(
                    t,
                    period,
                    value,
                    weekly=weekly,
                    threshold=request.threshold,
                    top=request.top,
                    partial=whole,
                ),
                _anomalies,
            )
        )
        found.append(
            Statement(series, lambda t: sql.trend(t, period, value, partial=whole), _trend)
        )
    movers = _movers_statement(axis, request)
    return found + ([movers] if movers is not None else [])


def _movers_statement(axis: Axis, request: InsightsRequest) -> Statement | None:
    if not axis.by and axis.compare is None:
        return None
    value, additive = axis.measure.alias, axis.measure.agg in _ADDITIVE
    groups = list(axis.by)
    if axis.compare is not None:
        load_id = _load_id_column(axis)
        after = axis.compare[1].load_id

        def by_load(key: exp.Expr) -> exp.Expr:
            return exp.Case(default=sql.num(2)).when(key.eq(exp.convert(after)), sql.num(1))

        return Statement(
            specs.loads_spec(axis, load_id),
            lambda t: sql.movers(
                t, groups, load_id, value, rank=by_load, additive=additive, top=request.top
            ),
            _load_movers,
        )
    period = specs.bucket(axis, axis.mover_grain).name
    return Statement(
        specs.periods_spec(axis),
        lambda t: sql.movers(
            t,
            groups,
            period,
            value,
            rank=sql.latest_two,
            additive=additive,
            top=request.top,
            partial=(specs.LAST_DAY, axis.mover_grain),
        ),
        _period_movers,
    )


def _load_id_column(axis: Axis) -> str:
    assert axis.load_id is not None, "axis_of checks the dataset has loads"
    return axis.load_id


# -- rows -> findings --------------------------------------------------------------------


def _anomalies(rows: list[list[Any]], ran: Ran) -> list[Finding]:
    found = []
    for day, value, expected, z in rows:
        day, value, expected, z = _date(day), float(value), float(expected), float(z)
        found.append(
            Finding(
                kind="anomaly",
                text=text.anomaly(ran.label, day, ran.axis.grain, value, expected, z),
                spec=specs.anomaly_finding_spec(ran.axis, day, ran.request.spec.page_size),
                measure=ran.axis.measure.alias,
                date=day,
                value=value,
                expected=expected,
                score=z,
            )
        )
    return found


def _trend(rows: list[list[Any]], ran: Ran) -> list[Finding]:
    if not rows:
        return []
    slope, _intercept, r2, x0, x1, d0, d1, n = rows[0]
    if slope is None or n is None or int(n) < 3:
        return []  # fewer than three points: no trend worth a sentence
    slope, r2 = float(slope), float(r2) if r2 is not None else 0.0
    change = slope * (float(x1) - float(x0))
    direction = "up" if slope > 0 else "down" if slope < 0 else "flat"
    return [
        Finding(
            kind="trend",
            text=text.trend(ran.label, (_date(d0), _date(d1)), slope, change, r2, ran.axis.grain),
            spec=specs.trend_finding_spec(ran.axis, ran.request.spec.page_size),
            measure=ran.axis.measure.alias,
            slope_per_day=slope,
            r2=r2,
            change=change,
            direction=direction,
        )
    ]


def _period_movers(rows: list[list[Any]], ran: Ran) -> list[Finding]:
    found = []
    grain = ran.axis.mover_grain
    for row in rows:
        group, (before, after, change, relative, k0, k1) = _split(row, ran.axis)
        k0, k1 = _date(k0) if k0 is not None else None, _date(k1)
        if k0 is None:
            return []  # one period only: nothing to compare
        between = (_period_name(k0, grain), _period_name(k1, grain))
        spec = specs.period_mover_spec(ran.axis, group, k0, k1, ran.request.spec.page_size)
        found.append(_mover(ran, group, before, after, change, relative, between, spec))
    return found


def _load_movers(rows: list[list[Any]], ran: Ran) -> list[Finding]:
    found = []
    load_id = _load_id_column(ran.axis)
    for row in rows:
        group, (before, after, change, relative, k0, k1) = _split(row, ran.axis)
        between = (f"load {k0}", f"load {k1}")
        spec = specs.load_mover_spec(ran.axis, group, load_id, ran.request.spec.page_size)
        found.append(_mover(ran, group, before, after, change, relative, between, spec))
    return found


def _split(row: list[Any], axis: Axis) -> tuple[dict[str, Any], list[Any]]:
    n = len(axis.by)
    return dict(zip(axis.by, row[:n], strict=True)), list(row[n:])


def _mover(
    ran: Ran,
    group: dict[str, Any],
    before: Any,
    after: Any,
    change: Any,
    relative: Any,
    between: tuple[str, str],
    spec: dict[str, Any],
) -> Finding:
    b, a = _float(before), _float(after)
    rel = _float(relative)
    return Finding(
        kind="mover",
        text=text.mover(ran.label, text.group_name(group, ran.labels), b, a, rel, between),
        spec=spec,
        measure=ran.axis.measure.alias,
        group=group,
        before=b,
        after=a,
        change=float(change),
        relative=rel,
    )


def _period_name(day: dt.date, grain: str) -> str:
    return text.period(day, grain).removeprefix("in ").removeprefix("on ")


def _rows(table: pa.Table) -> list[list[Any]]:
    """Python values (dates as dates: `table_rows` makes JSON-ready text of them)."""
    return [list(row) for row in zip(*(c.to_pylist() for c in table.columns), strict=True)]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _date(value: Any) -> dt.date:
    """Oracle answers a DATE as a datetime."""
    return value.date() if isinstance(value, dt.datetime) else value


def _label(compiled: CompiledQuery, axis: Axis) -> str:
    alias = axis.measure.alias
    return next((c.label for c in compiled.columns if c.name == alias), alias)


def _labels(dataset: Dataset, compiled: CompiledQuery) -> dict[str, str]:
    labels = {c.name: c.display for c in dataset.columns}
    return {**labels, **{c.name: c.label for c in compiled.columns}}
