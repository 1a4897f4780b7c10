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


@dataclasses.dataclass
class Bucket:
    """A date group-by by period: the output column `name` is `column` truncated to
    `bucket` (day, week, month, quarter, year), as the API's `{"column", "bucket"}` entry."""

    name: str = ""
    column: str = ""
    bucket: str = "month"


@dataclasses.dataclass
class GroupPill:
    """A group-by column in the aggregation dialog; a date column also has its period."""

    id: str = ""  # the column's name
    text: str = ""
    temporal: bool = False
    bucket: str = ""  # "" = the exact value
