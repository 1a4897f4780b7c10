"""Z-order through the admin maintenance route: optimize with `"zorder": true` rewrites the
table clustered on the columns the indexing advice names most (the audit log's filter
counts), as one new version with the same rows."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from tests.lake.test_maintenance import _run
from tests.store.fixtures import Api

# A table per test run: the warehouse is the module's, shared by the store parameters, and a
# second run's appends on the first's Z-ordered table would make five files, not four.
_zordered = (f"staff_z{i}" for i in itertools.count())


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("zorder") / "warehouse"
    root.mkdir(parents=True)
    return root


def _table(warehouse: Path, key: str) -> Path:
    """Four appends of shuffled employee ids: four files, none of them sorted."""
    ids = list(range(400))
    random.Random(7).shuffle(ids)
    for part in range(4):
        chunk = ids[part * 100 : (part + 1) * 100]
        batch = {"employee_id": chunk, "region": [f"R{i % 5}" for i in chunk]}
        write_deltalake(str(warehouse / key), pa.table(batch), mode="append")
    return warehouse / key


def _filter(api: Api, key: str, column: str, value: object) -> None:
    spec = {
        "dataset": key,
        "filters": {"conditions": [{"column": column, "operator": "=", "value": value}]},
    }
    assert api.client.post("/api/query", json=spec, headers=api.headers()).status_code == 200


def _ids(api: Api, key: str) -> list[int]:
    spec = {"dataset": key, "columns": ["employee_id"], "page_size": 1000}
    rows = api.client.post("/api/query", json=spec, headers=api.headers()).json()["rows"]
    return sorted(r[0] for r in rows)


def test_zorder_clusters_the_table_on_the_column_queries_filter_most(
    api: Api, warehouse: Path
) -> None:
    key = next(_zordered)
    folder = _table(warehouse, key)
    for value in (3, 5):
        _filter(api, key, "employee_id", value)
    api.audit_rows()  # the usage is in the audit log the advice reads

    job = _run(api, key, {"action": "optimize", "zorder": True})

    assert job["status"] == "done", job
    assert job["report"]["zorder"] == ["employee_id"]
    assert (job["report"]["files_before"], job["report"]["files_after"]) == (4, 1)
    (data,) = DeltaTable(str(folder)).file_uris()
    written = pq.read_table(data.removeprefix("file://")).column("employee_id").to_pylist()
    assert written == sorted(written), "one column's Z-curve is that column's order"
    assert _ids(api, key) == list(range(400))
    history = api.client.get(f"/api/datasets/{key}/history", headers=api.headers()).json()
    assert history["versions"][0]["operation"] == "OPTIMIZE"


def test_zorder_needs_a_column_that_queries_used_and_goes_with_optimize_only(
    api: Api, warehouse: Path
) -> None:
    _table(warehouse, "staff_unused")
    h = api.headers()
    url = "/api/admin/datasets/staff_unused/maintenance"
    r = api.client.post(url, json={"action": "optimize", "zorder": True}, headers=h)
    assert r.status_code == 400
    assert "nothing to Z-order on" in r.json()["error"]["message"]
    r = api.client.post(url, json={"action": "vacuum", "zorder": True}, headers=h)
    assert r.status_code == 400
    assert "optimize action only" in r.json()["error"]["message"]
