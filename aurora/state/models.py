"""Small records the states hold. Each is a few strings: the state never holds a dataset."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class DatasetItem:
    key: str = ""
    label: str = ""
    description: str = ""


@dataclasses.dataclass
class ColumnMeta:
    """A column of the current schema: the dataset's, a calculated field or a measure."""

    name: str = ""
    label: str = ""
    type: str = ""
    kind: str = "text"
    format: str = ""
    visible: bool = True


@dataclasses.dataclass
class LoadIdOption:
    value: str = ""
    label: str = ""


@dataclasses.dataclass
class SortKey:
    column: str = ""
    direction: str = "asc"


@dataclasses.dataclass
class Measure:
    id: str = ""
    mode: str = "column"  # "column" | "expr"
    column: str = ""
    expr: str = ""
    agg: str = "sum"
    alias: str = ""
    error: str = ""  # the API's refusal of this measure, shown under it in the dialog


@dataclasses.dataclass
class Calculated:
    name: str = ""
    expr: str = ""


@dataclasses.dataclass
class Pill:
    id: str = ""
    text: str = ""
