"""Change data capture, poll: a source's changed rows merged into its Delta dataset as one
new version, with the source's watermark in that same commit.

The watermark is a Delta `txn` action (app id `aurora-cdc-<source id>`, its version the
watermark integer, backend.lake.pg_source) inside the commit that holds the rows. The log is
then the only record of how far a source has been applied: when the commit is in the log,
both the rows and the watermark are; when it is not (a crash, a kill -9 before the commit
file was written), neither is, and the next poll reads the same rows again. Nothing is
written between the two, so nothing can be lost or applied twice. Delta keeps `txn` actions
through checkpoints, log clean-up, erase and compaction, which all rewrite history.

The first poll of a source whose dataset does not exist creates an empty Delta table of the
source's columns (version 0, a log entry and no data file, so a kill leaves either no table
or an empty one; two first polls cannot both create it), then merges into it. Merges on one
folder take turns in a process (the push path's lock); between processes the log decides,
and a poll that loses reads the winner's watermark and fetches again.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, Transaction
from deltalake.exceptions import CommitFailedError, DeltaError

from backend.catalog.delta import USER_KEY, is_delta, log_version
from backend.errors import BadRequest, Conflict
from backend.lake import changes, pg_source

APP_PREFIX = "aurora-cdc-"
SOURCE_KEY = "aurora.cdc.source"
WATERMARK_KEY = "aurora.cdc.watermark"
_RETRIES = 5


@dataclass(frozen=True)
class Polled:
    """`version` None when nothing changed; `watermark` how far the dataset has applied."""

    version: int | None
    upserted: int
    deleted: int
    watermark: int | None


def app_id(source_id: str) -> str:
    return APP_PREFIX + source_id


def applied(folder: Path, source_id: str, column: str) -> tuple[int | None, str | None]:
    """The watermark the dataset's log holds for the source (None before its first poll),
    and the same as a value of the watermark `column` for people (a time when it is one)."""
    table = _table(folder)
    mark = table.transaction_version(app_id(source_id)) if table is not None else None
    if table is None or mark is None:
        return None, None
    schema = pa.schema(table.schema().to_arrow())
    kind = schema.field(column).type if column in schema.names else pa.int64()
    return mark, pg_source.watermark_text(mark, kind)


def poll(
    folder: Path, source_id: str, spec: pg_source.SourceSpec, url: str, *, limit: int, user: str
) -> Polled:
    """Fetch what changed since the log's watermark and commit it as one version."""
    with changes.folder_lock(folder):
        for attempt in range(_RETRIES):
            if attempt:
                time.sleep(random.uniform(0.01, 0.05) * attempt)
            try:
                return _poll_once(folder, source_id, spec, url, limit=limit, user=user)
            except CommitFailedError:
                continue  # another writer committed first: read its watermark, fetch again
            except DeltaError:
                if log_version(folder) is None:
                    raise
                continue  # another process created the table first: merge into it
    raise Conflict("The dataset kept changing while polling; the next poll tries again.")


def _poll_once(
    folder: Path, source_id: str, spec: pg_source.SourceSpec, url: str, *, limit: int, user: str
) -> Polled:
    table = _table(folder)
    since = table.transaction_version(app_id(source_id)) if table is not None else None
    fetched = pg_source.fetch(url, spec, since, limit)
    if fetched.watermark is None:
        return Polled(None, 0, 0, since)
    commit = CommitProperties(
        custom_metadata={
            USER_KEY: user,
            SOURCE_KEY: source_id,
            WATERMARK_KEY: str(fetched.watermark),
        },
        app_transactions=[Transaction(app_id(source_id), fetched.watermark)],
    )
    if table is None:  # an empty table first: a kill then leaves no file without a log
        create = CommitProperties(custom_metadata={USER_KEY: user, SOURCE_KEY: source_id})
        DeltaTable.create(str(folder), fetched.upserts.schema, commit_properties=create)
        table = DeltaTable(str(folder))
    schema = pa.schema(table.schema().to_arrow())
    source = _source(fetched, schema)
    metrics = changes.merge_source(table, source, schema.names, [spec.key], commit)
    upserted = int(metrics.get("num_target_rows_inserted", 0)) + int(
        metrics.get("num_target_rows_updated", 0)
    )
    deleted = int(metrics.get("num_target_rows_deleted", 0))
    return Polled(DeltaTable(str(folder)).version(), upserted, deleted, fetched.watermark)


def _table(folder: Path) -> DeltaTable | None:
    """The table, or None before its first commit."""
    if log_version(folder) is not None:
        return DeltaTable(str(folder))
    if not is_delta(folder) and folder.exists() and any(folder.iterdir()):
        raise BadRequest(f"'{folder.name}' holds a dataset that is not a Delta table.")
    return None


def _source(fetched: pg_source.Fetched, schema: pa.Schema) -> pa.Table:
    """Upserts then deletes in the table's columns, with the merge's operation column."""
    parts = []
    for rows, op in ((fetched.upserts, "u"), (fetched.deletes, "d")):
        extra = set(rows.column_names) - set(schema.names)
        if extra:
            raise BadRequest(f"The source has a column the dataset lacks: {sorted(extra)[0]!r}.")
        columns = {
            f.name: rows.column(f.name) if f.name in rows.column_names else pa.nulls(len(rows))
            for f in schema
        }
        try:
            table = pa.table(columns).cast(schema)
        except (pa.ArrowException, OverflowError) as e:
            raise BadRequest(f"A source value does not fit the dataset's column: {e}") from e
        parts.append(table.append_column(changes.OP, pa.array([op] * len(rows), pa.string())))
    return pa.concat_tables(parts)
