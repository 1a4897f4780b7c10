"""Saved reports: the save dialog on the explorer, and the report list page.

A report is the API's record (name, description, spec, shared, kind, chart). State keeps the
list's display rows and, backend-only, the specs and chart settings it needs to rename,
share or duplicate a report (a replace is whole: what it leaves out is gone).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from aurora.api_client import ApiClient, ApiError
from aurora.state import session
from aurora.state.base import PageState
from aurora.state.chart import ChartState
from aurora.state.explorer import ExplorerState
from aurora.state.pivot import PivotState


@dataclasses.dataclass
class ReportItem:
    id: str = ""
    name: str = ""
    description: str = ""
    dataset: str = ""
    owner: str = ""
    shared: bool = False
    can_edit: bool = False
    updated: str = ""
    kind: str = "table"  # what the report opens as: "table", "chart" or "pivot"
    has_measure: bool = False  # an alert can watch it


def report_item(r: dict[str, Any]) -> ReportItem:
    return ReportItem(
        id=str(r.get("id", "")),
        name=str(r.get("name", "")),
        description=str(r.get("description") or ""),
        dataset=str((r.get("spec") or {}).get("dataset", "")),
        owner=str(r.get("owner") or ""),
        shared=bool(r.get("shared")),
        can_edit=bool(r.get("can_edit")),
        updated=str(r.get("updated_at") or "")[:16].replace("T", " "),
        kind=str(r.get("kind") or "table"),
        has_measure=bool((r.get("spec") or {}).get("measures")),
    )


def saved_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec a report keeps: the grid's, without its page position."""
    return {k: v for k, v in spec.items() if k not in ("page", "page_size")}


@session.forgotten
class SaveReportState(PageState, rx.State):
    """The save dialog: a new report, or the open one replaced (when the user may)."""

    open: bool = False
    name: str = ""
    description: str = ""
    shared: bool = False
    as_new: bool = False
    can_replace: bool = False
    busy: bool = False
    target: str = "explorer"  # what is saved: the explorer's grid or the pivot view

    @rx.event
    async def open_modal(self):
        explorer = await self.get_state(ExplorerState)
        if not explorer.dataset_key:
            return
        self._start("explorer", explorer, explorer.report_name or explorer.dataset_label)

    @rx.event
    async def open_for_pivot(self):
        pivot = await self.get_state(PivotState)
        if not pivot.dataset_key:
            return
        label = next((d.label for d in pivot.datasets if d.key == pivot.dataset_key), "")
        self._start("pivot", pivot, pivot.report_name or f"{label or pivot.dataset_key} pivot")

    def _start(self, target: str, owner: Any, name: str) -> None:
        """`owner` holds the open report's id, name, description, flags."""
        self.target = target
        self.can_replace = bool(owner.report_id and owner.report_can_edit)
        self.name, self.description = name, owner.report_description
        self.shared, self.as_new = owner.report_shared, not self.can_replace
        self.error, self.busy, self.open = "", False, True

    async def _fields(self) -> tuple[Any, dict[str, Any]]:
        """The open report's owner state and the report API's spec, kind and chart."""
        if self.target == "pivot":
            pivot = await self.get_state(PivotState)
            return pivot, pivot._report_body()
        explorer = await self.get_state(ExplorerState)
        spec = saved_spec(explorer._current_spec())
        kind, chart = (await self.get_state(ChartState))._saved(spec)
        return explorer, {"spec": spec, "kind": kind, "chart": chart}

    @rx.event
    def set_open(self, value: bool):
        self.open = value

    @rx.event
    def set_name(self, value: str):
        self.name, self.error = value, ""

    @rx.event
    def set_description(self, value: str):
        self.description = value

    @rx.event
    def set_shared(self, value: bool):
        self.shared = bool(value)

    @rx.event
    def set_as_new(self, value: bool):
        self.as_new = bool(value)

    @rx.event
    async def save(self):
        if not self.name.strip():
            self.error = "Give the report a name."
            return
        owner, fields = await self._fields()
        client = await self._api()
        body = {
            "name": self.name.strip(),
            "description": self.description.strip(),
            "shared": self.shared,
            **fields,
        }
        self.busy = True
        yield
        try:
            if self.can_replace and not self.as_new:
                report = await client.replace_report(owner.report_id, body)
            else:
                report = await client.create_report(body)
        except ApiError as exc:
            self.busy = False
            ended = self._failed(exc)
            if ended is not None:
                yield ended
            return
        owner._take_report(report)
        self.busy, self.open = False, False
        if self.target == "pivot":
            yield rx.redirect(f"/pivot?report={report['id']}")
        else:
            yield rx.redirect(f"/reports/{report['id']}")


@session.forgotten
class ReportListState(PageState, rx.State):
    """The report list page: search, open, rename, duplicate, share, delete."""

    reports: list[ReportItem] = []
    search: str = ""
    loading: bool = False
    notice: str = ""
    _specs: dict[str, dict[str, Any]] = {}
    _views: dict[str, dict[str, Any]] = {}  # id -> the report's kind and chart settings

    # the rename dialog
    rename_open: bool = False
    rename_id: str = ""
    rename_name: str = ""
    rename_description: str = ""

    @rx.var
    def visible_reports(self) -> list[ReportItem]:
        needle = self.search.strip().lower()
        if not needle:
            return self.reports
        return [
            r
            for r in self.reports
            if needle in f"{r.name} {r.description} {r.dataset} {r.owner}".lower()
        ]

    @rx.event
    async def load(self):
        """on_load of /reports."""
        client, away = await self._signed_in_api()
        if client is None:
            return away
        return await self._refresh(client)

    async def _refresh(self, client: ApiClient) -> Any:
        self.loading = True
        try:
            listing = await client.reports()
        except ApiError as exc:
            self.loading = False
            return self._failed(exc)
        self.reports = await self._labelled([report_item(r) for r in listing], client)
        self._specs = {str(r["id"]): dict(r.get("spec") or {}) for r in listing}
        self._views = {
            str(r["id"]): {"kind": r.get("kind") or "table", "chart": r.get("chart")}
            for r in listing
        }
        self.loading, self.error = False, ""
        return None

    async def _labelled(self, items: list[ReportItem], client: ApiClient) -> list[ReportItem]:
        """Datasets by their labels, as everywhere else (a key when the list is refused)."""
        try:
            listing = await client.datasets()
        except ApiError:
            listing = []
        labels = {str(d.get("key")): str(d.get("label") or d.get("key")) for d in listing}
        return [dataclasses.replace(r, dataset=labels.get(r.dataset, r.dataset)) for r in items]

    @rx.event
    def set_search(self, value: str):
        self.search = value

    @rx.event
    def open_report(self, report_id: str):
        return rx.redirect(f"/reports/{report_id}")

    def _body(self, item: ReportItem, **changes: Any) -> dict[str, Any]:
        body = {
            "name": item.name,
            "description": item.description,
            "spec": saved_spec(self._specs.get(item.id, {})),
            "shared": item.shared,
            **self._views.get(item.id, {}),
        }
        return {**body, **changes}

    def _item(self, report_id: str) -> ReportItem | None:
        return next((r for r in self.reports if r.id == report_id), None)

    async def _write(self, report_id: str, notice: str, **changes: Any) -> Any:
        item = self._item(report_id)
        if item is None:
            return None
        client = await self._api()
        try:
            await client.replace_report(report_id, self._body(item, **changes))
        except ApiError as exc:
            return self._failed(exc)
        self.notice = notice
        return await self._refresh(client)

    @rx.event
    async def toggle_shared(self, report_id: str):
        item = self._item(report_id)
        if item is not None:
            word = "no longer shared" if item.shared else "shared with everyone"
            return await self._write(report_id, f"'{item.name}' is {word}.", shared=not item.shared)
        return None

    @rx.event
    async def duplicate(self, report_id: str):
        item = self._item(report_id)
        if item is None:
            return None
        client = await self._api()
        body = self._body(item, name=f"Copy of {item.name}"[:200], shared=False)
        try:
            await client.create_report(body)
        except ApiError as exc:
            return self._failed(exc)
        self.notice = f"'{item.name}' was duplicated."
        return await self._refresh(client)

    @rx.event
    async def delete(self, report_id: str):
        item = self._item(report_id)
        client = await self._api()
        try:
            await client.delete_report(report_id)
        except ApiError as exc:
            return self._failed(exc)
        explorer = await self.get_state(ExplorerState)
        if explorer.report_id == report_id:
            explorer._forget_report()
        self.notice = f"'{item.name if item else report_id}' was deleted."
        return await self._refresh(client)

    @rx.event
    def start_rename(self, report_id: str):
        item = self._item(report_id)
        if item is not None:
            self.rename_id, self.rename_name = item.id, item.name
            self.rename_description, self.rename_open, self.error = item.description, True, ""

    @rx.event
    def set_rename_open(self, value: bool):
        self.rename_open = value

    @rx.event
    def set_rename_name(self, value: str):
        self.rename_name = value

    @rx.event
    def set_rename_description(self, value: str):
        self.rename_description = value

    @rx.event
    async def rename(self):
        name = self.rename_name.strip()
        if not name:
            self.error = "Give the report a name."
            return None
        self.rename_open = False
        follow_up = await self._write(
            self.rename_id,
            f"Renamed to '{name}'.",
            name=name,
            description=self.rename_description.strip(),
        )
        explorer = await self.get_state(ExplorerState)
        if explorer.report_id == self.rename_id:
            explorer.report_name = name
            explorer.report_description = self.rename_description.strip()
        return follow_up
