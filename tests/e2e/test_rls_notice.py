"""Row-level security never empties a view in silence (issue 17, item 9): saving a rule the
admin has no attribute for warns, and a grid whose rows are all filtered out says why."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import TIMEOUT_MS, login, pick

pytestmark = pytest.mark.e2e


def test_a_rule_the_admin_cannot_pass_warns_and_the_empty_grid_says_why(
    page: Page, api: httpx.Client
) -> None:
    try:
        login(page, "admin", ADMIN_PASSWORD)
        page.click("#nav-admin")
        page.click("#nav-admin-datasets")
        page.locator('.admin-dataset-row[data-key="products"] .dataset-edit').click()
        expect(page.locator("#dataset-settings")).to_be_visible(timeout=TIMEOUT_MS)
        page.click("#rls-add")
        page.locator("#rls-rules .rls-column").select_option("category")
        page.locator("#rls-rules .rls-attribute").fill("region")
        page.click("#dataset-save")
        expect(page.locator("#admin-notice")).to_contain_text("Saved", timeout=TIMEOUT_MS)
        expect(page.locator("#rls-warning")).to_have_text(
            "You have no 'region' attribute: you will see no rows, unless admins are exempt."
        )

        page.goto("/")
        pick(page, api, "products", wait=False)
        expect(page.locator("#row-range")).to_have_text("0 rows", timeout=TIMEOUT_MS)
        expect(page.locator("#rls-empty")).to_have_text(
            "Row-level security hides every row of this dataset from you: your account has "
            "no value for an attribute it filters on. An administrator can add one."
        )
    finally:
        answer = api.patch("/api/admin/datasets/products", json={"rls": None})
        assert answer.status_code == 200, answer.text


def test_a_dataset_without_rules_shows_no_such_notice(page: Page, api: httpx.Client) -> None:
    login(page, "admin", ADMIN_PASSWORD)
    pick(page, api, "products")
    expect(page.locator("#rls-empty")).to_have_count(0)
