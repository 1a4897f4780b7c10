"""The demo warehouse (backend/demo, small) and an Ask service over it for the evaluation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.ask.service import AskService
from backend.config import Settings
from backend.demo import build_demo
from backend.wiring import Services, open_services

DEMO_ROWS = 20_000


def services_over(warehouse: Path, state: Path) -> Services:
    settings = Settings(
        data_dir=warehouse, state_path=state, metadata_url=f"sqlite:///{state / 'aurora.db'}"
    )
    state.mkdir(parents=True, exist_ok=True)
    return open_services(settings)


@pytest.fixture(scope="session")
def demo_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    root = tmp_path_factory.mktemp("ask_demo")
    warehouse = build_demo(root / "warehouse", rows=DEMO_ROWS, progress=lambda _m: None)
    services = services_over(warehouse, root / "state")
    yield services
    services.close()


@pytest.fixture(scope="session")
def demo_asker(demo_services: Services) -> AskService:
    return AskService(demo_services.queries)
