"""Delta against plain Parquet on the demo, the push merge and Z-order.

The same Parquet files are read both ways: the Delta warehouse is the demo (`global_sales` a
Delta table, read through its log's file list) and its plain twin holds hard links to the
same files without `_delta_log/` (read as hive folders, the way every dataset was read
before). So the difference is the table format's cost alone, not the files'.

- **warm**: /api/query with the result cache off and a spec the API has not seen each time
  (`no_op_filter`), samples interleaved between the two servers; server CPU per request.
- **first query after a new version**: a 1,000-row load is committed (a Delta append; a new
  hive folder for the twin), the catalog's rescan interval (1 s) is let pass, and the next
  query is timed: the scan, the new view, its DESCRIBE and the query.
- **merge**: 10,000 upserts in one batch (`backend.lake.changes.merge`, what
  POST /api/datasets/{key}/changes runs) on a hard-linked copy of the table, so the bench's
  warehouse stays at version 0; with the files the merge rewrote (delta-rs rewrites every
  file holding a matched row). The last row compacts the copy first
  (`backend.lake.maintenance.optimize`, as the admin route runs it) and times the merge alone.
- **Z-order**: a filtered query (one employee's orders) before and after
  `backend.lake.maintenance.zorder` on employee_id, on another hard-linked copy.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from backend.lake import maintenance
from backend.lake.changes import Event, merge
from bench.harness import Api, api_server, interleaved_timings, markdown_table, no_op_filter
from bench.query_bench import SPECS

SALES = "global_sales"
WARM = ("detail page", "filtered group-by")
REPEAT = 7
NEW_VERSIONS = 4
UPSERTS = 10_000
RESCAN_S = 1.2  # the catalog rescans at most once a second


def linked_copy(source: Path, target: Path, *, delta: bool) -> Path:
    """`source` with every data file hard-linked (no byte copied); without `_delta_log/`
    and the demo manifest when `delta` is False. Made again each run."""
    shutil.rmtree(target, ignore_errors=True)
    skip = () if delta else ("_delta_log", "_demo_manifest.json")
    shutil.copytree(source, target, copy_function=os.link, ignore=shutil.ignore_patterns(*skip))
    if delta:  # log files are appended to, never rewritten, but keep the bench's log apart
        log = target / SALES / "_delta_log"
        shutil.rmtree(log)
        shutil.copytree(source / SALES / "_delta_log", log)
    return target


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def _cpu(api: Api, fn: Callable[[], object], into: list[float]) -> None:
    before = api.server_cpu_ms()
    fn()
    into.append(api.server_cpu_ms() - before)


def warm_rows(delta_dir: Path, plain_dir: Path) -> list[list[object]]:
    rows: list[list[object]] = []
    with (
        api_server(delta_dir, RESULT_CACHE="false") as delta,
        api_server(plain_dir, RESULT_CACHE="false") as plain,
    ):
        for name in WARM:
            rows.append(_warm_row(name, delta, plain))
    return rows


def _warm_row(name: str, delta: Api, plain: Api) -> list[object]:
    fresh = [no_op_filter(SPECS[name], i) for i in range(REPEAT + 1)]
    cpu: dict[str, list[float]] = {"delta": [], "plain": []}
    apis = {"plain": plain, "delta": delta}

    def run(label: str) -> Callable[[int], None]:
        api = apis[label]
        return lambda i: _cpu(api, lambda: api.post("/api/query", fresh[i]), cpu[label])

    timings = interleaved_timings({k: run(k) for k in apis}, repeat=REPEAT)
    p, d = timings["plain"].median, timings["delta"].median
    cp, cd = (statistics.median(cpu[k][1:]) for k in ("plain", "delta"))
    within = "yes" if cd <= cp * 1.10 else "NO"
    return [f"warm {name}", f"{p:.0f}", f"{d:.0f}", f"{d / p:.2f}x", f"{cp:.0f}", f"{cd:.0f}",
            f"{cd / cp:.2f}x", within, _load()]  # fmt: skip


def _new_rows(folder: Path, load_id: int, rows: int) -> pa.Table:
    """`rows` existing sales rows as a new DAILY load, with new order ids."""
    first = next(iter(sorted(folder.rglob("*.parquet"))))
    with duckdb.connect() as con:
        return con.sql(
            f"SELECT * REPLACE (order_id + 900000000::BIGINT * {load_id % 97 + 1} AS order_id), "
            f"'DAILY' AS load_type, {load_id}::BIGINT AS load_id "
            f"FROM read_parquet('{first}', hive_partitioning = false) LIMIT {rows}"
        ).to_arrow_table()


def add_version(folder: Path, load_id: int, *, delta: bool) -> None:
    """A new 1,000-row load: a Delta append, or a new hive folder for plain Parquet."""
    data = _new_rows(folder, load_id, 1_000)
    if delta:
        table = DeltaTable(str(folder))
        schema = pa.schema(table.schema().to_arrow())
        write_deltalake(
            table, data.select(schema.names).cast(schema), mode="append",
            partition_by=["load_type", "load_id"],
        )  # fmt: skip
        return
    part = folder / "load_type=DAILY" / f"load_id={load_id}"
    part.mkdir(parents=True)
    with duckdb.connect() as con:
        con.register("new_rows", data.drop_columns(["load_type", "load_id"]))
        con.execute(f"COPY new_rows TO '{part / 'part-0.parquet'}' (FORMAT parquet)")


def first_after_new_version(delta_dir: Path, plain_dir: Path) -> list[object]:
    walls: dict[str, list[float]] = {"plain": [], "delta": []}
    cpus: dict[str, list[float]] = {"plain": [], "delta": []}
    body = SPECS["filtered group-by"]
    with (
        api_server(delta_dir, RESULT_CACHE="false") as delta,
        api_server(plain_dir, RESULT_CACHE="false") as plain,
    ):
        apis = {"plain": (plain, plain_dir), "delta": (delta, delta_dir)}
        for api, _ in apis.values():
            api.post("/api/query", no_op_filter(body, 0))  # started and warm
        for i in range(1, NEW_VERSIONS + 1):
            for label, (api, root) in apis.items():
                add_version(root / SALES, 20990100 + i, delta=label == "delta")
                time.sleep(RESCAN_S)
                started = time.perf_counter()
                spec = no_op_filter(body, i)
                _cpu(api, lambda a=api, b=spec: a.post("/api/query", b), cpus[label])
                walls[label].append((time.perf_counter() - started) * 1000)
    p, d = (statistics.median(walls[k]) for k in ("plain", "delta"))
    cp, cd = (statistics.median(cpus[k]) for k in ("plain", "delta"))
    return ["first group-by after a new version", f"{p:.0f}", f"{d:.0f}", f"{d / p:.2f}x",
            f"{cp:.0f}", f"{cd:.0f}", f"{cd / cp:.2f}x", "(cold)", _load()]  # fmt: skip


def _upserts(folder: Path, where: str) -> list[Event]:
    files = DeltaTable(str(folder)).file_uris()
    with duckdb.connect() as con:
        rows = con.sql(
            f"SELECT * FROM read_parquet({files!r}, hive_partitioning = true) WHERE {where} "
            f"ORDER BY order_id DESC LIMIT {UPSERTS}"
        ).to_arrow_table()
    events = []
    for row in rows.to_pylist():
        row["quantity"] += 1
        events.append(Event("upsert", row))
    return events


NEWEST_DAILY = (
    "load_type = 'DAILY' AND load_id = (SELECT max(load_id) FROM "
    "read_parquet({files}, hive_partitioning = true) WHERE load_type = 'DAILY')"
)
VINTAGE_KEY = ["load_type", "load_id", "order_id"]
#: batch -> (which rows, the primary key, compacted first). With the load in the key,
#: delta-rs prunes the other loads' files before it joins.
MERGES = {
    "the newest 10,000 orders (every load), key order_id": ("true", ["order_id"], False),
    "10,000 orders of the newest DAILY load, key order_id": (NEWEST_DAILY, ["order_id"], False),
    "the same, key (load_type, load_id, order_id)": (NEWEST_DAILY, VINTAGE_KEY, False),
    "the newest 10,000 orders after a compaction, key order_id": ("true", ["order_id"], True),
}


def merge_rows(source: Path, scratch: Path) -> list[list[object]]:
    rows: list[list[object]] = []
    for name, (where, key, compacted) in MERGES.items():
        folder = linked_copy(source, scratch, delta=True) / SALES
        if compacted:
            maintenance.optimize(folder, user="bench")
        files = DeltaTable(str(folder)).file_uris()
        events = _upserts(folder, where.replace("{files}", repr(files)))
        started, cpu = time.perf_counter(), time.process_time()
        applied = merge(folder, f"bench-{time.time_ns()}", events, key, "bench")
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        metrics: dict[str, Any] = DeltaTable(str(folder)).history(1)[0]["operationMetrics"]
        written = f"{metrics.get('num_output_rows'):,}"
        rows.append(
            [name, f"{applied.updated:,}", f"{wall:.1f}", f"{cpu:.1f}",
             metrics.get("num_target_files_removed"), written,
             "yes" if wall <= 2 else "NO", _load()]
        )  # fmt: skip
    shutil.rmtree(scratch, ignore_errors=True)
    return rows


ZORDER_COLUMNS = ["employee_id"]
#: One salesperson's orders, over every load: what an HR or finance drill-down asks.
ZORDER_QUERY = (
    "SELECT load_type, load_id, count(*), sum(revenue) FROM {source} "
    "WHERE employee_id = {value} GROUP BY ALL"
)


def _timed_query(files: list[str], value: int) -> tuple[float, float]:
    """Wall and CPU ms of the filtered query, median of REPEAT after a warm-up; each run
    asks for another employee so no answer is reused."""
    con = duckdb.connect()
    source = f"read_parquet({files!r}, hive_partitioning = true)"
    walls, cpus = [], []
    for i in range(REPEAT + 1):
        sql = ZORDER_QUERY.format(source=source, value=value + i * 37)
        started, cpu = time.perf_counter(), time.process_time()
        con.sql(sql).fetchall()
        if i:
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
    con.close()
    return statistics.median(walls), statistics.median(cpus)


def zorder_rows(source: Path, scratch: Path) -> list[list[object]]:
    """The filtered query before and after Z-ordering a hard-linked copy of the table."""
    folder = linked_copy(source, scratch, delta=True) / SALES
    before = _timed_query(DeltaTable(str(folder)).file_uris(), 500_777)
    started = time.perf_counter()
    report = maintenance.zorder(folder, ZORDER_COLUMNS, user="bench")
    took = time.perf_counter() - started
    after = _timed_query(DeltaTable(str(folder)).file_uris(), 500_777)
    shutil.rmtree(scratch, ignore_errors=True)
    return [
        ["before", f"{before[0]:.0f}", f"{before[1]:.0f}", report.files_before, "", _load()],
        [f"Z-ordered on {', '.join(ZORDER_COLUMNS)} ({took:.0f} s)", f"{after[0]:.0f}",
         f"{after[1]:.0f}", report.files_after, f"{before[1] / after[1]:.1f}x", _load()],
    ]  # fmt: skip


def report(warehouses: dict[str, Path]) -> str:
    """On the largest warehouse (the 10M demo in `make bench`)."""
    label, source = list(warehouses.items())[-1]
    started, load = time.perf_counter(), ", ".join(f"{x:.2f}" for x in os.getloadavg())

    def twin(suffix: str, delta: bool) -> Path:
        return linked_copy(source, source.with_name(source.name + suffix), delta=delta)

    plain = twin("-plain", False)
    table = warm_rows(source, plain)
    table.append(first_after_new_version(twin("-delta-new", True), twin("-plain-new", False)))
    merges = merge_rows(source, source.with_name(source.name + "-merge"))
    zorder = zorder_rows(source, source.with_name(source.name + "-zorder"))
    merge_head = ["batch", "updated", "wall s", "CPU s", "files rewritten", "rows written"]
    for suffix in ("-plain", "-delta-new", "-plain-new"):
        shutil.rmtree(source.with_name(source.name + suffix), ignore_errors=True)
    head = ["query", "plain ms", "Delta ms", "Delta/plain", "plain CPU ms", "Delta CPU ms"]
    return "\n".join(
        [
            f"## Delta vs plain Parquet, {label} demo (same files; median of {REPEAT}, "
            "interleaved; the result cache off, a new spec each time)",
            "",
            markdown_table([*head, "CPU ratio", "within 10%", "load"], table),
            "",
            "_CPU: the API server's per request (DuckDB's threads included), which the "
            "machine's load does not inflate as it does wall time; the 10% target is for warm "
            f"queries and is judged on CPU. First query after a new version: median of "
            f"{NEW_VERSIONS}, each after a 1,000-row load committed and the rescan interval._",
            "",
            f"## Push merge: {UPSERTS:,} upserts in one batch, {label} demo (target 2 s)",
            "",
            markdown_table([*merge_head, "within 2 s", "load"], merges),
            "",
            "_delta-rs rewrites every file holding a matched row: the demo's files each hold "
            "one load's rows of one range of order ids, the newest 250,000 ids the smallest "
            "range (backend.demo.build.sales_ranges), so the newest orders touch one small "
            "file per load. CPU s: the bench process's (the merge runs in it)._",
            f"## Z-order: a filtered query, {label} demo (DuckDB over the version's files, "
            f"median of {REPEAT})",
            "",
            f"`{ZORDER_QUERY.format(source='global_sales', value=500777)}`",
            "",
            markdown_table(["table", "wall ms", "CPU ms", "files", "CPU speed-up", "load"], zorder),
            "",
            f"_load average (1, 5, 15 min) at the start: {load}; took "
            f"{time.perf_counter() - started:.0f} s_",
            "",
        ]
    )


def main() -> None:
    """`python -m bench.delta_bench`: these tables alone, on DELTA_BENCH_WAREHOUSE (a demo
    warehouse folder) or the BENCH_ROWS (default 10M) bench demo; written to
    DELTA_BENCH_OUT when set."""
    from bench.harness import warehouse

    given = os.environ.get("DELTA_BENCH_WAREHOUSE")
    rows = int(os.environ.get("BENCH_ROWS", "10000000").split(",")[-1])
    path = Path(given) if given else warehouse(rows)
    text = report({f"{rows // 1_000_000}M" if not given else path.name: path})
    print(text)
    if out := os.environ.get("DELTA_BENCH_OUT"):
        Path(out).write_text(text)


if __name__ == "__main__":
    main()
