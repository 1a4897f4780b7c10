"""The pivot view: rows, columns and values picked from lists; expandable row groups with
subtotals, a total column and a grand total; a click on a cell shows the rows behind it.

State holds the layout, the header, and the group rows that are expanded on screen (at most
`pivot.BLOCK` per level); every number is computed by the database through the AG Grid
endpoints (see aurora.pivot).
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import reflex as rx

from aurora import dataset_meta, downloads, spec_restore
from aurora import filters as flt
from aurora import formatting as fmt
from aurora import pivot as pv
from aurora.api_client import ApiClient, ApiError
from aurora.state import filter_editor, session
from aurora.state.auth import AuthState
from aurora.state.base import PageState
from aurora.state.explorer import ExplorerState
from aurora.state.filter_editor import FilterState
from aurora.state.models import ColumnMeta, DatasetItem, LoadIdOption, Pill

DRILL_PAGE = 50
TOTAL = "__total__"


@dataclasses.dataclass
class PivotCell:
    field: str = ""
    text: str = ""


@dataclasses.dataclass
class PivotRow:
    id: str = ""
    level: int = 0
    label: str = ""
    expandable: bool = False
    expanded: bool = False
    total: bool = False
    cells: list[PivotCell] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class PivotHeader:
    field: str = ""
    top: str = ""
    bottom: str = ""
    total: bool = False


@session.forgotten
class PivotState(PageState, rx.State):
    datasets: list[DatasetItem] = []
    dataset_key: str = ""
    columns: list[ColumnMeta] = []
    load_types: list[str] = []
    load_ids: list[LoadIdOption] = []
    load_type: str = ""
    load_id: str = ""
    _vintage: dict[str, list[LoadIdOption]] = {}

    filter_rows: list[flt.FilterRow] = []
    filter_note: str = ""  # what of the explorer's filters the pivot could not take

    # The saved pivot report on screen, if any: Save replaces it when the user may.
    report_id: str = ""
    report_name: str = ""
    report_description: str = ""
    report_shared: bool = False
    report_can_edit: bool = False

    row_fields: list[Pill] = []
    col_fields: list[Pill] = []
    values: list[pv.ValueCfg] = []
    value_column: str = ""
    value_agg: str = "sum"

    headers: list[PivotHeader] = []
    body: list[PivotRow] = []
    note: str = ""
    loading: bool = False
    _paths: dict[str, list[Any]] = {}
    _fields: list[str] = []
    _seq: int = 0

    drill_open: bool = False
    drill_title: str = ""
    drill_headers: list[str] = []
    drill_rows: list[list[str]] = []
    drill_start: int = 0
    drill_more: bool = False
    _drill: dict[str, Any] = {}

    export_format: str = "csv"
    export_status: str = ""
    export_href: str = ""

    # ---- the layout -----------------------------------------------------------------------

    def _base_layout(self) -> pv.Layout:
        vintage = None
        if self.load_type or self.load_id:
            load_id = int(self.load_id) if self.load_id.isdigit() else (self.load_id or None)
            vintage = {"load_type": self.load_type or None, "load_id": load_id}
        return pv.Layout(
            dataset=self.dataset_key,
            rows=[p.id for p in self.row_fields],
            columns=[p.id for p in self.col_fields],
            values=list(self.values),
            vintage=vintage,
        )

    def _layout(self) -> pv.Layout:
        """The layout with its filters (FilterNotPivotable: a condition AG Grid cannot say)."""
        model = pv.filter_model(self._filters(), self._kinds())
        return dataclasses.replace(self._base_layout(), filter_model=model)

    def _filters(self) -> dict[str, Any] | None:
        """The API's filter tree of the builder's rows."""
        return flt.to_spec(self.filter_rows)[0]

    def _kinds(self) -> dict[str, str]:
        return {c.name: c.kind for c in self.columns}

    @rx.var
    def pills(self) -> list[Pill]:
        known = {c.name: (c.label, c.format) for c in self.columns}

        def words(row: flt.FilterRow) -> str:
            return flt.describe(row, *known.get(row.column, (row.column, "")))

        return [Pill(id=i, text=t) for i, t in flt.pills(self.filter_rows, words)]

    @rx.var
    def vintage_text(self) -> str:
        """The vintage in words, under its selects (which a long load id may clip)."""
        if not self.load_type:
            return ""
        load = next((o.label for o in self.load_ids if o.value == self.load_id), "all loads")
        return f"{self.load_type} · {load}"

    def _label(self, name: str) -> str:
        return next((c.label for c in self.columns if c.name == name), name)

    @rx.var
    def free_columns(self) -> list[ColumnMeta]:
        used = {p.id for p in self.row_fields} | {p.id for p in self.col_fields}
        return [c for c in self.columns if c.name not in used]

    @rx.event
    async def open_pivot(self):
        """on_load of `/pivot` (`?report=<id>`: that saved pivot): the pivot on screen, or
        the explorer's dataset, filters and vintage when the pivot has none yet."""
        client, away = await self._signed_in_api()
        if client is None:
            return away
        explorer = await self.get_state(ExplorerState)
        report_id = str(self.router.url.query_parameters.get("report") or "")
        try:
            listing = explorer.datasets or [
                DatasetItem(key=str(d["key"]), label=str(d.get("label") or d["key"]))
                for d in await client.datasets()
            ]
            self.datasets = list(listing)
            if report_id and report_id != self.report_id:
                await self._open_report(client, report_id)
                return PivotState.run
            if not report_id and self.report_id:
                self._forget_report()  # the plain address: the pivot, detached from it
            if not self.dataset_key and explorer.dataset_key:
                await self._take_explorer(client, explorer)
                return PivotState.run
        except ApiError as exc:
            return self._failed(exc)
        return None

    @rx.event
    async def from_explorer(self):
        """ "Pivot this": the explorer's dataset, filters, vintage and, where a pivot can
        show them, its group-by columns (as rows) and measures (as values)."""
        explorer = await self.get_state(ExplorerState)
        if not explorer.dataset_key:
            return None
        try:
            await self._take_explorer(await self._api(), explorer)
        except ApiError as exc:
            return [self._failed(exc), rx.redirect("/pivot")]
        return [rx.redirect("/pivot"), PivotState.run]

    async def _take_explorer(self, client: ApiClient, explorer: ExplorerState) -> None:
        await self._load_dataset(client, explorer.dataset_key)
        self._forget_report()
        if explorer.vintage_chosen:
            self.load_type, self.load_id = explorer.load_type, explorer.load_id
            self.load_ids = self._vintage.get(self.load_type, [])
        known = {c.name for c in self.columns}
        spec = explorer._current_spec()
        tree, dropped = pv.prune(spec.get("filters"), known)
        self.filter_rows = spec_restore.to_rows(tree, self._kinds()) if tree else []
        self.filter_note = (
            "Conditions on measures, calculated fields or joined columns stay in the explorer."
            if dropped
            else ""
        )
        self.row_fields = [Pill(id=g, text=self._label(g)) for g in explorer.group_by if g in known]
        values = [
            pv.value_cfg(m.column, m.agg, self._label(m.column))
            for m in explorer.measures
            if m.agg in pv.AGGS and m.mode == "column" and (m.column in known or m.agg == "count")
        ]
        self.values = list({v.column: v for v in values}.values())  # one value per column

    async def _open_report(self, client: ApiClient, report_id: str) -> None:
        report = await client.report(report_id)
        if report.get("kind") != "pivot":
            raise ApiError(404, "not_found", "This report is not a pivot.")
        spec = report.get("spec") or {}
        await self._load_dataset(client, str(spec.get("dataset", "")))
        labels = {c.name: c.label for c in self.columns}
        layout = pv.layout_of_report(report, labels)
        vintage = layout.vintage or {}
        self.load_type = str(vintage.get("load_type") or "")
        self.load_id = "" if vintage.get("load_id") is None else str(vintage["load_id"])
        self.load_ids = self._vintage.get(self.load_type, [])
        self.row_fields = [Pill(id=r, text=self._label(r)) for r in layout.rows]
        self.col_fields = [Pill(id=c, text=self._label(c)) for c in layout.columns]
        self.values = layout.values
        tree = spec.get("filters")
        self.filter_rows = spec_restore.to_rows(tree, self._kinds()) if tree else []
        self._take_report(report)

    def _take_report(self, report: dict[str, Any]) -> None:
        self.report_id = str(report.get("id", ""))
        self.report_name = str(report.get("name", ""))
        self.report_description = str(report.get("description") or "")
        self.report_shared = bool(report.get("shared"))
        self.report_can_edit = bool(report.get("can_edit"))

    def _forget_report(self) -> None:
        self.report_id = self.report_name = self.report_description = ""
        self.report_shared = self.report_can_edit = False

    def _report_body(self) -> dict[str, Any]:
        """The report API's `spec`, `kind` and `chart` of the pivot on screen."""
        return pv.report_fields(self._base_layout(), self._filters())

    @rx.event
    async def open_filters(self):
        """The explorer's filter builder, on the pivot's filters and dataset columns."""
        if self.dataset_key:
            editor = await self.get_state(FilterState)
            await editor._edit("pivot", self.columns, self.filter_rows)

    @rx.event
    def remove_filter(self, row_id: str):
        self.filter_rows = flt.remove_row(self.filter_rows, row_id)
        return PivotState.run

    def _apply_filters(self, rows: list[flt.FilterRow]) -> Any:
        """The filter builder's Apply, when it edits the pivot's filters."""
        self.filter_rows = [dataclasses.replace(r, error="") for r in rows]
        self.filter_note = ""
        return PivotState.run

    def _show_failure(self, exc: ApiError) -> None:
        self.loading = False
        self.error = exc.message

    async def _load_dataset(self, client: ApiClient, key: str) -> None:
        m = dataset_meta.read(await client.dataset(key))
        self.dataset_key = key
        self.columns, self._vintage, self.load_types = m.columns, m.vintage, m.load_types
        self.load_type, self.load_id, self.load_ids = "", "", []
        self.row_fields, self.col_fields, self.values = [], [], []
        self.filter_rows, self.filter_note = [], ""
        self.headers, self.body, self.note, self.error = [], [], "", ""
        self.value_column = next((c.name for c in self.columns if c.kind in fmt.NUMERIC_KINDS), "")

    @rx.event
    async def pick_dataset(self, key: str):
        if not key:
            return None
        try:
            await self._load_dataset(await self._api(), key)
        except ApiError as exc:
            return self._failed(exc)
        if self.report_id:
            self._forget_report()
            return rx.redirect("/pivot")  # the address named the report just left
        return None

    @rx.event
    def set_load_type(self, value: str):
        self.load_type = value
        self.load_ids = self._vintage.get(value, [])
        self.load_id = self.load_ids[0].value if self.load_ids else ""
        return PivotState.run

    @rx.event
    def set_load_id(self, value: str):
        self.load_id = value
        return PivotState.run

    @rx.event
    def add_row_field(self, name: str):
        if name:
            self.row_fields = [*self.row_fields, Pill(id=name, text=self._label(name))]
            return PivotState.run
        return None

    @rx.event
    def remove_row_field(self, name: str):
        self.row_fields = [p for p in self.row_fields if p.id != name]
        return PivotState.run

    @rx.event
    def add_col_field(self, name: str):
        if name:
            self.col_fields = [*self.col_fields, Pill(id=name, text=self._label(name))]
            return PivotState.run
        return None

    @rx.event
    def remove_col_field(self, name: str):
        self.col_fields = [p for p in self.col_fields if p.id != name]
        return PivotState.run

    @rx.event
    def set_value_column(self, name: str):
        self.value_column = name

    @rx.event
    def set_value_agg(self, agg: str):
        self.value_agg = agg if agg in pv.AGGS else "sum"

    @rx.event
    def add_value(self):
        """A column is aggregated once: group rows key each value by its column (AG Grid's
        field), so a second aggregate of it replaces the first."""
        if not self.value_column and self.value_agg != "count":
            return None
        cfg = pv.value_cfg(self.value_column, self.value_agg, self._label(self.value_column))
        self.values = [v for v in self.values if v.column != cfg.column] + [cfg]
        return PivotState.run

    @rx.event
    def remove_value(self, value_id: str):
        self.values = [v for v in self.values if v.id != value_id]
        return PivotState.run

    # ---- fetching levels ------------------------------------------------------------------

    async def _level(
        self, client: ApiClient, layout: pv.Layout, keys: list[Any]
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """One level: the cross-tab (or group rows) and, with pivot columns, the row totals."""
        main = client.grid(layout.dataset, pv.endpoint(layout), pv.request(layout, keys))
        if not layout.columns or not layout.rows:
            return await main, None
        totals = client.grid(layout.dataset, "table", pv.request(layout, keys, pivot=False))
        answer, total_answer = await asyncio.gather(main, totals)
        return answer, total_answer

    def _headers(self, layout: pv.Layout, answer: dict[str, Any]) -> None:
        labels = {v.id: v.label for v in layout.values}
        headers = []
        if layout.columns:
            for field in answer.get("pivotResultFields") or []:
                keys, vid = pv.split_field(field)
                headers.append(PivotHeader(field=field, top=" / ".join(keys), bottom=labels[vid]))
            headers += [
                PivotHeader(field=f"{TOTAL}{pv.SEP}{v.id}", top="Total", bottom=v.label, total=True)
                for v in layout.values
            ]
        else:
            headers = [PivotHeader(field=v.id, top="", bottom=v.label) for v in layout.values]
        self.headers = headers
        self._fields = [h.field for h in headers]

    def _cells(
        self, layout: pv.Layout, row: dict[str, Any], totals: dict[str, Any] | None
    ) -> list[PivotCell]:
        kinds = {c.name: c.kind for c in self.columns}
        by_id = {v.id: v for v in layout.values}
        out = []
        for field in self._fields:
            keys, vid = pv.split_field(field) if pv.SEP in field else ([], field)
            v = by_id[vid]
            if keys == [TOTAL]:
                value = (totals or {}).get(v.column)
            elif layout.columns:
                value = row.get(field)
            else:
                value = row.get(v.column)
            out.append(PivotCell(field=field, text=pv.cell(value, pv.value_kind(v, kinds))))
        return out

    def _rows(
        self,
        layout: pv.Layout,
        answer: dict[str, Any],
        totals: dict[str, Any] | None,
        path: list[Any],
    ) -> list[tuple[PivotRow, list[Any]]]:
        level = len(path)
        if not layout.rows:
            data = (answer.get("rowData") or [{}])[0]
            return [
                (
                    PivotRow(
                        id="grand", label="Total", total=True, cells=self._cells(layout, data, data)
                    ),
                    [],
                )
            ]
        column = layout.rows[level]
        by_key = {pv.key_text(r.get(column)): r for r in (totals or {}).get("rowData") or []}
        out = []
        for i, r in enumerate(answer.get("rowData") or []):
            key = r.get(column)
            row = PivotRow(
                id=f"{'/'.join(map(pv.key_text, path))}#{i}:{pv.key_text(key)}",
                level=level,
                label=pv.key_text(key),
                expandable=level + 1 < len(layout.rows),
                cells=self._cells(layout, r, by_key.get(pv.key_text(key), r)),
            )
            out.append((row, [*path, key]))
        return out

    @rx.event(background=True)
    async def run(self):
        async with self:
            self._seq += 1
            seq = self._seq
            generation = await self._begin()
            try:
                layout = self._layout()
            except pv.FilterNotPivotable as exc:
                self.error, self.headers, self.body, self.note = str(exc), [], [], ""
                return
            self.error = pv.problems(layout) if layout.dataset else "Pick a dataset."
            if self.error:
                self.headers, self.body, self.note = [], [], ""
                return
            self.loading = True
            client = await self._api()
        follow_up = None
        try:
            answer, totals = await self._level(client, layout, [])
        except ApiError as exc:
            async with self:
                if seq == self._seq and await self._current(generation):
                    self.headers, self.body = [], []
                    follow_up = self._failed(exc)
            if follow_up is not None:
                yield follow_up
            return
        async with self:
            if seq != self._seq or not await self._current(generation):
                return
            self._headers(layout, answer)
            rows = self._rows(layout, answer, totals, [])
            if layout.rows and answer.get("grandTotalData") is not None:
                grand_totals = (totals or {}).get("grandTotalData") or answer["grandTotalData"]
                grand = PivotRow(
                    id="grand",
                    label="Grand total",
                    total=True,
                    cells=self._cells(layout, answer["grandTotalData"], grand_totals),
                )
                rows.append((grand, []))
            self.body = [r for r, _ in rows]
            self._paths = {r.id: p for r, p in rows}
            self.note = self._note(answer)
            self.loading = False

    def _note(self, answer: dict[str, Any]) -> str:
        count = answer.get("rowCount")
        if isinstance(count, int) and count < 0:
            return f"Showing the first {pv.BLOCK} groups of a level."
        return ""

    @rx.event(background=True)
    async def toggle(self, row_id: str):
        async with self:
            at = next((i for i, r in enumerate(self.body) if r.id == row_id), None)
            if at is None or not self.body[at].expandable:
                return
            row = self.body[at]
            if row.expanded:
                end = at + 1
                while (
                    end < len(self.body)
                    and self.body[end].level > row.level
                    and not self.body[end].total
                ):
                    end += 1
                self.body = [
                    *self.body[:at],
                    dataclasses.replace(row, expanded=False),
                    *self.body[end:],
                ]
                return
            layout, path = self._layout(), self._paths.get(row_id, [])
            client = await self._api()
            generation = await self._begin()
            self.loading = True
        try:
            answer, totals = await self._level(client, layout, path)
        except ApiError as exc:
            async with self:
                if await self._current(generation):
                    self._failed(exc)
            return
        async with self:
            if not await self._current(generation):
                return
            at = next((i for i, r in enumerate(self.body) if r.id == row_id), None)
            if at is None:
                return
            children = self._rows(layout, answer, totals, path)
            self._paths = {**self._paths, **{r.id: p for r, p in children}}
            self.body = [
                *self.body[:at],
                dataclasses.replace(self.body[at], expanded=True),
                *[r for r, _ in children],
                *self.body[at + 1 :],
            ]
            self.loading = False

    # ---- drill-down -----------------------------------------------------------------------

    @rx.event
    async def drill(self, row_id: str, field: str):
        layout = self._layout()
        path = self._paths.get(row_id, [])
        keys, _ = pv.split_field(field) if pv.SEP in field else ([], field)
        by_column = keys == [TOTAL] or not layout.columns
        request = pv.request(layout, path, pivot=not by_column)
        request["pivotKeys"] = [] if by_column else pv.drill_keys(keys)
        request["needsGrandTotal"] = False
        row = next((r for r in self.body if r.id == row_id), None)
        where = [row.label] if row is not None and not row.total else ["All rows"]
        if not by_column:
            where.append(" / ".join(keys))
        self._drill = request
        self.drill_title = " · ".join(where)
        self.drill_start, self.drill_open = 0, True
        return PivotState.drill_page(0)

    @rx.event
    def set_drill_open(self, value: bool):
        self.drill_open = value

    @rx.event
    async def drill_page(self, start: int):
        client = await self._api()
        start = max(0, int(start))
        request = {**self._drill, "startRow": start, "endRow": start + DRILL_PAGE}
        try:
            answer = await client.grid(self.dataset_key, "drilldown", request)
        except ApiError as exc:
            self.drill_rows, self.drill_headers = [], []
            return self._failed(exc)
        rows = answer.get("rowData") or []
        names = list(rows[0].keys()) if rows else []
        kinds = {c.name: c.kind for c in self.columns}
        self.drill_headers = [self._label(n) for n in names]
        self.drill_rows = [
            [str(fmt.format_value(r.get(n), kinds.get(n, "other"), None, n) or "") for n in names]
            for r in rows
        ]
        self.drill_start = start
        count = answer.get("rowCount")
        self.drill_more = not (isinstance(count, int) and count >= 0)
        return None

    # ---- export ---------------------------------------------------------------------------

    @rx.event
    def set_export_format(self, value: str):
        self.export_format = value if value in ("csv", "xlsx", "parquet") else "csv"

    @rx.event(background=True)
    async def export(self):
        async with self:
            layout = self._layout()
            if pv.problems(layout):
                return
            # Column titles of the file: keys and measure joined by a readable separator.
            request = {
                **pv.request(layout, []),
                "pivotResultFieldSeparator": " · ",
                "format": self.export_format,
                "filename": f"{layout.dataset}-pivot.{self.export_format}",
            }
            auth = await self.get_state(AuthState)
            client, token = auth._client(), auth._token
            generation = await self._begin()
            self.export_status, self.export_href = "Exporting…", ""
        try:
            job = await client.grid(layout.dataset, "export", request)
            export_id = str(job.get("id", ""))
            status = str(job.get("status", ""))
            while status in ("queued", "running"):
                await asyncio.sleep(0.5)
                status = str((await client.export_status(export_id)).get("status", ""))
        except ApiError as exc:
            async with self:
                if await self._current(generation):
                    self.export_status = exc.message
            return
        async with self:
            if not await self._current(generation):
                return  # the link would download as the user who signed out
            if status == "done":
                self.export_status = "Ready."
                tab = self.router.session.client_token
                self.export_href = await downloads.issue(token, export_id, tab)
            else:
                self.export_status = f"The export ended: {status}."


filter_editor.TARGETS["pivot"] = PivotState  # the filter builder edits the pivot's filters too
