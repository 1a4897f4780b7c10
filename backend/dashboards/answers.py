"""Tile answers kept encoded: a warm dashboard tile is sent again, not rebuilt.

Fifty viewers opening the same dashboard with the same filters ask the same ten tile
queries over and over. The result cache already saves the database; what each request
still paid was the CPU around it: the page cut from the cached blocks, its rows turned
from Arrow into Python and encoded to JSON, the compile cache's paging of the tree, and
three trips to worker threads. Here the response body is kept, keyed by what decides it:

- the tile's query with the dashboard's filters applied (`tiles.tile_spec`: the saved
  version's tile, the filter values, and today's date for relative date presets);
- the caller's compile scope (`AccessPolicy.compile_key`: role, attributes, the row-level
  security rules' generation and each dataset's data version), so two viewers share an
  answer only when their compiles, row filters included, are the same, and a new load
  or rule change is a new key. No scope (unversioned rules, a hidden dataset), no keeping.

An answer lives CACHE_TTL seconds at most, the result cache's own bound for sources without
data versions, and nothing is kept with the result cache off. Whether the caller may see
the dashboard and its datasets is decided on every request before this cache is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.config import Settings
from backend.errors import AuroraError
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.services.queries import QueryService
from backend.services.ttl_cache import TtlCache

ANSWERS_MAX = 1_024  # encoded tile answers kept per process (a 500-row tile: tens of kB)


@dataclass(frozen=True)
class Answer:
    body: bytes  # the JSON response, as POST /api/query answers
    rows: int  # for the audit record


class TileAnswers:
    def __init__(self, settings: Settings, maxsize: int = ANSWERS_MAX) -> None:
        on = settings.result_cache and settings.cache_ttl > 0
        self.ttl_s = float(settings.cache_ttl) if on else 0.0
        self._kept: TtlCache[Answer] = TtlCache(maxsize=maxsize, ttl_s=self.ttl_s)

    def key(self, queries: QueryService, spec: QuerySpec, user: User) -> str | None:
        """The answer's key, or None when it must not be kept (see the module)."""
        if self.ttl_s <= 0 or spec.as_of is not None:
            return None
        try:
            scope = queries.policy.compile_key(user, spec.datasets)
        except AuroraError:  # e.g. no such dataset: the query says so itself
            return None
        return None if scope is None else f"{scope!r}|{spec.model_dump_json()}"

    def get(self, key: str) -> Answer | None:
        return self._kept.get(key)

    def put(self, key: str, answer: Answer) -> None:
        self._kept.put(key, answer)
