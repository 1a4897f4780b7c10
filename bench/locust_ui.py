"""The UI mix: Locust users that reach Aurora the way people do, through the
Reflex app's websocket (bench.locust_ui_reflex.ReflexSession), not the API. `make loadtest
LOADTEST_MIX=ui` runs it; the driver starts the Reflex backend beside the API.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import ClassVar

import gevent
from locust import between, task
from locust.exception import StopUser

from bench.locust_mixes import CHANNELS, COUNTRIES, DEPARTMENTS, SORT_COLUMNS, AuroraUser, Mix
from bench.locust_ui_reflex import (
    CAN_NEXT,
    FRESHNESS_CHECK,
    PILLS,
    RESULT_COLUMNS,
    SORT,
    ReflexSession,
)

DATASET = "global_sales"
FILTER_COLUMNS = {"channel": CHANNELS, "department": DEPARTMENTS, "country": COUNTRIES}


# -- the simulated people ------------------------------------------------------------------


class UiUser(AuroraUser):
    """Connects (10 s timeout), signs in on the login form, opens global_sales; then pages
    (50%), sorts on a header (25%), filters in the builder (12%), opens the dataset again
    (10%) or exports a CSV of a filtered view (3%), thinking 2-8 s in between."""

    wait_time = between(2, 8)
    ui_base: ClassVar[str] = ""
    usernames: ClassVar[list[str]] = []
    password: ClassVar[str] = ""
    tokens_seen: ClassVar[list[str]] = []  # every tab's client token, for the state size
    # The "new data" ticker a browser runs while a dataset is on screen, every N s; 0: off.
    ticker_s: ClassVar[float] = 0.0
    ticks_sent: ClassVar[int] = 0

    def on_start(self) -> None:
        index = AuroraUser._count
        AuroraUser._count += 1
        self.rng = random.Random(self.seed * 100_003 + index)
        self.ui = ReflexSession(self.ui_base)
        with self.action("connect"):
            self.ui.connect("/login")
        if not self.ui.sio.connected:
            raise StopUser()
        UiUser.tokens_seen.append(self.ui.token)
        name = self.usernames[index % len(self.usernames)]
        if not self._act("login", lambda: self.ui.login(name, self.password)):
            raise StopUser()
        self._act("open dataset", lambda: self.ui.open_dataset(DATASET))
        self._ticker = gevent.spawn(self._tick) if self.ticker_s > 0 else None

    def _tick(self) -> None:
        """As the page's ticker: a first check at a random phase, then every ticker_s."""
        gevent.sleep(self.rng.uniform(0, self.ticker_s))
        while self.ui.sio.connected:
            self.ui.tick(FRESHNESS_CHECK)
            UiUser.ticks_sent += 1
            gevent.sleep(self.ticker_s)

    def on_stop(self) -> None:
        if getattr(self, "_ticker", None) is not None:
            self._ticker.kill()
        self.ui.close()

    def _act(self, name: str, step: Callable[[], object]) -> bool:
        failed: list[Exception] = []
        with self.action(name):
            try:
                step()
            except Exception as e:
                failed.append(e)
                raise
        return not failed

    @task(50)
    def next_page(self) -> None:
        if self.ui.get(CAN_NEXT):
            self._act("next page", self.ui.next_page)
        else:
            self.sort()

    @task(25)
    def sort(self) -> None:
        names = [c["name"] for c in self.ui.get(RESULT_COLUMNS) or []]
        columns = [c for c in SORT_COLUMNS if c in names] or names[:1]
        current = [(s["column"], s["direction"]) for s in self.ui.get(SORT) or []]
        choices = [(c, d) for c in columns for d in ("desc", "asc") if [(c, d)] != current]
        if choices:
            column, direction = self.rng.choice(choices)
            self._act("sort", lambda: self.ui.sort(column, direction))

    @task(12)
    def filter(self) -> None:
        count = self.rng.randint(1, 2)
        columns = self.rng.sample(sorted(FILTER_COLUMNS), count)
        wanted = {c: self.rng.choice(FILTER_COLUMNS[c]) for c in columns}
        self._act("filter", lambda: self.ui.filter(wanted))

    @task(10)
    def reopen(self) -> None:
        self._act("open dataset", lambda: self.ui.open_dataset(DATASET))

    @task(3)
    def export(self) -> None:
        """Of a narrow view (a few thousand rows): filtered on all three first if needed."""
        if len(self.ui.get(PILLS) or []) < len(FILTER_COLUMNS):
            wanted = {c: self.rng.choice(v) for c, v in FILTER_COLUMNS.items()}
            if not self._act("filter", lambda: self.ui.filter(wanted)):
                return
        self._act("export", self.ui.export_csv)


UI_MIX = Mix(
    UiUser,
    200,
    "UI users over Reflex's websocket: connect (10 s timeout), sign in on the "
    "form, open global_sales; then next page 50%, header sort 25%, filter builder 12%, "
    "open the dataset again 10%, CSV export of a filtered view 3%; think 2-8 s",
    "open dataset p95 <= 1500 ms, next page and sort p95 <= 500 ms, 0 unanswered, 0 failed "
    "connections, Reflex and API RSS flat; logins while users arrive all succeed, page p95 "
    "of the users already in within target meanwhile",
    False,
    ("connect", "login", "open dataset", "next page", "sort", "filter", "export"),
    ui=True,
    ramp_s=30.0,
)
