"""What one click costs the UI server: which of a tab's stored states an event loads and
saves, and which API calls it makes. Reflex keeps each tab's state in Redis here (one
worker, as `make run` with Redis keeps it), and the tab's traffic is read from Redis itself
(bench.redis_traffic, MONITOR); the API's calls from its /metrics. No timings.
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
from bench import locust_ui_reflex as reflex
from bench.harness import warehouse
from bench.redis_traffic import RedisTraffic
from tests.deploy.servers import ROOT, ApiProcess, base_env, login, running
from tests.required import redis_url

pytestmark = pytest.mark.slow

REDIS_URL = redis_url(8)
CHART = ChartState.get_full_name()
CHART_SHOW = reflex.Field(ChartState, "show")
CHART_ERROR = reflex.Field(ChartState, "error")
TOGGLE_CHART = reflex.event_name(ChartState.toggle)


@pytest.fixture
def ui(tmp_path: Path) -> Iterator[tuple[ApiProcess, str]]:
    """A real API on the small demo, and one Reflex worker keeping its state in Redis."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = base_env(warehouse(20_000), tmp_path / "state")
    with running(env, tmp_path) as api, (tmp_path / "reflex.log").open("wb") as log:
        ui_env = env | {"AURORA_API_URL": api.url, "REFLEX_REDIS_URL": REDIS_URL}
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
