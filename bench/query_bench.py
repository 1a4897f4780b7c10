"""Compile time per spec, and /api/query against raw DuckDB running the same SQL."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend.config import Settings
from backend.query.spec import QuerySpec
from backend.services.container import build_services
from bench.harness import api_server, markdown_table, raw_duckdb, timed

DETAIL = ["order_id", "order_date", "region", "country", "department", "revenue"]
SPECS: dict[str, dict[str, Any]] = {
    "detail page": {
        "dataset": "global_sales",
        "columns": DETAIL,
        "sort": [{"column": "order_date", "direction": "desc"}],
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
    services = build_services(Settings(data_dir=data_dir))
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
    """A repeated page with the result cache on: what a second user asking the same gets."""
    with api_server(data_dir) as api:
        return {
            name: timed(lambda b=body: api.post("/api/query", b)) for name, body in SPECS.items()
        }


def api_vs_raw(data_dir: Path, label: str) -> list[list[object]]:
    """The result cache is off here, so every /api/query call runs its SQL like raw DuckDB."""
    rows: list[list[object]] = []
    con = raw_duckdb(data_dir)
    with api_server(data_dir, RESULT_CACHE="false") as api:
        for name, body in SPECS.items():
            sql = str(api.post("/api/query", body)["sql"])
            api_ms = timed(lambda b=body: api.post("/api/query", b))
            raw_ms = timed(lambda q=sql: con.sql(q).to_arrow_table())
            ok = api_ms <= raw_ms * 1.25 + 5
            rows.append(
                [
                    label,
                    name,
                    f"{raw_ms:.1f}",
                    f"{api_ms:.1f}",
                    f"{api_ms / raw_ms:.2f}x",
                    "yes" if ok else "NO",
                ]
            )
    for row, ms in zip(rows, cached_ms(data_dir).values(), strict=True):
        row.append(f"{ms:.1f}")
    con.close()
    return rows


def report(warehouses: dict[str, Path]) -> str:
    started = time.perf_counter()
    first = next(iter(warehouses.values()))
    out = [
        "## Compile time per spec (ms, median of 50)",
        "",
        markdown_table(["spec", "compile ms"], compile_times(first)),
        "",
    ]
    table: list[list[object]] = []
    for label, path in warehouses.items():
        table += api_vs_raw(path, label)
    out += [
        "## /api/query vs raw DuckDB, same SQL (ms, median of 7, warm; result cache off; "
        "cached: the same page again with the result cache on)",
        "",
        markdown_table(
            ["data", "spec", "raw DuckDB", "/api/query", "ratio", "within 1.25x+5ms", "cached"],
            table,
        ),
        "",
        f"_query benchmarks took {time.perf_counter() - started:.0f} s_",
        "",
    ]
    return "\n".join(out)
