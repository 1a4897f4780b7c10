"""kill -9 in the middle of a lake write, in a real child process (tests.lake.kill_child).

Each test kills the writer at a point where it has written data files and not yet committed
them (the first new data file appears), or just after its commit (erase: before its vacuum).
The table is then at the old version or the new one, never between: its rows are exactly
the old rows or exactly the new ones. Running the write again completes it, once. Two
merges run at once in two processes both apply, one of them retried on the other's version.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake
from psycopg import sql

from backend.catalog.delta import LOG, log_version
from tests.lake.conftest import pg_rows
from tests.lake.kill_data import PARTS, SECRET, base_table
from tests.required import PG_URL, pg_connect

pytestmark = pytest.mark.slow  # real processes, 64k-row tables
ROOT = Path(__file__).resolve().parents[2]
ROWS = 64_000
ATTEMPTS = 6  # kills tried until one lands between the data files and the commit

Trigger = Callable[[Path, "Before"], bool]


@dataclass(frozen=True)
class Before:
    files: frozenset[Path]
    version: int | None


def _data_files(folder: Path) -> frozenset[Path]:
    if not folder.exists():
        return frozenset()
    return frozenset(p for p in folder.rglob("*.parquet") if LOG not in p.parts)


def new_file(folder: Path, before: Before) -> bool:
    return bool(_data_files(folder) - before.files)


def committed(folder: Path, before: Before) -> bool:
    return (log_version(folder) or -1) > (before.version if before.version is not None else -1)


def _child(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "tests.lake.kill_child", *args]
    pipe = subprocess.PIPE
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=pipe, stderr=pipe, text=True)


def kill_when(folder: Path, trigger: Trigger, *args: str) -> bool:
    """Run the child and SIGKILL it the moment `trigger` holds; True when it was killed
    (False: it finished first)."""
    before = Before(_data_files(folder), log_version(folder))
    child = _child(*args)
    assert child.stdout is not None and child.stdout.readline().strip() == "go"
    while child.poll() is None:
        if trigger(folder, before):
            os.kill(child.pid, signal.SIGKILL)
            break
        time.sleep(0.0005)
    child.communicate(timeout=60)
    return child.returncode == -signal.SIGKILL


def run_to_end(*args: str) -> str:
    child = _child(*args)
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err[-3000:]
    return out


def _rows(folder: Path) -> list[tuple[Any, ...]]:
    table = DeltaTable(str(folder)).to_pyarrow_table(columns=["id", "name"])
    return sorted(
        zip(table.column("id").to_pylist(), table.column("name").to_pylist(), strict=True)
    )


def _fresh(folder: Path) -> None:
    write_deltalake(str(folder), base_table(ROWS), partition_by=["load_id"])


@dataclass
class Seen:
    between: int = 0  # kills that left new data files uncommitted (the old version)
    after: int = 0  # kills after the commit (the new version)


def test_a_merge_killed_midway_is_old_or_new_and_its_retry_applies_it_once(
    tmp_path: Path,
) -> None:
    old = [(i, n) for i, n in _rows_of(base_table(ROWS))]
    first, count = ROWS // 2, ROWS  # half updates, half inserts
    new = sorted(dict(old + [(i, f"b1 {i}") for i in range(first, first + count)]).items())
    seen = Seen()
    for attempt in range(ATTEMPTS):
        folder = tmp_path / f"t{attempt}"
        _fresh(folder)
        args = ("merge", str(folder), "b1", str(first), str(count), "b1")
        assert kill_when(folder, new_file, *args), "the merge finished before any file"
        state = _rows(folder)
        assert state in (old, new), "the table is between versions"
        if state == old:
            assert DeltaTable(str(folder)).version() == 0 and _data_files(folder)
            seen.between += 1
        else:
            seen.after += 1
        run_to_end(*args)  # the retry
        assert _rows(folder) == new
        history = DeltaTable(str(folder)).history()
        assert [h.get("aurora.batch_id") for h in history].count("b1") == 1
        if seen.between >= 2:
            break
    print(f"kills: {seen}")
    assert seen.between >= 1, seen


def _rows_of(table: pa.Table) -> list[tuple[Any, Any]]:
    return sorted(
        zip(table.column("id").to_pylist(), table.column("name").to_pylist(), strict=True)
    )


def test_a_compaction_killed_midway_keeps_the_rows_and_its_retry_compacts(
    tmp_path: Path,
) -> None:
    seen = Seen()
    for attempt in range(ATTEMPTS):
        folder = tmp_path / f"t{attempt}"
        whole = base_table(ROWS)
        for start in range(0, ROWS, ROWS // 10):  # ten appends: ten small files a load
            part = whole.slice(start, ROWS // 10)
            write_deltalake(str(folder), part, partition_by=["load_id"], mode="append")
        rows = _rows(folder)
        files_before = len(DeltaTable(str(folder)).file_uris())
        assert kill_when(folder, new_file, "optimize", str(folder))
        table = DeltaTable(str(folder))
        assert _rows(folder) == rows
        if table.version() == 9:  # the old version, the compacted files written but unnamed
            assert len(table.file_uris()) == files_before
            seen.between += 1
        else:
            assert table.version() == 10 and len(table.file_uris()) == PARTS
            seen.after += 1
        run_to_end("optimize", str(folder))
        table = DeltaTable(str(folder))
        assert _rows(folder) == rows and len(table.file_uris()) == PARTS
        if seen.between >= 2:
            break
    print(f"kills: {seen}")
    assert seen.between >= 1, seen


def _secret_on_disk(folder: Path) -> bool:
    """Any Parquet file in the folder (named by a version or not) holding the secret."""
    for path in folder.rglob("*.parquet"):
        table = pq.read_table(path)
        if "name" in table.column_names and SECRET in table.column("name").to_pylist():
            return True
    return False


@pytest.mark.parametrize("trigger", [new_file, committed], ids=["before_commit", "before_vacuum"])
def test_an_erase_killed_midway_is_old_or_new_and_its_retry_leaves_no_copy(
    tmp_path: Path, trigger: Trigger
) -> None:
    old = _rows_of(base_table(ROWS))
    erased = [(i, n) for i, n in old if n != SECRET]
    data, state_dir = tmp_path / "warehouse", tmp_path / "state"
    data.mkdir()
    state_dir.mkdir()
    for attempt in range(3):
        key = f"people_{attempt}"
        folder = data / key
        _fresh(folder)
        args = ("erase", str(data), str(state_dir), key, SECRET)
        killed = kill_when(folder, trigger, *args, str(len(old) - len(erased)))
        state = _rows(folder)
        assert state in (old, erased), "the table is between versions"
        if killed and (state == old) == (trigger is new_file):
            break
    else:
        pytest.fail("no kill landed at the point under test")
    left = sum(1 for _, n in state if n == SECRET)
    run_to_end(*args, str(left))  # the retry: preview count as it stands now
    assert _rows(folder) == erased
    assert not _secret_on_disk(folder)
    assert all(SECRET.encode() not in p.read_bytes() for p in (folder / LOG).iterdir())


def test_two_merges_at_once_in_two_processes_both_apply(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    _fresh(folder)
    a = _child("merge", str(folder), "a", "0", "20000", "a")  # updates ids 0..19999
    b = _child("merge", str(folder), "b", str(ROWS), "20000", "b")  # inserts new ids
    for child in (a, b):
        _, err = child.communicate(timeout=300)
        assert child.returncode == 0, err[-3000:]
    rows = dict(_rows(folder))
    assert len(rows) == ROWS + 20000 == len(_rows(folder))  # no key twice
    assert all(rows[i] == f"a {i}" for i in range(20000))
    assert all(rows[i] == f"b {i}" for i in range(ROWS, ROWS + 20000))
    history = DeltaTable(str(folder)).history()
    assert sorted(h["aurora.batch_id"] for h in history if "aurora.batch_id" in h) == ["a", "b"]
    assert DeltaTable(str(folder)).version() == 2


@pytest.mark.postgres
def test_a_poll_killed_midway_is_applied_once_by_the_next_poll(
    tmp_path: Path, pg_source: tuple[str, str]
) -> None:
    schema, table = pg_source
    folder = tmp_path / "orders"
    args = ("poll", str(folder), "s1", schema, table, PG_URL)
    kill_when(folder, new_file, *args)  # the first poll creates the table: killed mid-write
    run_to_end(*args)
    assert _rows(folder) == pg_rows(schema)
    version = DeltaTable(str(folder)).version()
    with pg_connect(autocommit=True) as conn:
        target = sql.Identifier(schema)
        conn.execute(
            sql.SQL(
                "UPDATE {}.src SET name = 'changed ' || id, updated_at = clock_timestamp()"
                " WHERE id % 2 = 0"
            ).format(target)
        )
        conn.execute(
            sql.SQL(
                "UPDATE {}.src SET deleted = true, updated_at = clock_timestamp() WHERE id % 7 = 1"
            ).format(target)
        )
    killed = kill_when(folder, new_file, *args)
    after_kill = DeltaTable(str(folder)).version()
    assert after_kill in (version, version + 1)
    run_to_end(*args)
    run_to_end(*args)  # nothing new: no version
    final = DeltaTable(str(folder))
    assert _rows(folder) == pg_rows(schema)
    assert final.version() == version + 1, (killed, after_kill)
    marks = [h.get("aurora.cdc.watermark") for h in final.history() if "aurora.cdc.watermark" in h]
    assert len(marks) == len(set(marks)) == 2  # each watermark committed once
