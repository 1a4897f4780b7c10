"""What a cold page runs, in order, through the real app on the tiny warehouse with the
result cache off (issue 15): the cost gate first (it refuses before any statement runs),
then the page's own statement, and the count only once the page's rows are in, never beside
them on the same cores. Statements are recorded by wrapping the app's adapter instance."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlglot import exp

from adapters.base import Estimate
from backend.store.engine import Store
from tests.conftest import TinyWarehouse
from tests.store.fixtures import Api, _running_api


def _sql(query: exp.Expression) -> str:
    return query.sql(dialect="duckdb", identify=True)


class Statements:
    """Wraps `adapter.run` and `adapter.explain`: (kind, started, ended) of each call."""

    def __init__(self, api: Api) -> None:
        adapter = api.app.state.context.services.adapter
        self._run, self._explain = adapter.run, adapter.explain
        self.calls: list[tuple[str, float, float]] = []
        self._lock = threading.Lock()
        adapter.run, adapter.explain = self.run, self.explain

    def _record(self, kind: str, started: float) -> None:
        with self._lock:
            self.calls.append((kind, started, time.perf_counter()))

    def run(self, query: exp.Expression, **kwargs: Any) -> pa.Table:
        started = time.perf_counter()
        kind = "count" if 'COUNT(*) AS "n" FROM (' in _sql(query) else "page"
        try:
            if kind == "page":
                time.sleep(0.3)  # a page slow enough that a count beside it would show
            return self._run(query, **kwargs)
        finally:
            self._record(kind, started)

    def explain(self, query: exp.Expression) -> Estimate:
        started = time.perf_counter()
        try:
            return self._explain(query)
        finally:
            self._record("explain", started)

    def kinds(self) -> list[str]:
        return [kind for kind, _, _ in self.calls]


def running(store: Store, tmp: Path, warehouse: TinyWarehouse, **settings: Any) -> Iterator[Api]:
    return _running_api(store, tmp, data_dir=warehouse.root, result_cache=False, **settings)


def post(api: Api, spec: dict[str, Any], path: str = "/api/query") -> Any:
    return api.client.post(path, json=spec, headers=api.headers())


SPEC: dict[str, Any] = {
    "dataset": "sales",
    "vintage": {"all_loads": True},
    "columns": ["order_id", "amount"],
    "filters": {"conditions": [{"column": "quantity", "operator": ">", "value": 2}]},
    "sort": [{"column": "order_id"}],
    "page_size": 10,
}


def test_the_count_starts_only_after_the_pages_own_statement_has_ended(
    sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse
) -> None:
    for api in running(sqlite_store, tmp_path, tiny_warehouse):
        statements = Statements(api)
        page = post(api, SPEC)
        assert page.status_code == 200, page.text
        assert page.json()["total_pending"] is True and len(page.json()["rows"]) == 10
        counted = post(api, SPEC, "/api/count")
        assert counted.status_code == 200 and counted.json()["total_rows"] > 10

        assert statements.kinds() == ["page", "count"]  # the footers spared the EXPLAIN
        (_, _, page_ended), (_, count_started, _) = statements.calls
        assert count_started >= page_ended


def test_the_gate_still_decides_first_and_refuses_before_anything_runs(
    sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse
) -> None:
    # Fewer rows allowed than the dataset's footers count: the decision needs the planner.
    for api in running(sqlite_store, tmp_path, tiny_warehouse, explain_max_rows=5):
        statements = Statements(api)
        refused = post(api, SPEC)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "query_too_expensive"
        assert statements.kinds() == ["explain"]


def test_a_gate_decided_from_the_footers_still_lets_only_the_page_run(
    sqlite_store: Store, tmp_path: Path, tiny_warehouse: TinyWarehouse
) -> None:
    for api in running(sqlite_store, tmp_path, tiny_warehouse, count_max_rows=1):
        statements = Statements(api)
        page = post(api, SPEC)
        assert page.status_code == 200, page.text
        # COUNT_MAX_ROWS under the footers' count: no count, and the gate asked the planner
        assert page.json()["total_pending"] is False
        assert statements.kinds() == ["explain", "page"]
        (_, _, explained), (_, page_started, _) = statements.calls
        assert page_started >= explained
