"""The Ask box: type with completions, ask, edit and remove pills, run, and the grid shows the
rows of the edited question. The expected rows are the API's answer to a spec written out
here, not read from the page: an edit that did not reach the query fails the test."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, expect_page, login, page_of

pytestmark = pytest.mark.e2e


def _by_channel(region: str) -> dict[str, object]:
    """Revenue per channel in one region, highest first, over the default load."""
    return {
        "dataset": SALES,
        "filters": {"conditions": [{"column": "region", "operator": "=", "value": region}]},
        "group_by": ["channel"],
        "measures": [{"agg": "sum", "column": "revenue", "alias": "sum_revenue"}],
        "sort": [{"column": "sum_revenue", "direction": "desc"}],
    }


def test_ask_edit_a_pill_remove_one_and_run(page: Page, api: httpx.Client) -> None:
    west, north = page_of(api, _by_channel("West")), page_of(api, _by_channel("North"))
    assert len(west["rows"]) == 4 and west["rows"] != north["rows"], "the edit must show"
    login(page, "admin", ADMIN_PASSWORD)

    # Completions of the word being typed; a click puts it in place of that word.
    page.locator("#ask-input").press_sequentially("top 3 chan", delay=20)
    suggestion = page.locator("#ask-suggestions .ask-suggestion", has_text="Channel").first
    expect(suggestion).to_be_visible(timeout=TIMEOUT_MS)
    suggestion.click()
    expect(page.locator("#ask-input")).to_have_value("top 3 Channel ", timeout=TIMEOUT_MS)
    # The box has the focus again, the caret after the completion: typing goes on from there.
    page.wait_for_function(
        "() => { const e = document.activeElement;"
        " return e && e.id === 'ask-input' && e.selectionStart === e.value.length; }",
        timeout=TIMEOUT_MS,
    )
    page.keyboard.type("by revenue in North", delay=20)
    expect(page.locator("#ask-input")).to_have_value("top 3 Channel by revenue in North")
    page.click("#ask-submit")

    pills = page.locator("#ask-pills .ask-pill")
    region = pills.and_(page.locator("[data-kind=filter]"))
    expect(region).to_have_text("Region is North", timeout=TIMEOUT_MS)
    expect(pills.and_(page.locator("[data-kind=limit]"))).to_have_count(1)
    expect(page.locator("#grid")).to_have_count(0)  # asking runs nothing

    # Edit the filter's value, remove the limit.
    region.locator(".ask-pill-edit").click()
    field = page.locator("#ask-pills .ask-pill-input")
    expect(field).to_have_value("North", timeout=TIMEOUT_MS)
    field.fill("West")
    field.press("Enter")
    expect(region).to_have_text("Region is West", timeout=TIMEOUT_MS)
    pills.and_(page.locator("[data-kind=limit]")).locator(".ask-pill-remove").click()
    expect(pills.and_(page.locator("[data-kind=limit]"))).to_have_count(0, timeout=TIMEOUT_MS)

    page.click("#ask-run")
    expect_page(page, west, "channel", "sum_revenue")
    expect(page.locator("#filter-pills .filter-pill")).to_have_text(
        ["Region = West"], timeout=TIMEOUT_MS
    )
