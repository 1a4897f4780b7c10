"""Dashboards: the list page and the dashboard view.

The view keeps the API's document backend-only (`_doc`) and shows the active tab's tiles.
The view asks the report tiles it shows in one POST /api/dashboards/{id}/tiles/data (the
filter values and cross-filter pills), each painted as its line arrives, each with its own
loading and error state.
The filter values and pills live in the address (`?f=`), so a link reproduces the view.
Edit mode makes the grid draggable and resizable; Save writes the document back.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from aurora import dashboard_doc as docs
from aurora.api_client import ApiClient, ApiError
from aurora.state.base import PageState


@dataclasses.dataclass
class DashboardItem:
    id: str = ""
    name: str = ""
    description: str = ""
    owner: str = ""
    shared: bool = False
    can_edit: bool = False
    tiles: int = 0
    updated: str = ""


def _item(d: dict[str, Any]) -> DashboardItem:
    return DashboardItem(
        id=str(d.get("id", "")),
        name=str(d.get("name", "")),
        description=str(d.get("description") or ""),
        owner=str(d.get("owner") or ""),
        shared=bool(d.get("shared")),
        can_edit=bool(d.get("can_edit")),
        tiles=sum(len(t.get("tiles", [])) for t in d.get("tabs", [])),
        updated=str(d.get("updated_at") or "")[:16].replace("T", " "),
    )


def _blank(name: str) -> dict[str, Any]:
    return {"name": name, "tabs": [{"id": "main", "title": "Main", "tiles": []}]}


class DashboardListState(PageState, rx.State):
    """The list page: create, open, rename, duplicate, share, delete."""

    dashboards: list[DashboardItem] = []
    notice: str = ""
    new_name: str = ""
    rename_id: str = ""
    rename_name: str = ""
    _docs: dict[str, dict[str, Any]] = {}

    @rx.event
    async def load(self):
        client, redirect = await self._signed_in_api()
        if client is None:
            return redirect
        return await self._refresh(client)

    async def _refresh(self, client: ApiClient) -> Any:
        try:
            listing = await client.dashboards()
        except ApiError as exc:
            return self._failed(exc)
        self._docs = {str(d["id"]): d for d in listing}
        self.dashboards = [_item(d) for d in listing]
        self.error = ""
        return None

    @rx.event
    def set_new_name(self, value: str):
        self.new_name = value

    @rx.event
    async def create(self):
        name = self.new_name.strip() or "Untitled dashboard"
        try:
            made = await (await self._api()).create_dashboard(_blank(name))
        except ApiError as exc:
            return self._failed(exc)
        self.new_name = ""
        return rx.redirect(f"/dashboards/{made['id']}?edit=1")

    async def _write(self, dashboard_id: str, notice: str, **changes: Any) -> Any:
        doc = self._docs.get(dashboard_id)
        if doc is None:
            return None
        client = await self._api()
        try:
            await client.replace_dashboard(dashboard_id, docs.body(doc, **changes))
        except ApiError as exc:
            return self._failed(exc)
        self.notice = notice
        return await self._refresh(client)

    @rx.event
    async def toggle_shared(self, dashboard_id: str):
        doc = self._docs.get(dashboard_id) or {}
        word = "no longer shared" if doc.get("shared") else "shared with everyone"
        notice = f"'{doc.get('name')}' is {word}."
        return await self._write(dashboard_id, notice, shared=not doc.get("shared"))

    @rx.event
    async def duplicate(self, dashboard_id: str):
        doc = self._docs.get(dashboard_id)
        if doc is None:
            return None
        client = await self._api()
        copy = docs.body(doc, name=f"Copy of {doc['name']}"[:200], shared=False)
        try:
            await client.create_dashboard(copy)
        except ApiError as exc:
            return self._failed(exc)
        self.notice = f"'{doc['name']}' was duplicated."
        return await self._refresh(client)

    @rx.event
    async def delete(self, dashboard_id: str):
        client = await self._api()
        try:
            await client.delete_dashboard(dashboard_id)
        except ApiError as exc:
            return self._failed(exc)
        self.notice = "The dashboard was deleted."
        return await self._refresh(client)

    @rx.event
    def start_rename(self, dashboard_id: str):
        self.rename_id = dashboard_id
        self.rename_name = str((self._docs.get(dashboard_id) or {}).get("name", ""))

    @rx.event
    def set_rename_name(self, value: str):
        self.rename_name = value

    @rx.event
    def cancel_rename(self):
        self.rename_id = ""

    @rx.event
    async def rename(self):
        name, target = self.rename_name.strip(), self.rename_id
        if not name:
            self.error = "Give the dashboard a name."
            return None
        self.rename_id = ""
        return await self._write(target, f"Renamed to '{name}'.", name=name)


@dataclasses.dataclass
class TileView:
    id: str = ""
    kind: str = "report"  # report | text | filter
    view: str = "table"  # table | chart | kpi | pivot
    title: str = ""
    markdown: str = ""
    loading: bool = False
    error: str = ""
    headers: list[str] = dataclasses.field(default_factory=list)
    cells: list[list[str]] = dataclasses.field(default_factory=list)
    points: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    x: str = ""
    kpi: str = ""
    area: str = "auto"  # CSS grid-area from the position: row / column / span h / span w
    # Lazy loading: `pending` = its rows are missing or out of date; it loads when on screen.
    pending: bool = False
    updated: str = ""  # when its rows last arrived, HH:MM:SS UTC
    loaded_at: str = ""  # the same to the millisecond (data-loaded-at, for tests and tools)
    html: str = ""  # a text tile's markdown as safe HTML (aurora.dashboard_doc.markdown_html)
    caption: str = ""  # present mode's caption: a report tile's caption, as safe HTML
    mapping: dict[str, str] = dataclasses.field(default_factory=dict)  # filter id -> column


@dataclasses.dataclass
class FilterView:
    id: str = ""
    label: str = ""
    type: str = "date_range"
    preset: str = ""
    start: str = ""
    end: str = ""
    text: str = ""  # multi-select values (comma-separated), text contains, or "min-max"
    options: list[str] = dataclasses.field(default_factory=list)  # a multi-select's values
    chosen: list[str] = dataclasses.field(default_factory=list)  # a multi-select's picks


@dataclasses.dataclass
class CrossPill:
    column: str = ""
    value: str = ""


@dataclasses.dataclass
class TabView:
    id: str = ""
    title: str = ""


@dataclasses.dataclass
class BookmarkView:
    id: str = ""
    name: str = ""


@dataclasses.dataclass
class CommentView:
    author: str = ""
    text: str = ""
    at: str = ""
