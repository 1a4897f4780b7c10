"""Change data capture from PostgreSQL in the browser: an admin registers a table of the real
PostgreSQL as a source on the datasets page, polls it with Run now and reads the rows merged
there and the rows in the explorer; a change in PostgreSQL shows after the next run; a bad
source is refused beside its field, and a source that breaks later says why in its row.

Each test makes its own table in a schema of its own, dropped afterwards. Sources are
registered paused (Poll automatically off), so only Run now polls them: the API's ticker
never takes the first rows before the test's click.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect
from psycopg import sql

from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.helpers import TIMEOUT_MS, cells, login
from tests.required import PG_URL, pg_connect

PASSWORD = "pw-" + secrets.token_hex(6)  # trust auth ignores it; the page must never show it
TOUCH = "updated_at = clock_timestamp()"  # what the source's writers do on each change


@pytest.fixture
def pg_schema() -> Iterator[str]:
    name = f"e2e_cdc_{secrets.token_hex(4)}"
    with pg_connect(autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    yield name
    with pg_connect(autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def _sql(statement: str, schema: str) -> None:
    with pg_connect(autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(t=sql.Identifier(schema, "orders")))


@pytest.fixture
def orders(pg_schema: str) -> str:
    """`<schema>.orders`: key id, watermark updated_at, three rows."""
    _sql(
        "CREATE TABLE {t} (id int PRIMARY KEY, customer text, amount numeric(10,2),"
        " updated_at timestamptz NOT NULL DEFAULT clock_timestamp())",
        pg_schema,
    )
    _sql("INSERT INTO {t} (id, customer) VALUES (1, 'Ann'), (2, 'Bo'), (3, 'Cy')", pg_schema)
    return pg_schema


def _url() -> str:
    return PG_URL.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@", 1)


def _admin_datasets(page: Page) -> None:
    page.click("#nav-admin")
    page.click("#nav-admin-datasets")
    expect(page.locator("#cdc-sources")).to_be_visible(timeout=TIMEOUT_MS)


def _fill_source(page: Page, key: str, schema: str, key_column: str = "id") -> None:
    page.click("#cdc-add")
    expect(page.locator("#cdc-modal")).to_be_visible(timeout=TIMEOUT_MS)
    page.fill("#cdc-dataset", key)
    page.fill("#cdc-schema", schema)
    page.fill("#cdc-table", "orders")
    page.fill("#cdc-key-column", key_column)
    page.fill("#cdc-watermark-column", "updated_at")
    expect(page.locator("#cdc-url")).to_have_attribute("type", "password")  # masked while typed
    page.fill("#cdc-url", _url())
    page.click("#cdc-enabled")  # paused: a controlled box, so click and wait for the state
    expect(page.locator("#cdc-enabled")).not_to_be_checked(timeout=TIMEOUT_MS)
    page.click("#cdc-save")


def _row(page: Page, key: str) -> Locator:
    return page.locator(f'.cdc-row[data-dataset="{key}"]')


def _run_now(page: Page, key: str, outcome: str) -> Locator:
    row = _row(page, key)
    row.locator(".cdc-run").click()
    expect(row.locator(".cdc-outcome")).to_have_text(outcome, timeout=TIMEOUT_MS)
    return row


def _see_customers(page: Page, api: httpx.Client, key: str, expected: list[str]) -> None:
    """Open the dataset in the explorer and wait until its grid shows `expected` (any
    order): a grid still holding an earlier version's rows must not pass for the new one."""
    page.goto("/")
    label = str(api.get(f"/api/datasets/{key}").json()["label"])
    page.locator("#dataset-picker [role=option]", has_text=label).first.click()
    count = len(expected)
    expect(page.locator("#row-range")).to_have_text(
        f"1\u2013{count} of {count}", timeout=TIMEOUT_MS
    )
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while sorted(cells(page, "customer").all_inner_texts()) != expected:
        assert time.monotonic() < deadline, cells(page, "customer").all_inner_texts()
        page.wait_for_timeout(200)


@pytest.mark.deployed  # also with the ARQ worker's poll cron, PostgreSQL metadata, Reflex in Redis
def test_a_postgres_table_registered_and_run_from_the_admin_page_shows_its_rows_and_changes(
    page: Page, api: httpx.Client, orders: str
) -> None:
    key = f"cdc_orders_{uuid.uuid4().hex[:6]}"
    login(page, "admin", ADMIN_PASSWORD)
    _admin_datasets(page)
    _fill_source(page, key, orders)
    expect(page.locator("#cdc-notice")).to_have_text(
        f"Added the source of '{key}'.", timeout=TIMEOUT_MS
    )
    row = _row(page, key)
    expect(row.locator(".cdc-table")).to_have_text(f"{orders}.orders")
    expect(row.locator(".cdc-key")).to_have_text("id")
    expect(row.locator(".cdc-watermark-column")).to_have_text("updated_at")
    expect(row.locator(".cdc-last-run")).to_have_text("never")
    expect(row.locator(".cdc-paused")).to_have_text("paused")

    _run_now(page, key, "New version 1: 3 rows merged.")
    expect(row.locator(".cdc-rows")).to_have_text("3 rows merged")
    expect(row.locator(".cdc-status")).to_have_text("OK")
    expect(row.locator(".cdc-watermark")).to_contain_text(" UTC")
    assert PASSWORD not in page.content()
    _see_customers(page, api, key, ["Ann", "Bo", "Cy"])

    _sql(f"UPDATE {{t}} SET customer = 'Ann Able', {TOUCH} WHERE id = 1", orders)
    _admin_datasets(page)
    _run_now(page, key, "New version 2: 1 row merged.")
    _run_now(page, key, "Nothing new in the source.")
    expect(row.locator(".cdc-rows")).to_have_text("nothing new")
    _see_customers(page, api, key, ["Ann Able", "Bo", "Cy"])

    _admin_datasets(page)
    row.locator(".cdc-edit").click()
    expect(page.locator("#cdc-url")).to_have_value("")  # write-only: never filled in
    expect(page.locator("#cdc-dataset")).to_be_disabled()
    page.fill("#cdc-interval", "300")
    page.click("#cdc-save")
    expect(row.locator(".cdc-every")).to_have_text("every 5 min", timeout=TIMEOUT_MS)
    assert PASSWORD not in page.content()

    row.locator(".cdc-delete").click()
    expect(row).to_contain_text(f"Stop polling into {key}? The dataset stays.")
    row.locator(".cdc-delete-confirm").click()
    expect(page.locator("#cdc-notice")).to_contain_text(f"Stopped polling into '{key}'")
    expect(row).to_have_count(0)
    expect(page.locator(f'.admin-dataset-row[data-key="{key}"]')).to_have_count(1)


def test_a_bad_source_is_refused_beside_its_field_and_a_broken_one_says_why(
    page: Page, orders: str
) -> None:
    key = f"cdc_bad_{uuid.uuid4().hex[:6]}"
    login(page, "admin", ADMIN_PASSWORD)
    _admin_datasets(page)
    _fill_source(page, key, orders, key_column="order_no")
    says = f"The key column 'order_no' is not in {orders}.orders."
    expect(page.locator('.cdc-field-error[data-field="key_column"]')).to_have_text(
        says, timeout=TIMEOUT_MS
    )
    expect(page.locator("#cdc-form-error")).to_have_count(0)  # said once, beside its field
    expect(_row(page, key)).to_have_count(0)

    page.fill("#cdc-key-column", "id")
    page.click("#cdc-save")
    expect(page.locator("#cdc-modal")).to_have_count(0, timeout=TIMEOUT_MS)
    _run_now(page, key, "New version 1: 3 rows merged.")

    _sql("ALTER TABLE {t} ADD COLUMN region text", orders)
    _sql(f"UPDATE {{t}} SET region = 'North', {TOUCH} WHERE id = 2", orders)
    reason = "The source has a column the dataset lacks: 'region'."
    row = _run_now(page, key, f"Failed: {reason}")
    expect(row.locator(".cdc-status")).to_have_text("Failed")
    expect(row.locator(".cdc-last-error")).to_have_text(reason)
    expect(row.locator(".cdc-rows")).to_have_text("")
    expect(row.locator(".cdc-run")).to_be_enabled()  # the page carries on
