"""The parallel rule (tests/parallel.py): every test file that could not share the machine is
serial or reviewed, and under xdist the serial ones run in order on a worker of their own that
runs nothing else, while an empty run and a skipped test still fail as `make test` needs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.parallel import SERIAL, SERIAL_GROUP, SHARED, group_of, numbered

ROOT = Path(__file__).resolve().parent.parent
# What ties a test file to the machine's pace, to another file's Redis database or to a browser.
TELLS = re.compile(
    r"time\.(monotonic|perf_counter|time|process_time)\(|\bsleep\(|redis_url\(|redis_client\("
    r"|Redis\.from_url|sync_playwright|: Page\b"
)


def _test_files() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("test_*.py"))


def test_each_file_that_reads_a_clock_sleeps_or_names_redis_is_serial_or_reviewed() -> None:
    told = [f for f in _test_files() if TELLS.search((ROOT / f).read_text(encoding="utf-8"))]
    unclassified = [f for f in told if group_of(f) != SERIAL_GROUP and f not in SHARED]
    assert unclassified == [], "add each to SERIAL or SHARED in tests/parallel.py"


def test_every_listed_path_exists_and_none_is_both_serial_and_shared() -> None:
    assert [p for p in (*SERIAL, *SHARED) if not (ROOT / p).exists()] == []
    assert [p for p in SHARED if group_of(p) == SERIAL_GROUP] == []


def test_repeated_node_ids_are_numbered_after_the_first() -> None:
    assert numbered(["a::t", "a::t", "b::u", "a::t"]) == ["a::t", "a::t#2", "b::u", "a::t#3"]


def test_a_test_is_grouped_by_its_file_unless_serial() -> None:
    assert group_of("tests/api/test_users.py::test_x[a-b]") == "tests/api/test_users.py"
    assert group_of("tests/e2e/test_pivot.py::test_y[embedded]") == SERIAL_GROUP
    assert group_of("tests/deploy/test_serve.py::test_z") == SERIAL_GROUP


# A project of its own: node ids like the suite's, so SERIAL matches them.
LOGGING_TEST = """
import os, time
from pathlib import Path

def _log():
    line = f"{{os.environ['PYTEST_XDIST_WORKER']}} {{os.environ['PYTEST_CURRENT_TEST'].split()[0]}}"
    with open({log!r}, "a") as f:
        f.write(line + chr(10))
    time.sleep(0.05)

def test_one():
    _log()

def test_two():
    _log()
"""
PROJECT = (
    "tests/deploy/test_p_deploy.py",
    "tests/e2e/test_p_browser.py",
    "tests/api/test_p_first.py",
    "tests/api/test_p_second.py",
    "tests/lake/test_p_third.py",
    "tests/lake/test_p_fourth.py",
)


def _pytest(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "AURORA_SERVICES_REQUIRED"}
    # Without the installed plugins but xdist (playwright, hypothesis, ...) a run is quick.
    environ.update(PYTHONPATH=str(ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", **env)
    plugins = ("-p", "xdist.plugin", "-p", "tests.parallel", "-p", "tests.skip_policy")
    cmd = [sys.executable, "-m", "pytest", *plugins, "-p", "no:cacheprovider", *args]
    return subprocess.run(
        [*cmd, str(project)], cwd=project, env=environ, capture_output=True, text=True
    )


@pytest.mark.slow  # a pytest run with two xdist workers: about 2 s
def test_the_serial_files_run_in_order_on_a_worker_that_runs_nothing_else(tmp_path: Path) -> None:
    log = tmp_path / "ran.log"
    project = tmp_path / "project"
    for name in PROJECT:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(LOGGING_TEST.format(log=str(log)))
    done = _pytest(project, "-n", "2", "--dist", "loadgroup")
    assert done.returncode == 0, done.stdout + done.stderr
    by_worker: dict[str, list[str]] = defaultdict(list)
    for line in log.read_text().splitlines():
        worker, nodeid = line.split(" ", 1)
        by_worker[worker].append(nodeid)
    serial = [f"{name}::test_{n}" for name in PROJECT[:2] for n in ("one", "two")]
    spread = {f"{name}::test_{n}" for name in PROJECT[2:] for n in ("one", "two")}
    (serial_worker,) = [w for w, ran in by_worker.items() if serial[0] in ran]
    assert by_worker.pop(serial_worker) == serial
    assert {nodeid for ran in by_worker.values() for nodeid in ran} == spread


@pytest.mark.slow  # a pytest run with two xdist workers: about 2 s
def test_a_run_that_collects_nothing_still_exits_5(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "-n", "2", "--dist", "loadgroup")
    assert done.returncode == 5, done.stdout + done.stderr


@pytest.mark.slow  # a pytest run with two xdist workers: about 2 s
def test_a_skip_still_fails_the_run_when_services_are_required(tmp_path: Path) -> None:
    (tmp_path / "tests" / "deploy").mkdir(parents=True)
    (tmp_path / "tests" / "deploy" / "test_p_skip.py").write_text(
        'import pytest\n\ndef test_later():\n    pytest.skip("not written yet")\n'
    )
    (tmp_path / "test_p_fine.py").write_text("def test_fine():\n    assert 1 + 1 == 2\n")
    done = _pytest(tmp_path, "-n", "2", "--dist", "loadgroup", AURORA_SERVICES_REQUIRED="1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 skipped, by reason" in done.stdout


# Three tests with one node id, as pytest 9.2 names schemathesis's per-operation tests.
SAME_ID_CONFTEST = """
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector, name, obj):
    if name == "test_each":
        return [
            pytest.Function.from_parent(
                collector, name=f"test_each[{n}]", callobj=obj, originalname=name
            )
            for n in range(3)
        ]
"""
SAME_ID_TEST = """
import os

def test_each():
    with open({log!r}, "a") as f:
        f.write(os.environ["PYTEST_CURRENT_TEST"].split()[0] + chr(10))
"""


@pytest.mark.slow  # a pytest run with two xdist workers: about 2 s
def test_tests_that_share_a_node_id_each_run_once(tmp_path: Path) -> None:
    log = tmp_path / "ran.log"
    project = tmp_path / "project"
    (project / "tests" / "api").mkdir(parents=True)
    (project / "conftest.py").write_text(SAME_ID_CONFTEST)
    (project / "tests" / "api" / "test_p_same.py").write_text(SAME_ID_TEST.format(log=str(log)))
    done = _pytest(project, "-n", "2", "--dist", "loadgroup")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
    assert log.read_text().splitlines() == ["tests/api/test_p_same.py::test_each"] * 3
