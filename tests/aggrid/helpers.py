"""Shared pieces of the AG Grid API tests: requests as AG Grid sends them, and raw DuckDB
over the same Parquet files for the expected answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.api.test_query_api import raw
from tests.store.fixtures import Api

__all__ = ["col", "grid", "post", "raw", "raw_dicts", "value"]


def col(field: str, agg: str | None = None) -> dict[str, Any]:
    """A ColumnVO the way AG Grid builds it (id = field for field-based columns)."""
    out: dict[str, Any] = {"id": field, "field": field, "displayName": field.title()}
    if agg is not None:
        out["aggFunc"] = agg
    return out


def value(field: str, agg: str) -> dict[str, Any]:
    return col(field, agg)


def grid(**fields: Any) -> dict[str, Any]:
    """An IServerSideGetRowsRequest with AG Grid's defaults for what is not given."""
    request: dict[str, Any] = {
        "startRow": 0,
        "endRow": 100,
        "rowGroupCols": [],
        "valueCols": [],
        "pivotCols": [],
        "pivotMode": False,
        "groupKeys": [],
        "filterModel": {},
        "sortModel": [],
    }
    return {**request, **fields}


def post(api: Api, path: str, body: dict[str, Any], dataset: str = "sales", **kw: Any) -> Any:
    headers = kw.pop("headers", None) or api.headers()
    return api.client.post(f"/api/datasets/{dataset}/{path}", json=body, headers=headers)


def raw_dicts(warehouse: Path, sql: str, names: list[str]) -> list[dict[str, Any]]:
    return [dict(zip(names, row, strict=True)) for row in raw(warehouse, sql)]
