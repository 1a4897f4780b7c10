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


def default_vintage(options: LoadOptions, default_load_type: str | None) -> dict[str, Any] | None:
    """The vintage a dataset opens on: one load, so sums never add snapshots together.

    The newest load of the admin's default load type; without one (or when that type has
    no load), the newest load of the most recent type: the type whose newest load id is
    greatest, ties going to the type whose newest load has more rows (the fuller snapshot),
    then to the first type by name. None when no load has an id.

    >>> options = [
    ...     {"load_type": "DAILY", "load_ids": [{"load_id": 20241231, "rows": 5}]},
    ...     {"load_type": "MONTH_END", "load_ids": [{"load_id": 20241231, "rows": 9},
    ...                                             {"load_id": 20241130, "rows": 9}]},
    ...     {"load_type": "RESTATEMENT", "load_ids": [{"load_id": 20241015, "rows": 2}]}]
    >>> default_vintage(options, None)
    {'load_type': 'MONTH_END', 'load_id': 20241231}
    >>> default_vintage(options, "RESTATEMENT")
    {'load_type': 'RESTATEMENT', 'load_id': 20241015}
    """
    newest = {
        o["load_type"]: o["load_ids"][0]
        for o in options
        if o["load_ids"] and o["load_ids"][0]["load_id"] is not None
    }
    if not newest:
        return None
    if default_load_type in newest:
        load_type: Any = default_load_type
    else:
        order = sorted(newest, key=lambda t: (t is None, str(t)))
        load_type = max(
            order,
            key=lambda t: (newest[t]["load_id"], newest[t].get("rows") or 0, -order.index(t)),
        )
    return {"load_type": load_type, "load_id": newest[load_type]["load_id"]}
