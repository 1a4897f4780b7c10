"""POST /api/dashboards/{id}/tiles/data: several tiles in one request, an NDJSON line per
tile. Each tile is answered exactly as its own route answers it: the caller's RLS in every
tile (and never another viewer's kept answer), one audit row per tile, a refused tile as
that tile's error line while the others still arrive; a dashboard the caller may not see
is 404 as a whole."""

from __future__ import annotations

import json
from typing import Any

from tests.dashboards.helpers import (
    BY_REGION,
    DETAIL,
    chart_tile,
    create,
    error,
    pos,
    query_rows,
    table_tile,
    tile_rows,
)
from tests.store.fixtures import USER_PASSWORD, Api

REGIONS_OF = {"ann": ["North"], "bob": ["South", "East"]}
ADMITTED = 'aurora_query_queue_wait_seconds_count{outcome="admitted",priority="interactive"}'


def batch(api: Api, headers: dict[str, str], dashboard_id: str, **body: Any) -> dict[str, Any]:
    """The batch's lines by tile id, after checking the stream's status and type."""
    url = f"/api/dashboards/{dashboard_id}/tiles/data"
    r = api.client.post(url, json=body, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in r.text.splitlines() if line]
    by_tile = {line["tile"]: line for line in lines}
    assert len(by_tile) == len(lines), "one line per tile"
    return by_tile


def _only(spec: dict[str, Any], regions: list[str]) -> dict[str, Any]:
    condition = {"column": "region", "operator": "in", "value": regions}
    return {**spec, "filters": {"conditions": [condition]}}


def _rls_on_region(api: Api) -> None:
    r = api.client.patch(
        "/api/admin/datasets/sales",
        json={"rls": [{"column": "region", "attribute": "region"}], "rls_admin_exempt": True},
        headers=api.headers(),
    )
    assert r.status_code == 200, r.text
    for user, regions in REGIONS_OF.items():
        api.new_user(user, attributes={"region": regions})


def test_each_viewer_sees_only_their_slice_in_every_tile_of_a_batch(api: Api) -> None:
    _rls_on_region(api)
    made = create(api, api.headers(), shared=True)
    everything = batch(api, api.headers(), made["id"], tiles=["chart", "table"])
    assert len(everything["chart"]["data"]["rows"]) == 5  # the admin (exempt): 4 regions + null
    # Each viewer asks twice: the second batch is answered from kept answers, which must
    # be theirs, not the admin's nor the other viewer's.
    for _ in range(2):
        for user, regions in REGIONS_OF.items():
            headers = api.headers(user, USER_PASSWORD)
            got = batch(api, headers, made["id"], tiles=["chart", "table"])
            for tile, spec in (("chart", BY_REGION), ("table", DETAIL)):
                expected = query_rows(api, api.headers(), _only(spec, regions))
                assert expected, "the slice has rows, so the comparison means something"
                assert got[tile]["status"] == 200
                assert got[tile]["data"]["rows"] == expected, (user, tile)
            assert sorted(r[0] for r in got["chart"]["data"]["rows"]) == sorted(regions)


def test_a_batch_answers_as_the_tile_route_and_audits_each_tile(api: Api) -> None:
    ann = api.new_user("ann")
    made = create(api, ann)
    reg = {"reg": ["North", "South"]}
    got = batch(api, ann, made["id"], tiles=["table", "chart"], filters=reg)
    assert set(got) == {"table", "chart"}
    for tile in ("table", "chart"):
        assert got[tile]["status"] == 200
        assert got[tile]["data"]["rows"] == tile_rows(api, ann, made["id"], tile, filters=reg)
        assert {"columns", "rows", "sql"} <= set(got[tile]["data"])
    runs = [r for r in api.audit_rows(action="query.run") if r["username"] == "ann"]
    assert len(runs) == 4  # two tiles in the batch, two on their own route


def test_a_refused_tile_is_its_own_error_line_and_the_others_arrive(api: Api) -> None:
    ann = api.new_user("ann")
    made = create(api, ann)
    got = batch(api, ann, made["id"], tiles=["chart", "nope", "note", "chart"])
    assert set(got) == {"chart", "nope", "note"}  # a tile asked twice is answered once
    assert got["chart"]["status"] == 200 and got["chart"]["data"]["rows"]
    assert got["nope"]["status"] == 404 and got["nope"]["error"]["code"] == "not_found"
    assert got["note"]["status"] == 422  # a text tile has no data
    assert set(got["note"]["error"]) == {"code", "message", "details"}


def test_a_dashboard_the_caller_may_not_see_is_404_and_bad_bodies_are_422(api: Api) -> None:
    ann, bob = api.new_user("ann"), api.new_user("bob")
    made = create(api, ann)  # not shared
    url = f"/api/dashboards/{made['id']}/tiles/data"
    assert error(api.client.post(url, json={"tiles": ["chart"]}, headers=bob), 404)
    assert error(api.client.post(url, json={"tiles": []}, headers=ann), 422)
    many = {"tiles": [f"t{n}" for n in range(31)]}
    assert error(api.client.post(url, json=many, headers=ann), 422)
    assert error(api.client.post(url, json={"tiles": ["chart"], "x": 1}, headers=ann), 422)
    assert error(api.client.post(url, json={"tiles": ["chart"]}), 401)


def _admitted(api: Api) -> float:
    """Statements admitted to a query worker so far (each takes one), from /metrics."""
    for line in api.client.get("/metrics", headers=api.headers()).text.splitlines():
        if line.startswith(ADMITTED + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _four_tiles_on_region() -> list[dict[str, Any]]:
    """Four tiles with queries of their own, each mapping the region filter."""
    count = {**BY_REGION, "measures": [{"agg": "count", "alias": "total"}]}
    kpi = {"dataset": "sales", "measures": [{"column": "amount", "agg": "sum", "alias": "total"}]}
    tiles = [
        chart_tile("by_region"),
        chart_tile("orders", spec=count),
        chart_tile("kpi", spec=kpi, view="kpi", chart={"kind": "kpi", "y": "total"}),
        table_tile("detail"),
    ]
    return [
        {**t, "filters": {"reg": "region"}, "position": pos(y=4 * n)} for n, t in enumerate(tiles)
    ]


def test_under_rls_a_cold_batch_takes_one_worker_per_tile_and_scans_the_slice_once(
    api: Api,
) -> None:
    """Each tile's gate is judged by statistics of the viewer's slice: scanned once for the
    whole batch (one worker), then decided without a worker, so each tile takes a worker
    for its own statement only (it took one for its gate as well, and up to one scan of
    the same slice each)."""
    _rls_on_region(api)
    tiles = _four_tiles_on_region()
    made = create(api, api.headers(), shared=True, tabs=[{"id": "m", "title": "M", "tiles": tiles}])
    ann = api.headers("ann", USER_PASSWORD)
    names = [str(t["id"]) for t in tiles]
    for regions, workers in ((["North", "South"], len(tiles) + 1), (["North"], len(tiles))):
        before = _admitted(api)
        got = batch(api, ann, made["id"], tiles=names, filters={"reg": regions})
        assert _admitted(api) - before == workers  # the second batch: statistics kept
        for name, tile in zip(names, tiles, strict=True):
            assert got[name]["status"] == 200, got[name]
            expected = query_rows(api, api.headers(), _only(tile["spec"], ["North"]))
            assert got[name]["data"]["rows"] == expected, name
