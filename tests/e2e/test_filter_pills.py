"""Filter pills say the logic the query runs: an OR group is one pill in
brackets, a NOT shows, columns and measures go by their labels and numbers are formatted.
Expected texts are literals."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import SALES, TIMEOUT_MS, dataset_detail, login, page_of

pytestmark = pytest.mark.e2e


def _newest(api: httpx.Client) -> int:
    options = {o["load_type"]: o["load_ids"] for o in dataset_detail(api)["vintage"]["options"]}
    return int(options["MONTH_END"][0]["load_id"])


def test_pills_show_groups_negation_labels_and_formatted_numbers(
    page: Page, api: httpx.Client
) -> None:
    spec = {
        "dataset": SALES,
        "vintage": {"load_type": "MONTH_END", "load_id": _newest(api)},
        "filters": {
            "op": "and",
            "conditions": [
                {
                    "op": "or",
                    "conditions": [
                        {"column": "department", "operator": "starts_with", "value": "Fin"},
                        {"column": "channel", "operator": "=", "value": "Online"},
                    ],
                },
                {
                    "op": "and",
                    "negate": True,
                    "conditions": [{"column": "country", "operator": "=", "value": "Japan"}],
                },
                {"column": "quantity", "operator": ">=", "value": 2},
                {"column": "total_revenue", "operator": ">", "value": 1000000},
            ],
        },
        "group_by": ["region"],
        "measures": [{"column": "revenue", "agg": "sum", "alias": "total_revenue"}],
        "sort": [{"column": "region", "direction": "asc"}],
    }
    result = page_of(api, spec)
    assert result["rows"], "the filters leave some regions"
    made = api.post("/api/reports", json={"name": f"Pills {uuid.uuid4().hex[:8]}", "spec": spec})
    assert made.status_code == 201, made.text
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/reports/{made.json()['id']}")
    pills = page.locator("#filter-pills .filter-pill")
    expect(pills).to_have_text(
        [
            "(Department starts with Fin OR Channel = Online)",
            "NOT (Country = Japan)",
            "Quantity \u2265 2",
            "Total revenue > 1,000,000.00",
        ],
        timeout=TIMEOUT_MS,
    )
    expect(page.locator("#grid [role=row][row-index]:not(.ag-row-pinned)")).to_have_count(
        len(result["rows"])
    )

    # A group's pill removes the whole group: the rest still reads the same.
    pills.nth(0).get_by_role("button").click()
    expect(pills).to_have_text(
        ["NOT (Country = Japan)", "Quantity \u2265 2", "Total revenue > 1,000,000.00"],
        timeout=TIMEOUT_MS,
    )


def test_a_top_level_or_is_one_pill(page: Page, api: httpx.Client) -> None:
    spec = {
        "dataset": SALES,
        "vintage": {"load_type": "MONTH_END", "load_id": _newest(api)},
        "filters": {
            "op": "or",
            "conditions": [
                {"column": "region", "operator": "in", "value": ["North", "South"]},
                {"column": "unit_price", "operator": "between", "value": [1000, 2500.5]},
            ],
        },
    }
    made = api.post("/api/reports", json={"name": f"Pills {uuid.uuid4().hex[:8]}", "spec": spec})
    assert made.status_code == 201, made.text
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/reports/{made.json()['id']}")
    expect(page.locator("#filter-pills .filter-pill")).to_have_text(
        ["(Region is one of North, South OR Unit price between 1,000.00 and 2,500.50)"],
        timeout=TIMEOUT_MS,
    )


def _many_filters_report(api: httpx.Client) -> str:
    """A saved report whose top AND has eight parts: an OR group, a NOT, three date
    conditions, a HAVING on a measure and two more; two more than the bar shows at first."""
    spec = {
        "dataset": SALES,
        "vintage": {"load_type": "MONTH_END", "load_id": _newest(api)},
        "filters": {
            "op": "and",
            "conditions": [
                {
                    "op": "or",
                    "conditions": [
                        {"column": "department", "operator": "starts_with", "value": "Fin"},
                        {"column": "channel", "operator": "=", "value": "Online"},
                    ],
                },
                {
                    "op": "and",
                    "negate": True,
                    "conditions": [{"column": "country", "operator": "=", "value": "Japan"}],
                },
                {
                    "column": "order_date",
                    "operator": "between",
                    "value": ["2024-01-01", "2024-06-30"],
                },
                {"column": "order_date", "operator": ">=", "value": "2024-03-01"},
                {"column": "order_date", "operator": "<", "value": "2024-06-01"},
                {"column": "total_revenue", "operator": ">", "value": 1250000.5},
                {"column": "quantity", "operator": ">=", "value": 2},
                {"column": "region", "operator": "in", "value": ["North", "South"]},
            ],
        },
        "group_by": ["region"],
        "measures": [{"column": "revenue", "agg": "sum", "alias": "total_revenue"}],
        "sort": [{"column": "region", "direction": "asc"}],
    }
    made = api.post("/api/reports", json={"name": f"Pills {uuid.uuid4().hex[:8]}", "spec": spec})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


FIRST_SIX = [
    "(Department starts with Fin OR Channel = Online)",
    "NOT (Country = Japan)",
    "Order date between 01 Jan 2024 and 30 Jun 2024",
    "Order date \u2265 01 Mar 2024",
    "Order date < 01 Jun 2024",
    "Total revenue > 1,250,000.50",
]
ALL_EIGHT = [*FIRST_SIX, "Quantity \u2265 2", "Region is one of North, South"]


def test_more_than_six_pills_collapse_into_a_more_chip_that_expands_and_collapses(
    page: Page, api: httpx.Client
) -> None:
    report = _many_filters_report(api)
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/reports/{report}")
    pills = page.locator("#filter-pills .filter-pill")
    more = page.locator("#filter-pills-more")
    expect(pills).to_have_text(FIRST_SIX, timeout=TIMEOUT_MS)
    expect(more).to_have_text("+2 more")
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(more).to_have_attribute("aria-controls", "filter-pills")
    assert more.evaluate("e => e.tagName") == "BUTTON"

    more.click()
    expect(pills).to_have_text(ALL_EIGHT, timeout=TIMEOUT_MS)
    expect(more).to_have_text("Show fewer")
    expect(more).to_have_attribute("aria-expanded", "true")

    more.click()
    expect(pills).to_have_text(FIRST_SIX, timeout=TIMEOUT_MS)
    expect(more).to_have_text("+2 more")
    expect(more).to_have_attribute("aria-expanded", "false")

    # Removing a shown pill brings the next one forward; at six the chip goes.
    pills.nth(0).get_by_role("button").click()
    expect(pills).to_have_text([*FIRST_SIX[1:], "Quantity \u2265 2"], timeout=TIMEOUT_MS)
    expect(more).to_have_text("+1 more")
    pills.nth(0).get_by_role("button").click()
    expect(pills).to_have_text(ALL_EIGHT[2:], timeout=TIMEOUT_MS)
    expect(more).to_have_count(0)


def test_the_more_chip_works_from_the_keyboard(page: Page, api: httpx.Client) -> None:
    report = _many_filters_report(api)
    login(page, "admin", ADMIN_PASSWORD)
    page.goto(f"/reports/{report}")
    more = page.get_by_role("button", name="+2 more")
    expect(more).to_be_visible(timeout=TIMEOUT_MS)
    more.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#filter-pills .filter-pill")).to_have_text(ALL_EIGHT, timeout=TIMEOUT_MS)
    expect(page.locator("#filter-pills-more")).to_have_attribute("aria-expanded", "true")
