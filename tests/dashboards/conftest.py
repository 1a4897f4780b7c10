"""Fixtures shared by the dashboard tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.dashboards.delivery_fixtures import delivery_warehouse
from tests.store.fixtures import STORES, Api, own_store_api


@pytest.fixture(scope="module", params=STORES)
def refusing_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Api, dict[str, str]]]:
    """One app per module and store, and its viewer `ann`, for tests whose requests are all
    refused: what they create first (a report, a dashboard) is theirs alone by its id."""
    folder = tmp_path_factory.mktemp("refusing")
    root = delivery_warehouse(folder / "warehouse")
    for api in own_store_api(folder, request.param, data_dir=root):
        yield api, api.new_user("ann")
