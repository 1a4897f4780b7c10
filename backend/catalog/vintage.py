"""The loads of a dataset: which load types exist, their load ids, newest first, and row counts.

One GROUP BY over the load columns, built from sqlglot nodes. On hive-partitioned Parquet the
load columns come from folder names and the counts from Parquet metadata, so it stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlglot import exp

from backend.catalog.models import Dataset, VintageColumns

LoadOptions = list[dict[str, Any]]


def _col(name: str) -> exp.Column:
    return exp.column(exp.to_identifier(name, quoted=True))


def loads_query(dataset: Dataset, vintage: VintageColumns) -> exp.Select:
    """`SELECT load_type, load_id, COUNT(*) AS rows ... GROUP BY ...`; without a load type
    column, NULL stands in for it."""
    assert vintage.load_id is not None
    load_type: exp.Expression = _col(vintage.load_type) if vintage.load_type else exp.null()
    load_id = _col(vintage.load_id)
    select = exp.select(
        load_type.as_("load_type", quoted=True),
        load_id.as_("load_id", quoted=True),
        exp.Count(this=exp.Star()).as_("rows", quoted=True),
    ).from_(exp.Table(this=exp.to_identifier(dataset.relation, quoted=True)))
    return select.group_by(*([load_type.copy()] if vintage.load_type else []), load_id.copy())


def shape_options(rows: Sequence[dict[str, Any]]) -> LoadOptions:
    """Group `{load_type, load_id, rows}` rows by load type (sorted, NULL last), load ids
    newest first (NULL last)."""
    by_type: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        by_type.setdefault(row["load_type"], []).append(
            {"load_id": row["load_id"], "rows": int(row["rows"])}
        )
    options = []
    for load_type in sorted(by_type, key=lambda t: (t is None, str(t))):
        ids = by_type[load_type]
        newest_first = sorted(
            (i for i in ids if i["load_id"] is not None), key=lambda i: i["load_id"], reverse=True
        ) + [i for i in ids if i["load_id"] is None]
        options.append(
            {
                "load_type": load_type,
                "rows": sum(i["rows"] for i in ids),
                "load_ids": newest_first,
            }
        )
    return options
