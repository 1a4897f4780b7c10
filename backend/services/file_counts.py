"""Counts without a scan: a bare read of one Parquet dataset, whole or one vintage.

A query with no filter, no row-level security, no join and no grouping returns one row per
row of the files it reads, so its count is the sum of the rows their footers declare
(the catalog reads them once per file version, `backend.catalog.warehouse`). A vintage is a
hive partition (`load_type=DAILY/load_id=20240131/`): only its files count. Anything else,
or a vintage column stored inside the files, is counted by the database as usual.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from backend.catalog.models import PartitionRows
from backend.query.steps.ctes import is_row_filter

_SHAPING = ("joins", "where", "group", "having", "distinct", "qualify", "limit", "offset")


def bare_vintage(unpaged: exp.Select, relation: str) -> dict[str, exp.Literal] | None:
    """The `column = literal` vintage of a query that reads `relation` bare, else None.

    >>> from sqlglot import parse_one
    >>> bare = "WITH s_rows AS (SELECT a FROM s WHERE load_id = 7) SELECT s.a AS a FROM s_rows AS s"
    >>> {c: v.sql() for c, v in bare_vintage(parse_one(bare), "s").items()}
    {'load_id': '7'}
    >>> bare_vintage(parse_one(bare.replace("= 7", "> 7")), "s") is None
    True
    >>> top = bare.replace("FROM s_rows AS s", "FROM (SELECT a FROM s_rows LIMIT 5) AS s")
    >>> bare_vintage(parse_one(top), "s") is None
    True
    """
    ctes = unpaged.ctes
    if len(ctes) != 1 or not _plain(unpaged) or unpaged.find(exp.AggFunc, exp.Window):
        return None
    outer = unpaged.args.get("from_")
    if outer is None or not isinstance(outer.this, exp.Table):
        return None  # it reads a derived table (a top N's limited rows), not the CTE bare
    read = ctes[0].this
    source = read.args.get("from_")
    if not isinstance(read, exp.Select) or not _plain(read, "where") or source is None:
        return None
    table = source.this
    if not isinstance(table, exp.Table) or table.name != relation or table.db:
        return None
    where = read.args.get("where")
    wanted: dict[str, exp.Literal] = {}
    for conjunct in _conjuncts(where.this) if where is not None else []:
        if not _vintage_part(conjunct):
            return None
        wanted[conjunct.this.name] = conjunct.expression
    return wanted


def _conjuncts(node: exp.Expr) -> list[exp.Expr]:
    return list(node.flatten()) if isinstance(node, exp.And) else [node]


def _plain(select: exp.Select, *allowed: str) -> bool:
    return not any(select.args.get(part) for part in _SHAPING if part not in allowed)


def _vintage_part(node: exp.Expr) -> bool:
    return (
        isinstance(node, exp.EQ)
        and isinstance(node.this, exp.Column)
        and isinstance(node.expression, exp.Literal)
        and not is_row_filter(node)
    )


def partition_count(rows: PartitionRows, wanted: Mapping[str, exp.Literal]) -> int | None:
    """Rows of the partitions matching every `column = literal`; None when a column is not
    a partition key of every file, or a folder name is escaped (`%`).

    >>> parts = (((("load_id", "1"),), 5), ((("load_id", "2"),), 7))
    >>> partition_count(parts, {"load_id": exp.Literal.number(2)}), partition_count(parts, {})
    (7, 12)
    """
    total = 0
    for pairs, n in rows:
        folders = dict(pairs)
        values = [folders.get(column) for column in wanted]
        if any(v is None or "%" in v for v in values):
            return None
        if all(_same(v, lit) for v, lit in zip(values, wanted.values(), strict=True)):
            total += n
    return total


def _same(folder: str | None, literal: exp.Literal) -> bool:
    """A folder value against a literal as DuckDB compares them: a number by value (the
    partition column is read as a number then), text exactly."""
    if folder is None:
        return False
    if literal.is_string:
        return folder == str(literal.this)
    try:
        return float(folder) == float(literal.this)
    except ValueError:
        return False
