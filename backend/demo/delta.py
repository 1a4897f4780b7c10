"""`global_sales` as a Delta table: DuckDB writes the hive-partitioned Parquet files (fast, on
every core), then delta-rs writes a log naming them (`convert_to_deltalake`), so the files are
never rewritten. Version 0 is the whole demo; the partitions are the vintage columns, as an
upload's are (`backend.ingest.delta_writer`). Version 1 sets the size compaction packs files
up to, which keeps the order id ranges the files are cut by (`backend.demo.build`).

delta-rs logs a warning per string column per file (it keeps no statistics for them): the
CLI sets RUST_LOG=error before deltalake is first imported, which is why this module is
imported only when a build writes the table.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, Schema, convert_to_deltalake

from backend.catalog.delta import USER_KEY
from backend.lake.maintenance import set_compact_target

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
    set_compact_target(folder, COMPACT_BYTES, user=DEMO_USER)
    return len(DeltaTable(str(folder)).file_uris())
