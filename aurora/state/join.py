"""The join builder modal: datasets, join types and key pairs, with a live preview of the
joined schema and 50 sample rows (from the API) before anything is applied to the grid."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from aurora import filters as flt
from aurora import formatting as fmt
from aurora import joins as jn
from aurora import spec_restore
from aurora.api_client import ApiClient, ApiError
from aurora.state import convert, dialog_apply, session
from aurora.state.base import PageState
from aurora.state.explorer import ExplorerState
from aurora.state.models import ColumnMeta, DatasetItem, Measure, SortKey

PREVIEW_ROWS = 50


@dataclasses.dataclass
class SchemaCol:
    name: str = ""
    label: str = ""
    source: str = ""
    type: str = ""


@session.forgotten
@dialog_apply.dialog("join")
class JoinState(PageState, rx.State):
    open: bool = False
    base: str = ""
    base_label: str = ""
    joins: list[jn.JoinEdit] = []
    pairs: list[jn.KeyPair] = []
    schema: list[SchemaCol] = []
    preview_headers: list[str] = []
    preview_rows: list[list[str]] = []
    preview_note: str = ""
    # error (PageState): the API's refusal (cost gate, ambiguity, key types), shown inline
    busy: bool = False
    schema_ok: bool = False
    addable: list[DatasetItem] = []
    _columns: dict[str, list[ColumnMeta]] = {}
    _labels: dict[str, str] = {}
    _seq: int = 0

    # ---- opening -------------------------------------------------------------------------

    @rx.event
    async def open_modal(self):
        explorer = await self.get_state(ExplorerState)
        if not explorer.dataset_key:
            return None
        self.base, self.base_label = explorer.dataset_key, explorer.dataset_label
        self._labels = {d.key: d.label for d in explorer.datasets}
        self.addable = [d for d in explorer.datasets if d.key != self.base]
        self._columns = {self.base: [c for c in explorer._base_columns]}
        self.joins, self.pairs = [], []
        client = await self._api()
        for j in explorer.joins:
            await self._load_columns(client, str(j["dataset"]))
            edit = jn.JoinEdit(id=flt.new_id(), dataset=str(j["dataset"]), type=str(j["type"]))
            self.joins = [*self.joins, self._described(edit)]
            for on in j.get("on") or []:
                self._add_pair(edit.id, str(on["left"]), str(on["right"]))
        self._clear_preview()
        self.open = True
        return JoinState.refresh_preview if self.joins else None

    @rx.event
    def set_open(self, value: bool):
        self.open = value

    async def _load_columns(self, client: ApiClient, key: str) -> None:
        if key in self._columns:
            return
        meta = await client.dataset(key)
        self._columns = {
            **self._columns,
            key: [convert.column_meta(c) for c in meta.get("columns", [])],
        }

    def _described(self, edit: jn.JoinEdit) -> jn.JoinEdit:
        edit.label = self._labels.get(edit.dataset, edit.dataset)
        edit.description = jn.JOIN_TEXT.get(edit.type, "")
        return edit

    def _left_sides(self, join_id: str) -> list[str]:
        """The base dataset and the datasets joined before this one."""
        sides = [self.base]
        for j in self.joins:
            if j.id == join_id:
                break
            sides.append(j.dataset)
        return sides

    def _options(self, pair: jn.KeyPair) -> jn.KeyPair:
        join = next(j for j in self.joins if j.id == pair.join_id)
        left = []
        for side in self._left_sides(join.id):
            label = self.base_label if side == self.base else self._labels.get(side, side)
            left += jn.qualified(side, self._columns.get(side, []), label)
        pair.left_options = left
        pair.right_options = jn.right_options(pair.left, join.dataset, self._columns, join.label)
        return pair

    def _add_pair(self, join_id: str, left: str, right: str) -> None:
        pair = jn.KeyPair(id=flt.new_id(), join_id=join_id, left=left, right=right)
        self.pairs = [*self.pairs, self._options(pair)]

    # ---- editing (every change refreshes the preview) ------------------------------------

    @rx.event
    async def add_join(self, key: str):
        if not key:
            return None
        client = await self._api()
        try:
            await self._load_columns(client, key)
        except ApiError as exc:
            self.error = exc.message
            return None
        edit = self._described(jn.JoinEdit(id=flt.new_id(), dataset=key, type="left"))
        self.joins = [*self.joins, edit]
        left, right = jn.guess_pair(self._left_sides(edit.id), key, self._columns)
        self._add_pair(edit.id, left, right)
        return JoinState.refresh_preview

    @rx.event
    def remove_join(self, join_id: str):
        self.joins = [j for j in self.joins if j.id != join_id]
        self.pairs = [p for p in self.pairs if p.join_id != join_id]
        return JoinState.refresh_preview

    @rx.event
    def set_type(self, join_id: str, value: str):
        if value not in jn.JOIN_TYPES:
            return None
        self.joins = [
            self._described(dataclasses.replace(j, type=value)) if j.id == join_id else j
            for j in self.joins
        ]
        return JoinState.refresh_preview

    @rx.event
    def add_pair(self, join_id: str):
        self._add_pair(join_id, "", "")

    @rx.event
    def remove_pair(self, pair_id: str):
        self.pairs = [p for p in self.pairs if p.id != pair_id]
        return JoinState.refresh_preview

    @rx.event
    def set_left(self, pair_id: str, value: str):
        out = []
        for p in self.pairs:
            if p.id == pair_id:
                p = self._options(dataclasses.replace(p, left=value, error=""))
                if p.right not in {o.name for o in p.right_options}:
                    p.right = p.right_options[0].name if p.right_options else ""
            out.append(p)
        self.pairs = out
        return JoinState.refresh_preview

    @rx.event
    def set_right(self, pair_id: str, value: str):
        self.pairs = [
            dataclasses.replace(p, right=value, error="") if p.id == pair_id else p
            for p in self.pairs
        ]
        return JoinState.refresh_preview

    # ---- preview ---------------------------------------------------------------------------

    def _clear_preview(self) -> None:
        self.schema, self.preview_headers, self.preview_rows = [], [], []
        self.preview_note, self.error, self.schema_ok = "", "", False

    async def _spec(self) -> dict[str, Any]:
        explorer = await self.get_state(ExplorerState)
        spec: dict[str, Any] = {"dataset": self.base, "joins": jn.to_spec(self.joins, self.pairs)}
        vintage = explorer._current_spec().get("vintage")
        if vintage:
            spec["vintage"] = vintage
        return spec

    @rx.event(background=True)
    async def refresh_preview(self):
        async with self:
            self._seq += 1
            seq = self._seq
            generation = await self._begin()
            self._clear_preview()
            self.pairs = [dataclasses.replace(p, error="") for p in self.pairs]
            if not self.joins:
                return
            self.busy = True
            spec = await self._spec()
            client = await self._api()
        try:
            schema = await client.joined_schema(spec)
        except ApiError as exc:
            async with self:
                if await self._asked_by(seq, generation):
                    self._refused(exc)
            return
        async with self:
            if not await self._asked_by(seq, generation):
                return
            self._take_schema(schema)
        try:
            result = await client.preview({**spec, "page": 1, "page_size": PREVIEW_ROWS})
        except ApiError as exc:
            async with self:
                if await self._asked_by(seq, generation):
                    self.busy, self.error = False, exc.message
            return
        async with self:
            if await self._asked_by(seq, generation):
                self._take_rows(result)

    async def _asked_by(self, seq: int, generation: str) -> bool:
        """The newest preview, asked for by the sign-in still using this tab."""
        return seq == self._seq and await self._current(generation)

    def _refused(self, exc: ApiError) -> None:
        self.busy, self.error = False, exc.message
        marks = jn.pair_errors(self.pairs, self.joins, exc.details)
        self.pairs = [dataclasses.replace(p, error=marks.get(p.id, "")) for p in self.pairs]

    def _take_schema(self, schema: dict[str, Any]) -> None:
        sources = {str(d.get("alias")): str(d.get("label")) for d in schema.get("datasets", [])}
        self.schema = [
            SchemaCol(
                name=str(c.get("name")),
                label=str(c.get("label") or c.get("name")),
                source=sources.get(str(c.get("alias")), str(c.get("dataset"))),
                type=str(c.get("type")),
            )
            for c in schema.get("columns", [])
        ]
        self._columns = {**self._columns, "__joined__": spec_restore.joined_columns(schema)}
        self.schema_ok = True

    def _take_rows(self, result: dict[str, Any]) -> None:
        cols = [dataclasses.asdict(convert.column_meta(c)) for c in result.get("columns", [])]
        formatted = fmt.format_rows(result.get("rows", [])[:PREVIEW_ROWS], cols)
        # Headed like the schema chips: "Region · Global sales", never global_sales.region.
        titles = {c.name: f"{c.label} \u00b7 {c.source}" for c in self.schema}
        self.preview_headers = [titles.get(str(c["name"]), str(c["label"])) for c in cols]
        self.preview_rows = [
            ["null" if r.get(f"c{i}") is None else str(r[f"c{i}"]) for i in range(len(cols))]
            for r in formatted
        ]
        shown = len(self.preview_rows)
        self.preview_note = f"{shown} sample row{'s' if shown != 1 else ''} of the joined result"
        self.busy = False

    # ---- applying --------------------------------------------------------------------------

    @rx.event
    async def apply(self):
        if self.joins and not self.schema_ok:
            self.error = self.error or "Fix the join keys first: the preview must succeed."
            return None
        explorer = await self.get_state(ExplorerState)
        dialog_apply.remember(explorer, "join")  # open until the grid's query answers
        joined = self._columns.get("__joined__", []) if self.joins else explorer._base_columns
        _take_schema(explorer, jn.to_spec(self.joins, self.pairs), joined)
        return ExplorerState.run_query

    def _apply_refused(self, exc: ApiError, spec: dict[str, Any], paths: dict[str, str]) -> None:
        self._refused(exc)

    @rx.var
    def can_apply(self) -> bool:
        """Not while the preview runs or shows a refusal: that join would be refused too."""
        return not self.busy and not self.error

    @rx.event
    async def clear(self):
        explorer = await self.get_state(ExplorerState)
        _take_schema(explorer, [], explorer._base_columns)
        self.joins, self.pairs, self.open = [], [], False
        self._clear_preview()
        return ExplorerState.run_query


def _take_schema(
    explorer: ExplorerState, joins: list[dict[str, Any]], schema_columns: list[ColumnMeta]
) -> None:
    """New joins: the grid's columns become the joined schema; references follow renames
    (`region` -> `global_sales.region` once it is ambiguous), and vanished ones are dropped."""
    calculated = [c for c in explorer.columns if c.type == "calculated"]
    names = {c.name for c in schema_columns} | {c.name for c in calculated}
    base = explorer.dataset_key

    def follow(name: str) -> str | None:
        return jn.remap(name, names, base)

    explorer.joins = joins
    explorer.columns = [dataclasses.replace(c) for c in schema_columns] + calculated
    explorer.hidden = [n for n in (follow(h) for h in explorer.hidden) if n]
    periods = {b.name: b for b in explorer.buckets}
    explorer.buckets = [  # a date by period follows its column (its output name stays)
        dataclasses.replace(b, column=column)
        for b, column in ((b, follow(b.column)) for b in explorer.buckets)
        if column
    ]
    kept = {b.name for b in explorer.buckets}
    explorer.group_by = [
        n
        for n in (g if g in periods else follow(g) for g in explorer.group_by)
        if n and (n in kept or n not in periods)
    ]
    explorer.measures = [_measure(m, follow) for m in explorer.measures]
    aliases = {m.alias for m in explorer.measures}
    explorer.sort = [
        SortKey(
            column=s.column if s.column in aliases else (follow(s.column) or ""),
            direction=s.direction,
        )
        for s in explorer.sort
    ]
    explorer.sort = [s for s in explorer.sort if s.column]
    rows = []
    for r in explorer.filter_rows:
        if r.kind == "cond" and r.column and r.column not in aliases:
            r = dataclasses.replace(r, column=follow(r.column) or r.column)
        rows.append(r)
    explorer.filter_rows = rows
    explorer.page = 1


def _measure(m: Measure, follow: Any) -> Measure:
    if m.mode == "column" and m.column:
        return dataclasses.replace(m, column=follow(m.column) or m.column)
    return m
