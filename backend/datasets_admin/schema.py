"""The settings document of one dataset (stored as JSON, patched by admins) and its check
against the dataset's real columns.

    PATCH /api/admin/datasets/global_sales
    {"label": "Global sales", "description": "...",
     "columns": {"revenue": {"label": "Revenue", "format": "currency"}, "cost": {"hidden": true}},
     "vintage": {"load_type_column": "load_type", "load_id_column": "load_id",
                 "default_load_type": "MONTH_END"},
     "rls": [{"column": "region", "attribute": "region"}], "rls_admin_exempt": false,
     "mandatory_filters": ["order_date"], "default_sort": [{"column": "order_date",
     "direction": "desc"}], "visibility": {"roles": ["admin"], "users": ["ann"]},
     "synonyms": ["sales", "orders"]}

Synonyms (the dataset's, and a column's as `columns.<name>.synonyms`) are other words for it
that the Ask parser matches like its name and label (docs/ask.md).

A PATCH replaces the top-level fields it names (null resets one), except `columns`, which is
merged per column and per field (a column set to null drops all its settings).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.catalog.models import Dataset
from backend.errors import UnknownColumn

# The closed list of number formats the UI and the exports understand (xlsx_formats);
# `currency:USD` is money with that ISO 4217 currency's symbol.
FORMAT_PATTERN = r"^(integer|currency|percent|currency:[A-Z]{3}|(decimal|percent):\d{1,2})$"

Name = Annotated[str, Field(min_length=1, max_length=255)]
Text = Annotated[str, Field(max_length=2000)]
Format = Annotated[str, Field(pattern=FORMAT_PATTERN)]
Username = Annotated[str, Field(min_length=1, max_length=64)]
# Other words people use for a dataset or a column; the Ask parser matches them (docs/ask.md).
Synonyms = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=50)
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ColumnSettings(_Strict):
    label: Annotated[str, Field(max_length=200)] | None = None
    description: Text | None = None
    hidden: bool | None = None
    format: Format | None = None
    synonyms: Synonyms | None = None


class VintageSettings(_Strict):
    load_type_column: Name | None = None
    load_id_column: Name
    default_load_type: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class RlsRule(_Strict):
    """Rows of `column` are limited to the caller's values of user attribute `attribute`."""

    column: Name
    attribute: Annotated[str, Field(min_length=1, max_length=64)]


class SortRule(_Strict):
    column: Name
    direction: Literal["asc", "desc"] = "asc"


class Visibility(_Strict):
    """Who may see the dataset at all; both empty means everyone. Admins always do."""

    roles: Annotated[list[Literal["viewer", "admin"]], Field(max_length=2)] = []
    users: Annotated[list[Username], Field(max_length=500)] = []

    @property
    def open(self) -> bool:
        return not self.roles and not self.users


def _sort_rules(value: Any) -> Any:
    """`"order_date"` is short for `{"column": "order_date", "direction": "asc"}`."""
    if isinstance(value, list):
        return [{"column": v} if isinstance(v, str) else v for v in value]
    return value


class DatasetSettings(_Strict):
    """What is stored: every field present, defaults meaning "as discovered"."""

    label: Annotated[str, Field(max_length=200)] | None = None
    description: Text | None = None
    columns: dict[Name, ColumnSettings] = {}
    vintage: VintageSettings | None = None
    rls: Annotated[list[RlsRule], Field(max_length=50)] = []
    rls_admin_exempt: bool = False
    mandatory_filters: Annotated[list[Name], Field(max_length=50)] = []
    default_sort: Annotated[list[SortRule], Field(max_length=20)] = []
    visibility: Visibility = Visibility()
    synonyms: Synonyms = []
    # The columns that identify a row, for change data capture (POST .../changes).
    primary_key: Annotated[list[Name], Field(max_length=8)] = []

    _sorts = field_validator("default_sort", mode="before")(_sort_rules)


class DatasetSettingsPatch(_Strict):
    """The PATCH body: only the fields sent change; `null` resets a field."""

    label: Annotated[str, Field(max_length=200)] | None = None
    description: Text | None = None
    columns: dict[Name, ColumnSettings | None] | None = None
    vintage: VintageSettings | None = None
    rls: Annotated[list[RlsRule], Field(max_length=50)] | None = None
    rls_admin_exempt: bool | None = None
    mandatory_filters: Annotated[list[Name], Field(max_length=50)] | None = None
    default_sort: Annotated[list[SortRule], Field(max_length=20)] | None = None
    visibility: Visibility | None = None
    synonyms: Synonyms | None = None
    primary_key: Annotated[list[Name], Field(max_length=8)] | None = None

    _sorts = field_validator("default_sort", mode="before")(_sort_rules)


def merged(current: DatasetSettings, patch: DatasetSettingsPatch) -> DatasetSettings:
    """`current` with `patch` applied (see the module docstring)."""
    doc = current.model_dump()
    defaults = DatasetSettings().model_dump()
    for name in patch.model_fields_set - {"columns"}:
        value = getattr(patch, name)
        doc[name] = defaults[name] if value is None else _dump(value)
    if "columns" in patch.model_fields_set:
        doc["columns"] = _merged_columns(current.columns, patch.columns)
    return DatasetSettings.model_validate(doc)


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value


def _merged_columns(
    current: dict[str, ColumnSettings], patch: dict[str, ColumnSettings | None] | None
) -> dict[str, Any]:
    if patch is None:
        return {}
    columns = {name: c.model_dump() for name, c in current.items()}
    for name, change in patch.items():
        if change is None:
            columns.pop(name, None)
            continue
        entry = columns.setdefault(name, ColumnSettings().model_dump())
        entry.update(change.model_dump(include=change.model_fields_set))
    return {n: c for n, c in columns.items() if any(v is not None for v in c.values())}


def check_against(settings: DatasetSettings, dataset: Dataset) -> None:
    """Every column the settings name exists in `dataset`; else 422 naming it and where."""
    for path, name in _named_columns(settings):
        if dataset.column(name) is None:
            raise UnknownColumn(
                f"Dataset '{dataset.key}' has no column '{name}' ({path}).", path=path
            )


def _named_columns(settings: DatasetSettings) -> list[tuple[str, str]]:
    named = [(f"columns.{name}", name) for name in settings.columns]
    if settings.vintage is not None:
        v = settings.vintage
        named.append(("vintage.load_id_column", v.load_id_column))
        if v.load_type_column is not None:
            named.append(("vintage.load_type_column", v.load_type_column))
    named += [(f"rls[{i}].column", r.column) for i, r in enumerate(settings.rls)]
    named += [(f"mandatory_filters[{i}]", n) for i, n in enumerate(settings.mandatory_filters)]
    named += [(f"default_sort[{i}].column", s.column) for i, s in enumerate(settings.default_sort)]
    named += [(f"primary_key[{i}]", n) for i, n in enumerate(settings.primary_key)]
    return named
