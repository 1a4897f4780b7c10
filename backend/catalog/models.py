"""The catalog's view of a dataset, as the compiler and the routes see it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Protocol

Kind = Literal["integer", "decimal", "float", "text", "date", "timestamp", "boolean", "other"]

_KINDS: tuple[tuple[str, Kind], ...] = (
    (
        r"^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|"
        r"INT2|INT4|INT8|SERIAL|BIGSERIAL)\b",
        "integer",
    ),
    (r"^NUMBER\(\s*\d+\s*(,\s*0\s*)?\)$", "integer"),  # Oracle's integers: NUMBER(p) or (p,0)
    (r"^(DECIMAL|NUMERIC|NUMBER)\b", "decimal"),
    (r"^(DOUBLE|FLOAT|REAL|FLOAT4|FLOAT8|DOUBLE PRECISION|BINARY_DOUBLE|BINARY_FLOAT)\b", "float"),
    (r"^(VARCHAR|CHAR|TEXT|STRING|BPCHAR|CHARACTER|VARCHAR2|NVARCHAR2|CLOB|UUID)\b", "text"),
    (r"^DATE$", "date"),
    (r"^(TIMESTAMP|DATETIME)", "timestamp"),
    (r"^(BOOLEAN|BOOL)$", "boolean"),
)


def type_kind(sql_type: str) -> Kind:
    """The family of a database type name, e.g. `DECIMAL(18,2)` -> `decimal`."""
    upper = sql_type.strip().upper()
    for pattern, kind in _KINDS:
        if re.match(pattern, upper):
            return kind
    return "other"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    label: str = ""
    description: str | None = None
    hidden: bool = False
    format: str | None = None
    synonyms: tuple[str, ...] = ()  # other words people use for it (backend.ask)

    @property
    def kind(self) -> Kind:
        return type_kind(self.type)

    @property
    def display(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class VintageColumns:
    """The load columns of a dataset. A dataset without them has `vintage=None`."""

    load_type: str | None = "load_type"
    load_id: str | None = "load_id"
    default_load_type: str | None = None


PartitionRows = tuple[tuple[tuple[tuple[str, str], ...], int], ...]
"""Rows per hive partition, from Parquet footers: ((("load_type", "DAILY"), ...), rows)."""


@dataclass(frozen=True)
class Dataset:
    """One queryable dataset. `relation` is the name the adapter knows it by; `version`
    changes whenever its data changes (a new load, a replaced file)."""

    key: str
    relation: str
    columns: tuple[Column, ...]
    label: str = ""
    description: str | None = None
    vintage: VintageColumns | None = None
    row_estimate: int | None = None
    version: str = ""
    partition_rows: PartitionRows | None = None  # exact, when every footer was read
    mandatory_filters: tuple[str, ...] = ()
    default_sort: tuple[tuple[str, str], ...] = ()
    synonyms: tuple[str, ...] = ()  # other words people use for it (backend.ask)
    _by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({c.name: c for c in self.columns})

    def column(self, name: str) -> Column | None:
        return self._by_name.get(name)

    @property
    def visible_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.hidden)

    @property
    def display(self) -> str:
        return self.label or self.key


class Catalog(Protocol):
    """What reads datasets by key (`backend.catalog.catalog.Catalog`, a test's fake)."""

    def get(self, key: str) -> Dataset: ...

    def list(self) -> list[Dataset]: ...
