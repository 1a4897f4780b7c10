"""`backend.serve`'s pieces in process: the memory share and the DuckDB knob it sets."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot

from adapters.duckdb_adapter import DuckDBAdapter
from backend.config import Settings
from backend.serve import api_workers, memory_limit


def _limit(adapter: DuckDBAdapter) -> str:
    query = sqlglot.parse_one("SELECT current_setting('memory_limit') AS m", dialect="duckdb")
    return str(adapter.run(query).to_pylist()[0]["m"])


def test_duckdb_takes_its_memory_limit_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUCKDB_MEMORY_LIMIT", "768MiB")
    assert _limit(DuckDBAdapter(tmp_path)) == "768.0 MiB"
    assert _limit(DuckDBAdapter(tmp_path, memory_limit="1GiB")) == "1.0 GiB"  # given wins


@pytest.mark.parametrize(
    ("setting", "given", "want"),
    [(None, None, "cores"), (3, None, 3), (3, 1, 1), (None, 2, 2)],
)
def test_api_workers_default_to_the_core_count(
    setting: int | None, given: int | None, want: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    settings = Settings(API_WORKERS=setting)
    assert api_workers(settings, given) == (6 if want == "cores" else want)


def test_the_memory_share_counts_the_export_worker_only_with_redis() -> None:
    without = Settings(REDIS_URL=None, DUCKDB_MEMORY_LIMIT=None)
    with_redis = without.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0"})
    gib = 2**30
    assert memory_limit(without, 3, memory=10 * gib) == "2048MiB"
    assert memory_limit(with_redis, 3, memory=10 * gib) == "1536MiB"
