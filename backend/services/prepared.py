"""Compiled specs kept per process, so a page request does not compile its spec again.

Compiling (sqlglot builds, copies and checks trees) was most of the CPU a cached page cost:
every page, block and count request compiled its spec anew. A compile depends on the spec
with its page left out (the page is a LIMIT/OFFSET put on the unpaged tree afterwards), on
what the access policy reads about the caller (`AccessPolicy.compile_key`: role, attributes,
the dataset settings' generation, each dataset's data version), on the dialect, and on the
statistics that order its joins. The key holds all but the statistics: a compile that ran
while statistics it needed were missing, or were being loaded, is not kept (`QueryService`
decides), so a kept compile equals what compiling again would give.

Entries are least-recently-used and bounded in number; trees are shared between requests
and never changed in place (every step and rewrite copies before it edits).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from backend.query.context import CompiledQuery
from backend.query.spec import QuerySpec

# A compiled spec with its three trees is some tens of KB; a thousand is a few tens of MB
# per process at most, and covers every spec a few hundred active users page through.
PREPARED_MAX = 1024

PreparedKey = tuple[Hashable, ...]


def prepared_key(spec: QuerySpec, dialect: str, access: Hashable) -> PreparedKey:
    """The key of `spec`'s compile in `dialect` for a caller whose access reads `access`;
    any page of the spec has the same key.

    >>> a = QuerySpec(dataset="sales", columns=["region"], page=3)
    >>> b = QuerySpec(dataset="sales", columns=["region"], page=7, page_size=10)
    >>> prepared_key(a, "duckdb", ("viewer",)) == prepared_key(b, "duckdb", ("viewer",))
    True
    >>> prepared_key(a, "duckdb", ("viewer",)) == prepared_key(a, "oracle", ("viewer",))
    False
    """
    return (spec.model_dump_json(exclude={"page", "page_size"}), dialect, access)


class PreparedQueries:
    """Compiled (unpaged) specs by `prepared_key`; thread-safe; `maxsize` 0 keeps nothing."""

    def __init__(self, maxsize: int = PREPARED_MAX) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[PreparedKey, CompiledQuery] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: PreparedKey) -> CompiledQuery | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self.hits += 1
            self._entries.move_to_end(key)
            return found

    def put(self, key: PreparedKey, compiled: CompiledQuery) -> None:
        if self.maxsize <= 0:
            return
        with self._lock:
            self._entries[key] = compiled
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
