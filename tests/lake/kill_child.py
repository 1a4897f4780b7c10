"""A worker process for the kill -9 tests: runs one lake write and exits.

    python -m tests.lake.kill_child merge FOLDER BATCH_ID FIRST COUNT TAG
    python -m tests.lake.kill_child optimize FOLDER
    python -m tests.lake.kill_child erase DATA_DIR STATE_DIR KEY NAME ROWS
    python -m tests.lake.kill_child poll FOLDER SOURCE_ID SCHEMA TABLE PG_URL

Each prints `go` when its imports are done and the write starts (the parent starts watching
the folder then), and `done <json>` when it returned. The parent kills it with SIGKILL.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.lake.kill_data import erase_filter, merge_events


def _merge(folder: str, batch_id: str, first: str, count: str, tag: str) -> Any:
    from backend.lake import changes

    events = merge_events(int(first), int(count), tag)
    return changes.merge(Path(folder), batch_id, events, ["id"], "kill-test")


def _optimize(folder: str) -> Any:
    from backend.lake import maintenance

    return maintenance.optimize(Path(folder), user="kill-test")


def _erase(data_dir: str, state_dir: str, key: str, name: str, rows: str) -> Any:
    from backend.config import Settings
    from backend.lake.service import Lake
    from backend.query.spec import FilterGroup
    from backend.wiring import open_services

    settings = Settings(
        data_dir=Path(data_dir),
        state_path=Path(state_dir),
        metadata_url=f"sqlite:///{state_dir}/aurora.db",
    )
    services = open_services(settings)
    try:
        lake = Lake(services.catalog, services.adapter, retention_hours=0)
        filters = FilterGroup.model_validate(erase_filter(name))
        return lake.erase(key, filters, int(rows), user="kill-test")
    finally:
        services.close()


def _poll(folder: str, source_id: str, schema: str, table: str, url: str) -> Any:
    from backend.lake import pg_source, poll

    spec = pg_source.SourceSpec(schema, table, "id", "updated_at", "deleted")
    return poll.poll(Path(folder), source_id, spec, url, limit=1_000_000, user="kill-test")


ACTIONS = {"merge": _merge, "optimize": _optimize, "erase": _erase, "poll": _poll}


def main(argv: list[str]) -> None:
    action, args = ACTIONS[argv[0]], argv[1:]
    print("go", flush=True)
    done = action(*args)
    print("done", json.dumps(getattr(done, "__dict__", str(done)), default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
