"""Which tests may share the machine with which, a pytest plugin loaded by tests/conftest.py.

`pytest -n 2 --dist loadgroup` runs the whole suite on pytest-xdist workers with this plugin's
scheduler (`make test` still runs it in one process: one such run measured the serial part
alone at about 29 minutes of test time, so it is no faster yet; bench/results/suite-parallel-
20261203.md). Each test file is one unit of work, as under `make check`'s `--dist loadfile`
(the tests of one file may share a Redis database, a server or a PostgreSQL table and clear it
between each other), except the files in `SERIAL`: together they are one unit, which one worker
runs first, in collection order (the browser tests last, tests/conftest.py), and after which
that worker gets nothing else. The other workers share the rest. `SERIAL` holds what must not
run beside each other:

- the browser (tests/e2e, AG Grid's page): a Reflex prod build, Chromium and servers behind
  them. pytest-playwright also leaves its event loop running in the worker's main thread for
  the rest of the session, and a test calling asyncio.run() there afterwards would fail: hence
  nothing after them on that worker;
- the deployed shapes (tests/deploy): real API, UI, worker and nginx processes, the load tests;
- the files that name a Redis database another file uses too (tests/required.py lists them;
  some empty it, others delete keys by pattern or count them);
- the files with a test that measures time or depends on the machine's pace: an elapsed-time
  bound, a lag, a cost per call, a timeout racing a slower answer, a sleep that orders two
  threads or processes, a kill that must land mid-write.

A test file that reads a clock, sleeps, names a Redis database or drives a browser is either
in `SERIAL` or in `SHARED`, with why it may run beside anything; tests/test_parallel.py fails
on one in neither, so a new timing test is never spread by oversight.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import WorkerController

SERIAL_GROUP = "serial"
DUPLICATE = "#"

SERIAL: tuple[str, ...] = (
    # The browser and the deployed shapes.
    "tests/e2e/",
    "tests/aggrid/test_grid_browser.py",
    "tests/deploy/",
    # Redis databases: 9 (export jobs, shared between files), 10, 12 (named), 14.
    "tests/jobs/test_arq.py",
    "tests/jobs/test_lease_fence.py",
    "tests/jobs/test_leases.py",
    "tests/jobs/test_million.py",
    "tests/alerts/test_firing.py",
    "tests/cache/test_result_cache.py",
    "tests/ui/test_ui_state.py",
    "tests/api/test_auth_limits.py",
    # Elapsed-time bounds, lags, costs per call, timeouts and cancels that must land in time.
    "tests/adapters/test_duckdb_adapter.py",
    "tests/adapters/test_oracle_adapter.py",
    "tests/adapters/test_oracle_live.py",
    "tests/adapters/test_postgres_adapter.py",
    "tests/adapters/test_statements.py",
    "tests/api/test_admission.py",
    "tests/api/test_audit.py",
    "tests/api/test_auth_every_request.py",
    "tests/api/test_compile_budget.py",
    "tests/api/test_counts.py",
    "tests/ask/test_llm_engine.py",
    "tests/catalog/test_catalog.py",
    "tests/delivery/test_webhook.py",
    "tests/exports/test_prefetch.py",
    "tests/jobs/test_inprocess.py",
    "tests/joins/test_timeouts.py",
    "tests/lake/test_cdc_poll.py",
    "tests/lake/test_cdc_worker.py",
    "tests/services/test_executor_errors.py",
    "tests/store/test_audit_batches.py",
    # Sleeps that order threads, tasks or processes; a kill that must land mid-write.
    "tests/api/test_cold_page_order.py",
    "tests/cache/test_block_sharing.py",
    "tests/api/test_event_loop.py",
    "tests/api/test_login_pool.py",
    "tests/cache/test_flight_landing.py",
    "tests/delivery/test_lease.py",
    "tests/lake/test_kill.py",
)

# Files that read a clock or sleep and may still run beside anything, and why.
SHARED: dict[str, str] = {
    "tests/api/test_export_errors.py": "waits up to 60 s for a job to end",
    "tests/api/test_prepared_queries.py": "waits up to 10 s for a rescan due every second",
    "tests/api/test_rls.py": "waits up to 30 s for an export to end",
    "tests/lake/test_erase.py": "waits up to 10 s for the audit writer",
    "tests/lake/test_maintenance.py": "waits up to 60 s for a job to end",
    "tests/lake/test_time_travel.py": "waits up to 10 and 30 s for a rescan and a job",
    "tests/materialize/test_materialized_api.py": "waits up to 30 s for a build",
    "tests/services/test_admission.py": "asyncio.sleep(0) only: an order, not a time",
    "tests/cache/test_count_flights.py": "asyncio.sleep(0) only: an order, not a time",
    "tests/test_parallel.py": "its sleeps are in the small runs it starts, which time nothing",
}


def numbered(nodeids: Sequence[str]) -> list[str]:
    """The node ids with each repeat numbered (`id#2`, `id#3`, ...). xdist's schedulers track
    tests by node id, and under pytest 9.2 schemathesis gives each per-operation test its
    function's id (pytest builds a function's id from `originalname`, which schemathesis sets
    to the function): unnumbered, xdist sent one of the 111 operations and counted it done.
    The numbers stay in the controller; each worker is still sent its tests by position."""
    seen: Counter[str] = Counter()
    out = []
    for nodeid in nodeids:
        seen[nodeid] += 1
        out.append(nodeid if seen[nodeid] == 1 else f"{nodeid}{DUPLICATE}{seen[nodeid]}")
    return out


def group_of(nodeid: str) -> str:
    """A test's xdist group: `serial`, or its file."""
    path = nodeid.split("::", 1)[0]
    return SERIAL_GROUP if path.startswith(SERIAL) else path


class SerialAlone(LoadScopeScheduling):
    """`--dist loadgroup` with `group_of` for groups: a unit of work is a file or the serial
    group. xdist's own loadgroup reads `xdist_group` marks from a node id suffix that it can no
    longer set under pytest 9 (it writes `item._nodeid`, which pytest 9.2 no longer reads), so
    the groups are named here, in the controller, from the node ids themselves.

    The serial group is handed out first and the worker that takes it is then told to stop
    (xdist's shutdown lets a worker finish the tests it holds), so it runs nothing after the
    browser tests. With a single worker it goes last instead, as the browser tests do in a run
    without xdist."""

    def _split_scope(self, nodeid: str) -> str:
        return group_of(nodeid)

    def add_node_collection(self, node: WorkerController, collection: Sequence[str]) -> None:
        super().add_node_collection(node, numbered(collection))

    def _assign_work_unit(self, node: WorkerController) -> None:
        alone = len(self.nodes) > 1
        if SERIAL_GROUP in self.workqueue:
            self.workqueue.move_to_end(SERIAL_GROUP, last=not alone)
        super()._assign_work_unit(node)
        if alone and SERIAL_GROUP in self.assigned_work[node]:
            node.shutdown()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> SerialAlone | None:
    return SerialAlone(config, log) if config.getvalue("dist") == "loadgroup" else None
