"""A push merge after an erase or a Z-order: do the rewrites keep the demo's key ranges?

Each row rewrites a hard-linked copy of the demo's sales (`delta_bench.linked_copy`) the
way the admin routes do, then merges the newest 10,000 orders into it (key order_id, what
POST /api/datasets/{key}/changes runs), with the rows delta-rs wrote by its own metrics:

- **erase**: `backend.lake.erase.apply` of one employee's rows (every load holds some),
  retention 0 (vacuum and log cut included), over a DuckDB view of the version's files.
- **Z-order**: `backend.lake.maintenance.zorder` on employee_id.

"no key" is the dataset without a `primary_key`: the statements main ran before this change
(one file per load). "key order_id" cuts the rewritten loads by order id ranges
(`backend.lake.layout`). Reads after: DuckDB over the version's files (CPU ms, median of 7),
a group-by over every row and the Z-order's one-employee query.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot
from deltalake import DeltaTable

from backend.lake import erase, layout, maintenance
from backend.lake.changes import merge
from bench.delta_bench import SALES, UPSERTS, _upserts, linked_copy
from bench.harness import markdown_table

EMPLOYEE = 500_777
REPEAT = 7
GROUP_BY = (
    "SELECT region, channel, count(*), sum(revenue) FROM {source} WHERE quantity > {i} GROUP BY ALL"
)
ONE_EMPLOYEE = (
    "SELECT load_id, count(*), sum(revenue) FROM {source} WHERE employee_id = {i} GROUP BY ALL"
)


def _source(folder: Path) -> str:
    files = DeltaTable(str(folder)).file_uris()
    return f"read_parquet({files!r}, hive_partitioning = true, union_by_name = true)"


def _cpu_ms(folder: Path, query: str, first: int, step: int) -> float:
    """CPU ms of `query`, median of REPEAT after a warm-up, another constant each run
    (`first`, then `step` apart: quantities are 1-50, so the group-by's steps are 1)."""
    source, cpus = _source(folder), []
    with duckdb.connect() as con:
        for i in range(REPEAT + 1):
            started = time.process_time()
            con.sql(query.format(source=source, i=first + i * step)).fetchall()
            if i:
                cpus.append((time.process_time() - started) * 1000)
    return statistics.median(cpus)


def erase_employee(folder: Path, key: tuple[str, ...]) -> None:
    con = duckdb.connect()
    con.execute(f"CREATE VIEW version AS SELECT * FROM {_source(folder)}")

    def run(select: Any) -> pa.Table:
        return con.sql(select.sql("duckdb")).to_arrow_table()

    table = DeltaTable(str(folder))
    where = sqlglot.parse_one(f"employee_id = {EMPLOYEE}")
    parts = list(table.metadata().partition_columns)
    seen = erase.preview(run, "version", table.version(), where, parts)
    erase.apply(run, "version", folder, where, seen, user="bench", retention_hours=0, key=key)
    con.close()


def zorder_employee(folder: Path, key: tuple[str, ...]) -> None:
    maintenance.zorder(folder, ["employee_id"], user="bench", key=key)


REWRITES = {"erase of one employee": erase_employee, "Z-order on employee_id": zorder_employee}
#: dataset -> (its key, layout.FILE_FACTOR for the rewrite): the last row tries files
#: twice the size, to weigh the reads' cost per file against the merge's rows.
KEYS: dict[str, tuple[tuple[str, ...], int]] = {
    "no key (as before)": ((), layout.FILE_FACTOR),
    "key order_id": (("order_id",), layout.FILE_FACTOR),
    f"key order_id, files cut at {2 * layout.FILE_FACTOR}x the target": (
        ("order_id",),
        2 * layout.FILE_FACTOR,
    ),
}


def _files(folder: Path) -> str:
    """The version's files, and how many are under the table's compaction target (which
    the next compaction may pack together)."""
    table = DeltaTable(str(folder))
    sizes = pa.table(table.get_add_actions(flatten=True)).column("size_bytes").to_pylist()
    target = layout.compact_target(table) or 0
    return f"{len(sizes)} ({sum(1 for s in sizes if s < target)} small)"


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def row(source: Path, scratch: Path, rewrite: str, key: str) -> list[object]:
    folder = linked_copy(source, scratch, delta=True) / SALES
    started, load = time.perf_counter(), _load()
    key_columns, factor = KEYS[key]
    kept, layout.FILE_FACTOR = layout.FILE_FACTOR, factor
    try:
        REWRITES[rewrite](folder, key_columns)
    finally:
        layout.FILE_FACTOR = kept
    took = time.perf_counter() - started
    files = _files(folder)
    events = _upserts(folder, "true")
    started, cpu = time.perf_counter(), time.process_time()
    merge(folder, f"bench-{time.time_ns()}", events, ["order_id"], "bench")
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    metrics: dict[str, Any] = DeltaTable(str(folder)).history(1)[0]["operationMetrics"]
    group_by = _cpu_ms(folder, GROUP_BY, 0, 1)
    one = _cpu_ms(folder, ONE_EMPLOYEE, EMPLOYEE, 37)
    shutil.rmtree(scratch, ignore_errors=True)
    return [rewrite, key, f"{took:.0f}", files, f"{wall:.1f}", f"{cpu:.1f}",
            metrics.get("num_target_files_removed"), f"{metrics.get('num_output_rows'):,}",
            f"{group_by:.0f}", f"{one:.0f}", f"{load} / {_load()}"]  # fmt: skip


def untouched(source: Path) -> list[object]:
    files = _files(source / SALES)
    return ["(none: the demo as built)", "", "", files, "", "", "", "",
            f"{_cpu_ms(source / SALES, GROUP_BY, 0, 1):.0f}",
            f"{_cpu_ms(source / SALES, ONE_EMPLOYEE, EMPLOYEE, 37):.0f}", _load()]  # fmt: skip


def main() -> None:
    """`python -m bench.delta_rewrite_bench WAREHOUSE [ROUNDS]`: the table, in markdown."""
    import sys

    source = Path(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    scratch = source.with_name(source.name + "-rewrite")
    rows = [untouched(source)]
    for _ in range(rounds):
        rows += [row(source, scratch, r, k) for r in REWRITES for k in KEYS]
    head = ["rewrite", "dataset", "rewrite s", "files after", "merge wall s", "merge CPU s",
            "files rewritten", "rows written", "group-by CPU ms", "one employee CPU ms",
            "load (rewrite / end)"]  # fmt: skip
    print(f"## Merge of the newest {UPSERTS:,} orders after a rewrite, {source}\n")
    print(markdown_table(head, rows))


if __name__ == "__main__":
    main()
