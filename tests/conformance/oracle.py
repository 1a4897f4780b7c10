"""Compiling the conformance specs for Oracle without a server: the DuckDB catalog's datasets
with their columns typed as an Oracle schema would declare them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from backend.catalog.catalog import Catalog
from backend.catalog.models import Column, Dataset, type_kind

GOLDEN = Path(__file__).parent / "golden_oracle.sql"
_HEADER = re.compile(r"^-- spec: (\S+)$", re.MULTILINE)

# BOOLEAN is Oracle 23ai's; before it, flags are NUMBER(1) and filter as numbers.
_ORACLE_TYPES = {
    "integer": "NUMBER(19,0)",
    "float": "BINARY_DOUBLE",
    "text": "VARCHAR2(4000)",
    "date": "DATE",
    "timestamp": "TIMESTAMP(6)",
    "boolean": "BOOLEAN",
}


def oracle_type(duckdb_type: str) -> str:
    kind = type_kind(duckdb_type)
    if kind == "decimal":
        return duckdb_type.upper().replace("DECIMAL", "NUMBER").replace(" ", "")
    return _ORACLE_TYPES.get(kind, duckdb_type)


def oracle_datasets(catalog: Catalog) -> Callable[[str], Dataset]:
    def dataset(key: str) -> Dataset:
        found = catalog.get(key)
        columns = tuple(replace(c, type=oracle_type(c.type)) for c in found.columns)
        return replace(found, columns=columns, _by_name={})

    return dataset


def read_golden(text: str) -> dict[str, str]:
    """`-- spec: <name>` headers, each followed by one statement ending in `;`."""
    parts = _HEADER.split(text)
    return {
        name: sql.strip().removesuffix(";")
        for name, sql in zip(parts[1::2], parts[2::2], strict=True)
    }


def write_golden(statements: dict[str, str]) -> str:
    head = (
        "-- Oracle SQL of every conformance spec (tests/conformance/specs.py), as the adapter\n"
        "-- sends it. Regenerate: AURORA_UPDATE_GOLDEN=1 pytest tests/conformance\n\n"
    )
    body = "\n\n".join(f"-- spec: {name}\n{sql};" for name, sql in statements.items())
    return head + body + "\n"


__all__ = ["GOLDEN", "Column", "oracle_datasets", "read_golden", "write_golden"]
