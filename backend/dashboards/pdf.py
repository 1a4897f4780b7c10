"""A dashboard printed to PDF by headless Chromium (Playwright), from the UI's own page.

The browser signs in at the UI's `/print-sign-in` with a print token (the viewer's identity,
scoped to this dashboard: backend.dashboards.print_token), which opens
`/dashboards/{id}?f=<the viewer's filters>` as any sign-in would. Each tab is shown in turn;
once every report tile of it has drawn (or shown its error) the page is printed, and the
tabs' PDFs are joined in order: at least one page per tab.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from pypdf import PdfReader, PdfWriter

from backend.dashboards.models import DashboardIn, ReportTile
from backend.errors import AuroraError

VIEWPORT = {"width": 1400, "height": 1000}
# Recharts grows its bars for 1.5 s after they mount; printed sooner, a bar is cut short.
SETTLE_MS = 1600
# A tile is drawn when it holds one of these and no spinner (ids in docs/ui.md).
_DRAWN = ".tile-table, .tile-chart, .tile-kpi, .tile-error"
_TILES_DRAWN = (
    "(ids) => ids.every(id => {"
    ' const tile = document.querySelector(`.dashboard-tile[data-tile-id="${id}"]`);'
    " return tile && !tile.querySelector('.tile-loading') && tile.querySelector("
    + json.dumps(_DRAWN)
    + "); })"
)


class PrintFailed(AuroraError):
    """Shown to the export's owner as the job's error (never a 500: the job fails)."""

    status = 503
    code = "print_failed"


@dataclass(frozen=True)
class PrintJob:
    ui_url: str
    chromium: str
    timeout_s: float
    dashboard_id: str
    address: str  # the `f` parameter: the viewer's filter values and pills
    token: str


def check_ui(ui_url: str) -> None:
    """The UI must answer where AURORA_UI_URL says, or there is nothing to print from."""
    try:
        answer = httpx.get(f"{ui_url.rstrip('/')}/ping", timeout=5.0)
        if answer.status_code == 200:
            return
        reason = f"it answered HTTP {answer.status_code}"
    except httpx.HTTPError as e:
        reason = f"{type(e).__name__}"
    raise PrintFailed(
        f"The dashboard PDF is printed from the Aurora UI, which did not answer at {ui_url} "
        f"(AURORA_UI_URL) from the export worker: {reason}. Start the UI there, or set "
        "AURORA_UI_URL to where it runs."
    )


def sign_in_url(job: PrintJob) -> str:
    """The UI's print sign-in, which continues to the dashboard with the viewer's filters.

    `print=1` makes the page load every tile at once: the view otherwise loads a tile only
    once it scrolls into view, and the print does not scroll.

    >>> sign_in_url(PrintJob("http://ui:3000/", "c", 1, "d1", '{"a":1}', "tok"))
    'http://ui:3000/print-sign-in?ticket=tok&next=%2Fdashboards%2Fd1%3Fprint%3D1%26f%3D%257B%2522a%2522%253A1%257D'
    """
    target = f"/dashboards/{job.dashboard_id}?print=1"
    if job.address:
        target += "&f=" + quote(job.address, safe="")
    base = job.ui_url.rstrip("/")
    return f"{base}/print-sign-in?ticket={job.token}&next={quote(target, safe='')}"


def report_ids(doc: DashboardIn) -> list[list[str]]:
    """Each tab's report tile ids, in order: what must have drawn before it is printed."""
    return [[t.id for t in tab.tiles if isinstance(t, ReportTile)] for tab in doc.tabs]


def print_dashboard(job: PrintJob, doc: DashboardIn, on_tab: Callable[[int], None]) -> bytes:
    """The PDF's bytes; `on_tab(n)` after each printed tab (the job's progress)."""
    check_ui(job.ui_url)
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=job.chromium)
            try:
                return _print_tabs(browser, job, doc, on_tab)
            finally:
                browser.close()
    except PlaywrightError as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise PrintFailed(f"The headless browser could not print the dashboard: {first}") from e


def _print_tabs(
    browser: Any, job: PrintJob, doc: DashboardIn, on_tab: Callable[[int], None]
) -> bytes:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(job.timeout_s * 1000)
    page.goto(sign_in_url(job))
    page.wait_for_selector("#dashboard-grid, #print-sign-in-error:not(:empty)")
    if page.locator("#dashboard-grid").count() == 0:
        refused = page.locator("#print-sign-in-error").inner_text()
        raise PrintFailed(f"The UI refused the print's sign-in: {refused}")
    pdfs = []
    for n, (tab, ids) in enumerate(zip(doc.tabs, report_ids(doc), strict=True), start=1):
        if len(doc.tabs) > 1:
            page.click(f'.dashboard-tab[data-tab-id="{tab.id}"]')
        page.wait_for_function(_TILES_DRAWN, arg=ids)
        page.wait_for_timeout(SETTLE_MS)
        pdfs.append(page.pdf(format="A4", landscape=True, print_background=True))
        on_tab(n)
    context.close()
    return join(pdfs)


def join(pdfs: list[bytes]) -> bytes:
    writer = PdfWriter()
    for data in pdfs:
        writer.append(PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
