"""API CPU per UI action: what the API does for each click the explorer makes, warm.

The Reflex explorer turns a click into API calls (aurora/state/explorer.py): opening a
dataset is `GET /api/datasets/{key}` (detail and vintage options), then `POST /api/query`
for the first page, then `POST /api/count` only when the page came back before its count
(`total_pending`); next page and a header sort are one `POST /api/query` each (a sort is a
new spec, so its count follows too); every open tab asks `GET /api/datasets/{key}/version`
every 10 s. This replays those calls against one real API process (every cache on, the
admin as caller) and reports the server process's CPU time per action (user + system,
every thread), which unlike wall time does not grow with the machine's load.

    python -m bench.ui_api_cpu

UI_API_CPU_ROWS (1000000), UI_API_CPU_N (200 per action), UI_API_CPU_PYSPY=<file> (py-spy
raw stacks of the server during the measured actions).
"""

from __future__ import annotations

import os
import random
import statistics
from collections.abc import Callable
from typing import Any

from bench.harness import Api, api_server, warehouse
from bench.request_cpu import py_spy

KEY = "global_sales"
SORTS = ["revenue", "order_date", "country", "product_id"]


def _open_spec(detail: dict[str, Any]) -> dict[str, Any]:
    """The explorer's first page of a dataset (aurora.spec_builder.build of a fresh draft)."""
    spec: dict[str, Any] = {"dataset": KEY, "columns": [c["name"] for c in detail["columns"]]}
    if detail.get("default_vintage"):
        spec["vintage"] = dict(detail["default_vintage"])
    return spec | {"sort": [], "page": 1, "page_size": 50}


def _page(api: Api, spec: dict[str, Any]) -> list[str]:
    """A page as the explorer asks it, then its count when the page came first."""
    answer = api.post("/api/query", spec)
    if not answer.get("total_pending"):
        return ["query"]
    api.post("/api/count", spec)
    return ["query", "count"]


def actions(api: Api) -> dict[str, Callable[[random.Random], list[str]]]:
    def open_dataset(rng: random.Random) -> list[str]:
        r = api.client.get(f"/api/datasets/{KEY}")
        r.raise_for_status()
        return ["detail", *_page(api, _open_spec(r.json()))]

    detail = api.client.get(f"/api/datasets/{KEY}").json()
    base = _open_spec(detail)

    def next_page(rng: random.Random) -> list[str]:
        return _page(api, base | {"page": rng.randint(2, 40)})

    def sort(rng: random.Random) -> list[str]:
        key = {"column": rng.choice(SORTS), "direction": rng.choice(["asc", "desc"])}
        return _page(api, base | {"sort": [key]})

    def version(rng: random.Random) -> list[str]:
        api.client.get(f"/api/datasets/{KEY}/version").raise_for_status()
        return ["version"]

    return {"open dataset": open_dataset, "next page": next_page, "sort": sort, "version": version}


def measure(api: Api, n: int) -> list[str]:
    """Each action n times after a warm-up pass over the same random choices: CPU per action."""
    lines = []
    for name, act in actions(api).items():
        for _ in range(2):  # warm: every page, count, block and detail of these choices
            rng = random.Random(7)
            for _ in range(n):
                act(rng)
        rng, calls = random.Random(7), []
        samples = []
        for _ in range(n):
            cpu = api.server_cpu_ms()
            calls += act(rng)
            samples.append(api.server_cpu_ms() - cpu)
        per = statistics.mean(samples)
        made = ", ".join(f"{calls.count(c)} {c}" for c in dict.fromkeys(calls))
        lines.append(f"| {name} | {per:.2f} | {made} |")
    return lines


def main() -> None:
    rows = int(os.environ.get("UI_API_CPU_ROWS", "1000000"))
    n = int(os.environ.get("UI_API_CPU_N", "200"))
    with api_server(warehouse(rows)) as api:
        load = os.getloadavg()[0]
        with py_spy(os.environ.get("UI_API_CPU_PYSPY"), api.pid):
            lines = measure(api, n)
    print(
        f"API CPU per UI action, warm, {rows:,} rows, {n} each, one API process "
        f"(load {load:.1f} -> {os.getloadavg()[0]:.1f})\n"
    )
    print("| action | server CPU ms (mean) | API calls made |\n|---|---|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
