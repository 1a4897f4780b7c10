"""Pages cut from aligned blocks of rows, the idea behind AG Grid's cacheBlockSize.

The database is asked for block k of the unpaged query (`LIMIT block OFFSET k * block`,
`FETCH` on Oracle), which the result cache keeps under that SQL (so the unpaged query's
canonical text, the block number and the data versions; the caller's row-level security and
vintage are in the SQL). Twenty 50-row pages of a sorted result then cost one database query.
The sort is total (`backend.query.steps.sort` adds tie-breakers), so a slice of a block is
exactly the page a direct LIMIT/OFFSET would give (tests/conformance/test_block_pages.py).

A window that needs more than `MAX_BLOCKS` blocks is asked for directly instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
from sqlglot import exp

MAX_BLOCKS = 4


def row_window(tree: exp.Select, start: int, size: int) -> exp.Select:
    """LIMIT size OFFSET start (FETCH FIRST ... on Oracle) on a copy of `tree`.

    >>> from sqlglot import parse_one
    >>> row_window(parse_one("SELECT a FROM t ORDER BY a"), 2000, 1000).sql()
    'SELECT a FROM t ORDER BY a LIMIT 1000 OFFSET 2000'
    >>> from backend.query.render import render
    >>> render(row_window(parse_one("SELECT a FROM t ORDER BY a"), 2000, 1000), "oracle")
    'SELECT "A" FROM "T" ORDER BY "A" NULLS FIRST OFFSET 2000 ROWS FETCH FIRST 1000 ROWS ONLY'
    """
    paged = tree.limit(size)
    return paged.offset(start, copy=False) if start else paged


def covering(start: int, size: int, block_rows: int, max_rows: int) -> range | None:
    """The numbers of the blocks that hold rows [start, start + size), rows from `max_rows`
    on never fetched; None when blocks are off (`block_rows` 0) or more than MAX_BLOCKS.

    >>> covering(950, 100, 1000, 10**6), covering(0, 50, 1000, 10**6), covering(0, 50, 0, 10)
    (range(0, 2), range(0, 1), None)
    >>> covering(0, 5000, 1000, 10**6) is None
    True
    """
    if block_rows <= 0 or size <= 0:
        return None
    last = min(start + size, max_rows) - 1
    first = start // block_rows
    if last < start:
        return None
    numbers = range(first, last // block_rows + 1)
    return numbers if len(numbers) <= MAX_BLOCKS else None


def span_numbers(number: int, largest: int) -> range:
    """The run of blocks a cold block `number` is fetched with: runs that double from the
    first block, 1, 2, 4, ... blocks, up to `largest` each. The first page of a sort, the
    page nearly every open, sort and filter asks for, costs one block: DuckDB sorts a
    top-1,000 with a heap, but a top-8,000 of the 3M demo as a full sort (0.3 s of CPU
    against 1.7 s, bench/results/cold-block-runs-20261203.md). A reader paging on has
    fetched twice as far ahead each time, so deep pages still cost few sorts.

    >>> [(r.start, r.stop) for r in map(lambda n: span_numbers(n, 8), (0, 1, 2, 3, 6, 7, 15))]
    [(0, 1), (1, 3), (1, 3), (3, 7), (3, 7), (7, 15), (15, 23)]
    >>> span_numbers(5, 1), span_numbers(4, 3)
    (range(5, 6), range(3, 6))
    """
    first, size = 0, 1
    while number >= first + size:
        first += size
        size = min(size * 2, max(1, largest))
    return range(first, first + size)


@dataclass(frozen=True)
class Block:
    number: int
    start: int  # the index of its first row in the whole result
    asked: int  # the rows asked for (fewer than block_rows at MAX_ROW_LIMIT)
    unpaged: exp.Select  # the query this block is a window of

    @property
    def tree(self) -> exp.Select:
        """The block's statement: built when asked for (a copy of the whole query), which
        a block answered from the cache never is."""
        return row_window(self.unpaged, self.start, self.asked)


def blocks(unpaged: exp.Select, numbers: range, block_rows: int, max_rows: int) -> list[Block]:
    """The statements of blocks `numbers`, none reaching past `max_rows` rows."""
    found = []
    for number in numbers:
        start = number * block_rows
        asked = min(block_rows, max_rows - start)
        found.append(Block(number, start, asked, unpaged))
    return found


@dataclass(frozen=True)
class Cut:
    """Rows of a window, and the result's row count when a block showed where it ends."""

    table: pa.Table
    total: int | None


def cut(fetched: Sequence[tuple[Block, pa.Table]], start: int, size: int) -> Cut:
    """Rows [start, start + size) from consecutive blocks.

    >>> t = pa.table({"a": list(range(1000))})
    >>> b = [Block(1, 1000, 1000, None), Block(2, 2000, 1000, None)]  # type: ignore[arg-type]
    >>> c = cut([(b[0], t), (b[1], t.slice(0, 10))], 1990, 50)
    >>> c.table.column("a").to_pylist(), c.total
    ([990, 991, 992, 993, 994, 995, 996, 997, 998, 999, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 2010)
    """
    if not fetched:
        raise ValueError("a window needs at least one block")
    whole = _concat([table for _, table in fetched])
    return Cut(whole.slice(start - fetched[0][0].start, size), _total(fetched))


def _concat(tables: list[pa.Table]) -> pa.Table:
    """The blocks as one table. Empty blocks (past the end) add nothing. A database that
    types a computed number by its values (PostgreSQL's numeric without a scale, see
    adapters/pg_arrow.py) may type two blocks of one query differently: each column then
    takes the widest type, the most decimal places, or float64 when any block has it."""
    filled = [t for t in tables if t.num_rows] or tables[:1]
    first = filled[0]
    if all(t.schema.equals(first.schema) for t in filled):
        return first if len(filled) == 1 else pa.concat_tables(filled)
    schema = pa.schema(
        pa.field(f.name, _widest([t.schema.field(i).type for t in filled]))
        for i, f in enumerate(first.schema)
    )
    return pa.concat_tables([t.cast(schema) for t in filled])


def _widest(types: list[pa.DataType]) -> pa.DataType:
    """
    >>> one = pa.decimal128(38, 1)
    >>> _widest([one, pa.decimal128(38, 3)]), _widest([one, pa.float64()])
    (Decimal128Type(decimal128(38, 3)), DataType(double))
    """
    if all(t == types[0] for t in types):
        return types[0]
    if all(pa.types.is_decimal(t) for t in types):
        return pa.decimal128(38, max(t.scale for t in types))
    if all(pa.types.is_decimal(t) or pa.types.is_floating(t) for t in types):
        return pa.float64()
    return types[0]  # not expected of one query: the cast says what differs


def _total(fetched: Sequence[tuple[Block, pa.Table]]) -> int | None:
    """Known when a block came back short: not empty, or the first of the result, or just
    after a full one (an empty block after nothing only says the end is before it)."""
    previous_full = False
    for block, table in fetched:
        rows: int = table.num_rows
        if rows < block.asked and (rows > 0 or block.number == 0 or previous_full):
            return block.start + rows
        previous_full = rows == block.asked
    return None
