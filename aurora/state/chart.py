"""The chart above an aggregated grid: bar, line, area, pie, or a KPI tile.

Every setting redraws: the chart's query (see aurora.chart_data) is the grid's, regrouped by
the chart's category and series columns, asked again whenever what is drawn would change (a
new measure is the same query: the API's result cache answers it). State keeps only the
points drawn. Settings travel with the saved report (its `kind` and `chart` fields), never
in the browser.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import reflex as rx

from aurora import chart_data as cd
from aurora.api_client import ApiError
from aurora.state import session
from aurora.state.base import PageState
from aurora.state.explorer import AFTER_RESULT, ON_REPORT_OPENED, ExplorerState
from aurora.state.models import Pill

KINDS = cd.KINDS
MAX_LIMIT = cd.MAX_LIMIT
_NO_AXIS = {"prefix": "", "suffix": "", "digits": 0, "percent": False}
NOT_AGGREGATED = "Charts draw aggregated results: group by a column and add a measure."


@session.forgotten
class ChartState(PageState, rx.State):
    show: bool = False
    kind: str = "bar"
    x: str = ""
    y: str = ""
    series: str = ""
    stack: str = "stacked"
    limit: int = cd.DEFAULT_LIMIT
    points: list[dict[str, Any]] = []
    lines: list[cd.Series] = []  # the drawn series: one per value of the series column
    axis: dict[str, Any] = _NO_AXIS
    note: str = ""
    kpi_text: str = ""
    loading: bool = False
    x_options: list[Pill] = []  # group columns (id = name, text = label)
    y_options: list[Pill] = []  # measures
    used: bool = False  # opened or restored: its settings are saved with the report
    _drawn: str = ""  # the query and settings of what is on screen
    _asked: str = ""  # ... and of the answer awaited

    @rx.var
    def y_label(self) -> str:
        return next((p.text for p in self.y_options if p.id == self.y), self.y)

    @rx.var
    def series_options(self) -> list[Pill]:
        return [p for p in self.x_options if p.id != self.x]

    @rx.var
    def has_series(self) -> bool:
        return bool(self.series) and self.kind in cd.SERIES_KINDS

    @rx.var
    def stack_id(self) -> str:
        """Bars and areas of one stack id pile up; none (grouped) puts them side by side."""
        return "total" if self.stack == "stacked" else ""

    def _settings(self) -> cd.Settings:
        return cd.Settings(self.kind, self.x, self.y, self.series, self.stack, self.limit)

    def _take(self, s: cd.Settings) -> None:
        self.kind, self.x, self.y, self.series = s.kind, s.x, s.y, s.series
        self.stack, self.limit = s.stack, s.limit

    def _saved(self, spec: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
        """The report's `kind` and `chart` for a save of `spec` (the saved grid's query)."""
        chart = cd.to_saved(self._settings(), spec) if self.used else None
        return ("chart" if chart and self.show else "table"), chart

    def _fit(self, explorer: ExplorerState, spec: dict[str, Any]) -> bool:
        """Choices follow the grid's query; False when there is nothing to chart."""
        labels = {c.name: c.label for c in [*explorer._bucket_columns(), *explorer.columns]}
        shown = {c.name: c.label for c in explorer.result_columns}
        groups = cd.group_names(spec)
        aliases = [str(m.get("alias")) for m in spec.get("measures") or []]
        self.x_options = [Pill(id=g, text=labels.get(g, g)) for g in groups]
        self.y_options = [Pill(id=a, text=shown.get(a, a)) for a in aliases]
        self._take(cd.fit(self._settings(), groups, aliases))
        return bool(self.y) and (bool(self.x) or self.kind == "kpi")

    async def _shown(self, show: bool) -> None:
        """Show or hide, and tell the explorer, whose pages ask for a refresh only then."""
        self.show = show
        (await self.get_state(ExplorerState))._followed = show

    @rx.event
    async def toggle(self):
        await self._shown(not self.show)
        if self.show:
            self.used = True
            return ChartState.refresh
        return None

    @rx.event
    def set_kind(self, value: str):
        self.kind = value if value in KINDS else "bar"
        return ChartState.refresh

    @rx.event
    def set_x(self, value: str):
        if value != self.x:
            self.x = value
            self.series = "" if self.series == value else self.series
        return ChartState.refresh

    @rx.event
    def set_y(self, value: str):
        self.y = value
        return ChartState.refresh

    @rx.event
    def set_series(self, value: str):
        self.series = value
        return ChartState.refresh

    @rx.event
    def set_stack(self, value: str):
        self.stack = value if value in cd.STACKS else "stacked"
        return ChartState.refresh

    @rx.event
    def set_limit(self, value: str):
        self.limit = cd.clamp_limit(value)
        return ChartState.refresh

    @rx.event
    async def report_opened(self, kind: str, chart: dict[str, Any]):
        """A report was opened: its chart as saved (drawn when it was saved drawn)."""
        restored = cd.from_saved(chart)
        self.points, self.lines, self.kpi_text, self.error, self.note = [], [], "", "", ""
        self._drawn = ""
        if restored is None:
            await self._shown(False)
            self.used = False
            self._take(cd.Settings())
            return None
        self._take(restored)
        self.used = True
        await self._shown(kind == "chart")
        return ChartState.refresh if self.show else None

    @rx.event
    def drill(self, cat: str, key: str):
        """A click on a bar, point or slice: the grid keeps only that group."""
        point = next((p for p in self.points if p.get("cat") == cat), None)
        if point is None:
            return None
        line = next((s for s in self.lines if s.key == key), None)
        return ExplorerState.narrow_to(cd.drill_conditions(point, self._settings(), line))

    @rx.event(background=True)
    async def refresh(self):
        async with self:
            if not self.show:
                return
            explorer = await self.get_state(ExplorerState)
            spec = explorer._current_spec()
            if not explorer.aggregated or not self._fit(explorer, spec):
                self._clear(NOT_AGGREGATED)
                return
            query = cd.chart_spec(spec, self._settings())
            formats = {c.name: c.format for c in explorer._bucket_columns()}
            key = json.dumps([query, dataclasses.asdict(self._settings())], default=str)
            if key == self._drawn:
                return  # e.g. a grid page turn: the chart's numbers are the same
            self._asked, self.loading, self.error = key, True, ""
            client = await self._api()
            generation = await self._begin()
        try:
            result = await client.query(query)
        except ApiError as exc:
            async with self:
                if key == self._asked and await self._current(generation):
                    self._clear(exc.message)
            return
        async with self:
            if key != self._asked or not await self._current(generation):
                return  # a newer setting asked again, or its user signed out
            self._drawn = key
            self._draw(cd.with_formats(result, formats))

    def _clear(self, error: str) -> None:
        self.points, self.lines, self.kpi_text, self.note = [], [], "", ""
        self.error, self.loading, self._drawn, self._asked = error, False, "", ""

    def _draw(self, result: dict[str, Any]) -> None:
        s = self._settings()
        self.loading, self.error = False, ""
        _, ycol = cd.column_of(result, s.y)
        self.axis = cd.axis_format(ycol) if ycol else dict(_NO_AXIS)
        if s.kind == "kpi":
            rows = result.get("rows") or []
            at, _ = cd.column_of(result, s.y)
            value = rows[0][at] if rows and at is not None else None
            self.points, self.lines, self.note = [], [], ""
            self.kpi_text = "\u2014" if value is None else cd.text_of(value, ycol)
            return
        drawn = cd.draw(result, s)
        self.points, self.lines, self.note, self.kpi_text = (
            drawn.points,
            drawn.series,
            drawn.note,
            "",
        )


# A chart on screen follows the grid's query, and a report opens with its saved chart.
AFTER_RESULT.append(ChartState.refresh)
ON_REPORT_OPENED.append(ChartState.report_opened)
