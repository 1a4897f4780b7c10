"""Joins: global_sales ⋈ employee_roster ⋈ products, filtered and grouped, through /api/query
against raw DuckDB running the same SQL and against the naive form (join first, filter
after), plus the cost of the first call (column statistics) and the timeout behaviour.

The naive form is measured twice. As plain SQL with every filter in the outer WHERE, DuckDB's
optimizer pushes the filters below the joins by itself, so it runs about as fast as ours.
Really joining first needs a fence, and DuckDB 2.0 has none in SQL: it pushes filters into
MATERIALIZED CTEs, and with `disabled_optimizers = 'filter_pushdown'` its join-order
optimizer still places them on the scans (disable that too and it plans cross products). So
the second naive form materializes the join into a temporary table, then filters and groups
it: what an engine without predicate pushdown does.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import duckdb

from bench.harness import Api, api_server, markdown_table, raw_duckdb, timed

SPEC: dict[str, Any] = {
    "dataset": "global_sales",
    "joins": [
        {"dataset": "employee_roster", "on": [{"left": "employee_id", "right": "employee_id"}]},
        {
            "dataset": "products",
            "on": [{"left": "global_sales.product_id", "right": "product_id"}],
        },
    ],
    "filters": {
        "op": "and",
        "conditions": [
            {"column": "order_date", "operator": "between", "value": ["2024-01-01", "2024-06-30"]},
            {"column": "employee_roster.department", "operator": "=", "value": "Healthcare"},
            {"column": "category", "operator": "in", "value": ["Electronics", "Software"]},
        ],
    },
    "group_by": ["employee_roster.region", "category"],
    "measures": [
        {"column": "revenue", "agg": "sum", "alias": "revenue"},
        {"agg": "count", "alias": "orders"},
        {"column": "global_sales.employee_id", "agg": "count_distinct", "alias": "sellers"},
    ],
    "sort": [{"column": "revenue", "direction": "desc"}],
}

_JOIN = """SELECT s.revenue, s.employee_id, s.order_date, e.region, e.department, p.category
    FROM global_sales s
    JOIN employee_roster e ON s.employee_id = e.employee_id
    JOIN products p ON s.product_id = p.product_id"""
_FILTER = """order_date BETWEEN DATE '2024-01-01' AND DATE '2024-06-30'
    AND department = 'Healthcare' AND category IN ('Electronics', 'Software')"""
_GROUP = """GROUP BY region, category
    ORDER BY revenue DESC, region, category LIMIT 50"""
_MEASURES = (
    "region, category, SUM(revenue) AS revenue, COUNT(*) AS orders, "
    "COUNT(DISTINCT employee_id) AS sellers"
)
NAIVE = f"SELECT {_MEASURES} FROM ({_JOIN}) j WHERE {_FILTER} {_GROUP}"

# A self-join of all sales on product id: hundreds of millions of rows, let through by a
# raised gate, to show the timeout. Mixing both sides keeps DuckDB from pre-aggregating.
SLOW: dict[str, Any] = {
    "dataset": "global_sales",
    "joins": [
        {
            "dataset": "global_sales",
            "alias": "b",
            "on": [{"left": "product_id", "right": "product_id"}],
        }
    ],
    "group_by": ["global_sales.region"],
    "measures": [{"expr": "global_sales.quantity * b.quantity", "agg": "sum", "alias": "q"}],
}
SMALL = {"dataset": "products", "columns": ["product_id", "product_name"], "page_size": 10}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _join_first(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    con.execute(f"CREATE OR REPLACE TEMP TABLE joined AS {_JOIN}")
    try:
        return con.execute(f"SELECT {_MEASURES} FROM joined WHERE {_FILTER} {_GROUP}").fetchall()
    finally:
        con.execute("DROP TABLE joined")


def join_rows(data_dir: Path, label: str) -> list[list[object]]:
    con = raw_duckdb(data_dir)
    try:
        with api_server(data_dir, RESULT_CACHE="false") as api:
            started = time.perf_counter()
            body = api.post("/api/query", SPEC)  # cold: computes the column statistics
            cold = time.perf_counter() - started
            sql = str(body["sql"])
            explain_ms = timed(lambda: api.post("/api/explain", SPEC))
            api_ms = timed(lambda: api.post("/api/query", SPEC))
        raw_ms = timed(lambda: con.execute(sql).fetchall())
        naive_ms = timed(lambda: con.execute(NAIVE).fetchall())
        first_ms = timed(lambda: _join_first(con), repeat=3, warmup=1)
        same = con.execute(sql).fetchall() == _join_first(con)
    finally:
        con.close()
    return [
        [
            label,
            _ms(cold),
            f"{explain_ms:.1f}",
            f"{api_ms:.1f}",
            f"{raw_ms:.1f}",
            f"{api_ms / raw_ms:.2f}x",
            f"{naive_ms:.1f}",
            f"{naive_ms / api_ms:.2f}x",
            f"{first_ms:.1f}",
            f"{first_ms / api_ms:.2f}x",
            "yes" if same else "NO",
        ]
    ]


def timeout_rows(data_dir: Path, label: str) -> list[list[object]]:
    env = {"QUERY_TIMEOUT_S": "1", "EXPLAIN_MAX_ROWS": str(10**15), "RESULT_CACHE": "false"}
    with api_server(data_dir, **env) as api:
        estimated = api.post("/api/explain", SLOW)["estimated_rows"]
        others, answer, elapsed = _slow_with_others(api)
    worst = max((t for t, _ in others), default=float("nan"))
    ok = all(code == 200 for _, code in others)
    return [
        [
            label,
            f"{estimated:,}",
            answer,
            f"{elapsed:.2f}",
            str(len(others)),
            _ms(worst),
            "yes" if ok else "NO",
        ]
    ]


def _slow_with_others(api: Api) -> tuple[list[tuple[float, int]], str, float]:
    """Run SLOW while another thread keeps sending small queries; their timings."""
    others: list[tuple[float, int]] = []
    done = threading.Event()

    def meanwhile() -> None:
        while not done.is_set():
            started = time.perf_counter()
            code = api.client.post("/api/query", json=SMALL).status_code
            others.append((time.perf_counter() - started, code))

    side = threading.Thread(target=meanwhile)
    started = time.perf_counter()
    side.start()
    try:
        response = api.client.post("/api/query", json=SLOW)
        elapsed = time.perf_counter() - started
    finally:
        done.set()
        side.join()
    code = response.json().get("error", {}).get("code", "ok") if response.content else ""
    return others, f"{response.status_code} {code}", elapsed


def report(warehouses: dict[str, Path]) -> str:
    started = time.perf_counter()
    joins: list[list[object]] = []
    timeouts: list[list[object]] = []
    for label, path in warehouses.items():
        joins += join_rows(path, label)
        timeouts += timeout_rows(path, label)
    out = [
        "## Join: global_sales ⋈ employee_roster ⋈ products, filtered and grouped "
        "(ms, median of 7 warm; joined-first median of 3)",
        "",
        "_raw DuckDB runs the SQL /api/query generated. naive = join first, filter after: as "
        "plain SQL (DuckDB pushes the filters down itself), and really joined first (the join "
        "materialized, then filtered and grouped). Ratios: api/raw, naive/api._",
        "",
        markdown_table(
            [
                "data",
                "first call (stats)",
                "/api/explain",
                "/api/query",
                "raw DuckDB",
                "api/raw",
                "naive",
                "naive/api",
                "naive, joined first",
                "joined-first/api",
                "same rows",
            ],
            joins,
        ),
        "",
        "## Timeout: QUERY_TIMEOUT_S=1, self-join of all sales on product id",
        "",
        markdown_table(
            [
                "data",
                "estimated rows",
                "answer",
                "answered after s",
                "other queries meanwhile",
                "their slowest ms",
                "all 200",
            ],
            timeouts,
        ),
        "",
        f"_join benchmarks took {time.perf_counter() - started:.0f} s_",
        "",
    ]
    return "\n".join(out)
