"""`global_sales` as a Delta table: DuckDB writes the hive-partitioned Parquet files (fast, on
every core), then delta-rs writes a log naming them (`convert_to_deltalake`), so the files are
never rewritten. Version 0 is the whole demo; the partitions are the vintage columns, as an
upload's are (`backend.ingest.delta_writer`). Version 1 sets two table properties: the size
compaction packs files up to, which keeps the order id ranges the files are cut by
(`backend.demo.build`), and the table's key, order_id, so that an erase or a Z-order cuts
the files it rewrites by order id ranges again (`backend.lake.layout`) and a push of changes
is keyed by it, with no admin setting first.

delta-rs logs a warning per string column per file (it keeps no statistics for them): the
CLI sets RUST_LOG=error before deltalake is first imported, which is why this module is
imported only when a build writes the table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, Schema, convert_to_deltalake

from backend.catalog.delta import KEY_PROPERTY, USER_KEY
from backend.demo.constants import SALES_KEY
from backend.lake.layout import COMPACT_TARGET

#: As DuckDB reads the hive folders (and Spark will read the table): the load id is a BIGINT.
PARTITIONS = pa.schema([("load_type", pa.string()), ("load_id", pa.int64())])
DEMO_USER = "demo"
#: The size of the newest order id ranges' files (0.3-1.1 MB at 10M rows), below the older
#: ones' (1.2-5.3 MB): a compaction packs the small files merges leave, not the ranges (at
#: 10M rows it left the 91 files as they were; at 5 MB it packed them into 62, and a merge
#: of the newest 10,000 orders then rewrote 2.5M rows).
COMPACT_BYTES = 1 << 20


def convert(folder: Path) -> int:
    """Write the Delta log over the Parquet files under `folder`; the number of files."""
    convert_to_deltalake(
        str(folder),
        partition_by=Schema.from_arrow(PARTITIONS),
        partition_strategy="hive",
        name="global_sales",
        description="Aurora demo sales (backend.demo)",
        commit_properties=CommitProperties(custom_metadata={USER_KEY: DEMO_USER}),
    )
    properties = {COMPACT_TARGET: str(COMPACT_BYTES), KEY_PROPERTY: json.dumps(list(SALES_KEY))}
    commit = CommitProperties(custom_metadata={USER_KEY: DEMO_USER})
    # delta-rs refuses a key it does not know when creating a table, not when altering one
    DeltaTable(str(folder)).alter.set_table_properties(
        properties, raise_if_not_exists=False, commit_properties=commit
    )
    return len(DeltaTable(str(folder)).file_uris())
