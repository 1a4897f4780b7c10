"""One caller's `AskScope` from the ask service's context (`backend.ask.engine.AskContext`):
the datasets the access policy lets them see (hidden columns gone), the values of their
low-cardinality text columns as the service read them (as the caller, under row-level
security), and a check that compiles a spec as the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from backend.ask.engine import AskContext
from backend.ask.llm import AskScope
from backend.ask.llm_prompt import DatasetSchema
from backend.query.spec import QuerySpec


def scope_of(context: AskContext, check: Callable[[QuerySpec], Awaitable[object]]) -> AskScope:
    schemas = [
        DatasetSchema(
            v.dataset,
            tuple(str(o["load_type"]) for o in v.loads if o.get("load_type") is not None),
        )
        for v in context.datasets
    ]
    values = {
        (v.dataset.key, column): list(found)
        for v in context.datasets
        for column, found in v.values.items()
    }

    async def values_of(key: str, column: str, limit: int) -> list[Any]:
        return values.get((key, column), [])[:limit]

    return AskScope(schemas, values_of, check, context.dataset)
