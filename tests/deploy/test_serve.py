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
    ("redis", "setting", "given", "want"),
    [
        ("redis://r", None, None, 6),  # shared result cache: a process per core
        (None, None, None, 3),  # each process caches alone: one per two cores
        (None, 3, None, 3),
        (None, 3, 1, 1),
        ("redis://r", None, 2, 2),
    ],
)
def test_api_workers_default_to_the_cores_the_cache_can_share(
    redis: str | None,
    setting: int | None,
    given: int | None,
    want: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    settings = Settings(API_WORKERS=setting, REDIS_URL=redis)
    assert api_workers(settings, given) == want


def test_the_memory_share_counts_the_export_worker_only_with_redis() -> None:
    without = Settings(REDIS_URL=None, DUCKDB_MEMORY_LIMIT=None)
    with_redis = without.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0"})
    gib = 2**30
    assert memory_limit(without, 3, memory=10 * gib) == "2048MiB"
    assert memory_limit(with_redis, 3, memory=10 * gib) == "1536MiB"


def _setting(adapter: DuckDBAdapter, name: str) -> str:
    query = sqlglot.parse_one(f"SELECT current_setting('{name}') AS v", dialect="duckdb")
    return str(adapter.run(query).to_pylist()[0]["v"])


def test_an_app_started_without_serve_gets_the_same_share_not_duckdbs_eighty_percent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backend.wiring import _adapter_and_source

    monkeypatch.delenv("DUCKDB_MEMORY_LIMIT", raising=False)
    monkeypatch.setattr("backend.memory_budget.machine_memory", lambda: 10 * 2**30)
    settings = Settings(data_dir=tmp_path, API_WORKERS=2, REDIS_URL=None, DUCKDB_MEMORY_LIMIT=None)
    adapter, _ = _adapter_and_source(settings)
    assert isinstance(adapter, DuckDBAdapter)
    assert _setting(adapter, "memory_limit") == "3.0 GiB"  # 60% of 10 GiB over 2 processes


def test_duckdb_gives_memory_back_from_its_allocator_threads(tmp_path: Path) -> None:
    """Without them DuckDB's allocator keeps what every query freed: RSS rises to the
    busiest moment and stays."""
    assert _setting(DuckDBAdapter(tmp_path), "allocator_background_threads") == "True"
