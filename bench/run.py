"""`make bench`: every benchmark, one table, printed and written to bench/results/.

Sizes come from BENCH_ROWS (comma-separated, default 1000000,10000000).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import (
    aggrid_bench,
    ask_bench,
    delta_bench,
    export_bench,
    join_bench,
    lease_bench,
    query_bench,
)
from bench.harness import warehouse

RESULTS = Path(__file__).resolve().parent / "results"


def _label(rows: int) -> str:
    return f"{rows // 1_000_000}M" if rows >= 1_000_000 else f"{rows // 1000}k"


def _dashboard_section() -> str:
    """bench.dashboard_bench in a process of its own: Locust patches the standard library
    for gevent, which the benchmarks above must not run under."""
    with tempfile.NamedTemporaryFile(suffix=".md") as out:
        env = {**os.environ, "BENCH_DASHBOARD_OUT": out.name}
        cmd = [sys.executable, "-m", "bench.dashboard_bench"]
        done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=False)
        text = Path(out.name).read_text()
    return text or f"## Dashboard\n\nThe dashboard bench failed (exit {done.returncode}).\n"


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_ROWS", "1000000,10000000").split(",")]
    warehouses = {_label(n): warehouse(n) for n in sizes}
    header = (
        f"# Aurora benchmarks, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}\n"
    )
    sections = [header, query_bench.report(warehouses), join_bench.report(warehouses)]
    sections.append(aggrid_bench.report(warehouses))
    sections.append(export_bench.report(warehouses))
    sections.append(lease_bench.report(warehouses))
    sections.append(ask_bench.report(warehouses))
    sections.append(delta_bench.report(warehouses))  # the largest size only
    sections.append(_dashboard_section())
    text = "\n".join(sections)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    (RESULTS / f"bench-{stamp}.md").write_text(text)
    (RESULTS / "latest.md").write_text(text)


if __name__ == "__main__":
    main()
