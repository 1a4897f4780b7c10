"""A real AG Grid Enterprise (from npm, unlicensed) with rowModelType 'serverSide' in
Debian Chromium, driven by Playwright against the real app served by uvicorn: the test
expands a group, sorts, filters and pivots in the grid, and checks the cells it shows
against raw DuckDB over the same Parquet files (groups, a group's rows, the cross-tab) or
against the API's own answer to the request the grid sent (sorting, filtering).

The page (tests/aggrid/grid_page/) is served by the same uvicorn server as the API (one
origin, no CORS): paths under /api go to Aurora, everything else to the static folder.
`ag-grid-enterprise` is installed into grid_page/node_modules on first use (not committed).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright import sync_api as playwright
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.main import create_app
from backend.store.engine import Store
from tests.aggrid.helpers import col, grid, raw, value
from tests.required import require_service
from tests.store.fixtures import ADMIN, ADMIN_PASSWORD, make_settings, wipe

PAGE = Path(__file__).resolve().parent / "grid_page"
AG_GRID = "ag-grid-enterprise@36.2.0"
CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 20_000

pytestmark = pytest.mark.e2e  # a real Chromium: in make test, not in make check


@pytest.fixture(scope="session")
def ag_grid_installed() -> Path:
    """npm install the grid once, when grid_page/node_modules does not have it yet."""
    if not (PAGE / "node_modules" / "ag-grid-enterprise" / "dist").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            require_service("npm", "not on PATH (needed once to install AG Grid Enterprise)")
        cmd = [
            npm,
            "install",
            "--prefix",
            str(PAGE),
            "--no-save",
            "--no-audit",
            "--no-fund",
            AG_GRID,
        ]
        subprocess.run(cmd, check=True, timeout=600, capture_output=True)
    return PAGE


def _one_origin(api: ASGIApp, static: ASGIApp) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        is_page = scope["type"] == "http" and not scope["path"].startswith("/api")
        await (static if is_page else api)(scope, receive, send)

    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def grid_url(
    ag_grid_installed: Path,
    sqlite_store: Store,
    shared_warehouse: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    wipe(sqlite_store)
    settings = make_settings(
        tmp_path_factory.mktemp("grid"), sqlite_store, data_dir=shared_warehouse
    )
    static = Starlette(routes=[Mount("/", StaticFiles(directory=ag_grid_installed, html=True))])
    app = _one_origin(create_app(settings), static)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def client(grid_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=grid_url, timeout=30) as c:
        login = c.post("/api/auth/login", json={"username": ADMIN, "password": ADMIN_PASSWORD})
        c.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield c


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        require_service("Chromium", f"{CHROMIUM} is missing (make chromium)")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture
def grid_page(chromium_browser: Any, grid_url: str) -> Iterator[Any]:
    context = chromium_browser.new_context(viewport={"width": 1600, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.add_init_script(
        f"window.AURORA_LOGIN = {{username: '{ADMIN}', password: '{ADMIN_PASSWORD}'}};"
    )
    page.goto(f"{grid_url}/index.html")
    page.wait_for_function("window.gridReady === true || window.gridError !== undefined")
    assert page.evaluate("window.gridError") is None
    settle(page)
    yield page
    context.close()


# -- reading the grid ----------------------------------------------------------------------

ROWS_JS = """() => {
  const rows = {};
  for (const row of document.querySelectorAll('.ag-grid-viewport .ag-row[row-index]')) {
    const index = Number(row.getAttribute('row-index'));
    const entry = rows[index] ?? (rows[index] = {index, cells: {}, footer: false});
    entry.footer ||= row.classList.contains('ag-row-footer');
    for (const cell of row.querySelectorAll('.ag-cell')) {
      const group = cell.querySelector('.ag-group-value');
      entry.cells[cell.getAttribute('col-id')] = (group ?? cell).textContent.trim();
    }
  }
  return Object.keys(rows).map(Number).sort((a, b) => a - b).map((i) => rows[i]);
}"""


def settle(page: Any) -> None:
    """Wait until no block is loading and the grid has drawn what it got."""
    page.wait_for_function(
        "window.gridLog.length > 0 && !document.querySelector('.ag-row-loading, .ag-loading')"
    )
    page.wait_for_timeout(300)  # one more frame for AG Grid's row renderer


def shown(page: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = page.evaluate(ROWS_JS)
    return rows


def last_request(page: Any) -> dict[str, Any]:
    entry: dict[str, Any] = page.evaluate("window.gridLog[window.gridLog.length - 1]")
    assert "error" not in entry, entry
    return entry


def text(v: Any) -> str:
    """A JSON value as AG Grid shows it with no formatter."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def same_number(cell: str, v: Any) -> bool:
    return (cell == "" and v is None) or (cell != "" and float(cell) == pytest.approx(float(v)))


GROUPED = grid(
    rowGroupCols=[col("region")],
    valueCols=[value("quantity", "sum"), value("amount", "sum")],
)


def api_rows(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(f"/api/datasets/sales/{path}", json=body)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def assert_groups_match(rows: list[dict[str, Any]], answer: dict[str, Any]) -> None:
    groups = [r["cells"] for r in rows if not r["footer"]]
    assert len(groups) == len(answer["rowData"])
    for cells, data in zip(groups, answer["rowData"], strict=True):
        assert cells["ag-Grid-AutoColumn"] == text(data["region"])
        assert same_number(cells["quantity"], data["quantity"])
        assert same_number(cells["amount"], data["amount"])


# -- the behaviours ------------------------------------------------------------------------


def test_grid_shows_the_top_level_groups_and_grand_total(
    grid_page: Any, shared_warehouse: Path
) -> None:
    sql = "SELECT region, SUM(quantity), SUM(amount) FROM sales GROUP BY 1 ORDER BY 1 NULLS LAST"
    want = raw(shared_warehouse, sql)
    rows = shown(grid_page)
    groups = [r["cells"] for r in rows if not r["footer"]]
    assert len(groups) == len(want)
    for cells, (region, quantity, amount) in zip(groups, want, strict=True):
        assert cells["ag-Grid-AutoColumn"] == text(region)
        assert same_number(cells["quantity"], quantity) and same_number(cells["amount"], amount)
    [footer] = [r["cells"] for r in rows if r["footer"]]
    [[total]] = raw(shared_warehouse, "SELECT SUM(amount) FROM sales")
    assert same_number(footer["amount"], total)


def test_expanding_a_group_shows_its_detail_rows(grid_page: Any, shared_warehouse: Path) -> None:
    before = shown(grid_page)
    north = next(i for i, r in enumerate(before) if r["cells"]["ag-Grid-AutoColumn"] == "North")
    grid_page.locator(
        f".ag-grid-viewport .ag-row[row-index='{north}'] .ag-group-contracted"
    ).click()
    settle(grid_page)
    assert last_request(grid_page)["request"]["groupKeys"] == ["North"]
    sql = "SELECT order_id, customer, amount FROM sales WHERE region = 'North'"
    behind = {
        text(order): (customer, amount) for order, customer, amount in raw(shared_warehouse, sql)
    }
    # Detail rows are the rows with an order id (group rows have none).
    children = [r["cells"] for r in shown(grid_page)[north + 1 :] if r["cells"].get("order_id")]
    assert len(children) >= 10  # the visible part of the first block
    assert len({c["order_id"] for c in children}) == len(children)  # no row twice
    for cells in children:
        customer, amount = behind[cells["order_id"]]
        assert cells["customer"] == text(customer) and same_number(cells["amount"], amount)


def test_clicking_a_header_sorts_the_groups_on_the_server(
    grid_page: Any, client: httpx.Client
) -> None:
    grid_page.locator(".ag-header-cell[col-id='amount'] .ag-header-cell-label").click()
    settle(grid_page)
    request = last_request(grid_page)["request"]
    assert [(k["colId"], k["sort"]) for k in request["sortModel"]] == [("amount", "asc")]
    answer = api_rows(client, "table", {**GROUPED, "sortModel": request["sortModel"]})
    assert_groups_match(shown(grid_page), answer)
    amounts = [d["amount"] for d in answer["rowData"] if d["amount"] is not None]
    assert amounts == sorted(amounts)


def test_typing_in_a_floating_filter_filters_on_the_server(
    grid_page: Any, client: httpx.Client
) -> None:
    grid_page.locator(".ag-floating-filter[col-id='customer'] input").fill("o")
    grid_page.wait_for_function(
        "window.gridLog.some(e => Object.keys(e.request.filterModel).length)"
    )
    settle(grid_page)
    model = last_request(grid_page)["request"]["filterModel"]
    assert model == {"customer": {"filterType": "text", "type": "contains", "filter": "o"}}
    answer = api_rows(client, "table", {**GROUPED, "filterModel": model})
    assert_groups_match(shown(grid_page), answer)
    unfiltered = api_rows(client, "table", GROUPED)["rowData"]
    assert sum(d["quantity"] for d in answer["rowData"]) < sum(d["quantity"] for d in unfiltered)


WHEN = {"true": "is_return", "false": "NOT is_return", "(Blanks)": "is_return IS NULL"}


def test_pivot_mode_shows_duckdbs_cross_tab(grid_page: Any, shared_warehouse: Path) -> None:
    grid_page.evaluate("gridApi.setGridOption('pivotMode', true)")
    grid_page.evaluate("gridApi.setPivotColumns(['is_return'])")
    grid_page.wait_for_function("window.gridLog.some(e => e.path === 'pivot')")
    settle(grid_page)
    entry = last_request(grid_page)
    assert entry["path"] == "pivot"
    fields = entry["response"]["pivotResultFields"]
    assert sorted(fields) == sorted(f"{k}_{v}" for k in WHEN for v in ("quantity", "amount"))
    headers = grid_page.locator(".ag-header-group-cell .ag-header-group-text").all_inner_texts()
    assert {"false", "true", "(Blanks)"} <= set(headers)
    sums = [
        f"SUM({f.rpartition('_')[2]}) FILTER (WHERE {WHEN[f.rpartition('_')[0]]})" for f in fields
    ]
    sql = f"SELECT region, {', '.join(sums)} FROM sales GROUP BY 1 ORDER BY 1 NULLS LAST"
    want = raw(shared_warehouse, sql)
    rows = [r["cells"] for r in shown(grid_page) if not r["footer"]]
    assert len(rows) == len(want)
    for cells, (region, *values) in zip(rows, want, strict=True):
        assert cells["ag-Grid-AutoColumn"] == text(region)
        for field, v in zip(fields, values, strict=True):
            assert same_number(cells[field], v), field
