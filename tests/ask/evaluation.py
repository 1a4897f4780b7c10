"""The Ask evaluation: questions with the spec that answers them, run against a real warehouse.

A question passes when the parser's spec gives the same result rows as the expected spec (both
run through the same query service; column order and names aside), or, for a question marked
`status: refused|clarify`, when the parser does not answer it (status other than ok).

Expected specs are written short in the YAML (`expand`):

    m: ["sum revenue", "count"]        measures: agg and column ("count" alone: rows)
    g: ["region", "order_date/month"]  group-by, with a date bucket after the slash
    f: [[region, "=", North]]          filter conditions (and)
    s: ["sum revenue", desc]           sort: a measure as written in m, or a column
    n: 10                              page size (the rows compared)
    v: {load_type: DAILY, load_id: 20241231}
    j: [[products, product_id]]        left joins on a key of the same name
    c: [order_id, revenue]             detail columns
    d: products                        dataset (default: the file's `dataset`)
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from backend.ask.service import AskService
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.services.queries import QueryService

ADMIN = User(id=1, username="admin", display_name="Admin", role="admin", attributes={})
ROWS_COMPARED = 1000


@dataclass(frozen=True)
class Case:
    question: str
    category: str
    expected: dict[str, Any] | None  # None: must not be answered
    dataset: str | None
    today: dt.date


@dataclass
class Outcome:
    case: Case
    passed: bool
    status: str
    elapsed_ms: float
    why: str = ""


def _iso(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def _measure(text: str) -> dict[str, Any]:
    agg, _, column = text.partition(" ")
    alias = f"m_{agg}_{column}".replace(".", "_")
    return {"agg": agg, "alias": alias, **({"column": column} if column else {})}


def _group(text: str) -> Any:
    column, _, bucket = text.partition("/")
    return {"column": column, "bucket": bucket} if bucket else column


def _sort(entry: list[Any], measures: list[str], groups: list[str]) -> dict[str, Any]:
    target, direction = entry[0], entry[1] if len(entry) > 1 else "asc"
    if target in measures:
        target = _measure(target)["alias"]
    elif "/" in target:
        column, bucket = target.split("/")
        target = f"{column.rsplit('.', 1)[-1]}_{bucket}"
    return {"column": target, "direction": direction}


def expand(short: dict[str, Any], dataset: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"dataset": short.get("d", dataset)}
    measures, groups = list(short.get("m", [])), list(short.get("g", []))
    if measures:
        spec["measures"] = [_measure(m) for m in measures]
    if groups:
        spec["group_by"] = [_group(g) for g in groups]
    if "f" in short:
        conditions = [
            {"column": c, "operator": op, **({"value": _iso(v)} if v is not None else {})}
            for c, op, v in short["f"]
        ]
        spec["filters"] = {"op": "and", "conditions": conditions}
    if "s" in short:
        spec["sort"] = [_sort(short["s"], measures, groups)]
    if "j" in short:
        spec["joins"] = [
            {"dataset": d, "type": "left", "on": [{"left": k, "right": k}]} for d, k in short["j"]
        ]
    for key, name in (("v", "vintage"), ("c", "columns")):
        if key in short:
            spec[name] = short[key]
    if "n" in short:
        spec["limit"] = short["n"]
    spec["page_size"] = ROWS_COMPARED
    return spec


def load(path: Path) -> list[Case]:
    doc = yaml.safe_load(path.read_text())
    dataset, today = doc["dataset"], doc["today"]
    cases = []
    for entry in doc["questions"]:
        expected = None if "status" in entry else expand(entry.get("expect", {}), dataset)
        cases.append(
            Case(
                entry["q"],
                entry["category"],
                expected,
                entry.get("dataset"),
                entry.get("today", today),
            )
        )
    return cases


def _cell(value: Any) -> Any:
    if isinstance(value, (Decimal, float)):
        return round(float(value), 4)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


async def rows(queries: QueryService, spec: dict[str, Any]) -> list[tuple[Any, ...]]:
    doc = {**spec, "page_size": min(int(spec.get("page_size", ROWS_COMPARED)), ROWS_COMPARED)}
    result = await queries.page(QuerySpec.model_validate(doc), ADMIN)
    shaped = [tuple(sorted((_cell(v) for v in row), key=repr)) for row in result.rows]
    return sorted(shaped, key=repr)


async def run_case(asker: AskService, case: Case) -> Outcome:
    started = time.perf_counter()
    answer = await asker.ask(case.question, case.dataset, ADMIN, today=case.today)
    elapsed = (time.perf_counter() - started) * 1000
    if case.expected is None:
        ok = answer.status != "ok"
        return Outcome(case, ok, answer.status, elapsed, "" if ok else f"answered: {answer.spec}")
    if answer.status != "ok" or answer.spec is None:
        return Outcome(
            case,
            False,
            answer.status,
            elapsed,
            answer.message or str(answer.interpretation.alternatives),
        )
    got, want = await rows(asker.queries, answer.spec), await rows(asker.queries, case.expected)
    why = "" if got == want else f"spec {answer.spec}"
    return Outcome(case, got == want, answer.status, elapsed, why)


async def evaluate(asker: AskService, cases: list[Case]) -> list[Outcome]:
    for case in cases[:3]:  # warm the values cache: the first question reads them
        await asker.ask(case.question, case.dataset, ADMIN, today=case.today)
    return [await run_case(asker, case) for case in cases]


def by_category(outcomes: list[Outcome]) -> list[tuple[str, int, int, float]]:
    """(category, passed, total, p95 ms) per category, and `all` last."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[o.case.category].append(o)
    table = []
    for name in [*sorted(groups), "all"]:
        chosen = outcomes if name == "all" else groups[name]
        times = sorted(o.elapsed_ms for o in chosen)
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        table.append((name, sum(o.passed for o in chosen), len(chosen), p95))
    return table


def median_ms(outcomes: list[Outcome]) -> float:
    return statistics.median(o.elapsed_ms for o in outcomes)
