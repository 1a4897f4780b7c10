"""POST /api/insights on a generated dataset with a planted anomaly, a planted mover and a
known trend, against the same numbers computed in plain Python (tests/insights/data.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from backend.store.engine import Store
from tests.insights import data
from tests.store.fixtures import Api, _running_api

LOAD = {"load_type": "DAILY", "load_id": data.LOAD}
REVENUE = {"agg": "sum", "column": "amount", "alias": "revenue"}
DAY = {"column": "order_date", "bucket": "day"}
LAST_WEEKS = (dt.date(2024, 3, 18), dt.date(2024, 3, 25))


def _spec(**extra: Any) -> dict[str, Any]:
    return {"dataset": "daily_sales", "vintage": LOAD, "measures": [REVENUE], **extra}


def _insights(api: Api, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return api.client.post("/api/insights", json=body, headers=headers or api.headers())


def _found(api: Api, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    r = _insights(api, body, headers)
    assert r.status_code == 200, r.text
    return r.json()["findings"]


def _kind(findings: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [f for f in findings if f["kind"] == kind]


def test_the_planted_anomaly_is_found_with_its_value_and_expected_value(
    insights_reader: Api,
) -> None:
    findings = _found(insights_reader, {"spec": _spec(group_by=[DAY])})
    expected = data.anomalies(data.daily())
    got = _kind(findings, "anomaly")
    assert [f["date"] for f in got] == [a[0].isoformat() for a in expected[:3]]
    top = got[0]
    day, value, baseline, z = expected[0]
    assert day == data.ANOMALY_DAY
    assert top["value"] == pytest.approx(value, rel=1e-9)
    assert top["expected"] == pytest.approx(baseline, rel=1e-9)
    assert top["score"] == pytest.approx(z, rel=1e-9)
    assert "on 2024-02-14 was 8,501" in top["text"]
    assert "expected 5,640" in top["text"]


def test_a_top_n_on_the_charts_spec_does_not_cut_the_series_the_findings_read(
    insights_reader: Api,
) -> None:
    whole = _found(insights_reader, {"spec": _spec(group_by=[DAY])})
    top = _found(insights_reader, {"spec": _spec(group_by=[DAY], limit=2)})
    assert [f["text"] for f in top] == [f["text"] for f in whole]
    assert _kind(whole, "anomaly") and _kind(whole, "trend")


def test_the_trend_has_the_least_squares_slope_and_r2(insights_reader: Api) -> None:
    (trend,) = _kind(_found(insights_reader, {"spec": _spec(group_by=[DAY])}), "trend")
    slope, r2 = data.trend(data.daily())
    assert trend["slope_per_day"] == pytest.approx(slope, rel=1e-9)
    assert trend["r2"] == pytest.approx(r2, rel=1e-9)
    assert trend["direction"] == "up"
    assert trend["change"] == pytest.approx(slope * (data.DAYS - 1), rel=1e-9)
    assert f"explains {r2:.0%}" in trend["text"]


def test_top_movers_compare_the_latest_two_weeks_per_group(insights_reader: Api) -> None:
    body = {"spec": _spec(group_by=[DAY, "region"]), "top": 2}
    got = _kind(_found(insights_reader, body), "mover")
    weeks = data.weekly_by_region()
    before, after = LAST_WEEKS
    expected = data.movers((r, weeks[(r, before)], weeks[(r, after)]) for r in data.REGIONS)
    assert [(f["group"]["region"], f["before"], f["after"], f["change"]) for f in got] == [
        (g, pytest.approx(b), pytest.approx(a), pytest.approx(c)) for g, b, a, c, _ in expected[:2]
    ]
    west = got[0]
    assert west["relative"] == pytest.approx(expected[0][4], rel=1e-9)
    assert west["text"].startswith("Region West: Revenue rose from 10,602 to 13,658 (+3,056, +29%)")


def test_top_movers_between_two_loads(insights_reader: Api) -> None:
    old = {"load_type": "DAILY", "load_id": data.LOAD}
    new = {"load_type": "DAILY", "load_id": data.RESTATED}
    body = {"spec": _spec(group_by=["region"]), "compare": [old, new]}
    findings = _found(insights_reader, body)
    assert {f["kind"] for f in findings} == {"mover"}  # no date axis: no anomaly, no trend
    before, after = data.by_region(data.LOAD), data.by_region(data.RESTATED)
    (east,) = findings  # only East was restated
    assert east["group"] == {"region": "East"}
    assert east["before"] == pytest.approx(before["East"])
    assert east["after"] == pytest.approx(after["East"])
    assert "between load 20240331 and load 20240401" in east["text"]


def test_each_finding_spec_shows_its_numbers_in_a_query(insights_reader: Api) -> None:
    findings = _found(insights_reader, {"spec": _spec(group_by=[DAY, "region"])})
    anomaly = _kind(findings, "anomaly")[0]
    r = insights_reader.client.post(
        "/api/query", json=anomaly["spec"], headers=insights_reader.headers()
    )
    assert r.status_code == 200, r.text
    rows = {row[0]: row[1] for row in r.json()["rows"]}
    assert float(rows[anomaly["date"]]) == pytest.approx(anomaly["value"])
    mover = _kind(findings, "mover")[0]
    r = insights_reader.client.post(
        "/api/query", json=mover["spec"], headers=insights_reader.headers()
    )
    assert r.status_code == 200, r.text
    shown = [float(row[-1]) for row in r.json()["rows"]]
    assert shown == [pytest.approx(mover["before"]), pytest.approx(mover["after"])]


def test_a_restricted_user_gets_findings_from_their_slice_only(insights_api: Api) -> None:
    r = insights_api.client.patch(
        "/api/admin/datasets/daily_sales",
        json={"rls": [{"column": "region", "attribute": "region"}]},
        headers=insights_api.headers(),
    )
    assert r.status_code == 200, r.text
    north = insights_api.new_user("nora", attributes={"region": ["North"]})
    findings = _found(insights_api, {"spec": _spec(group_by=[DAY, "region"])}, north)
    series = data.daily(lambda row: row[1] == "North")
    (trend,) = _kind(findings, "trend")
    assert trend["slope_per_day"] == pytest.approx(data.trend(series)[0], rel=1e-9)
    anomalies = _kind(findings, "anomaly")
    assert [(f["date"], f["value"]) for f in anomalies] == [
        (d.isoformat(), pytest.approx(v)) for d, v, _, _ in data.anomalies(series)[:3]
    ]
    assert {f["group"]["region"] for f in _kind(findings, "mover")} == {"North"}


def test_insights_are_audited(insights_api: Api) -> None:
    _found(insights_api, {"spec": _spec(group_by=[DAY])})
    (row,) = insights_api.audit_rows(action="query.insights")
    assert row["dataset"] == "daily_sales"
    assert row["detail"]["status"] == "ok"


@pytest.mark.parametrize(
    ("body", "status", "path"),
    [
        ({"spec": {"dataset": "daily_sales", "group_by": [DAY]}}, 422, "spec.measures"),
        (
            {"spec": _spec(measures=[REVENUE, {**REVENUE, "alias": "r2"}], group_by=[DAY])},
            422,
            "spec.measures",
        ),
        ({"spec": _spec(group_by=["region"])}, 422, "date_column"),
        ({"spec": _spec(), "date_column": "shipped_on"}, 422, "date_column"),
        ({"spec": _spec(), "date_column": "region"}, 422, "date_column"),
        ({"spec": _spec(group_by=[DAY]), "threshold": -1}, 422, None),
        ({"spec": _spec(group_by=[DAY]), "surprise": True}, 422, None),
        ({"spec": {**_spec(group_by=[DAY]), "dataset": "nowhere"}}, 404, None),
    ],
    ids=[
        "no measure",
        "two measures",
        "no date column",
        "unknown date column",
        "not a date",
        "negative threshold",
        "unknown field",
        "unknown dataset",
    ],
)
def test_bad_requests_get_4xx_in_the_error_shape(
    insights_reader: Api, body: dict[str, Any], status: int, path: str | None
) -> None:
    r = _insights(insights_reader, body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["message"]
    if path is not None:
        assert error["details"][0]["path"] == path


def test_a_dataset_the_caller_cannot_see_is_not_found(insights_api: Api) -> None:
    r = insights_api.client.patch(
        "/api/admin/datasets/daily_sales",
        json={"visibility": {"roles": ["admin"]}},
        headers=insights_api.headers(),
    )
    assert r.status_code == 200, r.text
    viewer = insights_api.new_user("vic")
    r = _insights(insights_api, {"spec": _spec(group_by=[DAY])}, viewer)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_a_hidden_column_cannot_be_measured_by_a_viewer(insights_api: Api) -> None:
    r = insights_api.client.patch(
        "/api/admin/datasets/daily_sales",
        json={"columns": {"amount": {"hidden": True}}},
        headers=insights_api.headers(),
    )
    assert r.status_code == 200, r.text
    viewer = insights_api.new_user("hugo")
    r = _insights(insights_api, {"spec": _spec(group_by=[DAY])}, viewer)
    assert r.status_code == 422, r.text
    assert "amount" in r.json()["error"]["message"]


def test_the_cost_gate_refuses_insights_over_too_many_rows(
    sqlite_store: Store, tmp_path: Path, insights_warehouse: Path
) -> None:
    for api in _running_api(
        sqlite_store, tmp_path, data_dir=insights_warehouse, explain_max_rows=10
    ):
        r = _insights(api, {"spec": _spec(group_by=[DAY])})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "query_too_expensive"
        (row,) = api.audit_rows(action="query.insights")
        assert row["detail"]["status"] == "query_too_expensive"


def test_movers_skip_a_latest_week_still_under_way(insights_reader: Api) -> None:
    until_tuesday = {
        "conditions": [{"column": "order_date", "operator": "<", "value": "2024-03-27"}]
    }
    body = {"spec": _spec(group_by=[DAY, "region"], filters=until_tuesday), "top": 4}
    got = _kind(_found(insights_reader, body), "mover")
    weeks = data.weekly_by_region()
    before, after = dt.date(2024, 3, 11), dt.date(2024, 3, 18)  # not the week of 2024-03-25
    expected = data.movers((r, weeks[(r, before)], weeks[(r, after)]) for r in data.REGIONS)
    assert [(f["group"]["region"], f["before"], f["after"]) for f in got] == [
        (g, pytest.approx(b), pytest.approx(a)) for g, b, a, _, _ in expected
    ]
    assert "between the week of 2024-03-11 and the week of 2024-03-18" in got[0]["text"]


def test_a_weekly_trend_leaves_out_a_week_still_under_way(insights_reader: Api) -> None:
    until_tuesday = {
        "conditions": [{"column": "order_date", "operator": "<", "value": "2024-03-27"}]
    }
    week = {"column": "order_date", "bucket": "week"}
    body = {"spec": _spec(group_by=[week], filters=until_tuesday)}
    (trend,) = _kind(_found(insights_reader, body), "trend")
    totals: dict[dt.date, float] = {}
    for day, value in data.daily().items():
        if day < dt.date(2024, 3, 25):  # the week of 2024-03-25 has two days of data
            totals[data.week_of(day)] = totals.get(data.week_of(day), 0.0) + value
    slope, r2 = data.trend(totals)
    assert trend["slope_per_day"] == pytest.approx(slope, rel=1e-9)
    assert trend["r2"] == pytest.approx(r2, rel=1e-9)
    assert "to 2024-03-18" in trend["text"]
