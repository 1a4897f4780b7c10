"""Dashboards through the HTTP API on real DuckDB and both metadata stores: CRUD, limits,
the grid, visibility, versions, and tile rows equal to the tile's own query."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.dashboards.helpers import (
    BY_REGION,
    DETAIL,
    chart_tile,
    create,
    dashboard,
    error,
    pos,
    query_rows,
    table_tile,
    text_tile,
    tile_rows,
)
from tests.store.fixtures import Api


@pytest.fixture
def ann(api: Api) -> dict[str, str]:
    return api.new_user("ann")


@pytest.fixture
def bob(api: Api) -> dict[str, str]:
    return api.new_user("bob")


def test_a_dashboard_round_trips_with_its_tabs_tiles_and_filters(
    api: Api, ann: dict[str, str]
) -> None:
    made = create(api, ann)
    got = api.client.get(f"/api/dashboards/{made['id']}", headers=ann).json()
    assert got["name"] == "Sales overview" and got["owner"] == "ann" and got["version"] == 1
    assert [t["id"] for t in got["tabs"][0]["tiles"]] == ["chart", "table", "note"]
    assert got["tabs"][0]["tiles"][0]["position"] == pos()
    assert [f["id"] for f in got["filters"]] == ["when", "reg"]
    listed = api.client.get("/api/dashboards", headers=ann).json()
    assert [d["id"] for d in listed] == [made["id"]]


def test_filters_are_mapped_to_columns_by_name_and_label_when_left_out(
    api: Api, ann: dict[str, str]
) -> None:
    made = create(api, ann)
    chart, table, _ = made["tabs"][0]["tiles"]
    # The chart's dataset has order_date too: the filter maps to the input column.
    assert chart["filters"] == {"when": "order_date", "reg": "region"}
    assert table["filters"] == {"when": "order_date", "reg": "region"}


def test_an_explicit_mapping_is_kept_and_none_means_not_this_tile(
    api: Api, ann: dict[str, str]
) -> None:
    tiles = [chart_tile(filters={"when": None, "reg": "region"}), table_tile()]
    made = create(api, ann, tabs=[{"id": "t", "title": "T", "tiles": tiles}])
    assert made["tabs"][0]["tiles"][0]["filters"] == {"when": None, "reg": "region"}


def test_a_filter_mapped_to_a_missing_column_is_422(api: Api, ann: dict[str, str]) -> None:
    tiles = [chart_tile(filters={"when": "no_such_column"})]
    r = api.client.post(
        "/api/dashboards",
        json=dashboard(tabs=[{"id": "t", "title": "T", "tiles": tiles}]),
        headers=ann,
    )
    body = error(r, 422)
    assert body["details"][0]["path"] == "tabs[0].tiles[0].filters.when"
    tiles = [chart_tile(filters={"nope": "region"})]
    r = api.client.post(
        "/api/dashboards",
        json=dashboard(tabs=[{"id": "t", "title": "T", "tiles": tiles}]),
        headers=ann,
    )
    error(r, 422)


@pytest.mark.parametrize(
    "position",
    [
        {"x": 8, "y": 0, "w": 6, "h": 4},  # past the 12th column
        {"x": -1, "y": 0, "w": 6, "h": 4},
        {"x": 0, "y": 0, "w": 0, "h": 4},
        {"x": 0, "y": 0, "w": 13, "h": 4},
        {"x": 0, "y": -2, "w": 6, "h": 4},
        {"x": 0, "y": 0, "w": 6, "h": 0},
        {"x": 0, "y": 0, "w": 6},
        {"x": 0, "y": 0, "w": 6, "h": 4, "z": 1},
    ],
)
def test_a_layout_outside_the_grid_is_422(
    api: Api, ann: dict[str, str], position: dict[str, int]
) -> None:
    tiles = [chart_tile(position=position)]
    body = dashboard(tabs=[{"id": "t", "title": "T", "tiles": tiles}])
    error(api.client.post("/api/dashboards", json=body, headers=ann), 422)


def test_overlapping_tiles_and_reused_ids_are_422(api: Api, ann: dict[str, str]) -> None:
    overlap = [chart_tile(), table_tile(position=pos(x=3))]
    body = dashboard(tabs=[{"id": "t", "title": "T", "tiles": overlap}])
    assert (
        "overlap"
        in error(api.client.post("/api/dashboards", json=body, headers=ann), 422)["message"]
    )
    twice = [chart_tile(), table_tile(tile_id="chart")]
    body = dashboard(tabs=[{"id": "t", "title": "T", "tiles": twice}])
    error(api.client.post("/api/dashboards", json=body, headers=ann), 422)


def test_a_dashboard_over_its_size_limits_is_422(api: Api, ann: dict[str, str]) -> None:
    many = [text_tile(f"n{i}", position=pos(x=0, y=i, w=1, h=1)) for i in range(31)]
    body = dashboard(tabs=[{"id": "t", "title": "T", "tiles": many}])
    error(api.client.post("/api/dashboards", json=body, headers=ann), 422)
    thirty = many[:30]
    body = dashboard(tabs=[{"id": "t", "title": "T", "tiles": thirty}])
    assert api.client.post("/api/dashboards", json=body, headers=ann).status_code == 201
    tabs = [{"id": f"t{i}", "title": f"T{i}", "tiles": []} for i in range(11)]
    error(api.client.post("/api/dashboards", json=dashboard(tabs=tabs), headers=ann), 422)


@pytest.mark.parametrize(
    "change",
    [
        {"colour": "red"},  # unknown field
        {"tabs": []},
        {"name": ""},
        {"filters": [{"id": "x", "label": "X", "type": "slider"}]},
    ],
)
def test_bad_dashboards_are_422_in_the_error_shape(
    api: Api, ann: dict[str, str], change: dict[str, Any]
) -> None:
    error(api.client.post("/api/dashboards", json=dashboard(**change), headers=ann), 422)


def test_a_tile_on_an_unknown_column_or_a_chart_that_does_not_fit_is_422(
    api: Api, ann: dict[str, str]
) -> None:
    bad_spec = chart_tile(spec={**BY_REGION, "group_by": ["nowhere"]})
    bad_chart = chart_tile(chart={"kind": "bar", "x": "amount", "y": "total"})
    kpi_without_kpi = chart_tile(view="kpi")
    for tile in (bad_spec, bad_chart, kpi_without_kpi):
        body = dashboard(tabs=[{"id": "t", "title": "T", "tiles": [tile]}])
        error(api.client.post("/api/dashboards", json=body, headers=ann), 422)


def test_tile_rows_equal_the_tiles_own_query(api: Api, ann: dict[str, str]) -> None:
    made = create(api, ann)
    assert tile_rows(api, ann, made["id"], "chart") == query_rows(api, ann, BY_REGION)
    assert tile_rows(api, ann, made["id"], "table") == query_rows(api, ann, DETAIL)


def test_filter_values_become_conditions_on_the_mapped_column(
    api: Api, ann: dict[str, str]
) -> None:
    made = create(api, ann)
    values = {"when": {"start": "2023-12-10", "end": "2023-12-20"}, "reg": ["North", "East"]}
    got = tile_rows(api, ann, made["id"], "table", filters=values)
    conditions = [
        {"column": "order_date", "operator": ">=", "value": "2023-12-10"},
        {"column": "order_date", "operator": "<", "value": "2023-12-21"},
        {"column": "region", "operator": "in", "value": ["North", "East"]},
    ]
    expected = query_rows(api, ann, {**DETAIL, "filters": {"conditions": conditions}})
    assert got == expected and 0 < len(got) < len(query_rows(api, ann, DETAIL))
    assert {row[2] for row in got} == {"North", "East"}


def test_the_default_value_applies_when_the_request_leaves_a_filter_out(
    api: Api, ann: dict[str, str]
) -> None:
    region = {"id": "reg", "label": "Region", "type": "multi_select", "default": ["West"]}
    made = create(api, ann, filters=[region])
    assert {r[2] for r in tile_rows(api, ann, made["id"], "table")} == {"West"}
    both = {r[2] for r in tile_rows(api, ann, made["id"], "table", filters={"reg": []})}
    assert {"West", "North"} <= both


def test_a_cross_filter_narrows_the_tiles_that_have_its_column(
    api: Api, ann: dict[str, str]
) -> None:
    made = create(api, ann)
    cross = [{"column": "region", "value": "South"}]
    rows = tile_rows(api, ann, made["id"], "chart", cross=cross)
    assert [r[0] for r in rows] == ["South"]
    assert {r[2] for r in tile_rows(api, ann, made["id"], "table", cross=cross)} == {"South"}


def test_bad_tile_requests_are_4xx_never_500(api: Api, ann: dict[str, str]) -> None:
    made = create(api, ann)
    url = f"/api/dashboards/{made['id']}/tiles"
    assert error(api.client.post(f"{url}/nope/data", json={}, headers=ann), 404)
    error(api.client.post(f"{url}/note/data", json={}, headers=ann), 422)
    error(api.client.post(f"{url}/chart/data", json={"filters": {"zz": []}}, headers=ann), 422)
    wrong_type = {"filters": {"when": ["a", "b"]}}
    error(api.client.post(f"{url}/chart/data", json=wrong_type, headers=ann), 422)
    error(api.client.post(f"{url}/chart/data", json={"extra": 1}, headers=ann), 422)
    backwards = {"filters": {"when": {"start": "2024-02-01", "end": "2024-01-01"}}}
    error(api.client.post(f"{url}/chart/data", json=backwards, headers=ann), 422)


def test_private_dashboards_are_404_to_others_and_shared_ones_read_only(
    api: Api, ann: dict[str, str], bob: dict[str, str]
) -> None:
    private = create(api, ann)
    url = f"/api/dashboards/{private['id']}"
    for method in ("GET", "PUT", "DELETE"):
        r = api.client.request(method, url, json=dashboard(), headers=bob)
        assert error(r, 404)["code"] == "not_found"
    error(api.client.post(f"{url}/tiles/chart/data", json={}, headers=bob), 404)
    assert api.client.get("/api/dashboards", headers=bob).json() == []
    shared = create(api, ann, shared=True)
    url = f"/api/dashboards/{shared['id']}"
    assert api.client.get(url, headers=bob).json()["can_edit"] is False
    assert tile_rows(api, bob, shared["id"], "chart")
    error(api.client.put(url, json=dashboard(name="mine"), headers=bob), 403)
    error(api.client.delete(url, headers=bob), 403)
    assert api.client.get(url, headers=api.headers()).json()["can_edit"] is True


def test_a_dashboard_on_a_dataset_hidden_from_the_viewer_is_404(
    api: Api, ann: dict[str, str], bob: dict[str, str]
) -> None:
    made = create(api, ann, shared=True)
    r = api.client.patch(
        "/api/admin/datasets/sales",
        json={"visibility": {"users": ["ann"]}},
        headers=api.headers(),
    )
    assert r.status_code == 200, r.text
    url = f"/api/dashboards/{made['id']}"
    error(api.client.get(url, headers=bob), 404)
    error(api.client.post(f"{url}/tiles/chart/data", json={}, headers=bob), 404)
    assert api.client.get("/api/dashboards", headers=bob).json() == []
    assert tile_rows(api, ann, made["id"], "chart")


def test_every_save_keeps_a_version_and_restore_brings_one_back(
    api: Api, ann: dict[str, str]
) -> None:
    made = create(api, ann)
    url = f"/api/dashboards/{made['id']}"
    second = dashboard(name="Renamed", tabs=[{"id": "t", "title": "T", "tiles": [text_tile()]}])
    r = api.client.put(url, json=second, headers=ann)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2
    versions = api.client.get(f"{url}/versions", headers=ann).json()
    assert [(v["n"], v["name"], v["saved_by"]) for v in versions] == [
        (2, "Renamed", "ann"),
        (1, "Sales overview", "ann"),
    ]
    restored = api.client.post(f"{url}/versions/1/restore", headers=ann)
    assert restored.status_code == 200, restored.text
    got = api.client.get(url, headers=ann).json()
    assert got["name"] == "Sales overview" and got["version"] == 3
    assert [t["id"] for t in got["tabs"][0]["tiles"]] == ["chart", "table", "note"]
    error(api.client.post(f"{url}/versions/9/restore", headers=ann), 404)


def test_deleting_a_dashboard_removes_it_and_its_versions(api: Api, ann: dict[str, str]) -> None:
    made = create(api, ann)
    url = f"/api/dashboards/{made['id']}"
    assert api.client.delete(url, headers=ann).status_code == 204
    error(api.client.get(url, headers=ann), 404)
    error(api.client.get(f"{url}/versions", headers=ann), 404)


def test_a_saved_mapping_survives_a_round_trip_through_put(api: Api, ann: dict[str, str]) -> None:
    made = create(api, ann)
    doc = copy.deepcopy(made)
    for key in ("id", "owner_id", "owner", "can_edit", "version", "created_at", "updated_at"):
        doc.pop(key)
    doc["tabs"][0]["tiles"][1]["filters"]["reg"] = None
    r = api.client.put(f"/api/dashboards/{made['id']}", json=doc, headers=ann)
    assert r.status_code == 200, r.text
    assert r.json()["tabs"][0]["tiles"][1]["filters"] == {"when": "order_date", "reg": None}


def test_the_tile_spec_is_the_query_the_tile_runs_under_the_filters(
    api: Api, ann: dict[str, str]
) -> None:
    made = create(api, ann)
    body = {"filters": {"reg": ["North"]}, "cross": [{"column": "region", "value": "North"}]}
    url = f"/api/dashboards/{made['id']}/tiles/table/spec"
    r = api.client.post(url, json=body, headers=ann)
    assert r.status_code == 200, r.text
    spec = r.json()["spec"]
    assert spec["dataset"] == "sales" and spec["columns"] == DETAIL["columns"]
    assert query_rows(api, ann, spec) == tile_rows(api, ann, made["id"], "table", **body)
    error(
        api.client.post(f"/api/dashboards/{made['id']}/tiles/note/spec", json={}, headers=ann), 422
    )


def test_a_report_tiles_caption_round_trips_and_a_long_one_is_422(
    api: Api, ann: dict[str, str]
) -> None:
    body = dashboard(tabs=[{"id": "t", "title": "T", "tiles": [chart_tile(caption="**Why**")]}])
    made = api.client.post("/api/dashboards", json=body, headers=ann)
    assert made.status_code == 201, made.text
    assert made.json()["tabs"][0]["tiles"][0]["caption"] == "**Why**"
    long = dashboard(tabs=[{"id": "t", "title": "T", "tiles": [chart_tile(caption="x" * 2001)]}])
    error(api.client.post("/api/dashboards", json=long, headers=ann), 422)
