"""Write the demo warehouse: three Parquet datasets built aside, then swapped into place.
`global_sales` is a Delta table (`backend.demo.delta`), the two small ones plain files.

The build goes to `<out>/.demo-tmp-<pid>-<hex>` (the catalog ignores names starting with
`.`), and only the three demo datasets are replaced, so datasets an admin put in the same
folder survive. `<out>/_demo_manifest.json` records what was built; a build with the same
rows, seed and generator version is skipped.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from backend.demo.constants import GENERATOR_VERSION, SALES_KEY
from backend.demo.sales import global_sales_sql, row_range
from backend.demo.tables import employee_roster_sql, products_sql
from backend.parquet_codec import DUCKDB_CODEC

Progress = Callable[[str], None]

SALES = "global_sales"
ROSTER = "employee_roster.parquet"
PRODUCTS = "products.parquet"
DATASETS = (SALES, ROSTER, PRODUCTS)
MANIFEST = "_demo_manifest.json"
#: In the manifest, so a warehouse built before `global_sales` was Delta, before its
#: files were cut by order id age (`sales_ranges`), or before its table declared its key
#: (`SALES_KEY`), is rebuilt.
FORMAT = "delta"
LAYOUT = "newest-small"
TMP_PREFIX = ".demo-tmp-"
OLD_PREFIX = ".demo-old-"
#: Sales rows per COPY at most: bounds memory and gives a progress line per chunk.
CHUNK_ROWS = 2_500_000
#: Rows of the newest chunk; each older chunk doubles, up to CHUNK_ROWS. Each chunk is one
#: range of order ids and one file per load, and a push merge rewrites every file holding
#: a changed row whole (delta-rs writes no deletion vectors). Changes mostly hit recent
#: orders, so small files at the new end keep a batch of them cheap (10,000 upserts over
#: every load of the 10M demo: 2.5M rows rewritten in 2.5M-row chunks, 250k in these),
#: while large ones elsewhere keep the file count, and what every read pays per file,
#: near that of equal chunks (91 files against 52; 520 in equal 250k chunks read a
#: group-by 1.45x slower). bench/results/delta-merge-20261203.md.
NEWEST_CHUNK_ROWS = 250_000
_PARQUET = f"FORMAT PARQUET, COMPRESSION {DUCKDB_CODEC}, ROW_GROUP_SIZE 122880"


def print_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_demo(
    out: Path,
    rows: int,
    seed: int = 42,
    progress: Progress = print_to_stderr,
    *,
    chunk_rows: int = CHUNK_ROWS,
    newest_rows: int = NEWEST_CHUNK_ROWS,
) -> Path:
    """Build the demo warehouse in `out` unless the same build is already there.

    Returns `out`. Raises ValueError for a row count below 1 or a negative seed.
    `chunk_rows` and `newest_rows` (sales rows per COPY, `sales_ranges`) change the files,
    never their content.
    """
    if rows < 1 or seed < 0 or chunk_rows < 1 or newest_rows < 1:
        raise ValueError(
            "rows must be >= 1, seed >= 0 and chunk_rows, newest_rows >= 1, "
            f"got rows={rows}, seed={seed}, chunk_rows={chunk_rows}, newest_rows={newest_rows}"
        )
    out.mkdir(parents=True, exist_ok=True)
    wanted = _manifest(rows, seed)
    if _read_manifest(out) == wanted and all((out / name).exists() for name in DATASETS):
        progress("demo warehouse up to date")
        return out
    _remove_abandoned(out)
    started = time.perf_counter()
    tmp = out / f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        ranges = sales_ranges(rows, chunk_rows, newest_rows)
        _write_datasets(tmp, rows, seed, ranges, _Clock(progress, started))
        _swap_in(tmp, out)
        _write_manifest(out, wanted)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    progress(
        f"demo warehouse: {rows:,} sales rows in {out} ({time.perf_counter() - started:.1f} s)"
    )
    return out


class _Clock:
    """Reports a step with the time since the build started."""

    def __init__(self, progress: Progress, started: float) -> None:
        self._progress, self._started = progress, started

    def __call__(self, message: str) -> None:
        self._progress(f"{message} ({time.perf_counter() - self._started:.1f} s)")


def _write_datasets(
    tmp: Path, rows: int, seed: int, ranges: list[tuple[int, int]], report: Progress
) -> None:
    # Partitioned writes do not keep row order anyway; not asking for it is ~15% faster.
    config: dict[str, str | bool | int | float | list[str]] = {
        "temp_directory": str(tmp / ".spill"),
        "preserve_insertion_order": False,
    }
    with duckdb.connect(config=config) as con:
        con.execute("SET enable_progress_bar = false")  # our own lines report progress
        for name, sql in ((PRODUCTS, products_sql(seed)), (ROSTER, employee_roster_sql(seed))):
            written = _copy(con, sql, tmp / name, _PARQUET)
            report(f"{name.removesuffix('.parquet')}: {written:,} rows")
        for chunk, (start, stop) in enumerate(ranges):
            _write_sales_chunk(con, tmp / SALES, seed, start, stop, chunk=chunk)
            report(f"{SALES}: {stop:,} / {rows:,} rows")
        report(f"{SALES}: Delta table version 0, {_to_delta(tmp / SALES):,} files")


def sales_ranges(
    rows: int, chunk_rows: int, newest: int = NEWEST_CHUNK_ROWS
) -> list[tuple[int, int]]:
    """Row ranges [start, stop) of the sales chunks, oldest first: `newest` rows at the new
    end, each older chunk twice the one after it, at most `chunk_rows`.

    >>> sales_ranges(100, 40, newest=10)
    [(0, 30), (30, 70), (70, 90), (90, 100)]
    """
    ranges, stop, size = [], rows, min(newest, chunk_rows)
    while stop > 0:
        ranges.append((max(0, stop - size), stop))
        stop, size = stop - size, min(size * 2, chunk_rows)
    return ranges[::-1]


def _to_delta(folder: Path) -> int:
    # Imported here: the CLI quiets delta-rs's logging first, which works only before import.
    from backend.demo import delta

    return delta.convert(folder)


def _write_sales_chunk(
    con: duckdb.DuckDBPyConnection, folder: Path, seed: int, start: int, stop: int, chunk: int
) -> None:
    # range() runs on one thread; scanning a table of row numbers uses every core.
    con.execute(f"CREATE OR REPLACE TEMP TABLE demo_ids AS SELECT * FROM {row_range(start, stop)}")
    options = (
        f"{_PARQUET}, PARTITION_BY (load_type, load_id), OVERWRITE_OR_IGNORE true, "
        f"FILENAME_PATTERN 'part-{chunk:05d}-{{i}}'"
    )
    _copy(con, global_sales_sql(seed, "demo_ids"), folder, options)


def _copy(con: duckdb.DuckDBPyConnection, select: str, target: Path, options: str) -> int:
    # The path is ours (a fresh temp folder); quotes are doubled all the same.
    path = str(target).replace("'", "''")
    result = con.execute(f"COPY ({select}) TO '{path}' ({options})").fetchone()
    return int(result[0]) if result else 0


def _swap_in(tmp: Path, out: Path) -> None:
    """Move each new dataset into `out`; old copies go aside first and are deleted after.

    Files are replaced atomically (rename over). A folder cannot be renamed over a
    non-empty one, so `global_sales` is missing for the moment between two renames.
    """
    (out / MANIFEST).unlink(missing_ok=True)  # a half-done swap must not look current
    old = out / f"{OLD_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    old.mkdir()
    try:
        for name in DATASETS:
            target = out / name
            if target.is_dir() and not target.is_symlink():
                target.rename(old / name)
            os.replace(tmp / name, target)
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _manifest(rows: int, seed: int) -> dict[str, object]:
    # The data comes from DuckDB's hash(), which a DuckDB upgrade may change.
    return {
        "generator_version": GENERATOR_VERSION,
        "rows": rows,
        "seed": seed,
        "duckdb": duckdb.__version__,
        "format": FORMAT,
        "layout": LAYOUT,
        "primary_key": list(SALES_KEY),
        "codec": DUCKDB_CODEC,
    }


def _read_manifest(out: Path) -> object:
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_manifest(out: Path, manifest: dict[str, object]) -> None:
    partial = out / f".{MANIFEST}.{os.getpid()}"
    partial.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, out / MANIFEST)


def _remove_abandoned(out: Path) -> None:
    """Delete temp folders left by builds that died (their process is gone)."""
    for path in out.iterdir():
        if path.name.startswith((TMP_PREFIX, OLD_PREFIX)) and not _alive(path.name):
            shutil.rmtree(path, ignore_errors=True)


def _alive(name: str) -> bool:
    pid_text = name.split("-")[2] if name.count("-") >= 3 else ""
    if not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
