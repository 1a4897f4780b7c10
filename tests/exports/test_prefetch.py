"""Batches read ahead on a helper thread arrive in order, errors still surface, and a
consumer that stops early releases the producer."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pyarrow as pa
import pytest

from backend.exports.prefetch import prefetched


def _batches(n: int, fail_at: int | None = None) -> Iterator[pa.RecordBatch]:
    for i in range(n):
        if i == fail_at:
            raise RuntimeError(f"lost at {i}")
        yield pa.record_batch({"i": [i]})


def test_prefetched_batches_keep_their_order() -> None:
    got = [b.column(0)[0].as_py() for b in prefetched(_batches(50), depth=2)]
    assert got == list(range(50))


def test_a_producer_error_reaches_the_consumer_after_the_good_batches() -> None:
    seen = []
    with pytest.raises(RuntimeError, match="lost at 3"):
        for batch in prefetched(_batches(10, fail_at=3)):
            seen.append(batch.column(0)[0].as_py())
    assert seen == [0, 1, 2]


def test_stopping_early_lets_the_producer_thread_end() -> None:
    before = threading.active_count()
    stream = prefetched(_batches(1_000), depth=1)
    next(stream)
    stream.close()
    deadline = time.monotonic() + 2
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == before
