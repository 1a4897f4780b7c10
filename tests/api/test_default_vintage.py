"""GET /api/datasets/{key} names the one load a dataset opens on (`default_vintage`); the
spec's `vintage.all_loads` asks for every load whatever the admin's default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.store.engine import Store
from tests.conftest import SALES_ROWS_PER_LOAD, TinyWarehouse
from tests.store.fixtures import Api, _running_api


def _detail(api: Api, key: str) -> dict[str, Any]:
    r = api.client.get(f"/api/datasets/{key}", headers=api.headers())
    assert r.status_code == 200, r.text
    detail: dict[str, Any] = r.json()
    return detail


def _set_default(api: Api, load_type: str | None) -> None:
    body = {
        "vintage": {
            "load_type_column": "load_type",
            "load_id_column": "load_id",
            "default_load_type": load_type,
        }
    }
    r = api.client.patch("/api/admin/datasets/sales", json=body, headers=api.headers())
    assert r.status_code == 200, r.text


def _count(api: Api, vintage: dict[str, Any] | None) -> Any:
    spec: dict[str, Any] = {"dataset": "sales", "measures": [{"agg": "count", "alias": "n"}]}
    if vintage is not None:
        spec["vintage"] = vintage
    return api.client.post("/api/query", json=spec, headers=api.headers())


def test_without_an_admin_default_the_newest_load_of_the_most_recent_type(api: Api) -> None:
    # DAILY's newest is 20240103, MONTH_END's 20240131: MONTH_END is the most recent type.
    assert _detail(api, "sales")["default_vintage"] == {
        "load_type": "MONTH_END",
        "load_id": 20240131,
    }


def test_the_admin_default_type_opens_on_its_newest_load(api: Api) -> None:
    _set_default(api, "DAILY")
    assert _detail(api, "sales")["default_vintage"] == {"load_type": "DAILY", "load_id": 20240103}


def test_a_dataset_without_load_columns_has_no_default_vintage(api: Api) -> None:
    assert _detail(api, "items")["default_vintage"] is None


def test_the_default_vintage_sums_one_load(api: Api) -> None:
    vintage = _detail(api, "sales")["default_vintage"]
    r = _count(api, vintage)
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == [[SALES_ROWS_PER_LOAD]]


@pytest.mark.parametrize(
    ("admin_default", "vintage", "loads"),
    [
        (None, None, 5),  # the spec's rule for an omitted vintage: all, when no default
        ("DAILY", None, 1),  # ... or the default type's newest load
        ("DAILY", {"load_type": None, "load_id": None}, 1),
        ("DAILY", {"all_loads": True}, 5),
        (None, {"all_loads": True}, 5),
        ("DAILY", {"load_type": "DAILY"}, 3),
    ],
)
def test_all_loads_is_asked_for_explicitly(
    api: Api, admin_default: str | None, vintage: dict[str, Any] | None, loads: int
) -> None:
    if admin_default:
        _set_default(api, admin_default)
    r = _count(api, vintage)
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == [[loads * SALES_ROWS_PER_LOAD]]


def test_all_loads_with_a_load_is_refused(api: Api) -> None:
    r = _count(api, {"all_loads": True, "load_type": "DAILY"})
    assert r.status_code == 422
    assert "all_loads takes no load_type or load_id" in r.json()["error"]["message"]


def test_a_new_newest_load_moves_the_default(api_on_tiny: tuple[Api, TinyWarehouse]) -> None:
    api, warehouse = api_on_tiny
    warehouse.add_sales_load("DAILY", 20240201)
    assert _detail(api, "sales")["default_vintage"] == {"load_type": "DAILY", "load_id": 20240201}


@pytest.fixture
def api_on_tiny(
    sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse
) -> Iterator[tuple[Api, TinyWarehouse]]:
    """The app over a warehouse of this test's own, which it may add loads to."""
    for api in _running_api(sqlite_store, tmp_path, data_dir=tiny_warehouse.root):
        yield api, tiny_warehouse
