"""The dashboard view (`/dashboards/{id}`): tabs, the filter bar, cross-filter pills, the
tiles of the active tab, refresh, "Open in explorer", and edit mode (add tiles and filters,
drag and resize on the grid, save). See aurora/state/dashboards.py for the shapes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import reflex as rx

from aurora import dashboard_doc as docs
from aurora import spec_restore
from aurora.api_client import ApiClient, ApiError
from aurora.state.base import PageState
from aurora.state.dashboards import (
    BookmarkView,
    CommentView,
    CrossPill,
    FilterView,
    TabView,
    TileView,
)
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
        view.chosen = [str(v) for v in value]
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
    mapping = {str(k): str(v) for k, v in (t.get("filters") or {}).items() if v}
    return TileView(
        area=_area(t["position"]),
        id=str(t["id"]),
        kind=str(t["kind"]),
        view=str(t.get("view") or "table"),
        title=str(t.get("title") or ""),
        markdown=str(t.get("markdown") or ""),
        html=docs.markdown_html(str(t.get("markdown") or "")) if t["kind"] == "text" else "",
        caption=docs.markdown_html(str(t.get("caption") or "")) if t.get("caption") else "",
        pending=t["kind"] == "report",
        mapping=mapping,
    )


def _painted(view: TileView, tile: dict[str, Any], result: dict[str, Any] | ApiError) -> TileView:
    """The tile drawn from its answer: table cells, the KPI's number, chart points."""
    now = dt.datetime.now(dt.UTC)
    stamp = {"updated": now.strftime("%H:%M:%S UTC"), "loaded_at": now.isoformat()}
    if isinstance(result, ApiError):
        return dataclasses.replace(view, loading=False, error=result.message, **stamp)
    headers, cells = docs.table(result)
    measures = [str(m.get("alias")) for m in tile["spec"].get("measures") or []]
    drawn = docs.points(result, tile.get("chart"), measures)
    return dataclasses.replace(
        view,
        loading=False,
        error="",
        **stamp,
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
    refresh_seconds: int = 0  # auto-refresh (?refresh=N in the address; 0: off)
    eager: bool = False  # ?print=1 (the PDF's headless browser): every tile loads, no lazy
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
    _tickets: dict[str, int] = {}
    _marks: dict[str, dict[str, Any]] = {}
    # bookmarks, comments, present mode, mapping edits
    bookmarks: list[BookmarkView] = []
    bookmark_name: str = ""
    comment_tile: str = ""
    comment_title: str = ""
    comments: list[CommentView] = []
    new_comment: str = ""
    presenting: bool = False
    slide: int = 0
    slide_tile: str = ""
    slide_count: int = 0
    map_tile: str = ""
    map_filter: str = ""
    map_columns: list[str] = []
    map_column: str = ""
    caption_text: str = ""

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
        self.refresh_seconds = docs.refresh_seconds(str(params.get("refresh") or ""))
        self.eager = str(params.get("print") or "") == "1"
        self.editing = self.can_edit and str(params.get("edit") or "") == "1"
        self.notice, self.error, self.dirty, self.updated = "", "", False, ""
        self.presenting, self.comment_tile, self.map_tile = False, "", ""
        if self.editing:
            follow_up = await self._load_reports()
            if follow_up is not None:
                return follow_up
        return DashboardState.load_values

    def _take(self, doc: dict[str, Any], values: dict[str, Any], cross: list[Any]) -> None:
        same = self.dashboard_id == str(doc["id"])
        self._doc, self.dashboard_id = doc, str(doc["id"])
        self.name, self.can_edit = str(doc.get("name", "")), bool(doc.get("can_edit"))
        self.tabs = [TabView(id=str(t["id"]), title=str(t["title"])) for t in doc["tabs"]]
        if self.active_tab not in {t.id for t in self.tabs}:
            self.active_tab = self.tabs[0].id if self.tabs else ""
        options = {f.id: f.options for f in self.filters} if same else {}  # kept over a save
        self.filters = [
            dataclasses.replace(
                _filter_view(f, values.get(f["id"], f.get("default"))),
                options=options.get(str(f["id"]), []),
            )
            for f in doc.get("filters", [])
        ]
        self.pills = [CrossPill(column=str(c["column"]), value=str(c.get("value"))) for c in cross]
        self._show_tab()

    def _show_tab(self) -> None:
        self._tickets = {k: n + 1 for k, n in self._tickets.items()}
        tab = docs.tab(self._doc, self.active_tab)
        self.tiles = [_tile_view(t) for t in tab.get("tiles", [])]
        self.layout = docs.layout(self._doc, self.active_tab)

    def _request(self) -> dict[str, Any]:
        values = {f.id: _value(f) for f in self.filters}
        cross = [{"column": p.column, "value": p.value} for p in self.pills]
        return {"filters": {k: v for k, v in values.items() if v is not None}, "cross": cross}

    # ---- tiles -------------------------------------------------------------------------

    # Tiles load lazily: a report tile is `pending` until its rows for the current filters
    # arrive. The browser (aurora.components.dashboard_live.tile_watch) reports a pending tile
    # once it is on screen, and only then is it asked for; a filter change marks pending only
    # the tiles that map the filter, so the others keep their rows and "updated" time.

    def _mark(self, tile_ids: set[str] | None) -> None:
        """These report tiles (None: all) need their rows again (an answer on its way for
        the old filters is dropped: their tickets move on)."""
        for v in self.tiles:
            if tile_ids is None or v.id in tile_ids:
                self._tickets[v.id] = self._tickets.get(v.id, 0) + 1
        self.tiles = [
            dataclasses.replace(v, pending=True)
            if v.kind == "report" and (tile_ids is None or v.id in tile_ids)
            else v
            for v in self.tiles
        ]

    @rx.event
    def tile_visible(self, tile_id: str):
        """A pending tile scrolled into view (or was on screen when it became pending)."""
        return self._load([tile_id])

    def _load(self, tile_ids: list[str]) -> Any:
        wanted = {v.id for v in self.tiles if v.pending and v.id in tile_ids}
        if not wanted:
            return None
        for tile_id in wanted:
            self._tickets[tile_id] = self._tickets.get(tile_id, 0) + 1
        self.tiles = [
            dataclasses.replace(v, pending=False, loading=True, error="") if v.id in wanted else v
            for v in self.tiles
        ]
        return DashboardState.fetch_tiles({t: self._tickets[t] for t in wanted})

    @rx.event(background=True)
    async def fetch_tiles(self, tickets: dict[str, int]):
        """These tiles' rows in one request (POST .../tiles/data), each painted as its line
        arrives; an answer for a tile asked again since (its ticket moved on) is dropped.
        A refusal of the whole request (or a lost connection) is every unanswered tile's."""
        async with self:
            generation = await self._begin()
            client = await self._api()
            tab = docs.tab(self._doc, self.active_tab)
            wanted = {t["id"]: t for t in tab.get("tiles", []) if t["id"] in tickets}
            request, dashboard_id = self._request(), self.dashboard_id

        async def paint(tile_id: str, result: dict[str, Any] | ApiError) -> None:
            tile = wanted.pop(tile_id, None)
            if tile is None:
                return
            async with self:
                if (
                    await self._current(generation)
                    and self.dashboard_id == dashboard_id
                    and self._tickets.get(tile_id) == tickets[tile_id]
                ):
                    self._paint(tile, result)

        try:
            async for tile_id, result in client.tiles_data(dashboard_id, list(wanted), request):
                await paint(tile_id, result)
        except ApiError as exc:
            for tile_id in list(wanted):
                await paint(tile_id, exc)
        missing = ApiError(502, "no_answer", "This tile got no answer; try Refresh.")
        for tile_id in list(wanted):  # the stream ended without them
            await paint(tile_id, missing)

    def _paint(self, tile: dict[str, Any], result: dict[str, Any] | ApiError) -> None:
        self.tiles = [_painted(v, tile, result) if v.id == tile["id"] else v for v in self.tiles]
        view = next((v for v in self.tiles if v.id == tile["id"]), None)
        if view is not None:
            self._raw_points[view.id] = view.points
            self.updated = view.updated

    @rx.event
    def refresh(self):
        """Every report tile again: those on screen load now, the others as they scroll in."""
        self._mark(None)

    @rx.event
    def auto_refresh(self):
        if self.refresh_seconds > 0 and not self.editing:
            self._mark(None)

    @rx.event
    def set_auto_refresh(self, seconds: str):
        """The interval chosen in the menu, kept in the address so a link keeps it."""
        self.refresh_seconds = docs.refresh_seconds(seconds)
        return self._address()

    @rx.event
    def select_tab(self, tab_id: str):
        self.active_tab = tab_id
        self._show_tab()

    # ---- filters and pills -------------------------------------------------------------

    def _changed(self, filter_ids: set[str] | None = None) -> Any:
        """The address rewritten and the tiles the change touches marked stale: those that
        map one of `filter_ids`, or all of them (None: a cross-filter pill, which applies to
        every tile with its column)."""
        self._mark(None if filter_ids is None else docs.mapped_tiles(self._doc, filter_ids))
        return self._address()

    def _address(self) -> Any:
        """The address rewritten to the filter values, pills and auto-refresh interval."""
        request = self._request()
        address = docs.to_address(request["filters"], request["cross"], self.refresh_seconds)
        path = f"/dashboards/{self.dashboard_id}{address}"
        return rx.call_script(f"window.history.replaceState(null, '', {json.dumps(path)})")

    def _set(self, filter_id: str, **changes: str) -> list[Any]:
        for f in self.filters:
            if f.id == filter_id:
                for key, value in changes.items():
                    setattr(f, key, value)
        self.filters = list(self.filters)
        return self._changed({filter_id})

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
        chosen = [v.strip() for v in value.split(",") if v.strip()]
        for f in self.filters:
            if f.id == filter_id and f.type == "multi_select":
                f.chosen = chosen
        return self._set(filter_id, text=value)

    @rx.event
    def toggle_value(self, filter_id: str, value: str):
        """A value ticked or unticked in a multi-select's list."""
        f = next((f for f in self.filters if f.id == filter_id), None)
        if f is None:
            return None
        f.chosen = [v for v in f.chosen if v != value] if value in f.chosen else [*f.chosen, value]
        return self._set(filter_id, text=", ".join(f.chosen))

    @rx.event
    async def load_values(self):
        """Each multi-select's values (GET /api/datasets/{key}/values/{column}, the caller's
        own under row-level security), from the first tile that maps it; and the bookmarks."""
        client = await self._api()
        for f in self.filters:
            source = docs.values_source(self._doc, f.id) if f.type == "multi_select" else None
            if source is not None:
                try:
                    got = await client.values(source[0], source[1], limit=200)
                except ApiError:
                    continue
                f.options = [str(v) for v in got if v is not None]
        self.filters = list(self.filters)
        return await self._load_bookmarks(client)

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
        return None

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

    # ---- bookmarks (private: the caller's own) and comments (a thread per tile) ---------

    def _base(self) -> str:
        return f"/api/dashboards/{self.dashboard_id}"

    async def _load_bookmarks(self, client: ApiClient) -> Any:
        try:
            marks = await client._list(f"{self._base()}/bookmarks")
        except ApiError as exc:
            return self._failed(exc)
        self.bookmarks = [BookmarkView(id=str(b["id"]), name=str(b["name"])) for b in marks]
        self._marks = {str(b["id"]): dict(b.get("filters") or {}) for b in marks}
        return None

    @rx.event
    def set_bookmark_name(self, value: str):
        self.bookmark_name = value

    @rx.event
    async def save_bookmark(self):
        name = self.bookmark_name.strip()
        if not name:
            self.error = "Name the bookmark."
            return None
        client = await self._api()
        body = {"name": name, "filters": self._request()["filters"]}
        try:
            await client._obj("POST", f"{self._base()}/bookmarks", json=body)
        except ApiError as exc:
            return self._failed(exc)
        self.bookmark_name, self.error, self.notice = "", "", f"Bookmark '{name}' saved."
        return await self._load_bookmarks(client)

    @rx.event
    def restore_bookmark(self, bookmark_id: str):
        """The bookmark's filter values (a filter it leaves out: its default), no pills."""
        values = self._marks.get(bookmark_id)
        if values is None:
            return None
        options = {f.id: f.options for f in self.filters}
        self.filters = [
            dataclasses.replace(
                _filter_view(f, values.get(f["id"], f.get("default"))),
                options=options.get(str(f["id"]), []),
            )
            for f in self._doc.get("filters", [])
        ]
        self.pills = []
        self.notice = next(
            (f"Bookmark '{b.name}'." for b in self.bookmarks if b.id == bookmark_id), ""
        )
        return self._changed(None)

    @rx.event
    async def delete_bookmark(self, bookmark_id: str):
        client = await self._api()
        try:
            await client._call("DELETE", f"{self._base()}/bookmarks/{bookmark_id}")
        except ApiError as exc:
            return self._failed(exc)
        return await self._load_bookmarks(client)

    @rx.event
    async def open_comments(self, tile_id: str):
        view = next((v for v in self.tiles if v.id == tile_id), None)
        if view is None:
            return None
        self.comment_tile, self.comment_title, self.new_comment = tile_id, view.title, ""
        return await self._load_comments()

    @rx.event
    def close_comments(self):
        self.comment_tile, self.comments = "", []

    async def _load_comments(self) -> Any:
        client = await self._api()
        try:
            got = await client._list(f"{self._base()}/tiles/{self.comment_tile}/comments")
        except ApiError as exc:
            return self._failed(exc)
        self.comments = [
            CommentView(
                author=str(c.get("author") or ""),
                text=str(c.get("text") or ""),
                at=str(c.get("created_at") or "")[:16].replace("T", " "),
            )
            for c in got
        ]
        return None

    @rx.event
    def set_new_comment(self, value: str):
        self.new_comment = value

    @rx.event
    async def add_comment(self):
        text = self.new_comment.strip()
        if not text or not self.comment_tile:
            return None
        client = await self._api()
        path = f"{self._base()}/tiles/{self.comment_tile}/comments"
        try:
            await client._obj("POST", path, json={"text": text})
        except ApiError as exc:
            return self._failed(exc)
        self.new_comment = ""
        return await self._load_comments()

    # ---- present mode: one tile at a time, full screen --------------------------------

    def _slides(self) -> list[str]:
        tiles = docs.reading_order(docs.tab(self._doc, self.active_tab).get("tiles", []))
        return [t["id"] for t in tiles if t["kind"] != "filter"]

    @rx.event
    def present(self):
        if not self._slides():
            return None
        self.presenting, self.slide = True, 0
        return self._go(0)

    @rx.event
    def present_key(self, key: str):
        if key == "Escape":
            self.presenting = False
            return None
        if key in ("ArrowRight", "ArrowDown", "PageDown"):
            return self._go(1)
        if key in ("ArrowLeft", "ArrowUp", "PageUp"):
            return self._go(-1)
        return None

    @rx.event
    def present_move(self, step: int):
        return self._go(step)

    @rx.event
    def stop_presenting(self):
        self.presenting = False

    def _go(self, step: int) -> Any:
        slides = self._slides()
        self.slide = max(0, min(len(slides) - 1, self.slide + step))
        self.slide_count, self.slide_tile = len(slides), slides[self.slide] if slides else ""
        return self._load(slides[self.slide : self.slide + 1])

    # ---- per-tile mapping and caption (edit mode) -------------------------------------

    @rx.event
    async def choose_map_tile(self, tile_id: str):
        """The tile whose filter mapping and caption are edited; its dataset's columns."""
        tile = next(
            (
                t
                for t in docs.tab(self._doc, self.active_tab).get("tiles", [])
                if t["id"] == tile_id and t["kind"] == "report"
            ),
            None,
        )
        self.map_tile, self.map_columns, self.map_column = tile_id if tile else "", [], ""
        if tile is None:
            return None
        self.caption_text = str(tile.get("caption") or "")
        try:
            meta = await (await self._api()).dataset(str(tile["spec"].get("dataset", "")))
        except ApiError as exc:
            return self._failed(exc)
        self.map_columns = [str(c["name"]) for c in meta.get("columns", [])]
        self._show_mapping(tile)
        return None

    def _show_mapping(self, tile: dict[str, Any]) -> None:
        self.map_column = str((tile.get("filters") or {}).get(self.map_filter) or "")

    @rx.event
    def choose_map_filter(self, filter_id: str):
        self.map_filter = filter_id
        tile = next(
            (
                t
                for t in docs.tab(self._doc, self.active_tab).get("tiles", [])
                if t["id"] == self.map_tile
            ),
            None,
        )
        if tile is not None:
            self._show_mapping(tile)

    @rx.event
    def set_map_column(self, value: str):
        self.map_column = value

    @rx.event
    def set_caption_text(self, value: str):
        self.caption_text = value

    @rx.event
    async def apply_mapping(self):
        """The chosen tile's mapping of the chosen filter ("": not this tile) and its
        caption, saved at once (the API checks the column)."""
        if not self.map_tile:
            self.error = "Choose a tile."
            return None
        doc = self._doc
        if self.map_filter:
            doc = docs.with_mapping(doc, self.map_tile, self.map_filter, self.map_column or None)
        doc = docs.with_caption(doc, self.map_tile, self.caption_text.strip())
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
