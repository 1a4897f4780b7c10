"""Row-level security per tile: a viewer limited to some regions gets, in every tile of a
shared dashboard, exactly what the admin's own query gets over those regions."""

from __future__ import annotations

from typing import Any

from tests.dashboards.helpers import BY_REGION, DETAIL, create, query_rows, tile_rows
from tests.store.fixtures import USER_PASSWORD, Api

REGIONS_OF = {"ann": ["North"], "bob": ["South", "East"]}


def _only(spec: dict[str, Any], regions: list[str]) -> dict[str, Any]:
    condition = {"column": "region", "operator": "in", "value": regions}
    return {**spec, "filters": {"conditions": [condition]}}


def test_each_viewer_sees_only_their_slice_in_every_tile(api: Api) -> None:
    r = api.client.patch(
        "/api/admin/datasets/sales",
        json={"rls": [{"column": "region", "attribute": "region"}], "rls_admin_exempt": True},
        headers=api.headers(),
    )
    assert r.status_code == 200, r.text
    for user, regions in REGIONS_OF.items():
        api.new_user(user, attributes={"region": regions})
    made = create(api, api.headers(), shared=True)
    for user, regions in REGIONS_OF.items():
        headers = api.headers(user, USER_PASSWORD)
        for tile, spec in (("chart", BY_REGION), ("table", DETAIL)):
            expected = query_rows(api, api.headers(), _only(spec, regions))
            assert expected, "the slice has rows, so the comparison means something"
            assert tile_rows(api, headers, made["id"], tile) == expected, (user, tile)
        chart = tile_rows(api, headers, made["id"], "chart")
        assert sorted(r[0] for r in chart) == sorted(regions)
