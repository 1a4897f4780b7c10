"""The `>>>` examples in the compiler's modules are tests too."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "backend.query.budget",
    "backend.query.coerce",
    "backend.query.compiler",
    "backend.query.expressions",
    "backend.query.names",
    "backend.query.operators",
    "backend.query.render",
    "backend.query.values",
    "backend.query.steps.assemble",
    "backend.query.steps.budget",
    "backend.query.steps.calculated",
    "backend.query.steps.ctes",
    "backend.query.steps.filters",
    "backend.query.steps.select",
    "backend.query.steps.sort",
    "backend.query.steps.sources",
]


@pytest.mark.parametrize("name", MODULES)
def test_module_examples_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
