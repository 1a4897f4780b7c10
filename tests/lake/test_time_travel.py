"""Delta tables in the warehouse, through the HTTP API: the current version is exactly the
rows its log names (never every file left in the folder), `as_of` reads a past version by
number or by time, `/history` lists the commits, and row-level security holds on every
version. The expected rows come from the batches the test wrote, not from Aurora."""

from __future__ import annotations

import io
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import CommitProperties, DeltaTable, write_deltalake

from backend.store.engine import Store
from tests.store.fixtures import Api, _running_api

PARTS = ["load_type", "load_id"]
FIRST = [
    (1, "North", 10.5, "DAILY", 1),
    (2, "South", 20.0, "DAILY", 1),
    (3, "North", 30.25, "DAILY", 1),
    (4, "East", 40.0, "DAILY", 1),
]
SECOND = [(5, "North", 50.0, "DAILY", 2), (6, "South", 60.0, "DAILY", 2)]
# What each version holds, by the writes below: v0 FIRST, v1 + SECOND, v2 without id 1.
VERSIONS = {0: FIRST, 1: FIRST + SECOND, 2: [r for r in FIRST + SECOND if r[0] != 1]}


def _batch(rows: list[tuple[Any, ...]]) -> pa.Table:
    names = ["id", "region", "amount", "load_type", "load_id"]
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})


def _commit(user: str, load: str) -> CommitProperties:
    return CommitProperties(custom_metadata={"aurora.user": user, "aurora.load_id": load})


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[datetime]]:
    """A warehouse with Delta table `ledger` at version 2, `secure` a copy of it (row-level
    security on region), and plain Parquet `plain`; returns it and the three commit times."""
    root = tmp_path_factory.mktemp("lake") / "warehouse"
    table = str(root / "ledger")
    write_deltalake(table, _batch(FIRST), partition_by=PARTS, commit_properties=_commit("ann", "1"))
    write_deltalake(table, _batch(SECOND), mode="append", partition_by=PARTS)
    DeltaTable(table).delete("id = 1")
    shutil.copytree(table, root / "secure")
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT 1 AS id) TO '{root}/plain.parquet' (FORMAT parquet)")
    times = [
        datetime.fromtimestamp(h["timestamp"] / 1000, UTC) for h in DeltaTable(table).history()
    ]
    return root, sorted(times)


@pytest.fixture(scope="module")
def api(
    metadata_store: Store, tmp_path_factory: pytest.TempPathFactory, lake: tuple[Path, Any]
) -> Iterator[Api]:
    for api in _running_api(metadata_store, tmp_path_factory.mktemp("app"), data_dir=lake[0]):
        r = api.client.patch(
            "/api/admin/datasets/secure",
            json={"rls": [{"column": "region", "attribute": "region"}]},
            headers=api.headers(),
        )
        assert r.status_code == 200, r.text
        api.new_user("nora", attributes={"region": ["North"]})
        yield api


def _headers(api: Api, user: str) -> dict[str, str]:
    return api.headers() if user == "admin" else api.headers(user, "viewer-test-password")


def _query(api: Api, user: str = "admin", dataset: str = "ledger", **extra: Any) -> Any:
    spec = {"dataset": dataset, "sort": [{"column": "id"}], "page_size": 100, **extra}
    r = api.client.post("/api/query", json=spec, headers=_headers(api, user))
    return r


def _ids(api: Api, user: str = "admin", dataset: str = "ledger", **extra: Any) -> list[int]:
    r = _query(api, user, dataset, vintage={"all_loads": True}, columns=["id"], **extra)
    assert r.status_code == 200, r.text
    return [row[0] for row in r.json()["rows"]]


def _expected(version: int, region: str | None = None) -> list[int]:
    return [r[0] for r in VERSIONS[version] if region is None or r[1] == region]


def test_a_delta_table_reads_its_current_version_not_every_file_left_in_its_folder(
    api: Api, lake: tuple[Path, Any]
) -> None:
    with duckdb.connect() as con:
        on_disk = con.execute(f"SELECT count(*) FROM '{lake[0]}/ledger/**/*.parquet'").fetchall()
    assert on_disk[0][0] > len(VERSIONS[2]), "the deleted row's old file is still on disk"
    assert _ids(api) == _expected(2)
    spec = {"dataset": "ledger", "vintage": {"all_loads": True}}
    count = {**spec, "measures": [{"agg": "count", "alias": "n"}]}
    total = api.client.post("/api/query", json=count, headers=api.headers())
    assert total.json()["rows"] == [[len(VERSIONS[2])]], total.text


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_as_of_a_version_reads_that_versions_rows(api: Api, version: int) -> None:
    assert _ids(api, as_of={"version": version}) == _expected(version)


def test_as_of_a_time_reads_the_newest_version_committed_by_then(
    api: Api, lake: tuple[Path, list[datetime]]
) -> None:
    times = lake[1]
    for version, committed in enumerate(times):
        moment = (committed + timedelta(milliseconds=0)).isoformat()
        assert _ids(api, as_of={"timestamp": moment}) == _expected(version), version
    assert _ids(api, as_of={"timestamp": "9999-12-31T23:59:59Z"}) == _expected(2), "the latest"


def test_current_and_past_versions_do_not_share_cached_results(api: Api) -> None:
    for version in (2, 0, 1, 0, 2):
        assert _ids(api, as_of={"version": version}) == _expected(version)
        assert _ids(api) == _expected(2)


def test_row_level_security_holds_on_every_version(api: Api) -> None:
    for version in VERSIONS:
        got = _ids(api, "nora", "secure", as_of={"version": version})
        assert got == _expected(version, "North"), version
    assert _ids(api, "nora", "secure") == _expected(2, "North")
    assert _ids(api, "admin", "secure", as_of={"version": 0}) == [], "no attribute, no rows"


def test_history_lists_the_commits_newest_first_with_who_and_how_many_rows(api: Api) -> None:
    r = api.client.get("/api/datasets/ledger/history", headers=api.headers())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["versioned"] is True and body["current_version"] == 2
    got = [
        (v["version"], v["operation"], v["rows_added"], v["rows_removed"], v["user"], v["load_id"])
        for v in body["versions"]
    ]
    assert got == [
        (2, "DELETE", None, 1, None, None),
        (1, "WRITE", 2, None, None, None),
        (0, "WRITE", 4, None, "ann", "1"),
    ]


def test_history_hides_whole_table_counts_from_a_caller_under_row_level_security(
    api: Api,
) -> None:
    r = api.client.get("/api/datasets/secure/history", headers=_headers(api, "nora"))
    assert r.status_code == 200, r.text
    assert [v["version"] for v in r.json()["versions"]] == [2, 1, 0]
    assert {v["rows_added"] for v in r.json()["versions"]} == {None}


def test_a_dataset_without_versions_has_an_empty_history(api: Api) -> None:
    r = api.client.get("/api/datasets/plain/history", headers=api.headers())
    assert r.status_code == 200, r.text
    assert r.json() == {
        "dataset": "plain",
        "versioned": False,
        "current_version": None,
        "versions": [],
    }


@pytest.mark.parametrize(
    ("dataset", "as_of", "status"),
    [
        ("ledger", {"version": 99}, 400),
        ("ledger", {"timestamp": "2001-01-01T00:00:00Z"}, 400),
        ("ledger", {"timestamp": "0001-01-01T00:00:00"}, 400),
        ("ledger", {"version": 2**62}, 400),
        ("plain", {"version": 0}, 400),
        ("ledger", {"version": 0, "timestamp": "2030-01-01T00:00:00Z"}, 422),
        ("ledger", {}, 422),
        ("ledger", {"version": -1}, 422),
        ("ledger", {"version": 0, "branch": "x"}, 422),
    ],
)
def test_bad_as_of_is_a_client_error_in_the_error_shape(
    api: Api, dataset: str, as_of: dict[str, Any], status: int
) -> None:
    spec = {"dataset": dataset, "as_of": as_of, "vintage": {"all_loads": True}}
    r = api.client.post("/api/query", json=spec, headers=api.headers())
    assert r.status_code == status, r.text
    assert r.json()["error"]["message"]


def test_a_new_commit_is_read_without_a_restart_and_old_versions_stay_readable(
    api: Api, lake: tuple[Path, Any], metadata_store: Store
) -> None:
    name = f"growing_{metadata_store.url.split(':')[0].split('+')[0]}"  # one per store
    shutil.copytree(lake[0] / "ledger", lake[0] / name)
    table = str(lake[0] / name)
    write_deltalake(table, _batch([(7, "West", 70.0, "ME", 3)]), mode="append", partition_by=PARTS)
    deadline = time.monotonic() + 10
    while _ids(api, dataset=name) != [*_expected(2), 7] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _ids(api, dataset=name) == [*_expected(2), 7]
    assert _ids(api, dataset=name, as_of={"version": 2}) == _expected(2)


def _export_ids(api: Api, spec: dict[str, Any]) -> list[int]:
    body = {"query": {**spec, "columns": ["id"], "sort": [{"column": "id"}]}, "format": "parquet"}
    r = api.client.post("/api/exports", json=body, headers=api.headers())
    assert r.status_code == 202, r.text
    url = f"/api/exports/{r.json()['id']}"
    deadline = time.monotonic() + 30
    while (status := api.client.get(url, headers=api.headers()).json())["status"] != "done":
        assert status["status"] not in ("failed", "cancelled"), status
        assert time.monotonic() < deadline
        time.sleep(0.05)
    file = api.client.get(f"{url}/download", headers=api.headers())
    ids: list[int] = pq.read_table(io.BytesIO(file.content)).column("id").to_pylist()
    return ids


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_counts_and_exports_read_the_same_version(api: Api, version: int) -> None:
    spec = {"dataset": "ledger", "vintage": {"all_loads": True}, "as_of": {"version": version}}
    r = api.client.post("/api/count", json=spec, headers=api.headers())
    assert r.status_code == 200, r.text
    assert r.json()["total_rows"] == len(VERSIONS[version])
    assert _export_ids(api, spec) == _expected(version)


def test_more_past_versions_than_views_kept_all_stay_readable(
    api: Api, lake: tuple[Path, Any], metadata_store: Store
) -> None:
    """Past-version views are kept for the newest 32 asked; a spec asked again after its
    view was dropped compiles again and registers it again, never naming a dropped view."""
    name = f"many_{metadata_store.url.split(':')[0].split('+')[0]}"
    table = str(lake[0] / name)
    for i in range(40):
        write_deltalake(table, _batch([(i, "North", 1.0, "DAILY", 1)]), mode="append")
    for version in [0, *range(1, 40), 0, 5]:
        assert _ids(api, dataset=name, as_of={"version": version}) == list(range(version + 1))
    spec = {"dataset": name, "vintage": {"all_loads": True}, "as_of": {"version": 1}}
    assert _export_ids(api, spec) == [0, 1], "an export compiles the spec again and runs it"
