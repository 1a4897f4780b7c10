"""A failed Apply keeps the work: the dialog stays open with the error at
the field the error's path names, and the page on screen stays. A join the preview refuses
cannot be applied. Expected texts are literals."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import TIMEOUT_MS, cells, login, open_sales

pytestmark = pytest.mark.e2e


def test_a_bad_measure_keeps_the_dialog_open_with_the_error_under_it(
    page: Page, api: httpx.Client
) -> None:
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    before_range = page.locator("#row-range").inner_text()
    before_ids = cells(page, "order_id").all_inner_texts()

    page.click("#aggregate-open")
    page.select_option("#aggregate-group-add", "region")
    page.click("#aggregate-add-measure")
    bad = page.locator("#aggregate-modal .measure-row").nth(1)
    bad.locator("select").first.select_option("expr")
    bad.locator(".measure-expr").fill("revenue * nosuch")
    bad.locator(".measure-alias").fill("broken")
    expect(bad.locator(".measure-alias")).to_have_value("broken")
    page.wait_for_timeout(400)  # the debounced inputs reach the state
    page.click("#aggregate-apply")

    expect(bad.locator(".measure-error")).to_have_text(
        "unknown column 'nosuch' in 'global_sales'", timeout=TIMEOUT_MS
    )
    expect(page.locator("#aggregate-modal")).to_be_visible()
    expect(
        page.locator("#aggregate-modal .measure-row").nth(0).locator(".measure-error")
    ).to_have_count(0)
    # The grid still shows the rows it showed, and no banner hides them.
    expect(page.locator("#row-range")).to_have_text(before_range)
    expect(cells(page, "order_id")).to_have_text(before_ids)
    expect(page.locator("#error-banner")).to_have_count(0)

    # Fixed, the same dialog applies and closes.
    bad.locator(".measure-expr").fill("revenue * 2")
    page.wait_for_timeout(400)
    page.click("#aggregate-apply")
    expect(page.locator("#aggregate-modal")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(cells(page, "region")).to_have_text(
        ["Central", "East", "North", "South", "West"], timeout=TIMEOUT_MS
    )


def test_a_refused_join_cannot_be_applied_and_the_page_stays(page: Page, api: httpx.Client) -> None:
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    before_ids = cells(page, "order_id").all_inner_texts()
    page.click("#join-open")
    page.select_option("#join-add", "employee_roster")
    pair = page.locator("#join-modal .join-pair").first
    expect(pair.locator(".join-left")).to_have_value("global_sales.employee_id")
    expect(page.locator("#join-apply")).to_be_enabled(timeout=TIMEOUT_MS)
    # Region to region: every sale meets every employee of its region; the gate refuses it.
    pair.locator(".join-left").select_option("global_sales.region")
    pair.locator(".join-right").select_option("employee_roster.region")
    expect(page.locator("#join-error")).to_contain_text(
        "more than this service allows", timeout=TIMEOUT_MS
    )
    expect(page.locator("#join-apply")).to_be_disabled()
    page.keyboard.press("Escape")
    expect(cells(page, "order_id")).to_have_text(before_ids)


def test_a_refused_filter_keeps_the_builder_open_at_the_condition(
    page: Page, api: httpx.Client
) -> None:
    login(page, "admin", ADMIN_PASSWORD)
    open_sales(page, api)
    before_ids = cells(page, "order_id").all_inner_texts()
    page.click("#filter-open")
    row = page.locator("#filter-modal .filter-condition").first
    row.locator(".filter-column").select_option("quantity")
    row.locator(".filter-operator").select_option("in")
    row.locator("textarea").fill("1, two")
    page.click("#filter-apply")
    expect(row.locator("[role=alert]")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#filter-modal")).to_be_visible()
    expect(cells(page, "order_id")).to_have_text(before_ids)
    expect(page.locator("#filter-pills .filter-pill")).to_have_count(0)
