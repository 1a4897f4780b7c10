"""Compile time per spec, and /api/query against raw DuckDB running the same SQL.

"Cache off" means nothing cached in the API: the result cache is off (RESULT_CACHE=false)
and each sample is a spec the API has not seen (a no-op filter with a new value), so it
compiles, passes the cost gate and runs the block the page is cut from (PAGE_BLOCK_ROWS);
with QUERY_BENCH_CACHE=on the result cache stays on (each sample is still a new spec, so
still nothing cached for it), and the page's query fetches PAGE_PREFETCH_BLOCKS blocks;
the count runs beside it and the page does not wait for it (`total_pending`). Raw DuckDB
runs the page's own SQL. Between rounds, untimed, the API's count is awaited
(POST /api/count) so that it never competes with the next sample. Samples interleaved.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from backend.config import Settings
from backend.query.spec import QuerySpec
from backend.wiring import Services, open_services
from bench.harness import (
    Api,
    Timing,
    api_server,
    below_one_note,
    interleaved_timings,
    markdown_table,
    no_op_filter,
    raw_duckdb,
    timed,
)

DETAIL = ["order_id", "order_date", "region", "country", "department", "revenue"]
SPECS: dict[str, dict[str, Any]] = {
    "detail page": {
        "dataset": "global_sales",
        "columns": DETAIL,
        "sort": [{"column": "order_date", "direction": "desc"}],
    },
    "filtered page": {
        "dataset": "global_sales",
        "columns": DETAIL,
        "filters": {
            "op": "and",
            "conditions": [
                {"column": "region", "operator": "in", "value": ["North", "West"]},
                {"column": "department", "operator": "starts_with", "value": "S"},
            ],
        },
        "sort": [{"column": "revenue", "direction": "desc"}],
    },
    "deep page (offset 100k)": {
        "dataset": "global_sales",
        "columns": DETAIL,
        "sort": [{"column": "order_date", "direction": "desc"}],
        "page": 2001,
        "page_size": 50,
    },
    "filtered group-by": {
        "dataset": "global_sales",
        "filters": {
            "op": "and",
            "conditions": [
                {"column": "region", "operator": "in", "value": ["North", "South"]},
                {
                    "column": "order_date",
                    "operator": "between",
                    "value": ["2023-01-01", "2023-12-31"],
                },
            ],
        },
        "group_by": ["department", "channel"],
        "measures": [
            {"column": "revenue", "agg": "sum", "alias": "revenue"},
            {"agg": "count", "alias": "orders"},
        ],
        "sort": [{"column": "revenue", "direction": "desc"}],
    },
    "count_distinct": {
        "dataset": "global_sales",
        "group_by": ["region"],
        "measures": [{"column": "employee_id", "agg": "count_distinct", "alias": "sellers"}],
    },
}


@dataclass(frozen=True)
class BenchCaller:
    username: str = "bench"
    role: str = "admin"
    attributes: dict[str, Any] = field(default_factory=dict)


def compile_times(data_dir: Path) -> list[list[object]]:
    services = open_services(Settings(data_dir=data_dir))
    rows: list[list[object]] = []
    try:
        for name, body in SPECS.items():
            spec = QuerySpec.model_validate(body)
            ms = timed(lambda s=spec: services.queries.compile(s, BenchCaller()), repeat=50)
            rows.append([name, f"{ms:.2f}"])
    finally:
        services.close()
    return rows


def cached_ms(data_dir: Path) -> dict[str, float]:
    """A repeated page with every cache on: what a second user asking the same gets."""
    with api_server(data_dir) as api:
        return {
            name: timed(lambda b=body: api.post("/api/query", b)) for name, body in SPECS.items()
        }


REPEAT = 7


def page_sql(services: Services, body: dict[str, Any]) -> str:
    """The page's own SQL, as the API compiles it for an admin."""
    compiled = services.queries.compile(QuerySpec.model_validate(body), BenchCaller())
    return services.adapter.render(compiled.tree)


@dataclass
class Visit:
    """A spec's samples: wall times, how the pages had their total, and CPU ms per sample:
    the API server's for the page request (`api`) and for the count it left running
    (`count`, while the bench waited for it), the bench process's for raw DuckDB (`raw`)."""

    timings: dict[str, Timing]
    total: str
    cpu: dict[str, list[float]]

    def cpu_median(self, name: str) -> float:
        return statistics.median(self.cpu[name]) if self.cpu[name] else 0.0


def first_visit(
    api: Api, con: duckdb.DuckDBPyConnection, services: Services, body: dict[str, Any]
) -> Visit:
    """/api/query and raw DuckDB running the page's SQL, each sample on a spec the API has
    not seen (`no_op_filter`); wall times, totals and CPU (sample 0, the warm-up, left out)."""
    fresh = [no_op_filter(body, i) for i in range(REPEAT + 1)]
    sqls = [page_sql(services, b) for b in fresh]
    totals: dict[int, str] = {}
    cpu: dict[str, list[float]] = {"api": [], "raw": [], "count": []}

    def api_run(i: int) -> None:
        before = api.server_cpu_ms()
        answer = api.post("/api/query", fresh[i])
        totals[i] = "pending" if answer.get("total_pending") else "in page"
        if i:
            cpu["api"].append(api.server_cpu_ms() - before)

    def raw_run(i: int) -> None:
        before = time.process_time()
        con.sql(sqls[i]).to_arrow_table()
        if i:
            cpu["raw"].append((time.process_time() - before) * 1000)

    def settle(i: int) -> None:
        before = api.server_cpu_ms()
        if totals[i] == "pending":
            api.post("/api/count", fresh[i])
        if i:
            cpu["count"].append(api.server_cpu_ms() - before)

    timings = interleaved_timings({"api": api_run, "raw": raw_run}, repeat=REPEAT, settle=settle)
    return Visit(timings, "/".join(sorted(set(totals.values()))), cpu)


def _cold_cache() -> str:
    """RESULT_CACHE for the cold samples: off unless QUERY_BENCH_CACHE=on (then a cold page
    is what a new spec costs in production: its query fetches the blocks after it too)."""
    return "true" if os.environ.get("QUERY_BENCH_CACHE", "off") == "on" else "false"


BELOW_ONE = (
    "the API was faster than raw DuckDB running the page's SQL, though nothing was "
    "cached in the API for this spec"
)


def api_vs_raw(data_dir: Path, label: str, notes: list[str]) -> list[list[object]]:
    """The result cache is off and every sample is a new spec, so no cache of the API
    answers; raw DuckDB runs the page's SQL. Ratios below 1.0 get a line in `notes`."""
    rows: list[list[object]] = []
    con = raw_duckdb(data_dir)
    services = open_services(Settings(data_dir=data_dir))
    try:
        with api_server(data_dir, RESULT_CACHE=_cold_cache()) as api:
            for name, body in SPECS.items():
                visit = first_visit(api, con, services, body)
                timings, total = visit.timings, visit.total
                api_ms, raw_ms = timings["api"].median, timings["raw"].median
                ok = api_ms <= raw_ms * 1.25 + 5
                if api_ms < raw_ms:
                    what = f"{label} {name}, api/raw {api_ms / raw_ms:.2f}x"
                    notes.append(below_one_note(what, timings["api"], timings["raw"], BELOW_ONE))
                rows.append(
                    [
                        label,
                        name,
                        total,
                        f"{raw_ms:.1f}",
                        f"{api_ms:.1f}",
                        f"{api_ms / raw_ms:.2f}x",
                        "yes" if ok else "NO",
                        f"{visit.cpu_median('raw'):.0f}",
                        f"{visit.cpu_median('api'):.0f}",
                        f"{visit.cpu_median('count'):.0f}",
                        f"{os.getloadavg()[0]:.1f}",
                    ]
                )
    finally:
        services.close()
        con.close()
    for row, ms in zip(rows, cached_ms(data_dir).values(), strict=True):
        row.append(f"{ms:.1f}")
    return rows


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def report(warehouses: dict[str, Path]) -> str:
    started = time.perf_counter()
    start_load = _load()
    first = next(iter(warehouses.values()))
    out = [
        "## Compile time per spec (ms, median of 50)",
        "",
        markdown_table(["spec", "compile ms"], compile_times(first)),
        "",
    ]
    table: list[list[object]] = []
    notes: list[str] = []
    for label, path in warehouses.items():
        table += api_vs_raw(path, label, notes)
    out += [
        "## /api/query vs raw DuckDB, same SQL (ms, median of 7, interleaved; nothing cached "
        f"in the API: result cache {'on' if _cold_cache() == 'true' else 'off'} and a spec it "
        "has not seen each time; cached: the same page again with every cache on)",
        "",
        markdown_table(
            [
                "data",
                "spec",
                "total",
                "raw DuckDB (page)",
                "/api/query",
                "api/raw",
                "within 1.25x+5ms",
                "raw CPU ms",
                "api CPU ms",
                "count CPU ms",
                "load",
                "cached",
            ],
            table,
        ),
        "",
        "_raw DuckDB runs the page's SQL; the API compiles, passes the cost gate (an EXPLAIN "
        "unless the dataset's footers show it small), runs the page's block "
        "(PAGE_BLOCK_ROWS rows), cuts the page, and answers over HTTP in JSON. total: "
        "whether the pages carried their total (the block showed the end, or the footers) "
        "or answered `total_pending` while the count ran beside them. CPU ms (medians): "
        "raw DuckDB's in the bench process; the API server process's during the page "
        "request (DuckDB's threads included), and during the wait for the count it left "
        "running (0 when the page carried its total): unlike wall time, these do not grow "
        "with the machine's load._",
        f"_load average (1, 5, 15 min) at the start: {start_load}; at the end: {_load()}. "
        "load: the 1-minute load average when the row's samples ended (2 cores)._",
        *notes,
        "",
        f"_query benchmarks took {time.perf_counter() - started:.0f} s_",
        "",
    ]
    return "\n".join(out)


def _warehouse(rows: int) -> Path:
    """The demo warehouse of `rows` rows: under QUERY_BENCH_DATA when set (big ones belong
    outside the checkout, e.g. /tmp), else the bench's own (bench.harness.warehouse)."""
    from backend.demo import build_demo
    from bench.harness import warehouse

    if not (root := os.environ.get("QUERY_BENCH_DATA")):
        return warehouse(rows)
    out = Path(root) / f"w{rows}" / "warehouse"
    build_demo(out, rows=rows)
    return out


def main() -> None:
    """`python -m bench.query_bench`: this table alone, at BENCH_ROWS (default 1M,3M,10M),
    for the specs named in QUERY_BENCH_SPECS (comma-separated; default all), printed and
    written to QUERY_BENCH_OUT when set."""
    if wanted := os.environ.get("QUERY_BENCH_SPECS"):
        names = wanted.split(",")
        unknown = set(names) - set(SPECS)
        if unknown:
            raise SystemExit(f"unknown specs {sorted(unknown)}; known: {list(SPECS)}")
        for name in list(SPECS):
            if name not in names:
                del SPECS[name]
    sizes = [int(n) for n in os.environ.get("BENCH_ROWS", "1000000,3000000,10000000").split(",")]
    text = report({f"{n // 1_000_000}M": _warehouse(n) for n in sizes})
    print(text)
    if out := os.environ.get("QUERY_BENCH_OUT"):
        Path(out).write_text(text)


if __name__ == "__main__":
    main()
