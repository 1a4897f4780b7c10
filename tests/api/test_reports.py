"""Saved reports: owner, sharing, 404 for others' private reports, spec validated on save."""

from __future__ import annotations

from typing import Any

import pytest

from backend.deps import get_spec_validator
from backend.errors import UnknownColumn
from backend.query.spec import QuerySpec
from backend.security.principal import User
from tests.conftest import TinyWarehouse
from tests.store.fixtures import Api

SPEC = {
    "dataset": "sales",
    "columns": ["region", "amount"],
    "filters": {
        "op": "and",
        "conditions": [{"column": "region", "operator": "in", "value": ["N"]}],
    },
}


def _report(**changes: Any) -> dict[str, Any]:
    return {"name": "North sales", "description": "weekly", "spec": SPEC, **changes}


def _save(api: Api, headers: dict[str, str], **changes: Any) -> Any:
    r = api.client.post("/api/reports", json=_report(**changes), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(autouse=True)
def _warehouse(tiny_warehouse: TinyWarehouse) -> TinyWarehouse:
    """Autouse, so the warehouse exists (in the app's data dir) before `api` starts."""
    return tiny_warehouse


@pytest.fixture
def ann(api: Api) -> dict[str, str]:
    return api.new_user("ann")


@pytest.fixture
def bob(api: Api) -> dict[str, str]:
    return api.new_user("bob")


def test_saved_report_round_trips(api: Api, ann: dict[str, str]) -> None:
    saved = _save(api, ann)
    got = api.client.get(f"/api/reports/{saved['id']}", headers=ann).json()
    assert got["name"] == "North sales" and got["description"] == "weekly"
    assert got["shared"] is False and got["owner"] == "ann" and got["can_edit"] is True
    assert QuerySpec.model_validate(got["spec"]) == QuerySpec.model_validate(SPEC)


def test_another_users_private_report_is_404_everywhere(
    api: Api, ann: dict[str, str], bob: dict[str, str]
) -> None:
    saved = _save(api, ann)
    url = f"/api/reports/{saved['id']}"
    assert api.client.get(url, headers=bob).status_code == 404
    assert api.client.put(url, json=_report(), headers=bob).status_code == 404
    assert api.client.delete(url, headers=bob).status_code == 404
    assert api.client.get("/api/reports", headers=bob).json() == []


def test_shared_report_is_visible_to_all_but_editable_by_owner_and_admins(
    api: Api, ann: dict[str, str], bob: dict[str, str]
) -> None:
    saved = _save(api, ann, shared=True)
    url = f"/api/reports/{saved['id']}"
    seen = api.client.get(url, headers=bob).json()
    assert seen["can_edit"] is False
    assert [r["id"] for r in api.client.get("/api/reports", headers=bob).json()] == [saved["id"]]
    r = api.client.put(url, json=_report(name="hijack"), headers=bob)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert api.client.delete(url, headers=bob).status_code == 403
    r = api.client.put(url, json=_report(name="by admin", shared=True), headers=api.headers())
    assert r.status_code == 200 and r.json()["name"] == "by admin" and r.json()["owner"] == "ann"


def test_owner_updates_and_deletes(api: Api, ann: dict[str, str]) -> None:
    saved = _save(api, ann)
    url = f"/api/reports/{saved['id']}"
    r = api.client.put(url, json=_report(name="Renamed", shared=True), headers=ann)
    assert r.status_code == 200 and r.json()["name"] == "Renamed" and r.json()["shared"] is True
    assert api.client.delete(url, headers=ann).status_code == 204
    assert api.client.get(url, headers=ann).status_code == 404


def test_admin_opens_any_report_but_lists_only_own_and_shared(
    api: Api, ann: dict[str, str]
) -> None:
    saved = _save(api, ann)
    assert api.client.get(f"/api/reports/{saved['id']}", headers=api.headers()).status_code == 200
    assert api.client.get("/api/reports", headers=api.headers()).json() == []


def test_list_shows_own_and_shared_reports(
    api: Api, ann: dict[str, str], bob: dict[str, str]
) -> None:
    _save(api, ann, name="A private")
    shared = _save(api, ann, name="B shared", shared=True)
    bobs = _save(api, bob, name="C bob")
    names = [r["name"] for r in api.client.get("/api/reports", headers=bob).json()]
    assert names == ["B shared", "C bob"]
    assert {shared["id"], bobs["id"]} == {
        r["id"] for r in api.client.get("/api/reports", headers=bob).json()
    }


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"columns": ["a"]}, "spec.dataset"),
        ({"dataset": "s", "page_size": 5000}, "spec.page_size"),
        ({"dataset": "s", "raw_sql": "DROP TABLE x"}, "spec.raw_sql"),
    ],
)
def test_malformed_spec_is_422_invalid_query(
    api: Api, ann: dict[str, str], spec: dict[str, Any], path: str
) -> None:
    r = api.client.post("/api/reports", json=_report(spec=spec), headers=ann)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_query"
    assert r.json()["error"]["details"][0]["path"] == path


def test_spec_is_checked_by_the_catalog_validator_on_create_and_update(
    api: Api, ann: dict[str, str]
) -> None:
    saved = _save(api, ann)
    seen: list[tuple[str, str]] = []

    def reject_unknown(spec: QuerySpec, user: User) -> None:
        seen.append((spec.dataset, user.username))
        raise UnknownColumn("Unknown column 'region' in sales", path="spec.columns[0]")

    api.app.dependency_overrides[get_spec_validator] = lambda: reject_unknown
    try:
        created = api.client.post("/api/reports", json=_report(), headers=ann)
        url = f"/api/reports/{saved['id']}"
        updated = api.client.put(url, json=_report(name="changed"), headers=ann)
    finally:
        del api.app.dependency_overrides[get_spec_validator]
    for r in (created, updated):
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "invalid_query"
        assert r.json()["error"]["details"] == [
            {"path": "spec.columns[0]", "message": "Unknown column 'region' in sales"}
        ]
    assert seen == [("sales", "ann"), ("sales", "ann")]
    assert (
        api.client.get(f"/api/reports/{saved['id']}", headers=ann).json()["name"] == "North sales"
    )
    assert len(api.client.get("/api/reports", headers=ann).json()) == 1


def test_the_default_validator_checks_the_spec_against_the_catalog(
    api: Api, ann: dict[str, str]
) -> None:
    bad = {**SPEC, "columns": ["region", "no_such_column"]}
    r = api.client.post("/api/reports", json=_report(spec=bad), headers=ann)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_query"
    assert "no_such_column" in r.json()["error"]["message"]


GROUPED = {
    "dataset": "sales",
    "group_by": ["region", "customer"],
    "measures": [
        {"column": "amount", "agg": "sum", "alias": "sum_amount"},
        {"agg": "count", "alias": "orders"},
    ],
}
BAR = {"kind": "bar", "x": "region", "y": "orders", "series": "customer", "limit": 12}


def test_chart_settings_and_kind_round_trip_through_create_list_and_replace(
    api: Api, ann: dict[str, str], bob: dict[str, str]
) -> None:
    saved = _save(api, ann, spec=GROUPED, kind="chart", chart=BAR, shared=True)
    want = {**BAR, "stack": "stacked"}
    assert saved["kind"] == "chart" and saved["chart"] == want
    url = f"/api/reports/{saved['id']}"
    seen_by_bob = api.client.get(url, headers=bob).json()  # a shared report carries its chart
    assert seen_by_bob["kind"] == "chart" and seen_by_bob["chart"] == want
    listed = api.client.get("/api/reports", headers=ann).json()
    assert [(r["kind"], r["chart"]) for r in listed] == [("chart", want)]

    pie = {"kind": "pie", "x": "customer", "y": "sum_amount", "stack": "grouped"}
    r = api.client.put(url, json=_report(spec=GROUPED, kind="table", chart=pie), headers=ann)
    assert r.status_code == 200, r.text
    got = api.client.get(url, headers=ann).json()
    assert got["kind"] == "table"
    assert got["chart"] == {**pie, "series": None, "limit": 20}

    pivot = {"kind": "pivot", "columns": ["customer"]}
    r = api.client.put(url, json=_report(spec=GROUPED, kind="pivot", chart=pivot), headers=ann)
    assert r.status_code == 200, r.text
    got = api.client.get(url, headers=ann).json()
    assert (got["kind"], got["chart"]) == ("pivot", pivot)
    assert got["spec"]["group_by"] == ["region", "customer"]

    # A replace is whole: without kind and chart the report is a plain table again.
    r = api.client.put(url, json=_report(spec=GROUPED), headers=ann)
    assert (r.json()["kind"], r.json()["chart"]) == ("table", None)


def test_a_report_saved_without_kind_or_chart_is_a_table_without_chart(
    api: Api, ann: dict[str, str]
) -> None:
    saved = _save(api, ann)
    assert (saved["kind"], saved["chart"]) == ("table", None)


HUGE = "x" * 100_000


# Report fields -> the error path the 422 names. One API per store runs them all (an API
# per case costs seconds).
MISFITS: list[tuple[dict[str, Any], str]] = [
    ({"kind": "chart", "chart": {**BAR, "colour": "red"}}, "chart.bar.colour"),
    (
        {"kind": "pivot", "chart": {"kind": "pivot", "columns": [], "rows": ["region"]}},
        "chart.pivot.rows",
    ),
    ({"kind": "map", "chart": BAR}, "kind"),
    ({"kind": "chart", "chart": {**BAR, "kind": "donut"}}, "chart"),
    ({"kind": "chart", "chart": {"x": "region"}}, "chart"),
    ({"kind": "chart", "chart": {**BAR, "limit": 0}}, "chart.bar.limit"),
    ({"kind": "chart", "chart": {**BAR, "limit": 10_000}}, "chart.bar.limit"),
    ({"kind": "chart", "chart": {**BAR, "stack": "piled"}}, "chart.bar.stack"),
    ({"kind": "chart", "chart": {**BAR, "x": HUGE}}, "chart.bar.x"),
    (
        {"kind": "pivot", "chart": {"kind": "pivot", "columns": ["region"] * 5_000}},
        "chart.pivot.columns",
    ),
    ({"kind": "chart", "chart": [BAR] * 10_000}, "chart"),
    ({"kind": "chart", "chart": "bar"}, "chart"),
    ({"kind": "chart"}, "chart"),
    ({"kind": "chart", "chart": {**BAR, "x": "amount"}}, "chart.x"),
    ({"kind": "chart", "chart": {**BAR, "series": "order_date"}}, "chart.series"),
    ({"kind": "chart", "chart": {**BAR, "series": "region"}}, "chart.series"),
    ({"kind": "chart", "chart": {**BAR, "y": "amount"}}, "chart.y"),
    ({"kind": "chart", "chart": BAR, "spec": SPEC}, "spec.measures"),
    ({"kind": "table", "chart": {"kind": "pivot", "columns": []}}, "chart.kind"),
    ({"kind": "pivot", "chart": BAR}, "chart"),
    ({"kind": "pivot"}, "chart"),
    ({"kind": "pivot", "chart": {"kind": "pivot", "columns": ["amount"]}}, "chart.columns[0]"),
    (
        {"kind": "pivot", "chart": {"kind": "pivot", "columns": ["region", "region"]}},
        "chart.columns",
    ),
    (
        {
            "kind": "pivot",
            "chart": {"kind": "pivot", "columns": []},
            "spec": {
                **GROUPED,
                "measures": [{"agg": "count_distinct", "column": "customer", "alias": "n"}],
            },
        },
        "spec.measures[0]",
    ),
    (
        {
            "kind": "pivot",
            "chart": {"kind": "pivot", "columns": []},
            "spec": {**GROUPED, "group_by": []},
        },
        "spec.group_by",
    ),
]


def test_chart_settings_that_do_not_fit_are_422_and_nothing_is_saved(
    api: Api, ann: dict[str, str]
) -> None:
    saved = _save(api, ann, spec=GROUPED, kind="chart", chart=BAR)
    url = f"/api/reports/{saved['id']}"
    for changes, path in MISFITS:
        body = _report(**{"spec": GROUPED, **changes})
        for answer in (
            api.client.post("/api/reports", json=body, headers=ann),
            api.client.put(url, json=body, headers=ann),
        ):
            assert answer.status_code == 422, (changes, answer.text)
            error = answer.json()["error"]
            assert error["code"] == "invalid_query", error
            assert error["details"][0]["path"] == path, (path, error)
    listed = api.client.get("/api/reports", headers=ann).json()
    assert [(r["id"], r["kind"], r["chart"]["x"]) for r in listed] == [
        (saved["id"], "chart", "region")
    ]
