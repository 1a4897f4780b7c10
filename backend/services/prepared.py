"""Compiled specs kept per process, so a page request does not compile its spec again.

Compiling (sqlglot builds, copies and checks trees) was most of the CPU a cached page cost:
every page, block and count request compiled its spec anew. A compile depends on the spec
with its page left out (the page is a LIMIT/OFFSET put on the unpaged tree afterwards), on
what the access policy reads about the caller (`AccessPolicy.compile_key`: role, attributes,
the dataset settings' generation, each dataset's data version), on the dialect, and on the
statistics that order its joins. The key holds all but the statistics: a compile that ran
while statistics it needed were missing, or were being loaded, is not kept (`QueryService`
decides), so a kept compile equals what compiling again would give.

Entries are least-recently-used and bounded in number and in bytes (each compile's three
trees estimated by `backend.services.sizes`: an explorer spec with a few filters is a few
hundred KB, so a thousand of them were most of an API process's growth under the UI load
test); trees are shared between requests and never changed in place (every step and rewrite
copies before it edits).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from backend.query.context import CompiledQuery
from backend.query.spec import QuerySpec
from backend.services.sizes import ENTRY_BYTES, tree_bytes

# At most this many compiles, whatever their size (QUERY_CACHE_MAX_MB bounds their bytes).
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
    """Compiled (unpaged) specs by `prepared_key`; thread-safe; `maxsize` 0 keeps nothing;
    at most `max_bytes` of trees (None: no byte bound)."""

    def __init__(self, maxsize: int = PREPARED_MAX, max_bytes: int | None = None) -> None:
        self.maxsize, self.max_bytes = maxsize, max_bytes
        self._entries: OrderedDict[PreparedKey, tuple[CompiledQuery, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        self.bytes = 0

    def get(self, key: PreparedKey) -> CompiledQuery | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self.hits += 1
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: PreparedKey, compiled: CompiledQuery) -> None:
        if self.maxsize <= 0:
            return
        size = entry_bytes(key, compiled)
        if self.max_bytes is not None and size > self.max_bytes // 4:
            return  # one giant compile must not push out every other
        with self._lock:
            old = self._entries.pop(key, None)
            self.bytes += size - (old[1] if old is not None else 0)
            self._entries[key] = (compiled, size)
            while len(self._entries) > self.maxsize or self._over():
                self.bytes -= self._entries.popitem(last=False)[1][1]

    def _over(self) -> bool:
        return self.max_bytes is not None and self.bytes > self.max_bytes

    def __len__(self) -> int:
        return len(self._entries)


def entry_bytes(key: PreparedKey, compiled: CompiledQuery) -> int:
    """A kept compile's memory: its three trees, its key (the spec's JSON) and columns."""
    trees = tree_bytes(compiled.unpaged, compiled.tree, compiled.count)
    return trees + len(str(key[0])) + ENTRY_BYTES * (1 + len(compiled.columns))
