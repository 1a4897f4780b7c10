"""The UI path under load: `make loadtest`'s UI mix in miniature, and a person
clicking Next three times while a page loads, both through the Reflex websocket as a browser
speaks it (bench.locust_ui_reflex) against a real Reflex backend and a real API.

The load test fails on errors (a failed connection, an unanswered action, an error shown),
never on timings: this machine is shared, and speed is the benchmark's business.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import locust_ui_reflex as reflex
from bench.harness import warehouse
from tests.deploy.servers import ROOT, ApiProcess, base_env, login, running

pytestmark = pytest.mark.slow


def test_the_ui_mix_runs_twenty_users_without_errors(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOADTEST_", "REDIS_URL"))}
    env |= {
        "LOADTEST_MIX": "ui",
        "LOADTEST_USERS": "20",
        "LOADTEST_SECONDS": "20",
        "LOADTEST_ROWS": "20000",
        "LOADTEST_WORKERS": "1",
        "LOADTEST_RAMP_S": "5",
        "LOADTEST_UI_TICKER_S": "3",  # each tab's new-data check, as a browser sends it
        "LOADTEST_RESULTS": str(tmp_path),
        "AURORA_ARGON2_PROFILE": "fast",  # the logins' cost is the benchmark's business
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadtest"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [saved] = tmp_path.glob("loadtest-*-ui-1p-cache.md")
    table = saved.read_text()
    actions = table[table.index("| action |") : table.index("| process |")]  # the first table
    rows = {
        line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:7]]
        for line in actions.splitlines()[2:]
        if line.startswith("| ")
    }
    for action in ("connect", "login", "open dataset", "next page"):
        assert int(rows[action][0]) > 0 and rows[action][4] == "0", (action, table)
    assert int(rows["connect"][0]) == 20 and rows["all"][4] == "0", table
    assert "Reflex 1 (pid" in table and "API 1 (pid" in table, table
    # The verdict table names the errors the issue counts, whatever the timings were.
    assert "| connections (10 s connect timeout): 0 failed | 0 failed | 20 | yes |" in table
    assert re.search(
        r"\| sign-ins while users arrive: all succeed \| 20 of 20, .* \| yes \|", table
    )
    assert "| 0 unanswered actions | 0 |" in table, table
    # The tabs' tickers reached the API through Reflex, beside the clicks' own answers.
    ticks = re.search(r"(\d+) checks sent, ([\d.]+) version checks answered", table)
    assert ticks and int(ticks[1]) > 0 and float(ticks[2]) > 0, table
    assert re.search(r"Reflex state per tab after the run .*: mean [\d,]+ KB", table), table


@pytest.fixture
def ui(tmp_path: Path) -> Iterator[tuple[ApiProcess, str]]:
    """A real API on the small demo and the Reflex backend in front of it."""
    env = base_env(warehouse(20_000), tmp_path / "state")
    with running(env, tmp_path) as api, (tmp_path / "reflex.log").open("wb") as log:
        ui_env = env | {
            "AURORA_API_URL": api.url,
            "REFLEX_STATES_WORKDIR": str(tmp_path / "reflex-states"),
        }
        with reflex.backend(ui_env, log, str(ROOT)) as ui_url:
            yield api, ui_url


def _queries_answered(api: ApiProcess, token: str) -> int:
    text = api.client(token).get("/metrics").text
    found = re.findall(r"aurora_http_requests_total\{([^}]*)\} (\S+)", text)
    return sum(
        int(float(n)) for labels, n in found if 'route="/api/query"' in labels and '"200"' in labels
    )


def test_three_quick_clicks_on_next_show_the_third_page_on_and_stop_the_others(
    ui: tuple[ApiProcess, str],
) -> None:
    api, ui_url = ui
    admin = login(api.url)
    made = api.client(admin).post(
        "/api/admin/users",
        json={"username": "clicker", "password": "clicker-pw-1", "role": "viewer"},
    )
    assert made.status_code == 201, made.text
    tab = reflex.ReflexSession(ui_url)
    try:
        tab.connect("/login")
        tab.login("clicker", "clicker-pw-1")
        tab.open_dataset("global_sales")
        assert tab.get(reflex.PAGE) == 1 and len(tab.get(reflex.ROWS)) == 50
        before = _queries_answered(api, admin)
        tab.click(reflex.NEXT_PAGE, 3)
        tab.grid_shows("page 4", lambda: tab.get(reflex.PAGE) == 4)
        shown = [d for d in tab.since() if reflex.ROWS.key[1] in d.get(reflex.ROWS.key[0], {})]
        answered = _queries_answered(api, admin) - before
    finally:
        tab.close()
    # The grid went from page 1 to page 4: the rows of pages 2 and 3 never reached the
    # screen, and the API answered at most one query that nobody was waiting for (one
    # already sent when the next click came); the others were never sent or were cancelled.
    assert str(tab.get(reflex.ROW_RANGE)).startswith("151"), tab.get(reflex.ROW_RANGE)
    assert len(shown) == 1 and len(tab.get(reflex.ROWS)) == 50
    assert 1 <= answered <= 2, answered
