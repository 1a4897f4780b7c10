"""Property: any spec a client may send compiles and runs, or is refused with a 4xx in the
error shape; never a 5xx. Specs from `tests.property.specs`, on /api/query, /api/explain
and /api/sql, as a viewer without row-level security (on a hand-filtered copy of `sales`,
so the compiler sees the same shapes as on `sales`)."""

from __future__ import annotations

from typing import Any

from hypothesis import event, given, settings

from tests.property.specs import query_spec
from tests.store.fixtures import USER_PASSWORD, Api

ROUTES = ("/api/query", "/api/explain", "/api/sql?dialect=oracle")


def _checked(api: Api, path: str, spec: dict[str, Any]) -> int:
    r = api.client.post(path, json=spec, headers=api.headers("open", USER_PASSWORD))
    assert r.status_code < 500, (path, spec, r.status_code, r.text[:600])
    if r.status_code >= 400:
        error = r.json()["error"]
        assert set(error) == {"code", "message", "details"} and error["message"], r.text
    return int(r.status_code)


@settings(max_examples=50)
@given(spec=query_spec(dataset="sales_nora"))
def test_a_random_spec_runs_or_is_a_4xx(property_api: Api, spec: dict[str, Any]) -> None:
    statuses = [_checked(property_api, path, spec) for path in ROUTES]
    event(f"/api/query answered {statuses[0]}")
    if statuses[0] == 200:  # what runs also explains and renders
        assert statuses[1:] == [200, 200], (spec, statuses)
