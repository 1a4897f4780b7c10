"""`global_sales` as a Delta table: DuckDB writes the hive-partitioned Parquet files (fast, on
every core), then delta-rs writes a log naming them (`convert_to_deltalake`), so the files are
never rewritten. Version 0 is the whole demo; the partitions are the vintage columns, as an
upload's are (`backend.ingest.delta_writer`).

delta-rs logs a warning per string column per file (it keeps no statistics for them): the
CLI sets RUST_LOG=error before deltalake is first imported, which is why this module is
imported only when a build writes the table.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, Schema, convert_to_deltalake

from backend.catalog.delta import USER_KEY

#: As DuckDB reads the hive folders (and Spark will read the table): the load id is a BIGINT.
PARTITIONS = pa.schema([("load_type", pa.string()), ("load_id", pa.int64())])
DEMO_USER = "demo"


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
    return len(DeltaTable(str(folder)).file_uris())
