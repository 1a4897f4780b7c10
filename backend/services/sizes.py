"""What an in-process cache entry costs in memory, so caches are bounded in bytes, not only in
entries: an entry count says nothing when one UI filter's compiled spec is a few hundred KB.

A sqlglot tree is counted by its nodes: each is a Python object with an argument dict, about
420 bytes measured with tracemalloc on copies of a 174-node explorer query (74 KB a tree);
`NODE_BYTES` rounds that up. An Arrow table is counted by the buffers it keeps alive, which for
a slice are its parent's whole buffers: `compacted` copies a slice into buffers of its own, so
a kept block does not hold the other rows of the span it was cut from.
"""

from __future__ import annotations

import pyarrow as pa
from sqlglot import exp

NODE_BYTES = 500
# A kept entry's own bookkeeping beyond its key and value: the LRU's dict slot, the tuple
# with the expiry time, the key's hash.
ENTRY_BYTES = 200


def tree_bytes(*trees: exp.Expr) -> int:
    """The memory `trees` hold, estimated from their node counts.

    >>> from sqlglot import parse_one
    >>> tree_bytes(parse_one("SELECT a FROM t WHERE b = 1")) == 11 * NODE_BYTES
    True
    """
    return sum(sum(1 for _ in tree.walk()) for tree in trees) * NODE_BYTES


def table_bytes(table: pa.Table) -> int:
    """The bytes of every buffer `table` keeps alive (a slice: its parent's, whole).

    >>> t = pa.table({"a": list(range(1000))})
    >>> table_bytes(t), table_bytes(t.slice(0, 10)), t.slice(0, 10).nbytes
    (8000, 8000, 80)
    """
    return int(table.get_total_buffer_size())


def compacted(table: pa.Table) -> pa.Table:
    """`table`, or a copy in buffers of its own when it keeps alive more than twice what its
    rows take (a slice of a larger table): the copy lets the parent's memory go. A cache
    counts the result with `table_bytes`, so a slice kept as it is is never undercounted.

    >>> t = pa.table({"a": list(range(1000)), "s": [str(i) for i in range(1000)]})
    >>> part = compacted(t.slice(990, 10))
    >>> table_bytes(part) < table_bytes(t) // 50, part.equals(t.slice(990, 10))
    (True, True)
    >>> compacted(t) is t
    True
    """
    if table_bytes(table) <= 2 * table.nbytes or table.num_rows == 0:
        return table
    batches = table.to_batches()
    return pa.Table.from_batches([pa.concat_batches(batches)], schema=table.schema)
