"""POST /api/admin/datasets: files become datasets, loads become vintages, bad files leave
nothing behind, and existing relations can be registered under a new key."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import polars as pl
import pytest

from tests.admin.conftest import UPLOAD_MAX_MB
from tests.admin.helpers import leftovers, rows, upload
from tests.store.fixtures import Api

CSV = (
    "Order ID,Order Date,Amount,Note,Region,Zip,Created At,Paid\n"
    '1,2024-01-31,12.50,"hello, world",North,01234,2024-01-31 10:00:00,true\n'
    '2,2024-02-01,3,"multi\nline ""quoted""",South,02000,2024-02-01 11:30:00,false\n'
    "3,,-7.125,Zürich 東京 🎉,North,,,\n"
).encode()

EXPECTED_TYPES = {
    "order_id": "BIGINT",
    "order_date": "DATE",
    "amount": "DECIMAL(38,3)",
    "note": "VARCHAR",
    "region": "VARCHAR",
    "zip": "VARCHAR",
    "created_at": "TIMESTAMP",
    "paid": "BOOLEAN",
}
EXPECTED_ROWS = [
    [1, "2024-01-31", 12.5, "hello, world", "North", "01234", "2024-01-31T10:00:00", True],
    [2, "2024-02-01", 3.0, 'multi\nline "quoted"', "South", "02000", "2024-02-01T11:30:00", False],
    [3, None, -7.125, "Zürich 東京 🎉", "North", None, None, None],
]


def _xlsx(data: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in data:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


XLSX_ROWS: list[list[Any]] = [
    ["Order ID", "Order Date", "Amount", "Note", "Region", "Zip", "Created At", "Paid"],
    [
        1,
        dt.date(2024, 1, 31),
        12.5,
        "hello, world",
        "North",
        "01234",
        dt.datetime(2024, 1, 31, 10),
        True,
    ],
    [
        2,
        dt.date(2024, 2, 1),
        3,
        'multi\nline "quoted"',
        "South",
        "02000",
        dt.datetime(2024, 2, 1, 11, 30),
        False,
    ],
    [3, None, -7.125, "Zürich 東京 🎉", "North", None, None, None],
]


def _numbers(table: list[list[Any]], column: int) -> list[list[Any]]:
    """Decimals may come as JSON numbers or exact strings; compare them as floats."""
    out = [list(r) for r in table]
    for r in out:
        r[column] = None if r[column] is None else float(r[column])
    return out


def _dataset_types(api: Api, key: str) -> dict[str, str]:
    r = api.client.get(f"/api/datasets/{key}", headers=api.headers())
    assert r.status_code == 200, r.text
    return {c["name"]: c["type"] for c in r.json()["columns"]}


@pytest.mark.parametrize(
    ("filename", "content"),
    [("orders.csv", CSV), ("orders.xlsx", _xlsx(XLSX_ROWS))],
    ids=["csv", "xlsx"],
)
def test_an_upload_becomes_a_queryable_dataset_with_its_types(
    admin_api: Api, filename: str, content: bytes
) -> None:
    r = upload(admin_api, "orders", content, filename)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["created"] is True and body["rows"] == 3 and body["load"] is None
    assert {c["name"]: c["type"] for c in body["columns"]} == EXPECTED_TYPES
    assert body["columns"][0] == {
        "name": "order_id",
        "label": "Order ID",
        "type": "BIGINT",
        "inferred": "BIGINT",
    }
    assert _dataset_types(admin_api, "orders") == EXPECTED_TYPES
    got = rows(admin_api, {"dataset": "orders", "sort": [{"column": "order_id"}]})
    assert _numbers(got, 2) == EXPECTED_ROWS
    labels = {c["name"]: c["label"] for c in body["dataset"]["columns"]}
    assert labels["order_id"] == "Order ID" and labels["created_at"] == "Created At"
    assert leftovers(admin_api) == []


def test_a_parquet_upload_keeps_its_types(admin_api_sqlite: Api) -> None:
    buffer = io.BytesIO()
    pl.DataFrame({"n": [1, 2], "d": [dt.date(2024, 1, 1), None]}).write_parquet(buffer)
    r = upload(admin_api_sqlite, "pq", buffer.getvalue(), "x.parquet")
    assert r.status_code == 201, r.text
    assert rows(admin_api_sqlite, {"dataset": "pq", "sort": [{"column": "n"}]}) == [
        [1, "2024-01-01"],
        [2, None],
    ]


def test_an_override_picks_the_type_and_the_response_shows_both(admin_api_sqlite: Api) -> None:
    r = upload(
        admin_api_sqlite, "orders", CSV, types='{"zip": "VARCHAR", "Amount": "DECIMAL(18,2)"}'
    )
    assert r.status_code == 201, r.text
    amount = next(c for c in r.json()["columns"] if c["name"] == "amount")
    assert amount == {
        "name": "amount",
        "label": "Amount",
        "type": "DECIMAL(18,2)",
        "inferred": "DECIMAL(38,3)",
    }
    assert _dataset_types(admin_api_sqlite, "orders")["amount"] == "DECIMAL(18,2)"


def test_replace_swaps_the_data_and_takes_new_types(admin_api_sqlite: Api) -> None:
    assert upload(admin_api_sqlite, "codes", b"code\n123\n").status_code == 201
    assert upload(admin_api_sqlite, "codes", b"code\n456\n").status_code == 409
    r = upload(
        admin_api_sqlite, "codes", b"code\n789\n", replace="true", types='{"code": "VARCHAR"}'
    )
    assert r.status_code == 201, r.text
    assert r.json()["created"] is False
    assert rows(admin_api_sqlite, {"dataset": "codes"}) == [["789"]]


@pytest.mark.parametrize(
    ("filename", "content", "fields", "where"),
    [
        ("bad.csv", b"a,b\n1,x\n2,y,z\n", {}, "Line 3"),
        ("bad.csv", b'a,b\n1,"never closed\n2,y\n', {}, "Line 2"),
        ("bad.csv", b'a,b\n1,"two\nlines"\n2,x"y\n', {}, "Line 4"),
        ("bad.csv", b"a,b\n1,2024-01-01\n2,2024-02-30\n", {"types": '{"b": "DATE"}'}, "Line 3"),
        (
            "bad.xlsx",
            _xlsx([["id", "amount"], [1, 2.5], [2, "n/a"]]),
            {"types": '{"amount": "DECIMAL(18,2)"}'},
            "Cell B3",
        ),
        ("bad.xlsx", b"PK\x03\x04 not a workbook", {}, "not a readable XLSX"),
        ("bad.csv", b"", {}, "empty"),
    ],
)
def test_a_malformed_file_is_422_with_its_line_or_cell_and_leaves_nothing(
    admin_api_sqlite: Api, filename: str, content: bytes, fields: dict[str, str], where: str
) -> None:
    r = upload(admin_api_sqlite, "broken", content, filename, **fields)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_upload"
    assert where in r.json()["error"]["message"]
    _assert_no_dataset(admin_api_sqlite, "broken")


def _assert_no_dataset(api: Api, key: str) -> None:
    assert api.client.get(f"/api/datasets/{key}", headers=api.headers()).status_code == 404
    warehouse = api.settings.data_dir
    assert not (warehouse / key).exists() and not (warehouse / f"{key}.parquet").exists()
    assert leftovers(api) == []
    listed = api.client.get("/api/admin/datasets", headers=api.headers()).json()
    assert key not in {d["key"] for d in listed}


@pytest.mark.parametrize("megabytes", [1.2, 3.0])  # past the limit while streaming / declared
def test_a_file_past_the_limit_is_413_and_leaves_nothing(
    admin_api_sqlite: Api, megabytes: float
) -> None:
    line = b"1,abcdefghijklmnopqrstuvwxyz0123456789\n"
    content = b"a,b\n" + line * int(megabytes * 2**20 / len(line))
    assert len(content) > UPLOAD_MAX_MB * 2**20
    r = upload(admin_api_sqlite, "huge", content)
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "payload_too_large"
    _assert_no_dataset(admin_api_sqlite, "huge")


@pytest.mark.parametrize(
    ("fields", "filename", "message"),
    [
        ({"key": "1bad"}, "a.csv", "key"),
        ({"key": "_hidden"}, "a.csv", "key"),  # the warehouse scan skips `_` names
        ({"key": "ok", "load_type": "DAILY"}, "a.csv", "both load_type and load_id"),
        ({"key": "ok", "types": "{not json"}, "a.csv", "types must be a JSON object"),
        ({"key": "ok", "colour": "red"}, "a.csv", "colour"),
        ({"key": "ok"}, "a.docx", "not a CSV, XLSX or Parquet"),
        ({"key": "ok", "load_type": "D", "load_id": "../x"}, "a.csv", "load_id"),
    ],
)
def test_bad_upload_fields_are_422_and_leave_nothing(
    admin_api_sqlite: Api, fields: dict[str, str], filename: str, message: str
) -> None:
    r = admin_api_sqlite.client.post(
        "/api/admin/datasets",
        files={"file": (filename, b"a\n1\n", "text/csv")},
        data=fields,
        headers=admin_api_sqlite.headers(),
    )
    assert r.status_code == 422, r.text
    assert message in r.json()["error"]["message"]
    assert leftovers(admin_api_sqlite) == []
    assert not (admin_api_sqlite.settings.data_dir / "ok.parquet").exists()


def test_a_form_without_a_file_is_422(admin_api_sqlite: Api) -> None:
    r = admin_api_sqlite.client.post(
        "/api/admin/datasets",
        data={"key": "x"},
        files={"other": ("", b"")},
        headers=admin_api_sqlite.headers(),
    )
    assert r.status_code == 422, r.text


def test_a_second_load_adds_a_vintage_and_the_first_stays_queryable(admin_api: Api) -> None:
    first = upload(
        admin_api,
        "ledger",
        b"account,amount\nA,1.50\nB,2.25\n",
        load_type="MONTH_END",
        load_id="202401",
    )
    assert first.status_code == 201, first.text
    second = upload(
        admin_api, "ledger", b"account,amount\nA,10\n", load_type="MONTH_END", load_id="202402"
    )
    assert second.status_code == 201, second.text
    assert second.json()["created"] is False
    assert second.json()["load"] == {"load_type": "MONTH_END", "load_id": "202402"}
    # The new load takes the earlier loads' types (10 alone would infer BIGINT).
    amount = next(c for c in second.json()["columns"] if c["name"] == "amount")
    assert (amount["type"], amount["inferred"]) == ("DECIMAL(38,2)", "BIGINT")

    def load(load_id: int) -> Any:
        spec = {
            "dataset": "ledger",
            "columns": ["account", "amount"],
            "sort": [{"column": "account"}],
        }
        return rows(admin_api, {**spec, "vintage": {"load_type": "MONTH_END", "load_id": load_id}})

    assert _numbers(load(202401), 1) == [["A", 1.5], ["B", 2.25]]
    assert _numbers(load(202402), 1) == [["A", 10.0]]
    detail = admin_api.client.get("/api/datasets/ledger", headers=admin_api.headers()).json()
    ids = [i["load_id"] for i in detail["vintage"]["options"][0]["load_ids"]]
    assert ids == [202402, 202401]
    history = admin_api.client.get("/api/admin/datasets/ledger", headers=admin_api.headers()).json()
    assert [i["load_id"] for i in history["loads"][0]["load_ids"]] == [202402, 202401]
    assert leftovers(admin_api) == []


def test_a_load_with_different_columns_is_refused(admin_api_sqlite: Api) -> None:
    upload(admin_api_sqlite, "ledger", b"account,amount\nA,1.50\n", load_type="M", load_id="1")
    r = upload(admin_api_sqlite, "ledger", b"account,total\nA,1\n", load_type="M", load_id="2")
    assert r.status_code == 422 and "differ from the dataset's earlier loads" in r.text
    assert not (admin_api_sqlite.settings.data_dir / "ledger/load_type=M/load_id=2").exists()
    assert leftovers(admin_api_sqlite) == []


def test_delete_removes_an_uploaded_dataset_and_its_files(admin_api: Api) -> None:
    upload(admin_api, "ledger", b"a\n1\n", load_type="M", load_id="1")
    r = admin_api.client.delete("/api/admin/datasets/ledger", headers=admin_api.headers())
    assert r.status_code == 204, r.text
    _assert_no_dataset(admin_api, "ledger")
    again = admin_api.client.delete("/api/admin/datasets/ledger", headers=admin_api.headers())
    assert again.status_code == 404
    audited = {a["action"]: a for a in admin_api.audit_rows() if a["dataset"] == "ledger"}
    assert set(audited) == {"dataset.create", "dataset.load", "dataset.delete"}
    assert audited["dataset.create"]["detail"]["before"] is None
    assert audited["dataset.create"]["detail"]["after"]["source"] == "upload"
    load = audited["dataset.load"]["detail"]
    assert load["load"] == {"load_type": "M", "load_id": "1"} and load["rows"] == 1
    assert load["columns"] == [{"name": "a", "label": "a", "type": "BIGINT", "inferred": "BIGINT"}]
    deleted = audited["dataset.delete"]["detail"]
    assert deleted["before"]["source"] == "upload" and deleted["after"] is None


def test_delete_of_a_dataset_not_made_here_is_refused_and_keeps_its_files(
    admin_api_sqlite: Api,
) -> None:
    r = admin_api_sqlite.client.delete(
        "/api/admin/datasets/items", headers=admin_api_sqlite.headers()
    )
    assert r.status_code == 409, r.text
    assert (admin_api_sqlite.settings.data_dir / "items.parquet").exists()


def test_an_existing_relation_registers_under_a_new_key(admin_api: Api) -> None:
    body = {"key": "sales_view", "relation": "sales"}
    r = admin_api.client.post("/api/admin/datasets", json=body, headers=admin_api.headers())
    assert r.status_code == 201, r.text
    assert r.json()["dataset"]["source"] == "relation"
    spec = {"columns": ["order_id", "amount"], "sort": [{"column": "order_id"}]}
    assert rows(admin_api, {"dataset": "sales_view", **spec}) == rows(
        admin_api, {"dataset": "sales", **spec}
    )
    # No uploads into a registered relation; deleting it leaves the relation's data alone.
    assert upload(admin_api, "sales_view", b"a\n1\n").status_code == 409
    assert (
        admin_api.client.delete(
            "/api/admin/datasets/sales_view", headers=admin_api.headers()
        ).status_code
        == 204
    )
    assert (
        admin_api.client.get("/api/datasets/sales_view", headers=admin_api.headers()).status_code
        == 404
    )
    assert rows(admin_api, {"dataset": "sales", "page_size": 1})


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"key": "x", "relation": "no_such_table"}, 422),
        ({"key": "items", "relation": "sales"}, 409),
        ({"key": "bad key", "relation": "sales"}, 422),
        ({"key": "x"}, 422),
        ({"key": "x", "relation": "sales", "extra": 1}, 422),
    ],
)
def test_a_bad_registration_is_refused(
    admin_api_sqlite: Api, body: dict[str, Any], status: int
) -> None:
    r = admin_api_sqlite.client.post(
        "/api/admin/datasets", json=body, headers=admin_api_sqlite.headers()
    )
    assert r.status_code == status, r.text
    assert (
        admin_api_sqlite.client.get(
            "/api/datasets/x", headers=admin_api_sqlite.headers()
        ).status_code
        == 404
    )


def test_a_viewer_cannot_upload_and_nothing_is_written(admin_api: Api) -> None:
    viewer = admin_api.new_user("vera")
    r = upload(admin_api, "sneaky", CSV, headers=viewer)
    assert r.status_code == 403
    _assert_no_dataset(admin_api, "sneaky")


def test_a_key_differing_only_in_case_is_refused(admin_api_sqlite: Api) -> None:
    # DuckDB compares view names without case: `Sales` would replace the view of `sales`.
    r = upload(admin_api_sqlite, "Sales", b"a\n1\n")
    assert r.status_code == 409, r.text
    body = {"key": "ITEMS_2", "relation": "items"}
    upload(admin_api_sqlite, "items_2", b"a\n1\n")
    r = admin_api_sqlite.client.post(
        "/api/admin/datasets", json=body, headers=admin_api_sqlite.headers()
    )
    assert r.status_code == 409, r.text
    assert not (admin_api_sqlite.settings.data_dir / "Sales.parquet").exists()
