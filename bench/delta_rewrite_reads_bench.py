"""What reads cost through the API after an erase and a Z-order of the demo's sales.

A keyed rewrite (`backend.lake.layout`) cuts the files it writes by key ranges, so a push
merge afterwards rewrites little; it writes more files than the one per load the unkeyed
statements leave, and every read pays per file. This bench puts each rewrite's outcome
beside the demo as built, as datasets of one warehouse read by one API server:

- `python -m bench.delta_rewrite_reads_bench rewrite WAREHOUSE [SUFFIX]`: hard-linked copies
  of the warehouse's `global_sales` (`delta_bench.linked_copy`'s way: data files linked, the
  log copied), each rewritten as the admin routes do (`delta_rewrite_bench.erase_employee`,
  `.zorder_employee`): `sales_<rewrite>_<key><SUFFIX>`. Run it from another checkout with a
  SUFFIX to put that code's layout beside this one's.
- `python -m bench.delta_rewrite_reads_bench reads WAREHOUSE`: one API server over the
  warehouse (result cache off), and per query the server's CPU per request, median of
  REPEAT, the datasets taking turns (`harness.interleaved_timings`), each request a spec
  the API has not seen (`harness.no_op_filter`), with the 1-minute load average.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable

from bench.delta_bench import SALES
from bench.delta_rewrite_bench import EMPLOYEE, erase_employee, zorder_employee
from bench.harness import Api, api_server, interleaved_timings, markdown_table, no_op_filter
from bench.query_bench import SPECS

REPEAT = 7
REWRITES = {"erased": erase_employee, "zordered": zorder_employee}
KEYS: dict[str, tuple[str, ...]] = {"nokey": (), "keyed": ("order_id",)}
OTHER_EMPLOYEE = EMPLOYEE + 123  # not the erased one: a drill-down the Z-order is for
QUERIES: dict[str, dict[str, object]] = {
    "page (50 rows by order date)": SPECS["detail page"],
    "filtered group-by": SPECS["filtered group-by"],
    "one employee by load": {
        "dataset": SALES,
        "filters": {
            "conditions": [{"column": "employee_id", "operator": "=", "value": OTHER_EMPLOYEE}]
        },
        "group_by": ["load_type", "load_id"],
        "measures": [{"column": "revenue", "agg": "sum", "alias": "revenue"}],
    },
}


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def linked_table(warehouse: Path, name: str) -> Path:
    """`global_sales` again as `name`: its data files hard-linked, its log copied."""
    target = warehouse / name
    shutil.rmtree(target, ignore_errors=True)
    source = warehouse / SALES
    ignore = shutil.ignore_patterns("_delta_log")
    shutil.copytree(source, target, copy_function=os.link, ignore=ignore)
    shutil.copytree(source / "_delta_log", target / "_delta_log")
    return target


def files(folder: Path) -> int:
    return pa.table(DeltaTable(str(folder)).get_add_actions(flatten=True)).num_rows


def rewrite(warehouse: Path, suffix: str) -> list[list[object]]:
    rows: list[list[object]] = []
    for what, run in REWRITES.items():
        for label, key in KEYS.items():
            if suffix and not key:
                continue  # the unkeyed statements are the same in every checkout
            folder = linked_table(warehouse, f"sales_{what}_{label}{suffix}")
            load, started = _load(), time.perf_counter()
            run(folder, key)
            took = time.perf_counter() - started
            rows.append([folder.name, f"{took:.0f}", files(folder), f"{load} / {_load()}"])
    return rows


def _cpu_run(api: Api, spec: dict[str, object], into: list[float]) -> Callable[[int], None]:
    def run(i: int) -> None:
        before = api.server_cpu_ms()
        api.post("/api/query", no_op_filter(spec, i))
        into.append(api.server_cpu_ms() - before)

    return run


def reads(warehouse: Path) -> list[list[object]]:
    datasets = sorted(p.name for p in warehouse.iterdir() if p.name.startswith("sales_"))
    datasets.insert(0, SALES)
    cpu: dict[tuple[str, str], list[float]] = {}
    loads: dict[str, str] = {}
    with api_server(warehouse, RESULT_CACHE="false") as api:
        for query, spec in QUERIES.items():
            runs = {}
            for name in datasets:
                samples = cpu.setdefault((query, name), [])
                runs[name] = _cpu_run(api, {**spec, "dataset": name}, samples)
            loads[query] = _load()
            interleaved_timings(runs, repeat=REPEAT)
            loads[query] += f" / {_load()}"
    return [
        [name, files(warehouse / name)]
        + [f"{statistics.median(cpu[(q, name)][1:]):.0f}" for q in QUERIES]
        for name in datasets
    ] + [["load (1 min, start / end)", ""] + [loads[q] for q in QUERIES]]


def main() -> None:
    """The table of the step asked for, in markdown."""
    step, warehouse = sys.argv[1], Path(sys.argv[2])
    if step == "rewrite":
        suffix = sys.argv[3] if len(sys.argv) > 3 else ""
        head = ["dataset", "rewrite s", "files after", "load (start / end)"]
        print(markdown_table(head, rewrite(warehouse, suffix)))
        return
    head = ["dataset", "files", *(f"{q}: API CPU ms" for q in QUERIES)]
    print(markdown_table(head, reads(warehouse)))


if __name__ == "__main__":
    main()
