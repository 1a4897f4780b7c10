"""A warm tile is answered from its kept response (backend.dashboards.answers) and its
document is read once per saved version (backend.dashboards.views), yet every request is
still checked and audited: a saved change, un-sharing and a hidden dataset apply at once.
A tile runs its one query and no count beside it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.store.engine import Store
from tests.dashboards.helpers import DETAIL, create, dashboard, error, table_tile, tile_rows
from tests.store.fixtures import Api, _running_api


@pytest.fixture
def small_blocks(metadata_store: Store, tmp_path: Path, shared_warehouse: Path) -> Iterator[Api]:
    """Blocks of 10 rows fetched alone: a page of 7 of the 400 sales does not show the end,
    so a query page would count the rest beside it."""
    overrides = {"page_block_rows": 10, "page_prefetch_blocks": 1}
    yield from _running_api(metadata_store, tmp_path, data_dir=shared_warehouse, **overrides)


@pytest.fixture
def prefetching(metadata_store: Store, tmp_path: Path, shared_warehouse: Path) -> Iterator[Api]:
    """Blocks of 10 rows, a missing one fetched with the next three (for the pages after)."""
    overrides = {"page_block_rows": 10, "page_prefetch_blocks": 4}
    yield from _running_api(metadata_store, tmp_path, data_dir=shared_warehouse, **overrides)


@pytest.fixture
def ann(api: Api) -> dict[str, str]:
    return api.new_user("ann")


@pytest.fixture
def bob(api: Api) -> dict[str, str]:
    return api.new_user("bob")


def _lookups(api: Api, cache: str) -> dict[str, float]:
    """aurora_cache_lookups{cache=...} by result, from /metrics."""
    found: dict[str, float] = {}
    for line in api.client.get("/metrics", headers=api.headers()).text.splitlines():
        if line.startswith(f'aurora_cache_lookups_total{{cache="{cache}"'):
            result = line.split('result="')[1].split('"')[0]
            found[result] = float(line.rsplit(" ", 1)[1])
    return found


def _tile(api: Api, headers: dict[str, str], made: dict[str, Any], **body: Any) -> Any:
    r = api.client.post(
        f"/api/dashboards/{made['id']}/tiles/table/data", json=body, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_a_tile_runs_its_query_once_and_no_count_beside_it(small_blocks: Api) -> None:
    api = small_blocks
    ann = api.new_user("ann")
    made = create(api, ann)
    regions = {"reg": ["North", "South", "East", "West"]}  # a filter: no count from the files
    before = _lookups(api, "result")
    got = _tile(api, ann, made, page_size=7, filters=regions)
    after = _lookups(api, "result")
    assert len(got["rows"]) == 7
    assert got["total_rows"] is None and got["total_pending"] is False
    assert after.get("miss", 0) - before.get("miss", 0) == 1


def test_a_tile_fetches_the_block_its_rows_are_cut_from_and_not_the_blocks_after(
    prefetching: Api,
) -> None:
    """A page of the explorer fetches the blocks after its own for the pages to come; a
    tile shows its first page only, so it asks for its block alone (a top-N of 8,000 rows
    sorts far more than one of 1,000): the explorer's next page of the same query is then
    a query of its own, while its first page is the tile's block."""
    api = prefetching
    ann = api.new_user("ann")
    made = create(api, ann)
    regions = {"reg": ["North", "South", "East", "West"]}
    before = _lookups(api, "result")
    rows = _tile(api, ann, made, page_size=7, filters=regions)["rows"]
    assert _lookups(api, "result").get("miss", 0) - before.get("miss", 0) == 1
    url = f"/api/dashboards/{made['id']}/tiles/table/spec"
    spec = api.client.post(url, json={"filters": regions}, headers=ann).json()["spec"]
    for page, result in ((1, "hit"), (2, "miss")):
        before = _lookups(api, "result")
        body = {**spec, "page": page, "page_size": 10}
        r = api.client.post("/api/query", json=body, headers=ann)
        assert r.status_code == 200, r.text
        assert _lookups(api, "result").get(result, 0) - before.get(result, 0) == 1, page
        if page == 1:
            assert r.json()["rows"][:7] == rows


def test_a_warm_tile_is_sent_as_kept_and_audited_every_time(api: Api, ann: dict[str, str]) -> None:
    made = create(api, ann)
    first = _tile(api, ann, made)
    before = _lookups(api, "tile")
    second = _tile(api, ann, made)
    assert second == first
    assert _lookups(api, "tile").get("hit", 0) - before.get("hit", 0) == 1
    runs = [r for r in api.audit_rows(action="query.run") if r["username"] == "ann"]
    assert len(runs) == 2


def test_a_saved_change_to_a_tile_is_served_at_once(api: Api, ann: dict[str, str]) -> None:
    made = create(api, ann)
    ascending = [r[0] for r in _tile(api, ann, made)["rows"]]
    newest_first = {**DETAIL, "sort": [{"column": "order_id", "direction": "desc"}]}
    changed = dashboard()
    changed["tabs"][0]["tiles"][1] = table_tile(spec=newest_first)
    r = api.client.put(f"/api/dashboards/{made['id']}", json=changed, headers=ann)
    assert r.status_code == 200, r.text
    assert [r[0] for r in _tile(api, ann, made)["rows"]] == sorted(ascending, reverse=True)


def test_unsharing_a_warm_dashboard_refuses_its_tiles_at_once(
    api: Api, ann: dict[str, str], bob: dict[str, str]
) -> None:
    made = create(api, ann, shared=True)
    assert tile_rows(api, bob, made["id"], "table")
    r = api.client.put(f"/api/dashboards/{made['id']}", json=dashboard(), headers=ann)
    assert r.status_code == 200, r.text
    error(
        api.client.post(f"/api/dashboards/{made['id']}/tiles/table/data", json={}, headers=bob), 404
    )


def test_hiding_a_dataset_refuses_a_warm_tile_at_once(
    api: Api, ann: dict[str, str], bob: dict[str, str]
) -> None:
    made = create(api, ann, shared=True)
    assert tile_rows(api, bob, made["id"], "table")
    r = api.client.patch(
        "/api/admin/datasets/sales", json={"visibility": {"users": ["ann"]}}, headers=api.headers()
    )
    assert r.status_code == 200, r.text
    error(
        api.client.post(f"/api/dashboards/{made['id']}/tiles/table/data", json={}, headers=bob), 404
    )
    assert tile_rows(api, ann, made["id"], "table")
