"""The skip policy, a pytest plugin loaded by tests/conftest.py.

The summary counts skipped tests by reason. Under AURORA_SERVICES_REQUIRED=1 (`make test`) a
skip for any reason but the live-Oracle tests' (no Oracle server here: AURORA_TEST_ORACLE_DSN
unset) makes the run fail, even when every test that ran passed: a skipped test is one that
could not fail.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.required import services_required

ALLOWED_SKIP = "AURORA_TEST_ORACLE_DSN"
_skips: Counter[tuple[str, bool]] = Counter()


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _record_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = _skip_reason(report)
    allowed = ALLOWED_SKIP in reason or "oracle" in getattr(report, "keywords", {})
    _skips[(reason, allowed)] += 1


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _record_skip(report)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    _record_skip(report)


def forbidden_skips() -> int:
    return sum(n for (_, allowed), n in _skips.items() if not allowed)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if services_required() and forbidden_skips() and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _skips:
        return
    terminalreporter.write_sep("-", f"{sum(_skips.values())} skipped, by reason")
    for (reason, allowed), n in _skips.most_common():
        fails = services_required() and not allowed
        terminalreporter.write_line(f"{n:5d}  {reason}{'  [fails the run]' if fails else ''}")
    if services_required() and forbidden_skips():
        terminalreporter.write_line(
            f"AURORA_SERVICES_REQUIRED=1: {forbidden_skips()} skips other than the live-Oracle "
            "tests fail the run",
            red=True,
        )
