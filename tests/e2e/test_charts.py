"""Charts read as a user reads them: bar heights, dots, slices, legends, tooltips and axis
labels in the rendered SVG (its `textContent`), compared with the API's own column for the
same query. Expected numbers are parsed from the screen and compared with the API's exact
values; expected formats are the test's own patterns, never the product's formatter."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, dataset_detail, login, page_of

pytestmark = pytest.mark.e2e

PANEL = "#chart-panel"
NUMBER = re.compile(r"^\D*-?\d{1,3}(,\d{3})*(\.\d+)?\D*$")  # 1,234,567.89; a symbol may lead
COMPACT = {"K": Decimal(10) ** 3, "M": Decimal(10) ** 6, "B": Decimal(10) ** 9}
VIEWER_PASSWORD = "chart-viewer-pass-1"


def _newest(api: httpx.Client) -> int:
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    return int(options["MONTH_END"][0]["load_id"])


def _spec(api: httpx.Client, group_by: list[str]) -> dict[str, Any]:
    return {
        "dataset": SALES,
        "vintage": {"load_type": "MONTH_END", "load_id": _newest(api)},
        "group_by": group_by,
        "measures": [
            {"column": "revenue", "agg": "sum", "alias": "total_revenue"},
            {"column": "quantity", "agg": "sum", "alias": "units"},
        ],
        "sort": [{"column": g, "direction": "asc"} for g in group_by],
    }


def _report(api: httpx.Client, spec: dict[str, Any], **fields: Any) -> str:
    body = {"name": f"Chart {uuid.uuid4().hex[:8]}", "spec": spec, **fields}
    made = api.post("/api/reports", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _open(page: Page, report_id: str) -> None:
    page.goto(f"/reports/{report_id}")
    expect(page.locator("#grid [role=gridcell]").first).to_be_visible(timeout=TIMEOUT_MS)


def _number(text: str) -> Decimal:
    """A number as the screen writes it: separators and any symbol dropped."""
    return Decimal(re.sub(r"[^0-9.\-]", "", text))


def _compact(text: str) -> Decimal:
    """An axis label: `5.78B`, `250K`, `1,200.00` or `15%`."""
    match = re.fullmatch(r"\D*?(-?[\d,.]+)([KMB]?)\D*", text.strip())
    assert match, f"unreadable axis label {text!r}"
    return Decimal(match[1].replace(",", "")) * COMPACT.get(match[2], Decimal(1))


def _decimals(text: str) -> int:
    match = re.search(r"\.(\d+)", text)
    return len(match[1]) if match else 0


def _grid_texts(page: Page, column: str, count: int) -> list[str]:
    """The grid's cells of a column: the chart writes a value exactly as the grid does."""
    cells = page.locator(
        f'#grid [role=row][row-index]:not(.ag-row-pinned) [role=gridcell][col-id="{column}"]'
    )
    expect(cells).to_have_count(count, timeout=TIMEOUT_MS)
    return [t.strip() for t in cells.all_inner_texts()]


def _wait_for_number(locator: Locator, want: Decimal) -> None:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        text = locator.inner_text().strip()
        if re.search(r"\d", text) and _number(text) == want:
            return
        assert time.monotonic() < deadline, (text, want)
        time.sleep(0.2)


def _column(result: dict[str, Any], name: str) -> list[Any]:
    at = [c["name"] for c in result["columns"]].index(name)
    return [row[at] for row in result["rows"]]


def _texts(locator: Locator) -> list[str]:
    return [str(t).strip() for t in locator.evaluate_all("els => els.map(e => e.textContent)")]


def _tick_labels(page: Page, axis: str) -> Locator:
    # Recharts 3 draws tick labels in a layer of their own, outside the axis group.
    return page.locator(
        f"{PANEL} .recharts-{axis}Axis-tick-labels .recharts-cartesian-axis-tick-value"
    )


def _ticks(page: Page, axis: str) -> list[str]:
    return _texts(_tick_labels(page, axis))


def _bars(page: Page, count: int) -> Locator:
    bars = page.locator(f"{PANEL} .recharts-bar-rectangle path")
    expect(bars).to_have_count(count, timeout=TIMEOUT_MS)
    return bars


def _heights(bars: Locator) -> list[float]:
    return [float(box["height"]) for box in (b.bounding_box() or {} for b in bars.all())]


def _expect_proportional(heights: list[float], values: list[Any]) -> None:
    """Bars stand on zero: each height is its value's share of the tallest (±1.5%)."""
    numbers = [float(v) for v in values]
    top, tallest = max(numbers), max(heights)
    for h, v in zip(heights, numbers, strict=True):
        assert abs(h / tallest - v / top) < 0.015, (heights, numbers)


def _tooltip_at(page: Page, target: Locator) -> tuple[str, list[str]]:
    """Hover `target`; the tooltip's label and item values as rendered."""
    target.hover()
    tip = page.locator(f"{PANEL} .recharts-tooltip-wrapper .recharts-default-tooltip")
    expect(tip).to_be_visible(timeout=TIMEOUT_MS)
    label = _texts(tip.locator(".recharts-tooltip-label"))[0]
    return label, _texts(tip.locator(".recharts-tooltip-item-value"))


def _expect_tooltips(
    page: Page, targets: Locator, labels: list[str], values: list[Any], grid: list[str]
) -> None:
    """Each target's tooltip: its group, and its value as the grid writes it (and as the
    API computed it)."""
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        shown_label, shown = _tooltip_at(page, targets.nth(i))
        assert shown_label == label
        assert shown == [grid[i]], (label, shown, grid[i])
        assert NUMBER.match(shown[0]) and _number(shown[0]) == Decimal(str(value)), shown


def _expect_value_axis(page: Page, values: list[Any], decimals: int) -> None:
    """Ticks from zero past the largest value; plain ones with the column's decimals."""
    ticks = _ticks(page, "y")
    assert len(ticks) >= 3, ticks
    numbers = [_compact(t) for t in ticks]
    assert numbers == sorted(numbers) and numbers[0] == 0, ticks
    assert numbers[-1] >= max(Decimal(str(v)) for v in values), (ticks, values)
    plain = [t for t in ticks if not t.endswith(("K", "M", "B"))]
    assert plain and all(_decimals(t) == decimals for t in plain), ticks


def test_choosing_the_second_measure_in_chart_y_redraws_from_its_column(
    page: Page, api: httpx.Client
) -> None:
    spec = _spec(api, ["region"])
    result = page_of(api, spec)
    regions = [str(r) for r in _column(result, "region")]
    revenue, units = _column(result, "total_revenue"), _column(result, "units")
    login(page, "admin", ADMIN_PASSWORD)
    _open(page, _report(api, spec))
    page.click("#chart-open")
    expect(page.locator("#chart-y")).to_have_value("total_revenue", timeout=TIMEOUT_MS)
    revenue_text = _grid_texts(page, "total_revenue", len(regions))
    units_text = _grid_texts(page, "units", len(regions))
    bars = _bars(page, len(regions))
    assert _ticks(page, "x") == regions
    _expect_proportional(_heights(bars), revenue)
    _expect_tooltips(page, bars, regions, revenue, revenue_text)
    _expect_value_axis(page, revenue, _decimals(revenue_text[0]))
    before, top_tick = _heights(bars), _ticks(page, "y")[-1]

    page.select_option("#chart-y", "units")
    expect(page.locator(f"{PANEL} .recharts-yAxis-tick-labels")).not_to_contain_text(
        top_tick, timeout=TIMEOUT_MS
    )
    _expect_proportional(_heights(bars), units)
    assert _heights(bars) != before
    _expect_tooltips(page, bars, regions, units, units_text)
    _expect_value_axis(page, units, _decimals(units_text[0]))


@pytest.mark.parametrize("kind", ["line", "area", "bar"])
def test_line_area_and_bar_charts_show_each_groups_value(
    page: Page, api: httpx.Client, kind: str
) -> None:
    spec = _spec(api, ["channel"])
    result = page_of(api, spec)
    channels = [str(c) for c in _column(result, "channel")]
    revenue = _column(result, "total_revenue")
    login(page, "admin", ADMIN_PASSWORD)
    _open(page, _report(api, spec))
    revenue_text = _grid_texts(page, "total_revenue", len(channels))
    page.click("#chart-open")
    page.select_option("#chart-kind", kind)
    shape = {"line": ".recharts-line", "area": ".recharts-area", "bar": ".recharts-bar"}[kind]
    expect(page.locator(f"{PANEL} {shape}")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.locator(f"{PANEL} .recharts-xAxis-tick-labels")).to_contain_text(channels[-1])
    assert _ticks(page, "x") == channels
    # Hovering a category's tick column shows that category's value.
    ticks = _tick_labels(page, "x")
    plot = page.locator(f"{PANEL} .recharts-cartesian-grid").bounding_box()
    assert plot is not None
    for i, channel in enumerate(channels):
        box = ticks.nth(i).bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, plot["y"] + plot["height"] / 2)
        tip = page.locator(f"{PANEL} .recharts-default-tooltip")
        expect(tip.locator(".recharts-tooltip-label")).to_have_text(channel, timeout=TIMEOUT_MS)
        shown = _texts(tip.locator(".recharts-tooltip-item-value"))
        assert shown == [revenue_text[i]], (shown, revenue_text[i])
        assert _number(shown[0]) == Decimal(str(revenue[i]))
    _expect_value_axis(page, revenue, _decimals(revenue_text[0]))


def test_pie_slices_have_colours_a_legend_and_formatted_values(
    page: Page, api: httpx.Client
) -> None:
    spec = _spec(api, ["channel"])
    result = page_of(api, spec)
    channels = [str(c) for c in _column(result, "channel")]
    units = _column(result, "units")
    login(page, "admin", ADMIN_PASSWORD)
    _open(page, _report(api, spec))
    units_text = _grid_texts(page, "units", len(channels))
    page.click("#chart-open")
    page.select_option("#chart-kind", "pie")
    page.select_option("#chart-y", "units")
    sectors = page.locator(f"{PANEL} .recharts-pie-sector path")
    expect(sectors).to_have_count(len(channels), timeout=TIMEOUT_MS)
    fills = [s.get_attribute("fill") for s in sectors.all()]
    assert len(set(fills)) == len(channels) and all(f and f.startswith("#") for f in fills), fills
    legend = page.locator(f"{PANEL} .recharts-legend-item")
    expect(legend.locator(".recharts-legend-item-text")).to_have_text(channels)
    swatches = [
        s.get_attribute("fill") for s in legend.locator("path.recharts-legend-icon, path").all()
    ]
    assert swatches[: len(fills)] == fills  # each legend swatch is its slice's colour
    labels = _texts(page.locator(f"{PANEL} .recharts-pie-label-text"))
    assert labels == units_text and all(NUMBER.match(t) for t in labels), labels
    assert [_number(t) for t in labels] == [Decimal(str(u)) for u in units]
    sectors.nth(0).hover()
    tip = page.locator(f"{PANEL} .recharts-default-tooltip")
    expect(tip.locator(".recharts-tooltip-item-name")).to_have_text(channels[0])
    expect(tip.locator(".recharts-tooltip-item-value")).to_have_text(units_text[0])


def test_a_kpi_tile_shows_the_measure_over_every_row(page: Page, api: httpx.Client) -> None:
    spec = _spec(api, ["channel"])
    total = page_of(api, {**spec, "group_by": [], "sort": []})
    login(page, "admin", ADMIN_PASSWORD)
    _open(page, _report(api, spec))
    page.click("#chart-open")
    page.select_option("#chart-kind", "kpi")
    kpi = page.locator("#chart-kpi")
    for alias in ("total_revenue", "units"):
        page.select_option("#chart-y", alias)
        want = Decimal(str(_column(total, alias)[0]))
        _wait_for_number(kpi, want)
        assert NUMBER.match(kpi.inner_text().strip())


def test_two_group_bys_draw_a_series_per_second_group_and_chart_x_regroups(
    page: Page, api: httpx.Client
) -> None:
    spec = _spec(api, ["region", "channel"])
    pairs = page_of(api, {**spec, "page_size": 1000})
    login(page, "admin", ADMIN_PASSWORD)
    _open(page, _report(api, spec))
    page.click("#chart-open")
    expect(page.locator("#chart-x")).to_have_value("region", timeout=TIMEOUT_MS)
    expect(page.locator("#chart-series")).to_have_value("channel")
    regions = sorted({str(r) for r in _column(pairs, "region")})
    channels = sorted({str(c) for c in _column(pairs, "channel")})
    _bars(page, len(pairs["rows"]))
    assert _ticks(page, "x") == regions  # each region once, not once per channel
    legend = page.locator(f"{PANEL} .recharts-legend-item-text")
    expect(legend).to_have_text(channels)
    # Stacked: a region's tooltip lists every channel's value for it.
    ticks = _tick_labels(page, "x")
    box = ticks.nth(0).bounding_box()
    plot = page.locator(f"{PANEL} .recharts-cartesian-grid").bounding_box()
    assert box is not None and plot is not None
    page.mouse.move(box["x"] + box["width"] / 2, plot["y"] + plot["height"] - 3)
    tip = page.locator(f"{PANEL} .recharts-default-tooltip")
    expect(tip.locator(".recharts-tooltip-label")).to_have_text(regions[0], timeout=TIMEOUT_MS)
    want = {
        str(c): Decimal(str(v))
        for r, c, v in zip(
            _column(pairs, "region"),
            _column(pairs, "channel"),
            _column(pairs, "total_revenue"),
            strict=True,
        )
        if str(r) == regions[0]
    }
    names = _texts(tip.locator(".recharts-tooltip-item-name"))
    values = [_number(t) for t in _texts(tip.locator(".recharts-tooltip-item-value"))]
    assert dict(zip(names, values, strict=True)) == want

    page.select_option("#chart-x", "channel")
    by_channel = page_of(api, {**spec, "group_by": ["channel"], "sort": []})
    expect(page.locator(f"{PANEL} .recharts-xAxis-tick-labels")).to_contain_text(channels[0])
    bars = _bars(page, len(channels))
    assert _ticks(page, "x") == channels
    _expect_proportional(_heights(bars), _column(by_channel, "total_revenue"))


def test_clicking_a_bar_filters_the_grid_to_its_group_with_a_removable_pill(
    page: Page, api: httpx.Client
) -> None:
    spec = _spec(api, ["region"])
    result = page_of(api, spec)
    regions = [str(r) for r in _column(result, "region")]
    login(page, "admin", ADMIN_PASSWORD)
    _open(page, _report(api, spec))
    page.click("#chart-open")
    bars = _bars(page, len(regions))
    bars.nth(1).click()
    pill = page.locator("#filter-pills .filter-pill")
    expect(pill).to_have_count(1, timeout=TIMEOUT_MS)
    expect(pill).to_contain_text("Region")
    expect(pill).to_contain_text(regions[1])
    cells = page.locator(
        '#grid [role=row][row-index]:not(.ag-row-pinned) [role=gridcell][col-id="region"]'
    )
    expect(cells).to_have_text([regions[1]], timeout=TIMEOUT_MS)
    _bars(page, 1)  # the chart follows the grid
    pill.get_by_role("button").click()
    expect(pill).to_have_count(0, timeout=TIMEOUT_MS)
    expect(cells).to_have_text(regions, timeout=TIMEOUT_MS)
    _bars(page, len(regions))


@pytest.fixture
def viewer(api: httpx.Client) -> Iterator[str]:
    name = f"cleo_{uuid.uuid4().hex[:6]}"
    body = {"username": name, "password": VIEWER_PASSWORD, "role": "viewer"}
    assert api.post("/api/admin/users", json=body).status_code == 201
    yield name


def test_a_chart_is_saved_with_the_report_and_seen_by_whoever_opens_it(
    page: Page, api: httpx.Client, browser: Browser, ui_url: str, viewer: str
) -> None:
    spec = _spec(api, ["channel"])
    channels = [str(c) for c in _column(page_of(api, spec), "channel")]
    login(page, "admin", ADMIN_PASSWORD)
    report_id = _report(api, spec)
    _open(page, report_id)
    page.click("#chart-open")
    page.select_option("#chart-kind", "pie")
    page.select_option("#chart-y", "units")
    expect(page.locator(f"{PANEL} .recharts-pie-sector")).to_have_count(len(channels))
    page.click("#report-save")
    page.fill("#report-name", f"Shared pie {uuid.uuid4().hex[:6]}")
    page.click("#report-shared")  # the state holds the box: a click, then its answer
    expect(page.locator("#report-shared")).to_be_checked(timeout=TIMEOUT_MS)
    page.click("#report-save-submit")
    # The open report is replaced in place: same address, so wait for the dialog instead.
    expect(page.locator("#report-save-modal")).to_have_count(0, timeout=TIMEOUT_MS)
    assert page.url.endswith(f"/reports/{report_id}")
    saved = api.get(f"/api/reports/{report_id}").json()
    assert saved["kind"] == "chart"
    assert saved["chart"]["kind"] == "pie" and saved["chart"]["y"] == "units"
    assert saved["chart"]["x"] == "channel"
    stored = page.evaluate("() => Object.keys(window.localStorage)")
    assert not [k for k in stored if "chart" in k.lower()], stored  # the server keeps it

    page.reload()
    expect(page.locator("#chart-kind")).to_have_value("pie", timeout=TIMEOUT_MS)
    expect(page.locator("#chart-y")).to_have_value("units")
    expect(page.locator(f"{PANEL} .recharts-pie-sector")).to_have_count(len(channels))

    other = browser.new_context(base_url=ui_url, viewport={"width": 1366, "height": 768})
    try:
        as_viewer = other.new_page()
        login(as_viewer, viewer, VIEWER_PASSWORD)
        as_viewer.goto(f"/reports/{report_id}")
        expect(as_viewer.locator("#chart-kind")).to_have_value("pie", timeout=TIMEOUT_MS)
        legend = as_viewer.locator(f"{PANEL} .recharts-legend-item-text")
        expect(legend).to_have_text(channels, timeout=TIMEOUT_MS)
    finally:
        other.close()
