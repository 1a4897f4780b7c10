"""An `Intent` becomes a query spec (as JSON, the shape POST /api/query takes) and the
interpretation that says where each piece came from and went."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from backend.ask.engine import AskContext
from backend.ask.intent import FilterIntent, GroupIntent, Intent, MeasureIntent, Ref, TimeIntent
from backend.ask.joins import Sources
from backend.ask.lexicon import DATES, Meaning, is_id, is_measure
from backend.ask.models import AskAnswer, Interpretation, Part
from backend.query.spec import MAX_LIMIT

_AGG_LABEL = {
    "sum": "Total",
    "avg": "Average",
    "min": "Minimum",
    "max": "Maximum",
    "count_distinct": "Number of distinct",
}
_OP_TEXT = {
    "=": "is",
    "!=": "is not",
    ">": "over",
    ">=": "at least",
    "<": "under",
    "<=": "at most",
    "in": "is one of",
    "not_in": "is not",
    "between": "between",
}


def meaning_label(m: Meaning, context: AskContext) -> str:
    view = context.view(m.dataset)
    if view is None:
        return m.value or m.column
    if m.kind == "dataset":
        return f"{view.dataset.display} (dataset)"
    if m.kind == "load_type":
        return f"{m.value} (load type)"
    column = view.dataset.column(m.column)
    name = column.display if column else m.column
    where = "" if m.dataset == context.dataset else f", {view.dataset.display}"
    if m.kind == "value":
        return f"{m.value} ({name}{where})"
    return f"{name} (column{where})"


def answer(engine: str, intent: Intent, context: AskContext, question: str) -> AskAnswer:
    interpretation = Interpretation(ignored=intent.ignored, alternatives=intent.alternatives)
    base = {"engine": engine, "dataset": intent.dataset, "interpretation": interpretation}
    if intent.refusal:
        return AskAnswer(status="refused", message=intent.refusal, **base)
    if intent.alternatives:
        message = intent.clarify or "Some words could mean several things: pick one."
        return AskAnswer(status="clarify", message=message, **base)
    if intent.unknown:
        words = ", ".join(f"'{w}'" for w in intent.unknown)
        message = f"{words}: no column, value or load you can see is called that."
        return AskAnswer(status="clarify", message=message, **base)
    if intent.dataset is None or not intent.substantive():
        message = "Nothing in the question matches a column, a value or a measure."
        return AskAnswer(status="refused", message=message, **base)
    try:
        spec, parts = _Builder(intent, context).spec()
    except _Unanswerable as e:
        return AskAnswer(status="clarify", message=str(e), **base)
    interpretation.parts = parts
    return AskAnswer(status="ok", spec=spec, **base)


class _Unanswerable(Exception):
    """The parts were understood but do not make one query (no date column, no join key)."""


class _Builder:
    def __init__(self, intent: Intent, context: AskContext) -> None:
        assert intent.dataset is not None
        self.intent, self.context = intent, context
        self.sources = Sources(intent.dataset, context)
        self.parts: list[Part] = []
        self.spec_doc: dict[str, Any] = {"dataset": intent.dataset}
        self.conditions: list[dict[str, Any]] = []

    def part(self, kind: str, text: str, label: str, path: str) -> None:
        self.parts.append(
            Part.model_validate({"kind": kind, "text": text, "label": label, "spec_path": path})
        )

    def name(self, ref: Ref) -> str:
        try:
            return self.sources.name(ref)
        except LookupError as e:
            raise _Unanswerable(str(e)) from e

    def label(self, ref: Ref) -> str:
        return self.sources.label(ref)

    def spec(self) -> tuple[dict[str, Any], list[Part]]:
        intent = self.intent
        if intent.dataset_text:
            view = self.context.view(intent.dataset or "")
            self.part(
                "dataset", intent.dataset_text, view.dataset.display if view else "", "dataset"
            )
        self._vintage()
        self._filters()
        self._times()
        self._implicit_groups()
        groups = self._groups()
        measures = self._measures(groups)
        self._sort_and_limit(groups, measures)
        if not groups and not measures:
            self._columns()
        if self.conditions:
            self.spec_doc["filters"] = {"op": "and", "conditions": self.conditions}
        joins = self.sources.joins()
        if joins:
            self.spec_doc["joins"] = joins
            for n, (join, text) in enumerate(self.sources.join_texts()):
                self.part("join", text, join, f"joins.{n}")
        return self.spec_doc, self.parts

    def _vintage(self) -> None:
        if self.intent.vintage is None:
            return
        vintage, text = self.intent.vintage
        self.spec_doc["vintage"] = vintage
        if vintage.get("all_loads"):
            label = "Every load"
        else:
            label = f"{vintage.get('load_type') or 'Load'} {vintage.get('load_id')}"
        self.part("vintage", text, label, "vintage")

    def _condition(self, column: str, operator: str, value: Any, text: str, label: str) -> None:
        n = len(self.conditions)
        body: dict[str, Any] = {"column": column, "operator": operator}
        if value is not None:
            body["value"] = value
        self.conditions.append(body)
        self.part("filter", text, label, f"filters.conditions.{n}")

    def _filters(self) -> None:
        merged = _merge_values(self.intent.filters)
        for f in merged:
            value = f.value
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            if f.operator == "between":
                shown = f"{value[0]} and {value[1]}"
            label = f"{self.label(f.ref)} {_OP_TEXT.get(f.operator, f.operator)} {shown}"
            self._condition(self.name(f.ref), f.operator, value, f.text, label)

    def _times(self) -> None:
        for t in self.intent.times:
            ref = t.ref or self._date_column(t.text)
            self._time(ref, t)

    def _date_column(self, text: str) -> Ref:
        view = self.context.view(self.sources.primary)
        assert view is not None
        dates = [
            c for c in view.dataset.columns if c.kind in DATES and not _is_vintage(view, c.name)
        ]
        if len(dates) == 1:
            return Ref(view.dataset.key, dates[0].name)
        if not dates:
            raise _Unanswerable(f"'{text}': {view.dataset.display} has no date column.")
        names = " or ".join(c.display for c in dates)
        raise _Unanswerable(f"'{text}': which date, {names}? Name it in the question.")

    def _time(self, ref: Ref, t: TimeIntent) -> None:
        name, label = self.name(ref), self.label(ref)
        start, end = t.range.start, t.range.end
        timestamp = self.sources.kind(ref) == "timestamp"
        if start and end and not timestamp:
            self._condition(
                name,
                "between",
                [start.isoformat(), end.isoformat()],
                t.text,
                f"{label} between {start} and {end}",
            )
            return
        if start:
            self._condition(name, ">=", start.isoformat(), t.text, f"{label} from {start}")
        if end:
            after = end + dt.timedelta(days=1)
            if timestamp:
                self._condition(name, "<", after.isoformat(), t.text, f"{label} up to {end}")
            else:
                self._condition(name, "<=", end.isoformat(), t.text, f"{label} up to {end}")

    def _implicit_groups(self) -> None:
        """ "top 10 countries by revenue", "region revenue": with a measure, a named text or
        date column is what it is measured per (identifiers never are: they ask for rows)."""
        intent = self.intent
        ranked = intent.rank is not None and intent.rank[1] is not None
        numbers = any(self._is_measure(r) for r, _ in intent.mentioned)
        if intent.groups or self._detail() or not (intent.measures or ranked or numbers):
            return
        keep = []
        for ref, text in intent.mentioned:
            if self._is_measure(ref) or self.sources.kind(ref) not in ("text", "date", "boolean"):
                keep.append((ref, text))
            else:
                intent.groups.append(GroupIntent(ref, None, text))
        intent.mentioned = keep

    def _groups(self) -> list[str]:
        names: list[str] = []
        for g in self.intent.groups:
            n = len(self.spec_doc.setdefault("group_by", []))
            if g.bucket is not None:
                ref = self._date_column(g.text) if not g.ref.dataset else g.ref
                column = self.name(ref)
                self.spec_doc["group_by"].append({"column": column, "bucket": g.bucket})
                names.append(f"{column.rsplit('.', 1)[-1]}_{g.bucket}")
                self.part("group", g.text, f"{self.label(ref)} by {g.bucket}", f"group_by.{n}")
                continue
            column = self.name(g.ref)
            if column in names:
                continue
            self.spec_doc["group_by"].append(column)
            names.append(column)
            self.part("group", g.text, self.label(g.ref), f"group_by.{n}")
        return names

    def _measures(self, groups: list[str]) -> list[str]:
        intent = self.intent
        wanted = list(intent.measures)
        if not wanted and not groups and self._detail():
            return []  # "top 10 orders by revenue", "list orders in Chile": rows
        if intent.rank is not None and intent.rank[1] is not None:
            direction, ranked, text = intent.rank
            if not any(m.ref == ranked for m in wanted):
                agg = "sum" if groups or intent.limit else ("max" if direction == "desc" else "min")
                wanted.append(MeasureIntent(agg, ranked, text))
        if not wanted:
            wanted = [
                MeasureIntent("sum", r, t) for r, t in intent.mentioned if self._is_measure(r)
            ]
        if not wanted and (groups or intent.rows):
            wanted = [MeasureIntent("count", None, "")]
        aliases: list[str] = []
        for m in wanted:
            alias = self._measure(m)
            if alias not in aliases:
                aliases.append(alias)
        return aliases

    def _is_measure(self, ref: Ref) -> bool:
        column = self.sources.column(ref)
        return column is not None and is_measure(column)

    def _detail(self) -> bool:
        """Rows, not totals: asked for ("list", "details"), a first N without a grouping, an
        identifier named, or only plain columns named with no measure word."""
        intent = self.intent
        if intent.measures or intent.groups:
            return False
        mentioned = [self.sources.column(r) for r, _ in intent.mentioned]
        if intent.listing or any(c is not None and is_id(c) for c in mentioned):
            return True
        if intent.limit:  # "top 10 orders by revenue", but "top 10 countries by revenue"
            return not any(
                c is not None and c.kind in ("text", "date", "boolean") for c in mentioned
            )
        ranked = intent.rank is not None and intent.rank[1] is not None
        if ranked or any(c is not None and is_measure(c) for c in mentioned):
            return False
        return not intent.rows or bool(mentioned)

    def _measure(self, m: MeasureIntent) -> str:
        measures = self.spec_doc.setdefault("measures", [])
        if m.ref is None:
            body: dict[str, Any] = {"agg": "count", "alias": "row_count", "label": "Number of rows"}
        else:
            column = self.name(m.ref)
            base = re.sub(r"[^0-9A-Za-z_]", "_", column)
            label = (
                f"{_AGG_LABEL[m.agg]} {self.label(m.ref).lower()}"
                if m.agg in _AGG_LABEL
                else self.label(m.ref)
            )
            body = {"agg": m.agg, "alias": f"{m.agg}_{base}", "column": column, "label": label}
        existing = next((x for x in measures if x["alias"] == body["alias"]), None)
        if existing is None:
            measures.append(body)
            self.part("measure", m.text, body["label"], f"measures.{len(measures) - 1}")
        return str(body["alias"])

    def _sort_and_limit(self, groups: list[str], measures: list[str]) -> None:
        intent = self.intent
        sort = self._explicit_sort(measures) or self._rank_sort(measures)
        if not sort and any(isinstance(g, dict) for g in self.spec_doc.get("group_by", [])):
            sort = [{"column": g, "direction": "asc"} for g in groups]  # periods in order
        if sort:
            self.spec_doc["sort"] = sort
        limit = intent.limit[0] if intent.limit else None
        if limit is None and intent.which and intent.rank and groups:
            limit = 1  # "which region has the highest revenue": the one
        if limit is not None:
            # A top N is the result's row limit, not a page size: the explorer, the count
            # and an export all show those N rows (backend.query.steps.top_n).
            self.spec_doc["limit"] = max(1, min(limit, MAX_LIMIT))
            text = intent.limit[1] if intent.limit else (intent.rank[2] if intent.rank else "")
            self.part("limit", text, f"First {limit}", "limit")

    def _explicit_sort(self, measures: list[str]) -> list[dict[str, str]]:
        if self.intent.sort is None:
            return []
        ref, direction, text = self.intent.sort
        name = self.name(ref)
        target = next((a for a in measures if a.endswith(name)), None) or name
        self.part("sort", text, f"{self.label(ref)}, {_DIR[direction]}", "sort.0")
        return [{"column": target, "direction": direction}]

    def _rank_sort(self, measures: list[str]) -> list[dict[str, str]]:
        if self.intent.rank is None:
            return []
        direction, ref, text = self.intent.rank
        target = measures[0] if measures else (self.name(ref) if ref else None)
        target = target or self._first_measure_column()
        if target is None:
            return []
        label = self._labels().get(target) or (self.label(ref) if ref else target)
        self.part("sort", text, f"{label}, {_DIR[direction]}", "sort.0")
        return [{"column": target, "direction": direction}]

    def _labels(self) -> dict[str, str]:
        return {m["alias"]: m["label"] for m in self.spec_doc.get("measures", [])}

    def _first_measure_column(self) -> str | None:
        for ref, _ in self.intent.mentioned:
            if self._is_measure(ref):
                return self.name(ref)
        return None

    def _columns(self) -> None:
        names = []
        for ref, _text in self.intent.mentioned:
            name = self.name(ref)
            if name not in names:
                names.append(name)
        if names:
            self.spec_doc["columns"] = names


_DIR = {"asc": "lowest first", "desc": "highest first"}


def _is_vintage(view: Any, name: str) -> bool:
    v = view.dataset.vintage
    return v is not None and name in (v.load_type, v.load_id)


def _merge_values(filters: list[FilterIntent]) -> list[FilterIntent]:
    """Two `=` on one column are either of them (IN), never both (empty)."""
    out: list[FilterIntent] = []
    for f in filters:
        same = next(
            (
                o
                for o in out
                if o.ref == f.ref and o.operator in ("=", "in") and f.operator in ("=", "in")
            ),
            None,
        )
        if same is None:
            out.append(FilterIntent(f.ref, f.operator, f.value, f.text))
            continue
        values = same.value if isinstance(same.value, list) else [same.value]
        values += f.value if isinstance(f.value, list) else [f.value]
        same.operator, same.value, same.text = "in", values, f"{same.text}, {f.text}"
    return out
