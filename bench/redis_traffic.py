"""What Reflex's Redis state manager does for a UI event, seen from Redis itself (MONITOR):
which of a tab's stored substates each command reads or writes. Tests use it to check that
an event leaves a substate alone; the UI event cost bench adds up the bytes.

MONITOR shows every client's commands on every database, so only those on this URL's
database are kept, and only the ones that name a tab's keys (`<client token>_<state>`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import TracebackType

import redis

_STOP = "ui-traffic-stop"  # a key no state uses: asking for it ends the recording


@dataclass(frozen=True)
class Command:
    name: str  # MGET, SET, EVAL ... (upper case); inside a Lua script, `lua:SET`
    keys: tuple[str, ...]  # the tab's state keys it names, each as the state's full name


@dataclass
class RedisTraffic:
    """`with RedisTraffic(url, token) as seen:` records the tab's commands in the block."""

    url: str
    token: str
    commands: list[Command] = field(default_factory=list)
    _thread: threading.Thread | None = None
    _ready: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> RedisTraffic:
        self._thread = threading.Thread(target=self._record, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("Redis MONITOR did not start")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        redis.Redis.from_url(self.url).get(_STOP)
        assert self._thread is not None
        self._thread.join(10)

    def _record(self) -> None:
        client = redis.Redis.from_url(self.url)
        db = int(client.connection_pool.connection_kwargs.get("db", 0))
        with client.monitor() as monitor:
            self._ready.set()
            for entry in monitor.listen():
                if entry["db"] != db:
                    continue
                words = str(entry["command"]).split(" ")
                if len(words) > 1 and words[1] == _STOP:
                    return
                keys = tuple(w[len(self.token) + 1 :] for w in words if w.startswith(self.token))
                if keys:
                    lua = "lua:" if entry["client_type"] == "lua" else ""
                    self.commands.append(Command(lua + words[0].upper(), keys))

    def touching(self, state_name: str) -> list[Command]:
        """The commands that name this state's key (its full name, e.g. from
        `ChartState.get_full_name()`)."""
        return [c for c in self.commands if state_name in c.keys]
