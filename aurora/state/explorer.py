"""The explorer: the query being built and the one page on screen. Nothing else.

State holds the parts of the spec, the visible page (at most 50 formatted rows) and a few
flags. Queries run as background tasks so a new action supersedes a running one: the old
HTTP call is cancelled (the API then cancels its database query) and its answer, should it
still arrive, is dropped by the sequence check.

What follows the grid (the chart, the filter builder) imports the explorer and registers
in its hook lists below; the explorer imports none of them.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import reflex as rx

from aurora import buckets as bk
from aurora import dataset_meta, lake_history, spec_builder, spec_restore, top_n
from aurora import filters as flt
from aurora import formatting as fmt
from aurora.api_client import ApiClient, ApiError
from aurora.state import convert, dialog_apply, reset_undo, session
from aurora.state.base import PageState
from aurora.state.models import (
    Bucket,
    Calculated,
    ColumnMeta,
    DatasetItem,
    LoadIdOption,
    Measure,
    Pill,
    SortKey,
)

PAGE_SIZE = spec_builder.PAGE_SIZE

# client token -> the query task running for it (one per browser session)
_INFLIGHT: dict[str, asyncio.Task[Any]] = {}
# When each tab last sent a grid query (event-loop time). Quick clicks are paced: a query
# asked for within PACE_S of the tab's last one waits out the rest, and a newer click
# cancels it while it waits: clicks a loaded server works through less than PACE_S apart
# send their first and last query only (cancelling a query the API has nearly answered
# comes too late to save it any work).
_SENT: dict[str, float] = {}
PACE_S = 0.25
_SENT_KEPT = 1024

# Hooks. Events to fire after a page of results arrived (a chart on screen follows the grid).
AFTER_RESULT: list[Any] = []
# Events for a table or chart report just opened, from its kind and saved chart settings.
ON_REPORT_OPENED: list[Callable[[str, dict[str, Any]], Any]] = []
# Called with the explorer and its filter rows when the API refused conditions it names.
ON_FILTER_ERRORS: list[Callable[[Any, list[flt.FilterRow]], Awaitable[None]]] = []


async def _paced(tab: str) -> None:
    """Wait until PACE_S after the tab's last grid query, then note this one as sent."""
    loop = asyncio.get_running_loop()
    wait = _SENT.get(tab, -PACE_S) + PACE_S - loop.time()
    if wait > 0:
        await asyncio.sleep(wait)
    now = _SENT[tab] = loop.time()
    if len(_SENT) > _SENT_KEPT:  # only the last PACE_S matters: forget tabs idle since
        for idle in [t for t, at in _SENT.items() if now - at > PACE_S]:
            del _SENT[idle]


def _supersede(tab: str) -> asyncio.Task[Any] | None:
    """Cancel the tab's running query (its HTTP call, and so the API's query) and note this
    task as the one running."""
    task = asyncio.current_task()
    previous = _INFLIGHT.get(tab)
    if previous is not None and previous is not task and not previous.done():
        previous.cancel()
    if task is not None:
        _INFLIGHT[tab] = task
    return task


@session.forgotten
class ExplorerState(PageState, rx.State):
    """Dataset choice, spec parts, vintage, and the current page of results."""

    datasets: list[DatasetItem] = []
    dataset_search: str = ""
    dataset_key: str = ""
    dataset_label: str = ""
    dataset_description: str = ""
    row_estimate: int = -1
    rls_no_rows: bool = False  # row-level security leaves this user none of its rows
    columns: list[ColumnMeta] = []

    load_types: list[str] = []
    load_ids: list[LoadIdOption] = []
    load_type: str = ""
    load_id: str = ""
    vintage_chosen: bool = False
    _vintage: dict[str, list[LoadIdOption]] = {}
    _default_load_type: str = ""  # the admin's, which an omitted vintage means
    _opens_on: tuple[str, str] = ("", "")  # the API's default_vintage: one load
    as_of: dict[str, Any] = {}  # the spec's as_of: a past version of a Delta dataset
    as_of_label: str = ""  # "as of version 3 / 02 Dec 2026 ..." (aurora.lake_history)
    limit: int = 0  # a top N (the spec's `limit`): only the first N rows; 0: every row

    hidden: list[str] = []
    filter_rows: list[flt.FilterRow] = []
    quick_search: str = ""
    sort: list[SortKey] = []
    group_by: list[str] = []  # output names: a date by period is `order_date_month`
    buckets: list[Bucket] = []  # those periods (aurora.buckets)
    measures: list[Measure] = []
    calculated: list[Calculated] = []
    joins: list[dict[str, Any]] = []  # the API's join objects, as the join builder made them
    _base_columns: list[ColumnMeta] = []  # the picked dataset's own columns
    page: int = 1

    # The saved report on screen, if any: Save replaces it when the user may edit it.
    report_id: str = ""
    report_name: str = ""
    report_description: str = ""
    report_shared: bool = False
    report_can_edit: bool = False
    detached: bool = False  # Reset All left a report: the title says "Unsaved"
    _undo: dict[str, Any] = {}  # what that Reset All threw away (reset_undo)

    result_columns: list[ColumnMeta] = []
    rows: list[dict[str, str | None]] = []
    total_rows: int = -1
    total_row: list[dict[str, str | None]] = []  # an aggregated grid's "Total" row, pinned
    total_pending: bool = False  # the API still counts: the range ends "of ..." until it comes
    elapsed_ms: float = 0.0
    loading: bool = False
    has_result: bool = False
    error_code: str = ""
    error_title: str = ""
    error_message: str = ""
    error_hint: str = ""
    applying: str = ""  # the dialog whose Apply waits for this query (see dialog_apply)
    _before: dict[str, Any] = {}  # the spec's parts before that Apply
    _seq: int = 0
    # Something on screen follows each answer (AFTER_RESULT: the chart), as it tells us: a
    # page fires those hooks only then, so a closed chart's state is not loaded and saved
    # (a Redis round trip each, with two UI workers) on every page, sort and filter.
    _followed: bool = False

    # ---- derived, small ------------------------------------------------------------------

    @rx.var
    def filtered_datasets(self) -> list[DatasetItem]:
        needle = self.dataset_search.strip().lower()
        if not needle:
            return self.datasets
        return [d for d in self.datasets if needle in f"{d.key} {d.label} {d.description}".lower()]

    @rx.var
    def row_range(self) -> str:
        if self.error_title:
            return "\u2014"  # the rows of an earlier query are not this query's
        total = None if self.total_rows < 0 else self.total_rows
        shown = fmt.row_range(self.page, PAGE_SIZE, len(self.rows), total)
        return f"{shown} of \u2026" if self.total_pending and self.rows else shown

    @rx.var
    def elapsed_text(self) -> str:
        return f"{self.elapsed_ms:,.0f} ms"

    # Paging stays enabled while a page loads: another click supersedes the running query.
    @rx.var
    def can_prev(self) -> bool:
        return self.page > 1

    @rx.var
    def can_next(self) -> bool:
        if self.total_rows >= 0:
            return self.page * PAGE_SIZE < self.total_rows
        return len(self.rows) == PAGE_SIZE

    @rx.var
    def limit_label(self) -> str:
        """The top N pill's words: "Top 5" ("" without a limit)."""
        return top_n.label(self.limit, self.sort, [m.alias for m in self.measures])

    @rx.var
    def aggregated(self) -> bool:
        return bool(self.group_by or self.measures)

    @rx.var
    def has_vintage(self) -> bool:
        return bool(self.load_types)

    @rx.var
    def vintage_span(self) -> int:
        """How many loads the rows on screen come from (more than one: sums add snapshots)."""
        if self.load_id or not self.has_vintage:
            return 1
        if self.load_type:
            return len(self.load_ids)
        return sum(len(ids) for ids in self._vintage.values())

    @rx.var
    def schema_columns(self) -> list[ColumnMeta]:
        """The columns the grid can show now, with their visibility (for the toggles)."""
        draft = self._shape()
        kinds = spec_builder.kinds(draft)
        labels = {c.name: c.label for c in self._bucket_columns()}
        labels |= {c.name: c.label for c in self.columns}
        return [
            ColumnMeta(
                name=n,
                label=labels.get(n, n),
                kind=kinds.get(n, "other"),
                visible=n not in self.hidden,
            )
            for n in spec_builder.schema(draft)
        ]

    @rx.var
    def filter_columns(self) -> list[ColumnMeta]:
        """Columns a filter may name: the dataset's, calculated fields, and measures."""
        shown = {c.name: c.label for c in self.result_columns}
        kinds = spec_builder.kinds(self._shape())
        cols = list(self.columns)
        cols += [
            ColumnMeta(
                name=m.alias,
                label=shown.get(m.alias, m.alias),
                kind=kinds.get(m.alias, "float"),
                type="measure",
            )
            for m in self.measures
        ]
        return cols

    @rx.var
    def pills(self) -> list[Pill]:
        """The filters in words: labels, formatted values, OR groups in brackets."""
        shown = {c.name: c for c in self.result_columns}
        known = {c.name: (c.label, c.format) for c in self.columns}
        known |= {
            m.alias: (shown[m.alias].label, shown[m.alias].format)
            if m.alias in shown
            else (m.alias, "")
            for m in self.measures
        }

        kinds = spec_builder.kinds(self._shape())

        def words(row: flt.FilterRow) -> str:
            label, format_ = known.get(row.column, (row.column, ""))
            # The kind the column has now: a sum of whole numbers reads "> 1,000", not ".00".
            row = dataclasses.replace(row, col_kind=kinds.get(row.column, row.col_kind))
            return flt.describe(row, label, format_)

        return [Pill(id=i, text=t) for i, t in flt.pills(self.filter_rows, words)]

    @rx.var
    def column_defs(self) -> list[dict[str, Any]]:
        """AG Grid column definitions for the page on screen, carrying the server sort."""
        order = {s.column: (i, s.direction) for i, s in enumerate(self.sort)}
        defs = []
        for i, c in enumerate(self.result_columns):
            index, direction = order.get(c.name, (None, None))
            col: dict[str, Any] = {
                "field": f"c{i}",
                "colId": c.name,
                "headerName": c.label,
                "headerTooltip": c.name,
                "initialWidth": min(280, max(96, 9 * len(c.label) + 48)),
                "sort": direction,
                "sortIndex": index if len(order) > 1 else None,
            }
            if c.kind in fmt.NUMERIC_KINDS:
                col["type"] = "rightAligned"
                col["cellClass"] = ["ag-right-aligned-cell", "aurora-num"]
            else:  # text may be cut to fit; the whole value shows on hover
                col["tooltipField"] = f"c{i}"
            defs.append(col)
        return defs

    # ---- helpers ----------------------------------------------------------------------------

    def _bucket_columns(self) -> list[ColumnMeta]:
        """The group-by's dates by period as columns: label `Order date (month)`, shown as
        the period (`Jan 2024`)."""
        labels = {c.name: c.label for c in self.columns}
        return [
            ColumnMeta(
                name=b.name,
                label=bk.label(labels.get(b.column, b.column), b.bucket),
                type="DATE",
                kind="date",
                format=f"{bk.PERIOD}{b.bucket}",
            )
            for b in self.buckets
        ]

    def _draft(self, page: int | None = None) -> spec_builder.Draft:
        return dataclasses.replace(self._shape(), page=page or self.page)

    def _shape(self) -> spec_builder.Draft:
        """The query without its page. The computed vars (schema, filter columns, pills) read
        this: Reflex recomputes a var when a field it reads changes, and sends it again, so
        reading the page made every next page recompute and resend them."""
        vintage = (self.load_type, self.load_id) if self.vintage_chosen else ("", "")
        all_loads = self.vintage_chosen and vintage == ("", "")
        return spec_builder.Draft(
            dataset=self.dataset_key,
            columns=list(self.columns),
            hidden=list(self.hidden),
            filter_rows=list(self.filter_rows),
            quick_search=self.quick_search,
            sort=list(self.sort),
            group_by=list(self.group_by),
            buckets=list(self.buckets),
            measures=list(self.measures),
            calculated=list(self.calculated),
            load_type=vintage[0],
            load_id=vintage[1],
            all_loads=all_loads,
            joins=list(self.joins),
            as_of=dict(self.as_of),
            limit=self.limit or None,
        )

    def _current_spec(self) -> dict[str, Any]:
        return spec_builder.build(self._draft())[0]

    def _show_error(self, exc: ApiError) -> None:
        title, hint = convert.friendly(exc.code)
        self.error_code, self.error_title = exc.code, title
        self.error_message, self.error_hint = exc.message, hint

    def _clear_error(self) -> None:
        self.error_code = self.error_title = self.error_message = self.error_hint = ""

    def _forget(self) -> None:
        """Sign-out: nothing of the last user's work stays in the session."""
        self.datasets, self.dataset_search = [], ""
        self._reset_dataset()
        self.dataset_key = self.dataset_label = self.dataset_description = ""
        self.columns, self._base_columns = [], []
        self._followed = False
        self._forget_report()

    def _forget_report(self) -> None:
        self.detached = False
        self.report_id = self.report_name = self.report_description = ""
        self.report_shared = self.report_can_edit = False

    def _reset_spec(self) -> None:
        self.hidden, self.filter_rows, self.quick_search, self.sort = [], [], "", []
        self.group_by, self.measures, self.calculated, self.page = [], [], [], 1
        self.joins, self.buckets = [], []
        self.as_of, self.as_of_label, self.limit = {}, "", 0
        self.columns = [dataclasses.replace(c) for c in self._base_columns]
        self._default_vintage()

    def _reset_dataset(self) -> None:
        self._reset_spec()
        self.result_columns, self.rows, self.total_rows, self.has_result = [], [], -1, False
        self.load_types, self.load_ids, self._vintage = [], [], {}
        self.load_type = self.load_id = ""
        self._clear_error()

    def _default_vintage(self) -> None:
        """Open on the API's `default_vintage` (one load), sent explicitly, so sums never add
        snapshots together unless the user picks all loads."""
        load_type, load_id = self._opens_on
        self.vintage_chosen = bool(load_type or load_id)
        self.load_type, self.load_id = load_type, load_id
        self.load_ids = self._vintage.get(load_type, [])

    def _omitted_vintage(self) -> None:
        """Show what the API does when no vintage is sent: the default load type, newest."""
        self.vintage_chosen = False
        self.load_type = self._default_load_type if self._default_load_type in self._vintage else ""
        self.load_ids = self._vintage.get(self.load_type, [])
        self.load_id = self.load_ids[0].value if self.load_ids else ""

    def _apply_dataset(self, meta: dict[str, Any]) -> None:
        m = dataset_meta.read(meta)
        self.dataset_key, self.dataset_label = m.key, m.label
        self.dataset_description, self.row_estimate = m.description, m.row_estimate
        self.columns, self.rls_no_rows = m.columns, m.rls_no_rows
        self._base_columns = [dataclasses.replace(c) for c in self.columns]
        self._vintage, self.load_types = m.vintage, m.load_types
        self._default_load_type, self._opens_on = m.default_load_type, m.opens_on
        self._default_vintage()

    def _apply_result(self, result: dict[str, Any]) -> None:
        """Only what changed is assigned: Reflex sends (and recomputes the vars reading) every
        field assigned, equal or not, so a next page sent the columns, their definitions,
        the pills and the empty error again with its rows."""
        by_name = {c.name: c for c in [*self._bucket_columns(), *self.columns]}
        cols = [
            convert.result_column(c, by_name.get(str(c.get("name")))) for c in result["columns"]
        ]
        if cols != self.result_columns:
            self.result_columns = cols
        if not self.measures and self.total_row:
            self.total_row = []
        self._learn_calculated_kinds(cols)
        shown = [{"name": c.name, "kind": c.kind, "format": c.format} for c in cols]
        self.rows = fmt.format_rows(result.get("rows", []), shown)
        total = result.get("total_rows")
        self._set(total_rows=int(total) if isinstance(total, int) else -1)
        self._set(total_pending=bool(result.get("total_pending")), has_result=True)
        self.elapsed_ms, self.loading = float(result.get("elapsed_ms") or 0.0), False
        if any((self.error_code, self.error_title, self.error_message, self.error_hint)):
            self._clear_error()

    def _set(self, **values: Any) -> None:
        """Assign the fields whose value differs (see _apply_result)."""
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)

    def _learn_calculated_kinds(self, result: list[ColumnMeta]) -> None:
        """A restored calculated field's kind is unknown until the API types it."""
        kinds = {c.name: c.kind for c in result}
        if any(
            c.type == "calculated" and c.kind == "other" and c.name in kinds for c in self.columns
        ):
            self.columns = [
                dataclasses.replace(c, kind=kinds[c.name])
                if c.type == "calculated" and c.kind == "other" and c.name in kinds
                else c
                for c in self.columns
            ]

    def _apply_restored(self, r: spec_builder.Draft) -> None:
        """Take over a saved report's grid (after its dataset was applied)."""
        self.columns, self.joins, self.hidden = r.columns, r.joins, r.hidden
        self.filter_rows, self.quick_search, self.sort = r.filter_rows, r.quick_search, r.sort
        self.group_by, self.measures, self.calculated = r.group_by, r.measures, r.calculated
        self.buckets, self.page, self.limit = r.buckets, 1, r.limit or 0
        self._read_as_of(r.as_of)
        if r.vintage_chosen:
            self.vintage_chosen, self.load_type, self.load_id = True, r.load_type, r.load_id
            self.load_ids = self._vintage.get(r.load_type, [])
        else:
            self._omitted_vintage()  # saved without one: the API's default, as then

    def _read_as_of(self, as_of: dict[str, Any], when: str = "") -> None:
        """Read a past version from now on (`{}`: the latest again), from page 1."""
        self.as_of, self.as_of_label = dict(as_of), lake_history.pill_text(as_of, when)
        self.page = 1

    def _take_report(self, report: dict[str, Any]) -> None:
        self.detached = False
        self.report_id = str(report.get("id", ""))
        self.report_name = str(report.get("name", ""))
        self.report_description = str(report.get("description") or "")
        self.report_shared = bool(report.get("shared"))
        self.report_can_edit = bool(report.get("can_edit"))

    # ---- events -------------------------------------------------------------------------

    @rx.event
    async def open_explorer(self):
        """on_load: the dataset list only. Lazy start: no query until a dataset is picked."""
        client, away = await self._signed_in_api()
        if client is None:
            return away
        return await self._load_datasets(client)

    async def _load_datasets(self, client: ApiClient) -> Any:
        try:
            listing = await client.datasets()
        except ApiError as exc:
            return self._failed(exc)
        self.datasets = [
            DatasetItem(
                key=str(d.get("key", "")),
                label=str(d.get("label") or d.get("key", "")),
                description=str(d.get("description") or ""),
            )
            for d in listing
        ]
        return None

    @rx.event
    def set_dataset_search(self, text: str):
        self.dataset_search = text

    @rx.event
    async def pick_dataset(self, key: str):
        try:
            meta = await (await self._api()).dataset(key)
        except ApiError as exc:
            return self._failed(exc)
        self._reset_dataset()
        self._apply_dataset(meta)
        self._forget_report()
        if str(self.router.url.path).startswith("/reports/"):
            # The address named the report just left; a reload must not bring it back.
            return [ExplorerState.run_query, rx.redirect("/")]
        return ExplorerState.run_query

    @rx.event
    async def open_report_link(self):
        """on_load of `/reports/{id}`: the explorer with that report's exact grid."""
        client, away = await self._signed_in_api()
        if client is None:
            return away
        report_id = str(self.router.url.path).rstrip("/").rsplit("/", 1)[-1]
        follow_up = await self._load_datasets(client)
        if follow_up is not None:
            return follow_up
        if report_id == self.report_id and self.has_result:
            return None  # back on a report already open: keep its page and edits
        try:
            report = await self._open_report(client, report_id)
        except ApiError as exc:
            return self._failed(exc)
        if report.get("kind") == "pivot":  # a saved pivot opens in the pivot view
            return rx.redirect(f"/pivot?report={report_id}")
        kind, chart = str(report.get("kind")), report.get("chart") or {}
        return [ExplorerState.run_query, *(hook(kind, chart) for hook in ON_REPORT_OPENED)]

    async def _open_report(self, client: Any, report_id: str) -> dict[str, Any]:
        report: dict[str, Any] = await client.report(report_id)
        if report.get("kind") == "pivot":
            return report
        spec = report.get("spec") or {}
        meta = await client.dataset(str(spec.get("dataset", "")))
        joins = [{k: v for k, v in j.items() if v is not None} for j in spec.get("joins") or []]
        spec = {**spec, "joins": joins}
        schema_columns = None
        if joins:
            schema = await client.joined_schema({"dataset": spec["dataset"], "joins": joins})
            schema_columns = spec_restore.joined_columns(schema)
        self._reset_dataset()
        self._apply_dataset(meta)
        self._apply_restored(spec_restore.restore(spec, schema_columns or self._base_columns))
        self._take_report(report)
        return report

    def _show_failure(self, exc: ApiError) -> None:
        self._show_error(exc)
        self.loading = False

    @rx.event(background=True, supersedes=True)
    async def run_query(self):
        async with self:
            if not self.dataset_key:
                return
            self._seq += 1
            seq = self._seq
            generation = await self._begin()
            spec, paths = spec_builder.build(self._draft())
            self.loading = True
            client = await self._api()
            tab = self.router.session.client_token
        task = _supersede(tab)
        try:
            await _paced(tab)
            result = await client.query(spec)
        except asyncio.CancelledError:
            return
        except ApiError as exc:
            follow_up = None
            async with self:
                if (
                    seq == self._seq
                    and await self._current(generation)
                    and not await dialog_apply.refused(self, exc, spec, paths)
                ):
                    follow_up = await self._query_failed(exc, paths)
            if follow_up is not None:
                yield follow_up
            return
        finally:
            if _INFLIGHT.get(tab) is task:
                _INFLIGHT.pop(tab, None)
        async with self:
            if seq != self._seq or not await self._current(generation):
                return  # superseded, or asked for by a sign-in that has ended
            self._apply_result(result)
            await dialog_apply.settled(self)
            followed = self._followed
        if followed:
            yield list(AFTER_RESULT)  # the chart on screen follows the grid's query
        await self._fill_in_totals_row(client, spec, (seq, generation))
        await self._fill_in_total(client, spec, (seq, generation), result)

    async def _fill_in_totals_row(
        self, client: ApiClient, spec: dict[str, Any], asked: tuple[int, str]
    ) -> None:
        """An aggregated grid ends in a pinned "Total" row, from the same spec (POST
        /api/totals: the measures over every group the spec keeps)."""
        if not spec.get("measures"):
            return
        try:
            answer = await client.totals(spec)
        except ApiError:
            answer = {}  # no totals row rather than a wrong one
        async with self:
            if asked[0] == self._seq and await self._current(asked[1]):
                aliases = {m.alias for m in self.measures}
                cols = [dataclasses.asdict(c) for c in self.result_columns]
                groups = sum(1 for c in self.result_columns if c.name not in aliases)
                self.total_row = fmt.totals_row(answer.get("row"), cols, groups)

    async def _fill_in_total(
        self,
        client: ApiClient,
        spec: dict[str, Any],
        asked: tuple[int, str],
        result: dict[str, Any],
    ) -> None:
        """A page that came before its count: ask for the count and show it when it comes."""
        if not result.get("total_pending"):
            return
        try:
            total = await client.count(spec)
        except ApiError:
            total = None  # the range keeps no total, as when the API does not count
        async with self:
            if asked[0] == self._seq and await self._current(asked[1]):
                self.total_rows = total if total is not None else -1
                self.total_pending = False

    async def _query_failed(self, exc: ApiError, paths: dict[str, str]) -> Any:
        self.loading, self.total_row = False, []
        self.rows, self.total_rows, self.has_result = [], -1, False
        ended = self._failed(exc)
        if ended is not None:
            return ended
        marked = convert.mark_filter_errors(self.filter_rows, exc, paths)
        if marked is not None:
            self.filter_rows = marked
            for hook in ON_FILTER_ERRORS:
                await hook(self, marked)
        return None

    @rx.event
    def next_page(self):
        if not self.can_next:
            return None
        self.page += 1
        return ExplorerState.run_query

    @rx.event
    def prev_page(self):
        if self.page <= 1:
            return None
        self.page -= 1
        return ExplorerState.run_query

    @rx.event
    def set_sort(self, model: list[dict[str, Any]]):
        """From the grid's header clicks (shift-click adds a key): sort on the server."""
        sort = [
            SortKey(
                column=str(m.get("colId")), direction="desc" if m.get("sort") == "desc" else "asc"
            )
            for m in model
            if m.get("colId") and m.get("sort")
        ]
        if [(s.column, s.direction) for s in sort] == [(s.column, s.direction) for s in self.sort]:
            return None
        self.sort, self.page = sort, 1
        return ExplorerState.run_query

    @rx.event
    def toggle_column(self, name: str):
        if name in self.hidden:
            self.hidden = [h for h in self.hidden if h != name]
        else:
            self.hidden = [*self.hidden, name]
            self.sort = [s for s in self.sort if s.column != name]
        self.page = 1
        return ExplorerState.run_query

    @rx.event
    def set_quick_search(self, text: str):
        if text.strip() == self.quick_search.strip():
            self.quick_search = text
            return None
        self.quick_search, self.page = text, 1
        return ExplorerState.run_query

    @rx.event
    def remove_filter(self, row_id: str):
        self.filter_rows = flt.remove_row(self.filter_rows, row_id)
        self.page = 1
        return ExplorerState.run_query

    @rx.event
    def narrow_to(self, conditions: list[dict[str, Any]]):
        """A chart's drill-through: `column = value` conditions ANDed on, shown as pills."""
        from aurora.chart_data import narrowed, narrowed_to_period

        kinds = {c.name: c.kind for c in self.columns}
        periods = {b.name: b for b in self.buckets}
        plain = [c for c in conditions if c.get("column") not in periods]
        rows = narrowed(self.filter_rows, plain, kinds)
        for c in conditions:
            b = periods.get(str(c.get("column")))
            if b is not None:  # a period: its column from the period's start to its end
                rows = narrowed_to_period(rows, b, kinds.get(b.column, "date"), c.get("value"))
        self.filter_rows, self.page = rows, 1
        return ExplorerState.run_query

    @rx.event
    def set_load_type(self, value: str):
        """A load type starts at its newest load; the empty choice is every load of every
        type (a warning pill says how many loads the sums then span)."""
        if not value:
            self.load_type, self.load_id, self.vintage_chosen = "", "", True
            self.load_ids = []
        else:
            self.load_type, self.vintage_chosen = value, True
            self.load_ids = self._vintage.get(value, [])
            self.load_id = self.load_ids[0].value if self.load_ids else ""
        self.page = 1
        return ExplorerState.run_query

    @rx.event
    def set_load_id(self, value: str):
        self.load_id, self.vintage_chosen, self.page = value, True, 1
        return ExplorerState.run_query

    @rx.event
    def clear_limit(self):
        """The top N pill's x: every row again, from page 1."""
        if not self.limit:
            return None
        self.limit, self.page = 0, 1
        return ExplorerState.run_query

    @rx.event
    def clear_as_of(self):
        """The as-of pill's clear: back to the latest version."""
        if not self.as_of:
            return None
        self._read_as_of({})
        return ExplorerState.run_query

    @rx.event
    def reset_all(self):
        """Back to the plain dataset: no aggregation, calculated fields, filters, sort. On an
        open report the explorer leaves it (a Save makes a new one), with an Undo."""
        kept = reset_undo.keep(self) if self.report_id else {}
        self._reset_spec()
        self._clear_error()
        if not kept:
            return ExplorerState.run_query
        self._undo = kept
        self._forget_report()
        self.detached = True
        undo = {"label": "Undo", "on_click": ExplorerState.undo_reset}
        note = f"Reset: '{kept['report_name']}' is no longer open."
        return [
            ExplorerState.run_query,
            rx.redirect("/"),
            rx.toast.info(note, action=undo, duration=reset_undo.UNDO_SECONDS * 1000),
        ]

    @rx.event
    def undo_reset(self):
        """The toast's Undo: the report's grid and address come back."""
        if not self._undo:
            return None
        report_id = reset_undo.restore(self, self._undo)
        self._undo, self.page = {}, 1
        return [ExplorerState.run_query, rx.redirect(f"/reports/{report_id}")]

    @rx.event
    def dismiss_error(self):
        self._clear_error()
