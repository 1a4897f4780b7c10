"""The demo's sales declare their key (order_id) in their own Delta table, so with no admin
setting an erase and a Z-order through the API keep the files cut by order id ranges, and a
push of changes is keyed by it; a `primary_key` setting overrides it. Both Z-order paths (a
keyed one written by Aurora, delta-rs's own) show in the history as the same OPTIMIZE."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from backend.demo import build_demo
from backend.lake import layout, maintenance
from tests.lake.test_maintenance import _run
from tests.store.fixtures import Api

ROWS, CHUNK, NEWEST = 40_000, 16_000, 4_000
CHANGED = 1_000
ROWS_PER_FILE = 600  # the compaction target, in rows: several files per load
_copies = (f"sales_{i}" for i in itertools.count())
_TEXT = ("order_date", "unit_price", "discount", "revenue", "cost", "revenue_local")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo_key") / "warehouse"
    build_demo(out, ROWS, progress=lambda _: None, chunk_rows=CHUNK, newest_rows=NEWEST)
    return out


@pytest.fixture
def sales(warehouse: Path) -> Path:
    """A copy of the demo's sales under a key of its own (its table properties with it), a
    compaction target of ROWS_PER_FILE rows."""
    folder = Path(shutil.copytree(warehouse / "global_sales", warehouse / next(_copies)))
    per_row = layout.bytes_per_row(DeltaTable(str(folder)))
    maintenance.set_compact_target(folder, int(per_row * ROWS_PER_FILE), user="test")
    return folder


def _sql(folder: Path, select: str) -> list[dict[str, Any]]:
    files = DeltaTable(str(folder)).file_uris()
    with duckdb.connect() as con:
        source = f"read_parquet({files!r}, hive_partitioning = true)"
        return con.sql(select.format(source=source)).to_arrow_table().to_pylist()


def _busiest_employee(folder: Path) -> int:
    top = "SELECT employee_id FROM {source} GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    return int(_sql(folder, top)[0]["employee_id"])


def _push(api: Api, folder: Path, changes: list[dict[str, Any]]) -> Any:
    body = {"batch_id": f"b-{len(DeltaTable(str(folder)).history())}", "changes": changes}
    return api.client.post(f"/api/datasets/{folder.name}/changes", json=body, headers=api.headers())


def _push_newest(api: Api, folder: Path) -> tuple[int, dict[str, Any]]:
    """Upsert the newest CHANGED orders (whole rows, one more item each) with no
    primary_key setting; the loads they are in and the merge's metrics."""
    # decimals and dates as text: JSON has neither, the merge casts them to the column's type
    as_text = ", ".join(f"{c}::VARCHAR AS {c}" for c in _TEXT)
    rows = _sql(
        folder,
        f"SELECT * REPLACE (quantity + 1 AS quantity, {as_text}) "
        f"FROM {{source}} ORDER BY order_id DESC LIMIT {CHANGED}",
    )
    r = _push(api, folder, [{"op": "upsert", "row": row} for row in rows])
    assert r.status_code == 200, r.text
    assert r.json()["updated"] == CHANGED
    metrics: dict[str, Any] = DeltaTable(str(folder)).history(1)[0]["operationMetrics"]
    return len({(row["load_type"], row["load_id"]) for row in rows}), metrics


def test_an_erase_of_the_demos_sales_keeps_order_id_ranges_with_no_setting(
    api: Api, sales: Path
) -> None:
    url = f"/api/admin/datasets/{sales.name}/erase"
    who = {"column": "employee_id", "operator": "=", "value": _busiest_employee(sales)}
    filters = {"conditions": [who]}
    seen = api.client.post(url, json={"filters": filters}, headers=api.headers()).json()
    body = {"filters": filters, "confirm": True, "expected_rows": seen["rows"]}

    r = api.client.post(url, json=body, headers=api.headers())

    assert r.status_code == 200, r.text
    loads, metrics = _push_newest(api, sales)
    assert metrics["num_target_files_removed"] == loads  # the newest range's file per load
    assert metrics["num_output_rows"] < ROWS / 3  # not the loads' 40,000 rows


def test_a_zorder_of_the_demos_sales_keeps_order_id_ranges_and_shows_as_optimize(
    api: Api, sales: Path
) -> None:
    who = {"column": "employee_id", "operator": "=", "value": _busiest_employee(sales)}
    spec = {"dataset": sales.name, "filters": {"conditions": [who]}}
    assert api.client.post("/api/query", json=spec, headers=api.headers()).status_code == 200
    api.audit_rows()  # the advice reads the usage from the audit log

    job = _run(api, sales.name, {"action": "optimize", "zorder": True})

    assert job["status"] == "done" and job["report"]["zorder"] == ["employee_id"], job
    url = f"/api/datasets/{sales.name}/history"
    newest = api.client.get(url, headers=api.headers()).json()["versions"][0]
    assert newest["version"] == job["report"]["version"]
    shown = (newest["operation"], newest["rows_added"], newest["rows_removed"])
    assert shown == ("OPTIMIZE", None, None)  # same rows: not a WRITE of every row
    loads, metrics = _push_newest(api, sales)
    assert metrics["num_target_files_removed"] == loads
    assert metrics["num_output_rows"] < ROWS / 3


def test_an_unkeyed_zorder_shows_in_the_history_as_the_keyed_one_does(
    api: Api, warehouse: Path
) -> None:
    folder = warehouse / next(_copies)
    for part in range(3):  # three files, no key declared or set
        ids = list(range(part, 300, 3))
        write_deltalake(str(folder), pa.table({"employee_id": ids}), mode="append")
    spec = {"dataset": folder.name, "filters": {"conditions": [
        {"column": "employee_id", "operator": "=", "value": 4}]}}  # fmt: skip
    assert api.client.post("/api/query", json=spec, headers=api.headers()).status_code == 200
    api.audit_rows()

    job = _run(api, folder.name, {"action": "optimize", "zorder": True})

    assert job["status"] == "done", job
    url = f"/api/datasets/{folder.name}/history"
    newest = api.client.get(url, headers=api.headers()).json()["versions"][0]
    assert (newest["operation"], newest["rows_added"], newest["rows_removed"]) == (
        "OPTIMIZE",
        None,
        None,
    )


def test_a_primary_key_setting_overrides_the_key_the_table_declares(api: Api, sales: Path) -> None:
    (first, second) = (r["order_id"] for r in _sql(sales, "SELECT order_id FROM {source} LIMIT 2"))

    by_order_id = _push(api, sales, [{"op": "delete", "row": {"order_id": first}}])
    assert by_order_id.status_code == 200, by_order_id.text
    assert by_order_id.json()["deleted"] == 1
    key = ["load_type", "load_id", "order_id"]
    r = api.client.patch(
        f"/api/admin/datasets/{sales.name}", json={"primary_key": key}, headers=api.headers()
    )
    assert r.status_code == 200, r.text

    without_load = _push(api, sales, [{"op": "delete", "row": {"order_id": second}}])

    assert without_load.status_code == 400
    assert "load_type" in without_load.json()["error"]["message"]


def test_the_settings_show_the_key_in_effect_and_where_it_comes_from(api: Api, sales: Path) -> None:
    url = f"/api/admin/datasets/{sales.name}"

    declared = api.client.get(url, headers=api.headers()).json()
    listed = api.client.get("/api/admin/datasets", headers=api.headers()).json()
    key = ["load_type", "load_id", "order_id"]
    patched = api.client.patch(url, json={"primary_key": key}, headers=api.headers())
    reset = api.client.patch(url, json={"primary_key": None}, headers=api.headers())

    assert declared["settings"]["primary_key"] == []
    assert declared["effective_primary_key"] == ["order_id"]
    assert declared["primary_key_source"] == "table"
    (row,) = (d for d in listed if d["key"] == sales.name)
    assert (row["effective_primary_key"], row["primary_key_source"]) == (["order_id"], "table")
    assert patched.status_code == 200, patched.text
    assert patched.json()["effective_primary_key"] == key
    assert patched.json()["primary_key_source"] == "setting"
    assert reset.json()["primary_key_source"] == "table"


def test_a_table_that_declares_no_key_shows_none_in_effect(api: Api, warehouse: Path) -> None:
    folder = warehouse / next(_copies)
    write_deltalake(str(folder), pa.table({"id": [1, 2]}))

    r = api.client.get(f"/api/admin/datasets/{folder.name}", headers=api.headers())

    assert r.status_code == 200, r.text
    assert (r.json()["effective_primary_key"], r.json()["primary_key_source"]) == ([], None)
