"""Charts of an aggregated grid: bar, line, area, pie, or a KPI tile.

A chart runs the grid's own query with its own row limit (the KPI tile: the measure over
everything, no grouping, computed by the database). State keeps at most `MAX_LIMIT` points.

Chart settings are kept with the saved report in this browser (localStorage, keyed by the
report id): the report API's record has no field for them yet.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import reflex as rx

from aurora import formatting as fmt
from aurora.api_client import ApiError
from aurora.state.auth import AuthState
from aurora.state.explorer import ExplorerState
from aurora.state.models import Pill

KINDS = ("bar", "line", "area", "pie", "kpi")
# Pie slices take their colour from the data (recharts reads `fill` of each entry).
PIE_COLOURS = (
    "#2563eb",
    "#0ea5e9",
    "#14b8a6",
    "#84cc16",
    "#f59e0b",
    "#ef4444",
    "#a855f7",
    "#64748b",
    "#1d4ed8",
    "#0891b2",
    "#0d9488",
    "#65a30d",
)
DEFAULT_LIMIT = 20
MAX_LIMIT = 200


@dataclasses.dataclass
class ChartSettings:
    kind: str = "bar"
    x: str = ""
    y: str = ""
    limit: int = DEFAULT_LIMIT


def chart_spec(spec: dict[str, Any], settings: ChartSettings) -> dict[str, Any]:
    """The grid's query, limited for the chart; a KPI drops the grouping (one total row)."""
    out = {**spec, "page": 1, "page_size": max(1, min(MAX_LIMIT, settings.limit))}
    if settings.kind == "kpi":
        out["group_by"] = []
        out["measures"] = [m for m in spec.get("measures", []) if m.get("alias") == settings.y]
        out["sort"] = []
        out["page_size"] = 1
    return out


def points(result: dict[str, Any], x: str, y: str) -> list[dict[str, Any]]:
    """Result rows -> `{"x": label, "y": number}`; rows whose measure is null are skipped."""
    names = [str(c.get("name")) for c in result.get("columns", [])]
    if y not in names:
        return []
    yi = names.index(y)
    xi = names.index(x) if x in names else None
    out = []
    for row in result.get("rows", []):
        value = _number(row[yi])
        if value is None:
            continue
        label = "Total" if xi is None else ("(blank)" if row[xi] is None else str(row[xi]))
        out.append({"x": label, "y": value})
    return out


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


class ChartState(rx.State):
    show: bool = False
    kind: str = "bar"
    x: str = ""
    y: str = ""
    limit: int = DEFAULT_LIMIT
    data: list[dict[str, Any]] = []
    kpi_text: str = ""
    error: str = ""
    loading: bool = False
    x_options: list[Pill] = []  # group columns (id = name, text = label)
    y_options: list[Pill] = []  # measures
    saved: str = rx.LocalStorage("{}", name="aurora_report_charts")
    _last: str = ""

    @rx.var
    def y_label(self) -> str:
        return next((p.text for p in self.y_options if p.id == self.y), self.y)

    def settings(self) -> ChartSettings:
        return ChartSettings(kind=self.kind, x=self.x, y=self.y, limit=self.limit)

    def _fit(self, explorer: ExplorerState) -> bool:
        """Choices follow the grid's aggregation; False when there is nothing to chart."""
        labels = {c.name: c.label for c in explorer.columns}
        shown = {c.name: c.label for c in explorer.result_columns}
        self.x_options = [Pill(id=g, text=labels.get(g, g)) for g in explorer.group_by]
        self.y_options = [
            Pill(id=m.alias, text=shown.get(m.alias, m.alias)) for m in explorer.measures
        ]
        if self.x not in explorer.group_by:
            self.x = explorer.group_by[0] if explorer.group_by else ""
        if self.y not in {m.alias for m in explorer.measures}:
            self.y = explorer.measures[0].alias if explorer.measures else ""
        return bool(self.y)

    @rx.event
    async def toggle(self):
        self.show = not self.show
        if self.show:
            self._last = ""
            return ChartState.refresh
        return None

    @rx.event
    def set_kind(self, value: str):
        self.kind = value if value in KINDS else "bar"
        return ChartState.settings_changed

    @rx.event
    def set_x(self, value: str):
        self.x = value
        return ChartState.settings_changed

    @rx.event
    def set_y(self, value: str):
        self.y = value
        return ChartState.settings_changed

    @rx.event
    def set_limit(self, value: str):
        try:
            self.limit = max(1, min(MAX_LIMIT, int(value)))
        except ValueError:
            self.limit = DEFAULT_LIMIT
        return ChartState.settings_changed

    @rx.event
    async def settings_changed(self):
        await self._remember()
        return ChartState.refresh

    async def _remember(self) -> None:
        """Keep the settings with the open report (in this browser)."""
        explorer = await self.get_state(ExplorerState)
        if not explorer.report_id:
            return
        saved = _load(self.saved)
        saved[explorer.report_id] = {**dataclasses.asdict(self.settings()), "show": self.show}
        self.saved = json.dumps(saved)

    @rx.event
    async def report_opened(self):
        """After a report is opened: its chart as it was saved, if any."""
        explorer = await self.get_state(ExplorerState)
        entry = _load(self.saved).get(explorer.report_id)
        if not isinstance(entry, dict):
            self.show, self.data, self.kpi_text = False, [], ""
            return None
        self.kind = str(entry.get("kind") or "bar")
        self.x, self.y = str(entry.get("x") or ""), str(entry.get("y") or "")
        self.limit = int(entry.get("limit") or DEFAULT_LIMIT)
        self.show, self._last = bool(entry.get("show", True)), ""
        return ChartState.refresh if self.show else None

    @rx.event
    async def report_saved(self):
        await self._remember()

    @rx.event(background=True)
    async def refresh(self):
        async with self:
            if not self.show:
                return
            explorer = await self.get_state(ExplorerState)
            if not explorer.aggregated or not self._fit(explorer):
                self.data, self.kpi_text = [], ""
                self.error = "Charts draw aggregated results: group by a column and add a measure."
                return
            spec = chart_spec(explorer.current_spec(), self.settings())
            key = json.dumps(spec, sort_keys=True)
            if key == self._last:
                return
            self._last, self.loading, self.error = key, True, ""
            client = (await self.get_state(AuthState)).client()
            x, y, kind = self.x, self.y, self.kind
        try:
            result = await client.query(spec)
        except ApiError as exc:
            async with self:
                self.loading, self.error, self._last = False, exc.message, ""
            return
        async with self:
            if key != self._last:
                return
            self.loading = False
            found = points(result, x, y)
            if kind == "pie":
                found = [
                    {**p, "fill": PIE_COLOURS[i % len(PIE_COLOURS)]} for i, p in enumerate(found)
                ]
            self.data = [] if kind == "kpi" else found
            self.kpi_text = _kpi(found, result, y) if kind == "kpi" else ""


def _kpi(found: list[dict[str, Any]], result: dict[str, Any], y: str) -> str:
    if not found:
        return "—"
    col = next((c for c in result.get("columns", []) if c.get("name") == y), {})
    text = fmt.format_value(found[0]["y"], fmt.kind_of(str(col.get("type", ""))), None, y)
    return str(text)


def _load(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
