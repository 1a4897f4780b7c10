"""The skip policy (tests/skip_policy.py, tests/required.py) in a pytest run of its own: under
AURORA_SERVICES_REQUIRED=1 a missing service fails naming it, any skip but the live-Oracle
one fails the run, and the summary counts skips by reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PASSING = "def test_fine():\n    assert 1 + 1 == 2\n"
PLAIN_SKIP = 'import pytest\n\ndef test_later():\n    pytest.skip("not written yet")\n'
ORACLE_SKIP = (
    "import pytest\n\n"
    'pytest.skip("AURORA_TEST_ORACLE_DSN is not set", allow_module_level=True)\n\n'
    "def test_on_oracle():\n    assert False\n"
)
NEEDS_POSTGRES = (
    "from tests.required import pg_connect\n\n"
    "def test_needs_postgres():\n    pg_connect().close()\n"
)


def run(tmp_path: Path, files: dict[str, str], **env: str) -> subprocess.CompletedProcess[str]:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    environ = {k: v for k, v in os.environ.items() if k != "AURORA_SERVICES_REQUIRED"}
    # Without the installed plugins (playwright, hypothesis, ...) a run starts in a second.
    environ.update(PYTHONPATH=str(ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", **env)
    cmd = [sys.executable, "-m", "pytest", "-p", "tests.skip_policy", "-p", "no:cacheprovider"]
    return subprocess.run(
        [*cmd, str(tmp_path)], cwd=tmp_path, env=environ, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("files", "required", "exit_code"),
    [
        ({"test_a.py": PASSING, "test_b.py": PLAIN_SKIP}, "1", 1),
        ({"test_a.py": PASSING, "test_b.py": PLAIN_SKIP}, "", 0),
        ({"test_a.py": PASSING, "test_oracle_live.py": ORACLE_SKIP}, "1", 0),
        ({"test_a.py": PASSING}, "1", 0),
    ],
    ids=["skip-fails-when-required", "skip-passes-otherwise", "oracle-skip-allowed", "no-skip"],
)
def test_a_run_with_skips_fails_only_when_services_are_required(
    tmp_path: Path, files: dict[str, str], required: str, exit_code: int
) -> None:
    done = run(tmp_path, files, AURORA_SERVICES_REQUIRED=required)
    assert done.returncode == exit_code, done.stdout + done.stderr
    if len(files) > 1:
        assert "1 skipped, by reason" in done.stdout


def test_the_summary_counts_skips_by_reason_and_names_the_ones_that_fail(tmp_path: Path) -> None:
    files = {"test_b.py": PLAIN_SKIP, "test_oracle_live.py": ORACLE_SKIP}
    out = run(tmp_path, files, AURORA_SERVICES_REQUIRED="1").stdout
    assert "2 skipped, by reason" in out
    assert "    1  not written yet  [fails the run]" in out
    assert "    1  AURORA_TEST_ORACLE_DSN is not set\n" in out
    assert "AURORA_SERVICES_REQUIRED=1: 1 skips other than the live-Oracle tests fail" in out


@pytest.mark.parametrize(("required", "outcome"), [("1", "1 failed"), ("", "1 skipped")])
def test_a_missing_postgresql_fails_naming_it_when_required(
    tmp_path: Path, required: str, outcome: str
) -> None:
    closed = "postgresql://postgres@127.0.0.1:1/test"
    done = run(
        tmp_path,
        {"test_pg.py": NEEDS_POSTGRES},
        AURORA_SERVICES_REQUIRED=required,
        AURORA_TEST_PG_URL=closed,
    )
    assert outcome in done.stdout, done.stdout
    assert f"PostgreSQL is not available: {closed}" in done.stdout
