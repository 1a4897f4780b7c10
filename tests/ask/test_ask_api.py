"""POST /api/ask and GET /api/ask/suggest over the tiny warehouse (tests/conftest.py): the
answer is a spec the query route runs, bad input is a 4xx in the error shape, the question is
audited, and row-level security decides which values are matched and suggested."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.store.fixtures import Api, own_store_api


@pytest.fixture(scope="module")
def asker(tmp_path_factory: pytest.TempPathFactory, shared_warehouse: Path) -> Iterator[Api]:
    """One app for the tests that only ask as the admin; those that add users, change a
    dataset's settings or read the audit log start their own (`api_sqlite`)."""
    yield from own_store_api(tmp_path_factory.mktemp("ask"), data_dir=shared_warehouse)


def _ask(api: Api, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return api.client.post("/api/ask", json=body, headers=headers or api.headers())


def _rows(api: Api, spec: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    r = api.client.post("/api/query", json=spec, headers=headers or api.headers())
    assert r.status_code == 200, r.text
    return sorted(map(tuple, r.json()["rows"]), key=str)


def test_a_question_becomes_a_spec_that_gives_the_hand_written_specs_rows(asker: Api) -> None:
    r = _ask(asker, {"question": "total amount by region", "dataset": "sales"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["engine"], body["dataset"]) == ("ok", "parser", "sales")
    expected = {
        "dataset": "sales",
        "group_by": ["region"],
        "measures": [{"agg": "sum", "column": "amount", "alias": "x"}],
    }
    assert _rows(asker, body["spec"]) == _rows(asker, expected)
    kinds = {(p["kind"], p["text"], p["spec_path"]) for p in body["interpretation"]["parts"]}
    assert kinds == {
        ("measure", "total amount", "measures.0"),
        ("group", "by region", "group_by.0"),
    }
    assert set(body["interpretation"]) == {"parts", "ignored", "alternatives"}


@pytest.mark.parametrize(
    ("question", "limit", "direction"),
    [
        ("top 5 customers by amount", 5, "desc"),
        ("bottom 3 customers by amount", 3, "asc"),
        ("which customer has the highest amount", 1, "desc"),
    ],
)
def test_a_top_n_question_limits_the_result_not_the_page(
    asker: Api, question: str, limit: int, direction: str
) -> None:
    body = _ask(asker, {"question": question, "dataset": "sales"}).json()
    assert body["status"] == "ok", body
    spec = body["spec"]
    assert spec["limit"] == limit and "page_size" not in spec
    assert spec["sort"][0].get("direction", "asc") == direction
    [part] = [p for p in body["interpretation"]["parts"] if p["kind"] == "limit"]
    assert part["spec_path"] == "limit"
    count = asker.client.post("/api/count", json=spec, headers=asker.headers())
    assert count.json() == {"total_rows": limit}  # the result is N rows, not N per page
    everything = _rows(asker, {**spec, "limit": None, "page_size": 1000})
    assert len(_rows(asker, spec)) == limit < len(everything)


def test_a_value_becomes_a_filter_and_the_ignored_words_are_listed(asker: Api) -> None:
    body = _ask(asker, {"question": "sum of amount for North please kindly"}).json()
    assert body["status"] == "ok"
    assert body["spec"]["filters"]["conditions"] == [
        {"column": "region", "operator": "=", "value": "North"}
    ]
    assert body["interpretation"]["ignored"] == ["kindly"]


def test_a_misspelt_column_is_offered_not_guessed(asker: Api) -> None:
    body = _ask(asker, {"question": "total amuont by region", "dataset": "sales"}).json()
    assert (body["status"], body["spec"]) == ("clarify", None)
    [alternative] = body["interpretation"]["alternatives"]
    assert alternative["text"] == "amuont"
    assert [c["value"] for c in alternative["choices"]] == ["Amount"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"question": ""}, 422),
        ({"question": "x" * 501}, 422),
        ({"question": "show me the"}, 422),
        ({"question": "   "}, 422),
        ({"question": "amount", "dataset": "nope"}, 404),
        ({"question": "amount", "sql": "select 1"}, 422),
        ({}, 422),
    ],
)
def test_bad_questions_get_a_4xx_in_the_error_shape(
    asker: Api, body: dict[str, Any], status: int
) -> None:
    r = _ask(asker, body)
    assert r.status_code == status, r.text
    assert {"code", "message"} <= set(r.json()["error"])


def test_a_dataset_the_caller_cannot_see_is_not_found(api_sqlite: Api) -> None:
    admin = api_sqlite.headers()
    r = api_sqlite.client.patch(
        "/api/admin/datasets/items", json={"visibility": {"roles": ["admin"]}}, headers=admin
    )
    assert r.status_code == 200, r.text
    ann = api_sqlite.new_user("ann")
    assert _ask(api_sqlite, {"question": "total price", "dataset": "items"}, ann).status_code == 404
    body = _ask(api_sqlite, {"question": "total price"}, ann).json()
    assert body["dataset"] != "items" and body["status"] != "ok"


def test_writes_and_sql_are_refused(asker: Api) -> None:
    for question in ("delete all sales", "select * from sales; drop table sales"):
        body = _ask(asker, {"question": question}).json()
        assert (body["status"], body["spec"]) == ("refused", None), question


def test_asking_is_audited_with_the_question(api_sqlite: Api) -> None:
    _ask(api_sqlite, {"question": "total amount by region", "dataset": "sales"})
    [row] = api_sqlite.audit_rows(action="ask")
    assert row["detail"]["question"] == "total amount by region"
    assert row["detail"]["status"] == "ok" and row["dataset"] == "sales"


def test_suggest_completes_columns_values_and_measure_words(asker: Api) -> None:
    def texts(q: str) -> list[str]:
        r = asker.client.get(
            "/api/ask/suggest", params={"q": q, "dataset": "sales"}, headers=asker.headers()
        )
        assert r.status_code == 200, r.text
        return [s["text"] for s in r.json()["suggestions"]]

    assert "Amount" in texts("total am")
    assert "North" in texts("amount for no")
    assert "average" in texts("av")


def _limit_to_north(api: Api) -> dict[str, str]:
    r = api.client.patch(
        "/api/admin/datasets/sales",
        json={"rls": [{"column": "region", "attribute": "region"}]},
        headers=api.headers(),
    )
    assert r.status_code == 200, r.text
    return api.new_user("ann", attributes={"region": ["North"]})


def test_values_outside_the_callers_rows_are_never_matched(api_sqlite: Api) -> None:
    ann = _limit_to_north(api_sqlite)
    seen = _ask(api_sqlite, {"question": "total amount for North", "dataset": "sales"}, ann)
    assert seen.json()["status"] == "ok"
    body = _ask(api_sqlite, {"question": "total amount for South", "dataset": "sales"}, ann).json()
    assert (body["status"], body["spec"]) == ("clarify", None)
    assert "South" not in str(body["interpretation"])
    bob = api_sqlite.new_user("bob", attributes={"region": ["South"]})
    other = _ask(api_sqlite, {"question": "total amount for South", "dataset": "sales"}, bob)
    assert other.json()["status"] == "ok"


def test_values_outside_the_callers_rows_are_never_suggested(api_sqlite: Api) -> None:
    ann = _limit_to_north(api_sqlite)

    def texts(q: str, headers: dict[str, str]) -> list[str]:
        r = api_sqlite.client.get("/api/ask/suggest", params={"q": q}, headers=headers)
        return [s["text"] for s in r.json()["suggestions"]]

    bob = api_sqlite.new_user("bob", attributes={"region": ["South"]})
    assert "South" in texts("so", bob) and "North" not in texts("no", bob)
    assert "South" not in texts("so", ann) and "North" in texts("no", ann)


def test_admin_synonyms_are_matched_like_names(api_sqlite: Api) -> None:
    question = {"question": "takings per zone"}
    counting = {"question": "how many rows are in the ledger"}
    assert _ask(api_sqlite, question).json()["status"] != "ok"
    assert _ask(api_sqlite, counting).json()["status"] != "ok"
    patch = {
        "synonyms": ["ledger"],
        "columns": {"amount": {"synonyms": ["takings"]}, "region": {"synonyms": ["zone"]}},
    }
    r = api_sqlite.client.patch(
        "/api/admin/datasets/sales", json=patch, headers=api_sqlite.headers()
    )
    assert r.status_code == 200, r.text
    amount = next(c for c in r.json()["columns"] if c["name"] == "amount")
    assert amount["synonyms"] == ["takings"] and r.json()["settings"]["synonyms"] == ["ledger"]
    after = _ask(api_sqlite, question).json()
    assert (after["status"], after["dataset"]) == ("ok", "sales"), after
    assert after["spec"]["group_by"] == ["region"]
    assert after["spec"]["measures"][0]["column"] == "amount"
    ledger = _ask(api_sqlite, counting).json()
    assert (ledger["status"], ledger["dataset"]) == ("ok", "sales"), ledger


def test_synonyms_are_bounded(asker: Api) -> None:
    patch = {"columns": {"amount": {"synonyms": ["x" * 101]}}}
    r = asker.client.patch("/api/admin/datasets/sales", json=patch, headers=asker.headers())
    assert r.status_code == 422


@pytest.mark.parametrize(
    "question",
    ["order date", "amount after 9999-12-31", "amount on 2024-13-45", "by", "top", "'\"%;--"],
)
def test_odd_questions_are_answered_never_a_500(asker: Api, question: str) -> None:
    r = _ask(asker, {"question": question, "dataset": "sales"})
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        assert r.json()["status"] in ("ok", "clarify", "refused")
