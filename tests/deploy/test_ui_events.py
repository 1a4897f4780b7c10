"""What one click costs the UI server: which of a tab's stored states an event loads and
saves, and which API calls it makes. Reflex keeps each tab's state in Redis here (one
worker, as `make run` with Redis keeps it), and the tab's traffic is read from Redis itself
(bench.redis_traffic, MONITOR) and counted on the wire (bench.redis_meter, a proxy the UI
server reaches Redis through); the API's calls from its /metrics. No timings.

The tests of which states an event touches switch Reflex's opportunistic lock off: with it,
a tab's clicks in a row reach Redis only at the lease's first load and final save.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from reflex_base.constants.state import FIELD_MARKER

from aurora.state.chart import NOT_AGGREGATED, ChartState
from aurora.state.explorer import ExplorerState
from aurora.ui_state import OPLOCK_ENV
from bench import locust_ui_reflex as reflex
from bench.harness import warehouse
from bench.redis_meter import RedisMeter
from bench.redis_traffic import RedisTraffic
from bench.ui_state_cost import cost
from tests.deploy.servers import ROOT, ApiProcess, base_env, login, running
from tests.required import redis_url

pytestmark = pytest.mark.slow

REDIS_URL = redis_url(8)
CHART = ChartState.get_full_name()
CHART_SHOW = reflex.Field(ChartState, "show")
CHART_ERROR = reflex.Field(ChartState, "error")
TOGGLE_CHART = reflex.event_name(ChartState.toggle)


@pytest.fixture
def oplock() -> str | None:
    """`REFLEX_OPLOCK_ENABLED` for the UI server; None leaves Aurora's default (on)."""
    return "false"


@pytest.fixture
def meter() -> Iterator[RedisMeter]:
    with RedisMeter() as proxy:
        yield proxy


@pytest.fixture
def ui(tmp_path: Path, oplock: str | None, meter: RedisMeter) -> Iterator[tuple[ApiProcess, str]]:
    """A real API on the small demo, and one Reflex worker keeping its state in Redis
    (through the meter)."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = base_env(warehouse(20_000), tmp_path / "state")
    env.pop(OPLOCK_ENV, None)
    with running(env, tmp_path) as api, (tmp_path / "reflex.log").open("wb") as log:
        db = int(REDIS_URL.rsplit("/", 1)[1])
        ui_env = env | {"AURORA_API_URL": api.url, "REFLEX_REDIS_URL": meter.url(db)}
        ui_env |= {OPLOCK_ENV: oplock} if oplock is not None else {}
        try:
            with reflex.backend(ui_env, log, str(ROOT), workers=1) as ui_url:
                yield api, ui_url
        finally:
            redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def tab(ui: tuple[ApiProcess, str]) -> Iterator[tuple[ApiProcess, reflex.ReflexSession]]:
    """A signed-in tab with global_sales open on its first page."""
    api, ui_url = ui
    made = api.client(login(api.url)).post(
        "/api/admin/users", json={"username": "pager", "password": "pager-pw-1", "role": "viewer"}
    )
    assert made.status_code == 201, made.text
    session = reflex.ReflexSession(ui_url)
    try:
        session.connect("/login")
        session.login("pager", "pager-pw-1")
        session.open_dataset("global_sales")
        yield api, session
    finally:
        session.close()


def _queries_answered(api: ApiProcess) -> int:
    text = api.client(login(api.url)).get("/metrics").text
    found = re.findall(r"aurora_http_requests_total\{([^}]*)\} (\S+)", text)
    return sum(int(float(n)) for labels, n in found if 'route="/api/query"' in labels)


def test_pages_leave_a_closed_chart_alone_and_an_open_one_follows_them(
    tab: tuple[ApiProcess, reflex.ReflexSession],
) -> None:
    api, session = tab
    before = _queries_answered(api)
    with RedisTraffic(REDIS_URL, session.token) as closed:
        for _ in range(3):
            session.next_page()
        time.sleep(1)  # a chart refresh, had one been asked for, runs right after the rows
    assert session.get(reflex.PAGE) == 4
    assert closed.commands, "the pages' own state traffic was not seen"
    assert closed.touching(CHART) == [], closed.touching(CHART)
    assert _queries_answered(api) - before == 3  # the pages, and no chart query

    session.send(TOGGLE_CHART)
    session.wait(lambda since: session.get(CHART_SHOW) is True, "chart shown")
    with RedisTraffic(REDIS_URL, session.token) as shown:
        session.next_page()
        deadline = time.monotonic() + reflex.ANSWER_TIMEOUT_S
        while not shown.touching(CHART) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert shown.touching(CHART), "the open chart did not follow the page"
    assert session.get(CHART_ERROR) == NOT_AGGREGATED  # a plain grid: the chart says why


def test_a_next_page_sends_its_rows_and_place_not_the_grids_columns_again(
    tab: tuple[ApiProcess, reflex.ReflexSession],
) -> None:
    _, session = tab
    session.next_page()  # from page 1, whose answer set the columns
    session.next_page()
    sent = {
        field.removesuffix(FIELD_MARKER)
        for delta in session.since()
        for field in delta.get(reflex.ROWS.key[0], {})
    }
    assert session.get(reflex.PAGE) == 3 and len(session.get(reflex.ROWS)) == 50
    assert {"rows", "page", "row_range", "loading"} <= sent, sent
    # Unchanged, so neither recomputed nor sent: the columns, their grid definitions, the
    # filter pills and builder columns, the schema, the (empty) error and totals row.
    unchanged = {"result_columns", "column_defs", "pills", "filter_columns", "schema_columns"}
    unchanged |= {"error_code", "error_title", "error_message", "error_hint", "total_row"}
    assert sent.isdisjoint(unchanged), sorted(sent & unchanged)


LEASE_QUIET_S = 3.0  # longer than the lease (aurora.ui_state.OPLOCK_HOLD)


@pytest.mark.parametrize("oplock", [None])  # Aurora's default: on, with Redis
def test_a_click_locks_loads_and_saves_the_tab_once_not_four_times(
    tab: tuple[ApiProcess, reflex.ReflexSession], meter: RedisMeter
) -> None:
    _, session = tab
    clicks = [session.next_page, session.next_page, lambda: session.sort("revenue", "desc")]
    costs = [cost(meter, click, LEASE_QUIET_S) for click in clicks]
    # Without the lease a page or a sort took the tab's lock 4 times (the click, the
    # query's background start and its two `async with self`): 4 loads of the explorer
    # and 4 saves each (bench/results/ui-state-cost-20261202.md). With it, once; twice
    # when the API's answer comes after the lease ended (a slow machine).
    for c in costs:
        assert c.locks <= 2 and c.saves <= 2 and c.loads <= 3, costs
    assert sum(c.saves for c in costs) <= 4, costs
    # The saves carry the clicks' work: the stored explorer is on the sorted page 1.
    stored = redis.Redis.from_url(REDIS_URL).get(f"{session.token}_{ExplorerState.get_full_name()}")
    explorer = ExplorerState._deserialize(data=stored)
    assert explorer.page == 1 and [(s.column, s.direction) for s in explorer.sort] == [
        ("revenue", "desc")
    ]


def _pages_answered(api: ApiProcess) -> int:
    text = api.client(login(api.url)).get("/metrics").text
    found = re.findall(r"aurora_http_requests_total\{([^}]*)\} (\S+)", text)
    return sum(
        int(float(n)) for labels, n in found if 'route="/api/query"' in labels and '"200"' in labels
    )


@pytest.mark.parametrize("oplock", [None])  # the lease on, as `make run` with Redis runs
def test_three_quick_clicks_on_next_with_the_lease_show_page_four_only(
    tab: tuple[ApiProcess, reflex.ReflexSession],
) -> None:
    api, session = tab
    before = _pages_answered(api)
    session.click(reflex.NEXT_PAGE, 3)  # no waiting in between, as fast clicks send them
    session.grid_shows("page 4", lambda: session.get(reflex.PAGE) == 4)
    shown = [d for d in session.since() if reflex.ROWS.key[1] in d.get(reflex.ROWS.key[0], {})]
    # Pages 2 and 3 never reached the screen, and the API answered at most one query nobody
    # waited for: the superseded ones were not sent or were cancelled (the click's events and
    # the queries' lock blocks share the worker's leased state, in order).
    assert str(session.get(reflex.ROW_RANGE)).startswith("151"), session.get(reflex.ROW_RANGE)
    assert len(shown) == 1 and len(session.get(reflex.ROWS)) == 50
    assert 1 <= _pages_answered(api) - before <= 2
