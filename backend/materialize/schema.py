"""The admin API's shapes for materializations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from backend.query.spec import Join, Name

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,47}$"


class MaterializationIn(BaseModel):
    """A frequent join: the base dataset, its joins (inner or left, as in a query spec) and
    the columns to keep, each `dataset.column` or a plain column name. Without `relation`
    the service builds it (DuckDB: Parquet in the warehouse); with `relation`, a PostgreSQL
    or Oracle materialized view the DBA maintains, with the columns `GET` lists as `columns`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    dataset: Name
    joins: Annotated[list[Join], Field(min_length=1, max_length=8)]
    columns: Annotated[list[Name], Field(min_length=1, max_length=500)]
    relation: Annotated[str, Field(min_length=1, max_length=255)] | None = None


class MaterializedColumn(BaseModel):
    source: str  # alias.column
    name: str  # the column of the materialized relation


class MaterializationOut(BaseModel):
    """`status`: `building`, `ready`, `stale` (an input has a new load: rebuilt on the next
    query it would serve), `failed` or `external` (a view the DBA maintains)."""

    name: str
    dataset: str
    joins: list[Join]
    columns: list[MaterializedColumn]
    relation: str | None
    status: str
    built_at: dt.datetime | None
    rows: int | None
    error: str | None
    sql: str  # the SELECT that defines it, for a DBA's CREATE MATERIALIZED VIEW
