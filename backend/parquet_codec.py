"""The Parquet codec of the files Aurora writes for queries to read: LZ4_RAW.

A query decodes every column it reads, and a cold sorted page of the 3M demo reads all 17
columns of every row. DuckDB 2.0 spent 450 ms of CPU on that over ZSTD files, 296 over
Snappy, 248 over LZ4_RAW and 205 uncompressed; a grouped sum 233, 176, 184 and 158. LZ4_RAW
files are a third larger than ZSTD's (91 MB against 68 for 3M rows) and still a third of
the uncompressed size (bench/results/parquet-codec-20261203.md). Every engine the lakehouse
promises the data to reads it: Spark 3.3+ and Databricks, Trino, DuckDB, pyarrow, polars.

No deltalake import at the top: the demo build imports this before it quiets
delta-rs's logging.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from deltalake import WriterProperties

#: Parquet's own name, as delta-rs's `WriterProperties(compression=...)` takes it.
CODEC: Final[Literal["LZ4_RAW"]] = "LZ4_RAW"
#: DuckDB's `COPY ... (COMPRESSION ...)` name for it.
DUCKDB_CODEC = "lz4_raw"
#: pyarrow's and polars' name for it: their "lz4" writes LZ4_RAW.
ARROW_CODEC = "lz4"


def writer_properties(max_row_group_size: int | None = None) -> WriterProperties:
    """delta-rs's writer settings for every file a write, a merge or a rewrite makes."""
    from deltalake import WriterProperties

    return WriterProperties(compression=CODEC, max_row_group_size=max_row_group_size)
