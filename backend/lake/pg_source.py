"""Change data capture, poll: the rows of a PostgreSQL table changed since a watermark.

A source is a table with a key column and a watermark column (`updated_at`: a timestamp,
or an increasing integer) that every insert and update moves forward. Deletes are soft: the
optional `deleted_column` marks a row deleted (true, or any non-NULL value such as a
`deleted_at` time) and moves the watermark like any update; a row deleted with SQL DELETE
leaves nothing to poll and stays in the dataset.

A watermark is kept as one integer (microseconds since 1970 for a timestamp, the value
itself for an integer) so that it fits a Delta `txn` action (backend.lake.poll). Rows are
read in watermark order, at most `limit` a poll plus every row sharing the last watermark,
so that a poll never stops between two rows of one watermark.

Identifiers are quoted by psycopg (`sql.Identifier`), values are parameters; the
connection is read-only. The URL is never logged: errors are reported without it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
import pyarrow as pa
from psycopg import sql

from backend.errors import BadRequest

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)
_TIMESTAMPTZ, _TIMESTAMP = 1184, 1114
_INTEGERS = {20, 21, 23}
# PostgreSQL type OID -> Arrow type; anything else arrives as its text.
_ARROW = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    700: pa.float32(),
    701: pa.float64(),
    1700: pa.float64(),  # numeric: a float, so sums work (exact decimals need a fixed scale)
    1082: pa.date32(),
    _TIMESTAMP: pa.timestamp("us"),
    _TIMESTAMPTZ: pa.timestamp("us", tz="UTC"),
}


@dataclass(frozen=True)
class SourceSpec:
    schema: str
    table: str
    key: str
    watermark: str
    deleted: str | None = None


@dataclass(frozen=True)
class Fetched:
    """Changed rows: `upserts` and `deletes` in the dataset's columns, and the largest
    watermark read (None when nothing changed)."""

    upserts: pa.Table
    deletes: pa.Table
    watermark: int | None


@dataclass(frozen=True)
class _Shape:
    schema: pa.Schema  # the dataset's columns (the source's, less the deleted column)
    watermark_type: int


def connect(url: str) -> psycopg.Connection[Any]:
    try:
        conn = psycopg.connect(url, connect_timeout=10, autocommit=False)
    except psycopg.Error as e:
        raise BadRequest(f"Cannot connect to the source database: {scrub(str(e), url)}") from e
    conn.read_only = True
    return conn


def scrub(message: str, url: str) -> str:
    """`message` without the URL or its password (psycopg may quote either).

    >>> scrub("bad postgresql://u:pw@h/db: pw refused", "postgresql://u:pw@h/db")
    'bad <url>: <secret> refused'
    """
    message = message.replace(url, "<url>")
    password = psycopg.conninfo.conninfo_to_dict(url).get("password") if url else None
    if password:
        message = message.replace(str(password), "<secret>")
    return message.strip()


def _table(spec: SourceSpec) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(spec.schema), sql.Identifier(spec.table))


def shape(conn: psycopg.Connection[Any], spec: SourceSpec) -> _Shape:
    """The source's columns as Arrow types; BadRequest for a missing table or column."""
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(_table(spec)))
            columns = {c.name: c.type_code for c in cur.description or ()}
    except psycopg.Error as e:
        conn.rollback()
        raise BadRequest(f"Cannot read {spec.schema}.{spec.table}: {e.diag.message_primary}") from e
    for role, name in (("key", spec.key), ("watermark", spec.watermark), ("deleted", spec.deleted)):
        if name is not None and name not in columns:
            raise BadRequest(f"The {role} column {name!r} is not in {spec.schema}.{spec.table}.")
    kind = columns[spec.watermark]
    if kind not in _INTEGERS | {_TIMESTAMP, _TIMESTAMPTZ}:
        raise BadRequest(f"The watermark column {spec.watermark!r} must be a timestamp or integer.")
    fields = [pa.field(n, _ARROW.get(t, pa.string())) for n, t in columns.items()]
    return _Shape(pa.schema([f for f in fields if f.name != spec.deleted]), kind)


def encode(value: Any) -> int:
    """A watermark value as the integer kept in the Delta log.

    >>> encode(dt.datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=dt.UTC)), encode(42)
    (1000005, 42)
    """
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return (aware - EPOCH) // _MICRO
    return int(value)


def watermark_text(mark: int, kind: pa.DataType) -> str:
    """A kept watermark as a value of its column in the dataset (`kind`), for people.

    >>> watermark_text(1_000_005, pa.timestamp("us", tz="UTC"))
    '1970-01-01 00:00:01.000005 UTC'
    >>> watermark_text(86_400_000_000, pa.timestamp("us")), watermark_text(42, pa.int64())
    ('1970-01-02 00:00:00', '42')
    """
    if not pa.types.is_timestamp(kind):
        return str(mark)
    at = EPOCH + mark * _MICRO
    text = at.strftime("%Y-%m-%d %H:%M:%S") + (f".{at.microsecond:06d}" if at.microsecond else "")
    return f"{text} UTC" if getattr(kind, "tz", None) else text


def _bound(kind: int) -> sql.Composable:
    """The kept integer back as a value of the watermark column's type (exact, no float)."""
    if kind == _TIMESTAMPTZ:
        return sql.SQL("('epoch'::timestamptz + %(since)s * interval '1 microsecond')")
    if kind == _TIMESTAMP:
        return sql.SQL("('epoch'::timestamp + %(since)s * interval '1 microsecond')")
    return sql.SQL("%(since)s")


def fetch(url: str, spec: SourceSpec, since: int | None, limit: int) -> Fetched:
    """The rows whose watermark is above `since` (all rows when None), oldest first."""
    with connect(url) as conn:
        found = shape(conn, spec)
        rows = _changed(conn, spec, found, since, limit)
    return _split(rows, spec, found)


def _changed(
    conn: psycopg.Connection[Any], spec: SourceSpec, found: _Shape, since: int | None, limit: int
) -> list[dict[str, Any]]:
    mark = sql.Identifier(spec.watermark)
    where = sql.SQL("{} IS NOT NULL").format(mark)
    if since is not None:
        where = sql.SQL("{} > {}").format(mark, _bound(found.watermark_type))
    query = sql.SQL("SELECT * FROM {} WHERE {} ORDER BY {} LIMIT %(limit)s").format(
        _table(spec), where, mark
    )
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(query, {"since": since, "limit": limit})
        rows = cur.fetchall()
        if len(rows) == limit:  # the rest of the last watermark's rows, so none is skipped
            last = rows[-1][spec.watermark]
            tail = sql.SQL("SELECT * FROM {} WHERE {} = %(last)s").format(_table(spec), mark)
            cur.execute(tail, {"last": last})
            seen = {r[spec.key] for r in rows if r[spec.watermark] == last}
            rows += [r for r in cur.fetchall() if r[spec.key] not in seen]
    return rows


def _split(rows: list[dict[str, Any]], spec: SourceSpec, found: _Shape) -> Fetched:
    deleted = [spec.deleted is not None and r[spec.deleted] not in (None, False) for r in rows]
    kept = [_cells(r, found.schema) for r, gone in zip(rows, deleted, strict=True) if not gone]
    gone = [_cells(r, found.schema) for r, flag in zip(rows, deleted, strict=True) if flag]
    mark = max((encode(r[spec.watermark]) for r in rows), default=None)
    return Fetched(_arrow(kept, found.schema), _arrow(gone, found.schema), mark)


def _cells(row: dict[str, Any], schema: pa.Schema) -> dict[str, Any]:
    """One row's values in the dataset's columns; values of unmapped types as text."""
    out = {}
    for field in schema:
        value = row[field.name]
        if field.type == pa.string() and value is not None and not isinstance(value, str):
            # json/jsonb arrive parsed: keep them as JSON text, not as Python's repr
            value = json.dumps(value) if isinstance(value, dict | list) else str(value)
        elif isinstance(value, Decimal) and pa.types.is_floating(field.type):
            value = float(value)
        out[field.name] = value
    return out


def _arrow(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    try:
        return pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowException, OverflowError) as e:
        raise BadRequest(f"A source value does not fit its column: {e}") from e
