"""The dataset on screen, as GET /api/datasets/{key} describes it: one reading shared by the
explorer and the pivot view (columns, vintage options, the load it opens on). Pure.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from aurora.state.convert import column_meta, load_id_option
from aurora.state.models import ColumnMeta, LoadIdOption


@dataclasses.dataclass
class DatasetMeta:
    key: str
    label: str
    description: str = ""
    row_estimate: int = -1  # -1: the API gave none
    rls_no_rows: bool = False  # row-level security leaves this user none of its rows
    columns: list[ColumnMeta] = dataclasses.field(default_factory=list)
    # load type ("" for a dataset without types) -> its loads, newest first
    vintage: dict[str, list[LoadIdOption]] = dataclasses.field(default_factory=dict)
    default_load_type: str = ""  # the admin's, which an omitted vintage means
    opens_on: tuple[str, str] = ("", "")  # the API's default_vintage: (load type, load id)

    @property
    def load_types(self) -> list[str]:
        return [t for t in self.vintage if t]


def read(meta: dict[str, Any]) -> DatasetMeta:
    """The API's dataset detail as the screens keep it.

    >>> m = read({"key": "sales", "columns": [{"name": "amount", "type": "DOUBLE"}],
    ...     "vintage": {"options": [{"load_type": "DAILY", "load_ids": [{"load_id": 3}]}]},
    ...     "default_vintage": {"load_type": "DAILY", "load_id": 3}})
    >>> m.label, m.columns[0].kind, m.load_types, m.opens_on
    ('sales', 'float', ['DAILY'], ('DAILY', '3'))
    """
    key = str(meta.get("key", ""))
    estimate = meta.get("row_estimate")
    vintage = meta.get("vintage") or {}
    opens_on = meta.get("default_vintage") or {}
    load_id = opens_on.get("load_id")
    return DatasetMeta(
        key=key,
        label=str(meta.get("label") or key),
        description=str(meta.get("description") or ""),
        row_estimate=int(estimate) if isinstance(estimate, int) else -1,
        rls_no_rows=meta.get("row_security") == "no_rows",
        columns=[column_meta(c) for c in meta.get("columns", [])],
        vintage={
            str(o.get("load_type") or ""): [load_id_option(i) for i in o.get("load_ids", [])]
            for o in vintage.get("options", [])
        },
        default_load_type=str(vintage.get("default_load_type") or ""),
        opens_on=(str(opens_on.get("load_type") or ""), "" if load_id is None else str(load_id)),
    )
