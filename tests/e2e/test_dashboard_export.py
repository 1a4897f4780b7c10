"""A dashboard exported from its page's Export menu by a viewer under row-level security:
the PDF (headless Chromium printing the UI's own page, signed in with a print token as that
viewer) has one page per tab, every tile's title as text, and only the viewer's region; the
XLSX workbook holds only their slice too."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import openpyxl
import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.helpers import SALES, TIMEOUT_MS, dataset_detail, login

pytestmark = pytest.mark.e2e

PASSWORD = "Viewer-pass-12"
REGIONS = ("North", "South", "East", "West", "Central")
EXPORT_MS = 180_000  # a PDF launches a browser and prints every tab on a loaded machine


def _vintage(api: httpx.Client) -> dict[str, Any]:
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    return {"load_type": "MONTH_END", "load_id": int(options["MONTH_END"][0]["load_id"])}


def _tile(tile_id: str, title: str, spec: dict[str, Any], **extra: Any) -> dict[str, Any]:
    position = {"x": 0 if tile_id != "orders" else 6, "y": 0, "w": 6, "h": 6}
    return {
        "kind": "report",
        "id": tile_id,
        "title": title,
        "position": position,
        "spec": spec,
        **extra,
    }


def _dashboard(api: httpx.Client, tag: str) -> dict[str, Any]:
    """Two tabs: a bar chart and a table by region; a KPI. Shared, so the viewer sees it."""
    vintage, revenue = _vintage(api), [{"column": "revenue", "agg": "sum", "alias": "revenue"}]
    by_region = {
        "dataset": SALES,
        "vintage": vintage,
        "group_by": ["region"],
        "measures": revenue,
        "sort": [{"column": "region"}],
    }
    orders = {
        "dataset": SALES,
        "vintage": vintage,
        "columns": ["order_id", "region", "revenue"],
        "sort": [{"column": "order_id"}],
    }
    total = {"dataset": SALES, "vintage": vintage, "measures": revenue}
    chart = {"kind": "bar", "x": "region", "y": "revenue"}
    tabs = [
        {
            "id": "main",
            "title": "Main",
            "tiles": [
                _tile("regions", f"Revenue by region {tag}", by_region, view="chart", chart=chart),
                _tile("orders", f"Latest orders {tag}", orders, view="table"),
            ],
        },
        {
            "id": "totals",
            "title": "Totals",
            "tiles": [
                _tile(
                    "total",
                    f"Total revenue {tag}",
                    total,
                    view="kpi",
                    chart={"kind": "kpi", "y": "revenue"},
                ),
            ],
        },
    ]
    body = {"name": f"Delivery {tag}", "shared": True, "tabs": tabs}
    r = api.post("/api/dashboards", json=body)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


@pytest.fixture
def north_viewer(api: httpx.Client) -> Iterator[str]:
    """A viewer who sees only North under an RLS rule on region (admins exempt); the rule
    and the user go afterwards, so other tests see the dataset as before."""
    before = api.get(f"/api/admin/datasets/{SALES}").json()["settings"]
    rule = {"rls": [{"column": "region", "attribute": "region"}], "rls_admin_exempt": True}
    assert api.patch(f"/api/admin/datasets/{SALES}", json=rule).status_code == 200
    name = f"north{uuid.uuid4().hex[:8]}"
    body = {
        "username": name,
        "password": PASSWORD,
        "role": "viewer",
        "attributes": {"region": ["North"]},
    }
    made = api.post("/api/admin/users", json=body)
    assert made.status_code == 201, made.text
    try:
        yield name
    finally:
        keep = {"rls": before.get("rls"), "rls_admin_exempt": before.get("rls_admin_exempt")}
        assert api.patch(f"/api/admin/datasets/{SALES}", json=keep).status_code == 200
        api.delete(f"/api/admin/users/{made.json()['id']}")


def _export(page: Page, item: str) -> bytes:
    page.click("#dashboard-export")
    page.click(item)
    link = page.locator("#dashboard-export-download")
    try:
        expect(link).to_be_visible(timeout=EXPORT_MS)
    except AssertionError:
        error = page.locator("#dashboard-export-error")
        raise AssertionError(f"no download; error: {error.all_inner_texts()}") from None
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        link.click()
    path = download.value.path()
    assert path is not None
    return path.read_bytes()


def test_a_viewer_exports_the_pdf_and_the_workbook_of_their_slice(
    page: Page, api: httpx.Client, north_viewer: str
) -> None:
    tag = uuid.uuid4().hex[:6]
    made = _dashboard(api, tag)
    login(page, north_viewer, PASSWORD)
    page.goto(f"/dashboards/{made['id']}")
    expect(page.locator(".dashboard-tile .tile-chart")).to_be_visible(timeout=TIMEOUT_MS)

    started = time.monotonic()
    pdf = PdfReader(io.BytesIO(_export(page, "#dashboard-export-pdf")))
    print(f"PDF of 2 tabs in {time.monotonic() - started:.1f} s")
    assert len(pdf.pages) == 2, "one page per tab"
    main, totals = (p.extract_text() for p in pdf.pages)
    assert f"Revenue by region {tag}" in main and f"Latest orders {tag}" in main
    assert f"Total revenue {tag}" in totals
    assert "North" in main
    assert [r for r in REGIONS[1:] if r in main] == [], "only the viewer's region is printed"

    book = openpyxl.load_workbook(io.BytesIO(_export(page, "#dashboard-export-xlsx")))
    assert book.sheetnames == [
        f"Revenue by region {tag}",
        f"Latest orders {tag}",
        f"Total revenue {tag}",
    ]
    regions = [row[0] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert regions == ["North"]
    orders = {row[1] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert orders == {"North"}
