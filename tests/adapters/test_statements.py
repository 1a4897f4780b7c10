"""The registry of running statements, with a stand-in interrupt that records its calls."""

from __future__ import annotations

import threading
import time

import pytest

from adapters.statements import StatementRegistry


class _Recorder:
    def __init__(self) -> None:
        self.calls = 0
        self.called = threading.Event()

    def __call__(self) -> None:
        self.calls += 1
        self.called.set()


def test_a_query_id_runs_once_at_a_time() -> None:
    registry = StatementRegistry()
    with (
        registry.track("q1", _Recorder(), None),
        pytest.raises(ValueError, match="q1"),
        registry.track("q1", _Recorder(), None),
    ):
        pass
    with registry.track("q1", _Recorder(), None):  # free again afterwards
        pass


def test_a_missing_id_gets_a_generated_one() -> None:
    registry = StatementRegistry()
    with registry.track(None, _Recorder(), None) as a, registry.track(None, _Recorder(), None) as b:
        assert a.query_id and b.query_id and a.query_id != b.query_id


def test_timeout_interrupts_and_records_the_reason() -> None:
    registry = StatementRegistry()
    interrupt = _Recorder()
    with registry.track("slow", interrupt, 0.1) as statement:
        assert interrupt.called.wait(2)
    assert statement.reason == "timeout"


def test_interrupts_repeat_until_the_statement_ends() -> None:
    """DuckDB forgets an interrupt sent before its statement starts, so one is not enough."""
    registry = StatementRegistry()
    interrupt = _Recorder()
    with registry.track("q", interrupt, None) as statement:
        assert registry.cancel("q")
        time.sleep(0.3)
    calls = interrupt.calls
    time.sleep(0.15)
    assert statement.reason == "cancelled"
    assert calls >= 3
    assert interrupt.calls == calls  # and stop once it has ended


def test_finished_statements_are_not_cancelled() -> None:
    registry = StatementRegistry()
    interrupt = _Recorder()
    with registry.track("done", interrupt, 0.05):
        pass
    time.sleep(0.15)
    assert registry.cancel("done") is False
    assert interrupt.calls == 0


def test_stopping_a_statement_whose_connection_is_closed_is_a_no_op() -> None:
    """The adapter closing under a statement: the driver refuses the interrupt ("connection
    already closed"); the stopping thread ends quietly instead of raising."""
    registry = StatementRegistry()
    refused = []

    def closed() -> None:
        refused.append(1)
        raise RuntimeError("Connection already closed!")

    with registry.track("q", closed, None) as statement:
        started = time.monotonic()
        statement.stop("cancelled")  # in this thread: an exception would reach the test
        assert time.monotonic() - started < 1
    assert refused == [1]  # one knock, then nothing left to interrupt
    assert statement.reason == "cancelled"
