"""Completions for an Ask box: the catalog phrases (columns, values the caller may see, dataset
names) and the grammar's measure and grouping words that start with, or contain, the last word
being typed."""

from __future__ import annotations

from backend.ask.engine import AskContext
from backend.ask.models import Suggestion

MEASURE_WORDS = (
    "total", "average", "number of", "how many", "count", "distinct", "minimum", "maximum",
    "top 10", "bottom 5", "highest first", "by", "per", "by month", "by quarter", "by year",
    "by week", "last quarter", "this year", "latest", "month end", "daily", "restatement",
)  # fmt: skip


def _candidates(context: AskContext) -> list[Suggestion]:
    out: list[Suggestion] = []
    for view in context.datasets:
        d = view.dataset
        if context.dataset is not None and d.key != context.dataset:
            continue
        out.append(Suggestion(text=d.display, label=f"{d.display} (dataset)", kind="dataset"))
        vintage = {d.vintage.load_type, d.vintage.load_id} if d.vintage else set()
        for c in d.columns:
            if c.name not in vintage:
                out.append(
                    Suggestion(text=c.display, label=f"{c.display} ({d.display})", kind="column")
                )
        for column, values in view.values.items():
            shown = d.column(column)
            label = shown.display if shown else column
            out += [Suggestion(text=v, label=f"{v} ({label})", kind="value") for v in values]
    out += [Suggestion(text=w, label=w, kind="measure") for w in MEASURE_WORDS]
    return out


def suggestions(q: str, context: AskContext, limit: int) -> list[Suggestion]:
    typed = q.rsplit(" ", 1)[-1].casefold().strip() if q.strip() else ""
    if not typed:
        return []
    found = _candidates(context)
    starts = [s for s in found if s.text.casefold().startswith(typed)]
    inside = [s for s in found if typed in s.text.casefold() and s not in starts]
    seen: set[tuple[str, str]] = set()
    out = []
    for s in starts + inside:
        if (s.text, s.kind) not in seen:
            seen.add((s.text, s.kind))
            out.append(s)
    return out[:limit]
