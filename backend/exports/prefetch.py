"""Reads the next batches on a helper thread while the current one is written.

Producing a batch (the database scan, Arrow conversion) and writing one (Arrow's CSV or
Parquet writer, the XLSX renderer) both run mostly outside the GIL, so on two cores they
overlap. The queue is bounded, so at most `depth` batches wait in memory.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

_END = object()
PUT_POLL_S = 0.1


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def _produce(
    batches: Iterable[pa.RecordBatch], out: queue.Queue[Any], stop: threading.Event
) -> None:
    item: Any = _END
    try:
        for batch in batches:
            if not _put(out, batch, stop):
                return
    except BaseException as e:  # handed to the consumer, which re-raises it
        item = _Failure(e)
    _put(out, item, stop)


def _put(out: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            out.put(item, timeout=PUT_POLL_S)
            return True
        except queue.Full:
            continue
    return False


def prefetched(batches: Iterable[pa.RecordBatch], depth: int = 2) -> Iterator[pa.RecordBatch]:
    """The same batches in the same order; the producer stops when the consumer does."""
    out: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    thread = threading.Thread(target=_produce, args=(batches, out, stop), daemon=True)
    thread.start()
    try:
        while True:
            item = out.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
