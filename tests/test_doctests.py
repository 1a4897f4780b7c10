"""Every `>>>` example in backend/, adapters/ and aurora/ runs: the modules are discovered,
not listed, so a new module's examples cannot be forgotten, and each one must hold at least
one example that ran (text that only looks like an example fails here too)."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("backend", "adapters", "aurora")


def modules_with_examples() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if ">>>" in path.read_text(encoding="utf-8"):
                parts = path.relative_to(ROOT).with_suffix("").parts
                found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


MODULES = modules_with_examples()


def test_discovery_finds_the_examples_of_every_package_that_has_them() -> None:
    assert {name.split(".")[0] for name in MODULES} >= {"backend", "adapters"}
    assert "backend.query.compiler" in MODULES and "adapters.oracle_sql" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_module_examples_run_and_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has `>>>` but no example ran"
    assert result.failed == 0
