"""The dashboard view in the browser: a filter change reloads only the tiles it maps, tiles
below the fold load as they scroll in (and refresh / auto-refresh), present mode with the
arrow keys, bookmarks, comments, markdown text tiles and the values multi-select. Each is
checked against what the page shows and what the API holds."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import TIMEOUT_MS, login
from tests.e2e.test_dashboards import _specs, _tile

pytestmark = pytest.mark.e2e

BAR = {"kind": "bar", "x": "region", "y": "revenue"}
MARKDOWN = "**Bold** point and <b>raw</b> [bad](javascript:alert(1))"


def _make(api: httpx.Client, tiles: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    body = {
        "name": f"View {uuid.uuid4().hex[:6]}",
        "filters": [{"id": "when", "label": "Order date", "type": "date_range"}],
        "tabs": [{"id": "main", "title": "Main", "tiles": tiles}],
        **extra,
    }
    r = api.post("/api/dashboards", json=body)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


def _two_tiles(api: httpx.Client, table_y: int = 0) -> dict[str, Any]:
    """A chart that maps the date filter and a table that does not (mapped to null)."""
    specs = _specs(api)
    table = _tile("table", "table", specs["table"], 6, filters={"when": None})
    if table_y:
        table["position"] = {"x": 0, "y": table_y, "w": 12, "h": 6}
    chart = _tile("chart", "chart", specs["chart"], 0, chart=BAR, filters={"when": "order_date"})
    return _make(api, [chart, table])


def _tile_el(page: Page, tile_id: str) -> Any:
    return page.locator(f"#dashboard-grid .dashboard-tile[data-tile-id='{tile_id}']")


def _loaded_at(page: Page, tile_id: str) -> str:
    return str(_tile_el(page, tile_id).get_attribute("data-loaded-at") or "")


def _wait_loaded(page: Page, tile_id: str, other_than: str = "") -> str:
    """The tile's load time once it has rows newer than `other_than`."""
    selector = f"#dashboard-grid .dashboard-tile[data-tile-id='{tile_id}']"
    page.wait_for_function(
        """([sel, old]) => { const t = document.querySelector(sel);
            const at = t && t.getAttribute('data-loaded-at');
            return at && at !== old && !t.querySelector('.tile-loading'); }""",
        arg=[selector, other_than],
        timeout=TIMEOUT_MS,
    )
    return _loaded_at(page, tile_id)


def test_a_filter_change_reloads_only_the_tiles_that_map_it(page: Page, api: httpx.Client) -> None:
    made = _two_tiles(api)
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/dashboards/{made['id']}")
    chart_at, table_at = _wait_loaded(page, "chart"), _wait_loaded(page, "table")
    page.select_option(".dashboard-filter .filter-preset", "previous_year")
    _wait_loaded(page, "chart", chart_at)
    page.wait_for_timeout(1500)  # time for a wrong reload of the table to land
    assert _loaded_at(page, "table") == table_at
    assert "previous_year" in unquote(page.url)


def test_tiles_below_the_fold_load_when_scrolled_into_view_and_refresh_reloads(
    page: Page, api: httpx.Client
) -> None:
    made = _two_tiles(api, table_y=60)  # 60 rows of 48 px: far below a 720 px window
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/dashboards/{made['id']}")
    chart_at = _wait_loaded(page, "chart")
    expect(page.locator("#dashboard-updated")).to_contain_text("Updated")
    page.wait_for_timeout(1500)
    below = _tile_el(page, "table")
    expect(below.locator(".tile-pending")).to_have_count(1)
    assert _loaded_at(page, "table") == ""
    below.scroll_into_view_if_needed()
    expect(below.locator(".tile-row").first).to_be_visible(timeout=TIMEOUT_MS)
    table_at = _loaded_at(page, "table")

    page.evaluate("window.scrollTo(0, 0)")
    page.click("#dashboard-refresh")
    _wait_loaded(page, "chart", chart_at)
    page.wait_for_timeout(1500)
    assert _loaded_at(page, "table") == table_at  # off screen: it waits to be seen again
    below.scroll_into_view_if_needed()
    _wait_loaded(page, "table", table_at)

    page.goto(f"/dashboards/{made['id']}?print=1")  # the PDF's browser: nothing waits
    expect(_tile_el(page, "table").locator(".tile-row").first).to_be_attached(timeout=TIMEOUT_MS)
    assert page.evaluate("window.scrollY") == 0


def _reloaded(page: Page, old: str, timeout: int) -> None:
    """The chart has loaded again since `old` (its `data-loaded-at`)."""
    page.wait_for_function(
        """(old) => { const t = document.querySelector("[data-tile-id='chart']");
            return t && t.getAttribute('data-loaded-at') !== old; }""",
        arg=old,
        timeout=timeout,
    )


# The auto-refresh tests run the page's timers on Playwright's clock (flowing as usual until
# moved) and move it on by the interval instead of sitting through it. Moved a moment before
# the page's interval timer is set, the clock still flows: the refresh then comes in real time.


def test_auto_refresh_from_the_address_reloads_the_tiles(page: Page, api: httpx.Client) -> None:
    made = _two_tiles(api)
    page.clock.install()
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/dashboards/{made['id']}?refresh=10")
    expect(page.locator("#dashboard-autorefresh")).to_contain_text("10 s", timeout=TIMEOUT_MS)
    chart_at = _wait_loaded(page, "chart")
    page.clock.fast_forward(10_000)
    _reloaded(page, chart_at, timeout=25_000)
    page.goto(f"/dashboards/{made['id']}")
    expect(page.locator("#dashboard-title")).to_have_text(made["name"], timeout=TIMEOUT_MS)
    expect(page.locator("#dashboard-autorefresh")).to_have_count(0)


def test_the_auto_refresh_menu_reloads_the_tiles_and_keeps_the_interval_in_the_address(
    page: Page, api: httpx.Client
) -> None:
    made = _two_tiles(api)
    page.clock.install()
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/dashboards/{made['id']}")
    menu = page.locator("#dashboard-autorefresh-menu")
    expect(menu).to_have_value("0", timeout=TIMEOUT_MS)
    chart_at = _wait_loaded(page, "chart")
    menu.select_option("30")
    expect(page.locator("#dashboard-autorefresh")).to_contain_text("30 s", timeout=TIMEOUT_MS)
    page.wait_for_url("**refresh=30**", timeout=TIMEOUT_MS)
    page.clock.fast_forward(30_000)
    _reloaded(page, chart_at, timeout=50_000)  # nothing but the interval asks the chart again
    menu.select_option("0")
    expect(page.locator("#dashboard-autorefresh")).to_have_count(0, timeout=TIMEOUT_MS)
    page.wait_for_function("() => !location.search.includes('refresh')", timeout=TIMEOUT_MS)


def test_present_mode_walks_the_tiles_with_the_arrow_keys(page: Page, api: httpx.Client) -> None:
    specs = _specs(api)
    chart = _tile("chart", "chart", specs["chart"], 0, chart=BAR, caption="Revenue **by region**")
    table = _tile("table", "table", specs["table"], 6)
    text = {"kind": "text", "id": "note", "position": {"x": 0, "y": 6, "w": 12, "h": 2}}
    made = _make(api, [chart, table, {**text, "markdown": "Closing *note*"}])
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/dashboards/{made['id']}")
    _wait_loaded(page, "chart")
    page.click("#dashboard-present-start")
    slide = page.locator("#dashboard-present .present-slide")
    expect(slide).to_have_attribute("data-tile-id", "chart", timeout=TIMEOUT_MS)
    expect(slide.locator(".recharts-bar-rectangle").first).to_be_visible(timeout=TIMEOUT_MS)
    expect(slide.locator(".present-caption strong")).to_have_text("by region")
    expect(page.locator("#present-position")).to_have_text("1 / 3")
    page.keyboard.press("ArrowRight")
    expect(slide).to_have_attribute("data-tile-id", "table", timeout=TIMEOUT_MS)
    expect(slide.locator(".tile-row").first).to_be_visible(timeout=TIMEOUT_MS)
    page.keyboard.press("ArrowRight")
    expect(slide).to_have_attribute("data-tile-id", "note", timeout=TIMEOUT_MS)
    expect(slide.locator(".tile-text em")).to_have_text("note")
    page.keyboard.press("ArrowRight")  # the last tile stays
    expect(page.locator("#present-position")).to_have_text("3 / 3")
    page.keyboard.press("ArrowLeft")
    expect(slide).to_have_attribute("data-tile-id", "table", timeout=TIMEOUT_MS)
    page.keyboard.press("Escape")
    expect(page.locator("#dashboard-present")).to_have_count(0, timeout=TIMEOUT_MS)


def test_bookmark_the_filters_and_restore_them(page: Page, api: httpx.Client) -> None:
    made = _two_tiles(api)
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/dashboards/{made['id']}")
    _wait_loaded(page, "chart")
    preset = page.locator(".dashboard-filter .filter-preset")
    preset.select_option("previous_year")
    page.fill("#bookmark-name", "Last year")
    page.click("#bookmark-save")
    mark = page.locator("#dashboard-bookmarks .dashboard-bookmark")
    expect(mark).to_have_count(1, timeout=TIMEOUT_MS)
    expect(mark).to_contain_text("Last year")
    saved = api.get(f"/api/dashboards/{made['id']}/bookmarks").json()
    assert [(b["name"], b["filters"]) for b in saved] == [
        ("Last year", {"when": {"preset": "previous_year", "start": None, "end": None}})
    ] or [(b["name"], b["filters"]) for b in saved] == [
        ("Last year", {"when": {"preset": "previous_year"}})
    ]

    preset.select_option("this_quarter")
    page.wait_for_function("() => decodeURIComponent(location.search).includes('this_quarter')")
    chart_at = _loaded_at(page, "chart")
    mark.locator(".bookmark-restore").click()
    expect(preset).to_have_value("previous_year", timeout=TIMEOUT_MS)
    page.wait_for_function("() => decodeURIComponent(location.search).includes('previous_year')")
    _wait_loaded(page, "chart", chart_at)
    page.reload()
    expect(page.locator("#dashboard-bookmarks .dashboard-bookmark")).to_have_count(
        1, timeout=TIMEOUT_MS
    )


def test_comment_on_a_tile(page: Page, api: httpx.Client) -> None:
    made = _two_tiles(api)
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/dashboards/{made['id']}")
    _tile_el(page, "table").locator(".tile-comments").click()
    panel = page.locator("#dashboard-comments")
    expect(panel).to_have_attribute("data-tile-id", "table", timeout=TIMEOUT_MS)
    text = f"Check the west region {uuid.uuid4().hex[:4]}"
    page.fill("#comment-text", text)
    page.click("#comment-add")
    expect(panel.locator(".tile-comment .comment-text")).to_have_text([text], timeout=TIMEOUT_MS)
    expect(panel.locator(".comment-author")).to_have_text(["admin"])
    thread = api.get(f"/api/dashboards/{made['id']}/tiles/table/comments").json()
    assert [(c["author"], c["text"]) for c in thread] == [("admin", text)]
    expect(page.locator("#comment-text")).to_have_value("")


def test_text_tiles_render_markdown_without_raw_html(page: Page, api: httpx.Client) -> None:
    text = {"kind": "text", "id": "note", "position": {"x": 0, "y": 0, "w": 12, "h": 3}}
    made = _make(api, [{**text, "markdown": MARKDOWN}])
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/dashboards/{made['id']}")
    body = page.locator(".dashboard-tile[data-tile-id='note'] .tile-text")
    expect(body.locator("strong")).to_have_text("Bold", timeout=TIMEOUT_MS)
    expect(body.locator("b")).to_have_count(0)  # the raw <b> is text, not markup
    expect(body).to_contain_text("<b>raw</b>")
    expect(body.locator("a")).to_have_count(0)  # no javascript: link


def test_a_multi_select_offers_the_columns_values_and_filters_by_the_ticked_one(
    page: Page, api: httpx.Client
) -> None:
    specs = _specs(api)
    chart = _tile("chart", "chart", specs["chart"], 0, chart=BAR, filters={"where": "region"})
    where = {"id": "where", "label": "Region", "type": "multi_select", "column": "region"}
    made = _make(api, [chart], filters=[where])
    values = api.get("/api/datasets/global_sales/values/region", params={"limit": 200}).json()
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/dashboards/{made['id']}")
    bars = page.locator(".dashboard-tile[data-view=chart] .recharts-bar-rectangle")
    expect(bars.first).to_be_visible(timeout=TIMEOUT_MS)
    page.click(".filter-values-open")
    options = page.locator(".filter-values .filter-value")
    expect(options).to_have_count(len(values["values"]), timeout=TIMEOUT_MS)
    first = str(values["values"][0])
    tick = page.locator(f".filter-values .filter-value[data-value='{first}'] input")
    tick.click()  # a controlled box: its state comes back from the server
    expect(tick).to_be_checked(timeout=TIMEOUT_MS)
    expect(bars).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.locator(".dashboard-filter .filter-text")).to_have_value(first)
    assert first in unquote(page.url)
