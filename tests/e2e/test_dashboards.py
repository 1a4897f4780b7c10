"""Dashboards in the browser: build one of four tiles and a date filter, drag and resize on
the grid, reload to the same layout and filter, cross-filter by clicking a bar, and open a
tile in the explorer. Each is checked against the API's own answers."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, dataset_detail, expect_page, login, page_of

pytestmark = pytest.mark.e2e


def _vintage(api: httpx.Client) -> dict[str, Any]:
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    return {"load_type": "MONTH_END", "load_id": int(options["MONTH_END"][0]["load_id"])}


def _specs(api: httpx.Client) -> dict[str, dict[str, Any]]:
    vintage = _vintage(api)
    revenue = [{"column": "revenue", "agg": "sum", "alias": "revenue"}]
    return {
        "chart": {
            "dataset": SALES,
            "vintage": vintage,
            "group_by": ["region"],
            "measures": revenue,
            "sort": [{"column": "region"}],
        },
        "table": {
            "dataset": SALES,
            "vintage": vintage,
            "columns": ["order_id", "order_date", "region", "revenue"],
            "sort": [{"column": "order_id"}],
        },
        "kpi": {"dataset": SALES, "vintage": vintage, "measures": revenue},
    }


def _reports(api: httpx.Client) -> dict[str, dict[str, Any]]:
    """Three saved reports (a bar chart, a table, a KPI) with unique names."""
    tag = uuid.uuid4().hex[:6]
    specs = _specs(api)
    fields = {
        "chart": {"kind": "chart", "chart": {"kind": "bar", "x": "region", "y": "revenue"}},
        "table": {"kind": "table"},
        "kpi": {"kind": "chart", "chart": {"kind": "kpi", "y": "revenue"}},
    }
    made = {}
    for key, spec in specs.items():
        body = {"name": f"{key.title()} {tag}", "spec": spec, **fields[key]}
        r = api.post("/api/reports", json=body)
        assert r.status_code == 201, r.text
        made[key] = r.json()
    return made


def _tile(kind: str, tile_id: str, spec: dict[str, Any], x: int, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "report",
        "id": tile_id,
        "title": tile_id.title(),
        "position": {"x": x, "y": 0, "w": 6, "h": 6},
        "spec": spec,
        "view": kind,
        **extra,
    }


def _dashboard(api: httpx.Client) -> dict[str, Any]:
    """A chart and a table, made through the API, with a date filter."""
    specs = _specs(api)
    chart = {"kind": "bar", "x": "region", "y": "revenue"}
    body = {
        "name": f"Regions {uuid.uuid4().hex[:6]}",
        "filters": [{"id": "when", "label": "Order date", "type": "date_range"}],
        "tabs": [
            {
                "id": "main",
                "title": "Main",
                "tiles": [
                    _tile("chart", "chart", specs["chart"], 0, chart=chart),
                    _tile("table", "table", specs["table"], 6),
                ],
            }
        ],
    }
    r = api.post("/api/dashboards", json=body)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


def _tiles(page: Page) -> Any:
    return page.locator("#dashboard-grid .dashboard-tile")


def _boxes(page: Page) -> dict[str, tuple[float, float, float, float]]:
    """Each tile's box relative to the grid (a notice above it may come and go)."""
    grid = page.locator("#dashboard-grid").bounding_box()
    assert grid is not None
    out = {}
    for tile in _tiles(page).all():
        box = tile.bounding_box()
        assert box is not None
        out[str(tile.get_attribute("data-tile-id"))] = (
            round(box["x"] - grid["x"]),
            round(box["y"] - grid["y"]),
            round(box["width"]),
            round(box["height"]),
        )
    return out


def _settled_boxes(page: Page) -> dict[str, tuple[float, float, float, float]]:
    """`_boxes` once two reads 300 ms apart agree: the grid animates its tiles into place
    (and re-measures its width when the editor's panel goes), so one read mid-move is not
    where the layout puts them."""
    seen = _boxes(page)
    for _ in range(40):
        page.wait_for_timeout(300)
        now = _boxes(page)
        if now == seen:
            return now
        seen = now
    return seen


def _saved_tiles(api: httpx.Client, dashboard_id: str) -> list[dict[str, Any]]:
    doc = api.get(f"/api/dashboards/{dashboard_id}").json()
    tiles: list[dict[str, Any]] = doc["tabs"][0]["tiles"]
    return tiles


def _add_report(page: Page, api: httpx.Client, name: str, tiles: int) -> None:
    """Add a saved report in edit mode; it is saved at once (checked through the API)."""
    page.select_option("#tile-report", label=name)
    page.click("#tile-add-report")
    dashboard_id = page.url.split("/dashboards/")[1].split("?")[0]
    for _ in range(80):
        if len(_saved_tiles(api, dashboard_id)) == tiles:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"tile {tiles} was not saved; console: {ERRORS}")


def _grid_dump(page: Page) -> str:
    return f"console: {ERRORS}; grid: {page.locator('#dashboard-grid').inner_html()[:4000]}"


ERRORS: list[str] = []


@pytest.fixture(autouse=True)
def _console(page: Page) -> None:
    """Browser errors, shown when a step fails (the grid is a third-party component)."""
    ERRORS.clear()
    page.on("pageerror", lambda exc: ERRORS.append(str(exc)))
    page.on("console", lambda m: ERRORS.append(m.text) if m.type == "error" else None)


def _drag(page: Page, grip: Any, dx: float, dy: float) -> None:
    """Press on `grip`, move by (dx, dy) in steps, release (react-draggable needs moves)."""
    grip.scroll_into_view_if_needed()
    box = grip.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=12)
    page.mouse.up()


def test_build_a_dashboard_of_four_tiles_and_a_date_filter_then_reload_to_the_same_view(
    page: Page, api: httpx.Client
) -> None:
    reports = _reports(api)
    login(page, "admin", ADMIN_PASSWORD)
    page.goto("/dashboards")
    name = f"Board {uuid.uuid4().hex[:6]}"
    page.fill("#dashboard-new-name", name)
    page.click("#dashboard-create")
    expect(page.locator("#dashboard-editor")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#dashboard-title")).to_have_text(name)

    page.fill("#filter-label", "Order date")
    page.select_option("#filter-type", "date_range")
    page.click("#filter-add")
    expect(page.locator("#dashboard-filters .dashboard-filter")).to_have_count(1)
    for n, key in enumerate(("chart", "table", "kpi"), start=1):
        _add_report(page, api, reports[key]["name"], n)
    page.fill("#tile-text", "Revenue by region, month end")
    page.click("#tile-add-text")
    dashboard_id = page.url.split("/dashboards/")[1].split("?")[0]
    page.wait_for_function(
        "() => document.querySelector('#tile-text') && !document.querySelector('#tile-text').value"
    )
    page.click("#dashboard-edit")  # Done: the view
    expect(page.locator("#dashboard-editor")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(_tiles(page)).to_have_count(4, timeout=TIMEOUT_MS)
    expect(
        page.locator(".dashboard-tile[data-view=chart] .recharts-bar-rectangle").first
    ).to_be_visible(timeout=TIMEOUT_MS)
    # Tiles load as they scroll into view: the KPI, third, may be below the fold.
    page.locator(".dashboard-tile[data-view=kpi]").scroll_into_view_if_needed()
    expect(page.locator(".dashboard-tile[data-view=kpi] .tile-kpi")).not_to_have_text("-")
    expect(page.locator(".tile-text")).to_have_text("Revenue by region, month end")

    saved = api.get(f"/api/dashboards/{dashboard_id}").json()
    tiles = saved["tabs"][0]["tiles"]
    assert [t["kind"] for t in tiles] == ["report", "report", "report", "text"]
    assert all(t["filters"] == {saved["filters"][0]["id"]: "order_date"} for t in tiles[:3])

    page.select_option(".dashboard-filter .filter-preset", "previous_year")
    page.wait_for_function("() => location.search.includes('f=')", timeout=TIMEOUT_MS)
    assert "previous_year" in unquote(page.url)
    expect(page.locator("#dashboard-grid .tile-loading")).to_have_count(0, timeout=TIMEOUT_MS)
    before = _settled_boxes(page)

    page.reload()
    expect(_tiles(page)).to_have_count(4, timeout=TIMEOUT_MS)
    expect(page.locator(".dashboard-filter .filter-preset")).to_have_value("previous_year")
    expect(page.locator("#dashboard-grid .tile-loading")).to_have_count(0, timeout=TIMEOUT_MS)
    assert _settled_boxes(page) == before


def test_clicking_a_bar_cross_filters_the_other_tiles(page: Page, api: httpx.Client) -> None:
    made = _dashboard(api)
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/dashboards/{made['id']}")
    bars = page.locator(".dashboard-tile[data-view=chart] .recharts-bar-rectangle")
    expect(bars.first).to_be_visible(timeout=TIMEOUT_MS)
    chart = api.post(f"/api/dashboards/{made['id']}/tiles/chart/data", json={}).json()
    first_region = chart["rows"][0][0]
    bars.first.click()
    pill = page.locator("#dashboard-filters .cross-pill")
    expect(pill).to_have_count(1, timeout=TIMEOUT_MS)
    expect(pill).to_contain_text(f"region = {first_region}")
    cross = {"cross": [{"column": "region", "value": first_region}]}
    rows = api.post(f"/api/dashboards/{made['id']}/tiles/table/data", json=cross).json()["rows"]
    table = page.locator(".dashboard-tile[data-view=table] .tile-row")
    expect(table).to_have_count(min(len(rows), 50), timeout=TIMEOUT_MS)
    regions = table.locator("td:nth-child(3)").all_text_contents()
    assert set(regions) == {first_region}
    expect(bars).to_have_count(1, timeout=TIMEOUT_MS)  # the chart narrows to that region too
    page.locator(".cross-pill-remove").click()
    expect(pill).to_have_count(0, timeout=TIMEOUT_MS)
    expect(bars).to_have_count(len(chart["rows"]), timeout=TIMEOUT_MS)


def test_open_in_explorer_shows_the_tiles_query_with_the_dashboards_filters(
    page: Page, api: httpx.Client
) -> None:
    made = _dashboard(api)
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/dashboards/{made['id']}")
    bars = page.locator(".dashboard-tile[data-view=chart] .recharts-bar-rectangle")
    expect(bars.first).to_be_visible(timeout=TIMEOUT_MS)
    bars.first.click()
    expect(page.locator("#dashboard-filters .cross-pill")).to_have_count(1, timeout=TIMEOUT_MS)
    region = page.locator("#dashboard-filters .cross-pill").inner_text().split("= ")[1].strip()
    page.locator(".dashboard-tile[data-view=table] .tile-explore").click()
    page.wait_for_url(
        lambda url: not url.split("?")[0].rstrip("/").split("/")[-1].startswith("dash")
    )
    body = {"cross": [{"column": "region", "value": region}]}
    spec = api.post(f"/api/dashboards/{made['id']}/tiles/table/spec", json=body).json()["spec"]
    expect_page(page, page_of(api, spec), "order_id", "region")


def test_drag_and_resize_tiles_in_edit_mode_and_the_layout_is_kept(
    page: Page, api: httpx.Client
) -> None:
    made = _dashboard(api)
    table = next(t for t in made["tabs"][0]["tiles"] if t["id"] == "table")
    body = {k: v for k, v in made.items() if k in ("name", "filters", "tabs")}
    table["position"] = {"x": 0, "y": 6, "w": 6, "h": 6}  # below the chart
    assert api.put(f"/api/dashboards/{made['id']}", json=body).status_code == 200
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/dashboards/{made['id']}?edit=1")
    expect(page.locator("#dashboard-editor")).to_be_visible(timeout=TIMEOUT_MS)
    try:
        expect(_tiles(page)).to_have_count(2, timeout=TIMEOUT_MS)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{_grid_dump(page)}") from e
    # Drag the table beside the chart by its header, then make the chart taller by its corner.
    _drag(page, page.locator(".dashboard-tile[data-view=table] .tile-drag"), 700, -300)
    _drag(page, page.locator(".dashboard-tile[data-view=chart] .react-resizable-handle"), 0, 100)
    expect(page.locator("#dashboard-save")).to_be_visible(timeout=TIMEOUT_MS)
    page.click("#dashboard-save")
    expect(page.locator("#dashboard-saved")).to_have_text("Saved.", timeout=TIMEOUT_MS)
    by_id = {t["id"]: t["position"] for t in _saved_tiles(api, made["id"])}
    assert by_id["table"]["x"] == 6 and by_id["table"]["y"] == 0
    assert by_id["chart"]["h"] > 6 and by_id["chart"]["w"] == 6
    expect(page.locator("#dashboard-editor")).to_have_count(0, timeout=TIMEOUT_MS)
    before = _settled_boxes(page)
    page.reload()
    expect(_tiles(page)).to_have_count(2, timeout=TIMEOUT_MS)
    assert _settled_boxes(page) == before
