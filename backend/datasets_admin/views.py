"""What the admin API answers: a dataset with its settings, and the outcome of a load."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from backend.catalog.models import Dataset
from backend.datasets_admin.schema import DatasetSettings
from backend.datasets_admin.settings_store import Entry
from backend.ingest.reader import ColumnPlan


class AdminColumn(BaseModel):
    name: str
    type: str
    label: str
    description: str | None
    hidden: bool
    format: str | None
    synonyms: list[str] = []


class AdminVintage(BaseModel):
    load_type_column: str | None
    load_id_column: str | None
    default_load_type: str | None


class AdminDataset(BaseModel):
    """`exists` is false when settings remain for data that is gone (files removed by
    hand, a dropped table): the admin can then delete the settings."""

    key: str
    label: str
    description: str | None
    source: Literal["upload", "relation", "discovered"]
    relation: str | None
    exists: bool
    row_estimate: int | None
    version: str | None
    columns: list[AdminColumn]
    vintage: AdminVintage | None
    settings: DatasetSettings
    # The key in effect (erase, Z-order, change pushes, uploads): the `primary_key` setting,
    # else the key the Delta table declares (`aurora.primaryKey`), else none.
    effective_primary_key: list[str] = []
    primary_key_source: Literal["setting", "table"] | None = None
    loads: list[dict[str, Any]] | None = None


class LoadRef(BaseModel):
    load_type: str
    load_id: str


class ColumnType(BaseModel):
    name: str
    label: str
    type: str
    inferred: str


class DatasetCreated(BaseModel):
    """POST /api/admin/datasets: the dataset, whether it is new, and for an upload the load
    written, its rows, and each column's inferred and chosen type."""

    dataset: AdminDataset
    created: bool
    load: LoadRef | None = None
    rows: int | None = None
    columns: list[ColumnType] = []


def admin_view(
    key: str, dataset: Dataset | None, entry: Entry | None, declared: tuple[str, ...] = ()
) -> AdminDataset:
    """`declared`: the key the dataset's Delta table declares, shown when no setting names one."""
    settings = entry.settings if entry is not None else DatasetSettings()
    source: Literal["setting", "table"] | None = (
        "setting" if settings.primary_key else ("table" if declared else None)
    )
    vintage = dataset.vintage if dataset is not None else None
    return AdminDataset(
        key=key,
        label=dataset.display if dataset is not None else settings.label or key,
        description=dataset.description if dataset is not None else settings.description,
        source=entry.source if entry is not None else "discovered",
        relation=entry.relation if entry is not None else None,
        exists=dataset is not None,
        row_estimate=dataset.row_estimate if dataset is not None else None,
        version=dataset.version if dataset is not None else None,
        columns=[
            AdminColumn(
                name=c.name,
                type=c.type,
                label=c.display,
                description=c.description,
                hidden=c.hidden,
                format=c.format,
                synonyms=list(c.synonyms),
            )
            for c in (dataset.columns if dataset is not None else ())
        ],
        vintage=None
        if vintage is None
        else AdminVintage(
            load_type_column=vintage.load_type,
            load_id_column=vintage.load_id,
            default_load_type=vintage.default_load_type,
        ),
        settings=settings,
        effective_primary_key=list(settings.primary_key or declared),
        primary_key_source=source,
    )


def column_types(plans: list[ColumnPlan]) -> list[ColumnType]:
    return [ColumnType(name=p.name, label=p.label, type=p.type, inferred=p.inferred) for p in plans]
