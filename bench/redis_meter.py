"""Every byte and command between the Reflex backend and Redis, counted on the wire: a
loopback TCP proxy in front of Redis that the UI server is pointed at instead
(`REFLEX_REDIS_URL=<meter.url>/<db>`). Nothing in the UI server changes to be measured.

Each connection's client side is parsed as RESP commands, its server side as RESP replies,
and a reply is matched to the command it answers (Redis answers a connection's commands in
order). A round trip is a batch of commands sent while none of that connection's earlier
ones was still unanswered: one command, or one pipeline. The pub/sub connection's pushes
(keyspace notifications of every tab's state lock on that database) are counted apart.

`RedisMeter.snapshot()` copies the counters; `Tally.since(before)` is what happened between
two snapshots.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType

Resp = bytes | int | list["Resp"] | None


class Incomplete(Exception):
    """The buffer ends inside a RESP value: wait for more bytes."""


def parse(buf: bytes, pos: int = 0) -> tuple[Resp, int]:
    """One RESP2 value from `buf` at `pos`: the value and where the next one starts."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete
    kind, line = buf[pos : pos + 1], buf[pos + 1 : end]
    after = end + 2
    if kind in (b"+", b"-"):
        return line, after
    if kind == b":":
        return int(line), after
    if kind == b"$":
        size = int(line)
        if size < 0:
            return None, after
        if len(buf) < after + size + 2:
            raise Incomplete
        return buf[after : after + size], after + size + 2
    if kind == b"*":
        count = int(line)
        items: list[Resp] = []
        for _ in range(max(count, 0)):
            item, after = parse(buf, after)
            items.append(item)
        return (items if count >= 0 else None), after
    raise ValueError(f"not RESP: {buf[pos : pos + 20]!r}")


@dataclass
class Tally:
    """Counters: commands and round trips; bytes each way; by command name, how many,
    and the bytes of their requests and of their replies."""

    commands: int = 0
    round_trips: int = 0
    bytes_out: int = 0  # UI server -> Redis
    bytes_in: int = 0  # Redis -> UI server: replies
    bytes_pushed: int = 0  # Redis -> UI server: pub/sub pushes (any tab's lock notices)
    by_name: collections.Counter[str] = field(default_factory=collections.Counter)
    sent_by_name: collections.Counter[str] = field(default_factory=collections.Counter)
    got_by_name: collections.Counter[str] = field(default_factory=collections.Counter)
    keys_by_name: collections.Counter[str] = field(default_factory=collections.Counter)

    def copy(self) -> Tally:
        return Tally(
            self.commands,
            self.round_trips,
            self.bytes_out,
            self.bytes_in,
            self.bytes_pushed,
            collections.Counter(self.by_name),
            collections.Counter(self.sent_by_name),
            collections.Counter(self.got_by_name),
            collections.Counter(self.keys_by_name),
        )

    def since(self, before: Tally) -> Tally:
        return Tally(
            self.commands - before.commands,
            self.round_trips - before.round_trips,
            self.bytes_out - before.bytes_out,
            self.bytes_in - before.bytes_in,
            self.bytes_pushed - before.bytes_pushed,
            self.by_name - before.by_name,
            self.sent_by_name - before.sent_by_name,
            self.got_by_name - before.got_by_name,
            self.keys_by_name - before.keys_by_name,
        )


def command_name(args: list[Resp]) -> str:
    """`SET`, and `SET NX` for a lock's acquisition (Reflex's only SET ... NX)."""
    words = [a.upper() for a in args if isinstance(a, bytes)]
    name = words[0].decode() if words else "?"
    return f"{name} NX" if name == "SET" and b"NX" in words[2:] else name


@dataclass
class _Connection:
    meter: RedisMeter
    pending: collections.deque[str] = field(default_factory=collections.deque)
    up: bytes = b""
    down: bytes = b""

    def client_sent(self, data: bytes) -> None:
        with self.meter.lock:
            t = self.meter.tally
            t.bytes_out += len(data)
            self.up += data
            started = False
            while self.up:
                try:
                    args, used = parse(self.up)
                except Incomplete:
                    break
                self.up = self.up[used:]
                name = command_name(args if isinstance(args, list) else [])
                if not self.pending and not started:
                    t.round_trips += 1
                    started = True
                t.commands += 1
                t.by_name[name] += 1
                t.sent_by_name[name] += used
                if name in ("MGET", "EVAL") and isinstance(args, list):
                    t.keys_by_name[name] += _keys(name, args)
                if name not in ("PSUBSCRIBE", "SUBSCRIBE"):
                    self.pending.append(name)

    def server_sent(self, data: bytes) -> None:
        with self.meter.lock:
            t = self.meter.tally
            self.down += data
            while self.down:
                try:
                    _, used = parse(self.down)
                except Incomplete:
                    break
                self.down = self.down[used:]
                if self.pending:
                    t.bytes_in += used
                    t.got_by_name[self.pending.popleft()] += used
                else:
                    t.bytes_pushed += used


def _keys(name: str, args: list[Resp]) -> int:
    """The state keys a load or a fenced save names (EVAL's first key is the lock)."""
    if name == "MGET":
        return len(args) - 1
    return max(int(args[2] or 0) - 1, 0) if isinstance(args[2], bytes) else 0


class RedisMeter:
    """`with RedisMeter() as meter:` a proxy to Redis at `meter.port` while the block runs."""

    def __init__(self, host: str = "127.0.0.1", port: int = 6379) -> None:
        self.upstream = (host, port)
        self.lock = threading.Lock()
        self.tally = Tally()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def snapshot(self) -> Tally:
        with self.lock:
            return self.tally.copy()

    @contextlib.contextmanager
    def measuring(self) -> Iterator[list[Tally]]:
        """`with meter.measuring() as got:` got[0] is what the block cost."""
        before = self.snapshot()
        got: list[Tally] = []
        yield got
        got.append(self.snapshot().since(before))

    def __enter__(self) -> RedisMeter:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.port = started.result(10)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = _Connection(self)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            _pump(reader, up_writer, conn.client_sent),
            _pump(up_reader, writer, conn.server_sent),
            return_exceptions=True,
        )


async def _pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Callable[[bytes], None]
) -> None:
    try:
        while data := await reader.read(65536):
            seen(data)
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(Exception):
            writer.close()
