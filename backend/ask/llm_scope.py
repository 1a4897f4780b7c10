"""One caller's `AskScope` from the running app's services: the datasets the access policy
lets them see, values read as them (row-level security applied by the values query), and a
check that compiles a spec as them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from backend.ask.llm import AskScope
from backend.ask.llm_prompt import DatasetSchema, Synonyms
from backend.catalog.models import Dataset
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.services.offload import off_loop

if TYPE_CHECKING:
    from backend.wiring import Services

SynonymsOf = Callable[[Dataset], Synonyms]


def _load_types(services: Services, dataset: Dataset) -> tuple[str, ...]:
    if dataset.vintage is None:
        return ()
    options = services.catalog.vintage_options(dataset.key)
    return tuple(str(o["load_type"]) for o in options if o["load_type"] is not None)


def scope_for(
    services: Services,
    user: User,
    dataset: str | None = None,
    synonyms_of: SynonymsOf | None = None,
) -> AskScope:
    """Call in the compile pool or a worker thread: reading load types may run a query."""
    schemas = [
        DatasetSchema(d, synonyms_of(d) if synonyms_of else Synonyms(), _load_types(services, d))
        for d in services.policy.datasets_for(user)
    ]

    async def values_of(key: str, column: str, limit: int) -> list[Any]:
        return await services.queries.values(key, column, user, q=None, limit=limit)

    async def check(spec: QuerySpec) -> object:
        return await off_loop(services.queries.compile, spec, user)

    return AskScope(schemas, values_of, check, dataset)
