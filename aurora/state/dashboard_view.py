"""The dashboard view (`/dashboards/{id}`): tabs, the filter bar, cross-filter pills, the
tiles of the active tab, refresh, "Open in explorer", and edit mode (add tiles and filters,
drag and resize on the grid, save). See aurora/state/dashboards.py for the shapes."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from typing import Any

import reflex as rx

from aurora import dashboard_doc as docs
from aurora import spec_restore
from aurora.api_client import ApiClient, ApiError
from aurora.state.base import PageState
from aurora.state.dashboards import CrossPill, FilterView, TabView, TileView
from aurora.state.explorer import ExplorerState

FILTER_TYPES = ("date_range", "multi_select", "number_range", "text_contains")


def _filter_view(f: dict[str, Any], value: Any) -> FilterView:
    view = FilterView(id=str(f["id"]), label=str(f["label"]), type=str(f["type"]))
    if isinstance(value, dict):
        view.preset = str(value.get("preset") or "")
        view.start = str(value.get("start") or value.get("min") or "")
        view.end = str(value.get("end") or value.get("max") or "")
    elif isinstance(value, list):
        view.text = ", ".join(str(v) for v in value)
    elif value is not None:
        view.text = str(value)
    return view


def _value(f: FilterView) -> Any:
    """The API's value of what the filter bar holds (None: no filter)."""
    if f.type == "date_range":
        if f.preset:
            return {"preset": f.preset}
        got = {k: v for k, v in (("start", f.start), ("end", f.end)) if v}
        return got or None
    if f.type == "number_range":
        got = {}
        for key, text in (("min", f.start), ("max", f.end)):
            try:
                got[key] = float(text)
            except ValueError:
                continue
        return got or None
    if f.type == "multi_select":
        return [v.strip() for v in f.text.split(",") if v.strip()] or None
    return f.text or None


def _area(position: dict[str, int]) -> str:
    p = position
    return f"{p['y'] + 1} / {p['x'] + 1} / span {p['h']} / span {p['w']}"


def _tile_view(t: dict[str, Any]) -> TileView:
    return TileView(
        area=_area(t["position"]),
        id=str(t["id"]),
        kind=str(t["kind"]),
        view=str(t.get("view") or "table"),
        title=str(t.get("title") or ""),
        markdown=str(t.get("markdown") or ""),
        loading=t["kind"] == "report",
    )


def _painted(view: TileView, tile: dict[str, Any], result: dict[str, Any] | ApiError) -> TileView:
    """The tile drawn from its answer: table cells, the KPI's number, chart points."""
    if isinstance(result, ApiError):
        return dataclasses.replace(view, loading=False, error=result.message)
    headers, cells = docs.table(result)
    measures = [str(m.get("alias")) for m in tile["spec"].get("measures") or []]
    drawn = docs.points(result, tile.get("chart"), measures)
    return dataclasses.replace(
        view,
        loading=False,
        error="",
        headers=headers,
        cells=cells,
        kpi=docs.kpi(result, tile.get("chart")),
        points=drawn.points,
        x=drawn.x,
    )


class DashboardState(PageState, rx.State):
    dashboard_id: str = ""
    name: str = ""
    can_edit: bool = False
    editing: bool = False
    dirty: bool = False
    notice: str = ""
    tabs: list[TabView] = []
    active_tab: str = ""
    tiles: list[TileView] = []
    layout: list[dict[str, Any]] = []
    filters: list[FilterView] = []
    pills: list[CrossPill] = []
    updated: str = ""
    # edit mode: what to add
    report_options: list[dict[str, str]] = []
    chosen_report: str = ""
    new_text: str = ""
    new_filter_label: str = ""
    new_filter_type: str = "date_range"
    new_filter_column: str = ""
    _doc: dict[str, Any] = {}
    _reports: dict[str, dict[str, Any]] = {}
    _raw_points: dict[str, list[dict[str, Any]]] = {}

    # ---- opening -----------------------------------------------------------------------

    @rx.event
    async def open_dashboard(self):
        """on_load of /dashboards/{id}: the document, the address's filter values, tiles."""
        client, redirect = await self._signed_in_api()
        if client is None:
            return redirect
        dashboard_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        params = self.router.url.query_parameters
        try:
            doc = await client.dashboard(dashboard_id)
        except ApiError as exc:
            self.dashboard_id, self.tiles = "", []
            return self._failed(exc)
        values, cross = docs.from_address(str(params.get("f") or ""))
        self._take(doc, values, cross)
        self.editing = self.can_edit and str(params.get("edit") or "") == "1"
        self.notice, self.error, self.dirty = "", "", False
        if self.editing:
            follow_up = await self._load_reports()
            if follow_up is not None:
                return follow_up
        return DashboardState.load_tiles

    def _take(self, doc: dict[str, Any], values: dict[str, Any], cross: list[Any]) -> None:
        self._doc, self.dashboard_id = doc, str(doc["id"])
        self.name, self.can_edit = str(doc.get("name", "")), bool(doc.get("can_edit"))
        self.tabs = [TabView(id=str(t["id"]), title=str(t["title"])) for t in doc["tabs"]]
        if self.active_tab not in {t.id for t in self.tabs}:
            self.active_tab = self.tabs[0].id if self.tabs else ""
        self.filters = [
            _filter_view(f, values.get(f["id"], f.get("default"))) for f in doc.get("filters", [])
        ]
        self.pills = [CrossPill(column=str(c["column"]), value=str(c.get("value"))) for c in cross]
        self._show_tab()

    def _show_tab(self) -> None:
        tab = docs.tab(self._doc, self.active_tab)
        self.tiles = [_tile_view(t) for t in tab.get("tiles", [])]
        self.layout = docs.layout(self._doc, self.active_tab)

    def _request(self) -> dict[str, Any]:
        values = {f.id: _value(f) for f in self.filters}
        cross = [{"column": p.column, "value": p.value} for p in self.pills]
        return {"filters": {k: v for k, v in values.items() if v is not None}, "cross": cross}

    # ---- tiles -------------------------------------------------------------------------

    @rx.event(background=True)
    async def load_tiles(self):
        """Every report tile of the tab at once, each painted as its answer arrives."""
        async with self:
            generation = await self._begin()
            client = await self._api()
            tab = docs.tab(self._doc, self.active_tab)
            wanted = [t for t in tab.get("tiles", []) if t["kind"] == "report"]
            request, dashboard_id = self._request(), self.dashboard_id
            self.tiles = [
                dataclasses.replace(v, loading=v.kind == "report", error="") for v in self.tiles
            ]

        async def one(tile: dict[str, Any]) -> None:
            try:
                result: dict[str, Any] | ApiError = await client.tile_data(
                    dashboard_id, tile["id"], request
                )
            except ApiError as exc:
                result = exc
            async with self:
                if await self._current(generation) and self.dashboard_id == dashboard_id:
                    self._paint(tile, result)

        await asyncio.gather(*(one(t) for t in wanted))
        async with self:
            self.updated = dt.datetime.now(dt.UTC).strftime("%H:%M:%S UTC")

    def _paint(self, tile: dict[str, Any], result: dict[str, Any] | ApiError) -> None:
        self.tiles = [_painted(v, tile, result) if v.id == tile["id"] else v for v in self.tiles]
        view = next((v for v in self.tiles if v.id == tile["id"]), None)
        if view is not None:
            self._raw_points[view.id] = view.points

    @rx.event
    def refresh(self):
        return DashboardState.load_tiles

    @rx.event
    def select_tab(self, tab_id: str):
        self.active_tab = tab_id
        self._show_tab()
        return DashboardState.load_tiles

    # ---- filters and pills -------------------------------------------------------------

    def _changed(self) -> list[Any]:
        request = self._request()
        address = docs.to_address(request["filters"], request["cross"])
        path = f"/dashboards/{self.dashboard_id}{address}"
        return [
            rx.call_script(f"window.history.replaceState(null, '', {json.dumps(path)})"),
            DashboardState.load_tiles,
        ]

    def _set(self, filter_id: str, **changes: str) -> list[Any]:
        for f in self.filters:
            if f.id == filter_id:
                for key, value in changes.items():
                    setattr(f, key, value)
        self.filters = list(self.filters)
        return self._changed()

    @rx.event
    def set_preset(self, filter_id: str, value: str):
        return self._set(filter_id, preset=value, start="", end="")

    @rx.event
    def set_start(self, filter_id: str, value: str):
        return self._set(filter_id, start=value, preset="")

    @rx.event
    def set_end(self, filter_id: str, value: str):
        return self._set(filter_id, end=value, preset="")

    @rx.event
    def set_text(self, filter_id: str, value: str):
        return self._set(filter_id, text=value)

    @rx.event
    def cross_filter(self, tile_id: str, label: str):
        """A bar clicked: a pill on its group (the raw value, not the label drawn)."""
        view = next((v for v in self.tiles if v.id == tile_id), None)
        points = self._raw_points.get(tile_id, [])
        raw = next((p.get("k") for p in points if p.get("cat") == label), None)
        if view is None or not view.x or raw is None:
            return None
        pill = CrossPill(column=view.x, value=str(raw))
        if pill not in self.pills:
            self.pills = [*self.pills, pill]
        return self._changed()

    @rx.event
    def remove_pill(self, column: str, value: str):
        self.pills = [p for p in self.pills if (p.column, p.value) != (column, value)]
        return self._changed()

    # ---- edit mode ---------------------------------------------------------------------

    @rx.event
    async def toggle_edit(self):
        if not self.can_edit:
            return None
        if self.editing and self.dirty:
            return await self._save()
        self.editing = not self.editing
        return await self._load_reports() if self.editing else None

    async def _load_reports(self) -> Any:
        """The saved reports edit mode offers as tiles (a pivot report is not offered)."""
        try:
            reports = await (await self._api()).reports()
        except ApiError as exc:
            return self._failed(exc)
        self._reports = {str(r["id"]): r for r in reports if r.get("kind") != "pivot"}
        self.report_options = [
            {"id": rid, "name": str(r.get("name"))} for rid, r in self._reports.items()
        ]
        return None

    @rx.event
    def layout_changed(self, items: list[dict[str, Any]]):
        """The grid's layout after a drag or resize (also sent once as it mounts)."""
        if not self.editing or not self._doc:
            return
        changed = docs.with_layout(self._doc, self.active_tab, items)
        if changed != self._doc:
            self._doc, self.dirty = changed, True
            self.layout = docs.layout(self._doc, self.active_tab)
            placed = {t["id"]: t["position"] for t in docs.tab(changed, self.active_tab)["tiles"]}
            self.tiles = [
                dataclasses.replace(v, area=_area(placed[v.id])) if v.id in placed else v
                for v in self.tiles
            ]

    @rx.event
    async def save(self):
        return await self._save()

    async def _save(self) -> Any:
        client = await self._api()
        try:
            saved = await client.replace_dashboard(self.dashboard_id, docs.body(self._doc))
        except ApiError as exc:
            return self._failed(exc)
        request = self._request()
        self._take(saved, request["filters"], request["cross"])
        self.dirty, self.editing, self.error = False, False, ""
        self.notice = "Saved."
        return DashboardState.load_tiles

    async def _changed_doc(self, doc: dict[str, Any]) -> Any:
        """A change that needs the server (a tile's data, a filter's mapping): saved now,
        edit mode kept."""
        self._doc = doc
        follow_up = await self._save()
        if not self.error:
            self.editing = True
        return follow_up

    @rx.event
    def set_chosen_report(self, value: str):
        self.chosen_report = value

    @rx.event
    async def add_report_tile(self):
        report = self._reports.get(self.chosen_report)
        if report is None:
            self.error = "Choose a saved report to add."
            return None
        doc = docs.add_tile(self._doc, self.active_tab, docs.report_tile(report))
        return await self._changed_doc(doc)

    @rx.event
    def set_new_text(self, value: str):
        self.new_text = value

    @rx.event
    async def add_text_tile(self):
        if not self.new_text.strip():
            return None
        doc = docs.add_tile(self._doc, self.active_tab, docs.text_tile(self.new_text.strip()))
        self.new_text = ""
        return await self._changed_doc(doc)

    @rx.event
    def set_new_filter_label(self, value: str):
        self.new_filter_label = value

    @rx.event
    def set_new_filter_type(self, value: str):
        self.new_filter_type = value if value in FILTER_TYPES else "date_range"

    @rx.event
    def set_new_filter_column(self, value: str):
        self.new_filter_column = value

    @rx.event
    async def add_filter(self):
        label = self.new_filter_label.strip()
        if not label:
            self.error = "Give the filter a label."
            return None
        column = self.new_filter_column.strip()
        doc = docs.add_filter(self._doc, label, self.new_filter_type, column)
        self.new_filter_label, self.new_filter_column = "", ""
        return await self._changed_doc(doc)

    @rx.event
    async def remove_tile(self, tile_id: str):
        doc = docs.body(self._doc)
        doc = {**self._doc, **doc}
        for tab in doc["tabs"]:
            tab["tiles"] = [t for t in tab["tiles"] if t["id"] != tile_id]
        return await self._changed_doc(doc)

    # ---- open in explorer --------------------------------------------------------------

    @rx.event
    async def open_in_explorer(self, tile_id: str):
        """The tile's query with the dashboard's filters, as the explorer's grid."""
        client = await self._api()
        try:
            spec = (await client.tile_spec(self.dashboard_id, tile_id, self._request()))["spec"]
            explorer = await self.get_state(ExplorerState)
            await _restore_into(explorer, client, spec)
        except ApiError as exc:
            return self._failed(exc)
        return [rx.redirect("/"), ExplorerState.run_query]


async def _restore_into(explorer: ExplorerState, client: ApiClient, spec: dict[str, Any]) -> None:
    """The explorer set to `spec` as a report opens (aurora.spec_restore), no report named."""
    meta = await client.dataset(str(spec.get("dataset", "")))
    joins = [{k: v for k, v in j.items() if v is not None} for j in spec.get("joins") or []]
    spec = {**spec, "joins": joins}
    columns = None
    if joins:
        schema = await client.joined_schema({"dataset": spec["dataset"], "joins": joins})
        columns = spec_restore.joined_columns(schema)
    explorer._reset_dataset()
    explorer._apply_dataset(meta)
    explorer._apply_restored(spec_restore.restore(spec, columns or explorer._base_columns))
    explorer._forget_report()
