"""The admin use cases: list, upload a file (a new dataset or a new load), register a relation,
change settings, delete. Blocking (files, polars, the store): routes call them in a thread.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from adapters.base import DatabaseAdapter
from backend.catalog.catalog import Catalog
from backend.catalog.delta import declared_key
from backend.catalog.models import Dataset
from backend.catalog.sources import ParquetViews
from backend.config import Settings
from backend.datasets_admin.schema import (
    ColumnSettings,
    DatasetSettings,
    DatasetSettingsPatch,
    check_against,
    merged,
)
from backend.datasets_admin.settings_store import Entry, SettingsStore
from backend.datasets_admin.uploads import ReceivedUpload
from backend.datasets_admin.views import (
    AdminDataset,
    DatasetCreated,
    LoadRef,
    admin_view,
    column_types,
)
from backend.errors import Conflict, InvalidQuery, InvalidUpload, NotFound
from backend.ingest.bounds import UploadLimits
from backend.ingest.reader import ColumnPlan, read_typed
from backend.ingest.writer import KEY, existing_types, write_dataset

Key = Annotated[str, Field(pattern=KEY.pattern)]
LoadValue = Annotated[str, Field(min_length=1, max_length=64)]


class UploadFields(BaseModel):
    """The text fields sent with the file (multipart)."""

    model_config = ConfigDict(extra="forbid")

    key: Key
    load_type: LoadValue | None = None
    load_id: LoadValue | None = None
    types: dict[str, str] = {}
    replace: bool = False

    @field_validator("types", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else {}
            except ValueError as e:
                raise ValueError(
                    'types must be a JSON object, e.g. {"amount": "DECIMAL(18,2)"}'
                ) from e
        return value

    @classmethod
    def parse(cls, fields: dict[str, str]) -> UploadFields:
        try:
            return cls.model_validate({k: v for k, v in fields.items() if v.strip() != ""})
        except ValidationError as e:
            details = [
                {"path": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
                for err in e.errors()
            ]
            first = details[0]
            raise InvalidUpload(
                f"Invalid upload field {first['path'] or ''}: {first['message']}", details=details
            ) from e

    @property
    def load(self) -> tuple[str, str] | None:
        if self.load_type is None and self.load_id is None:
            return None
        if self.load_type is None or self.load_id is None:
            raise InvalidUpload("Give both load_type and load_id for a load, or neither.")
        return self.load_type, self.load_id


class RegisterRelation(BaseModel):
    """POST /api/admin/datasets as JSON: an existing table or view becomes dataset `key`."""

    model_config = ConfigDict(extra="forbid")

    key: Key
    relation: Annotated[str, Field(min_length=1, max_length=255)]


def _initial_settings(plans: Sequence[ColumnPlan]) -> DatasetSettings:
    """A header that is not already a plain name (`Order ID`, not `order_id`) becomes the
    column's label; plain names get the catalog's label (`Order id`)."""
    columns = {
        p.name: ColumnSettings(label=p.label.strip())
        for p in plans
        if p.label.strip() and p.label != p.name
    }
    return DatasetSettings(columns=columns)


class DatasetAdmin:
    def __init__(
        self,
        settings: Settings,
        adapter: DatabaseAdapter,
        catalog: Catalog,
        store: SettingsStore,
    ) -> None:
        self._settings, self._adapter, self._catalog, self._store = (
            settings,
            adapter,
            catalog,
            store,
        )

    @property
    def uploads_dir(self) -> Path:
        return self._settings.state_dir / "uploads"

    # --- reading --------------------------------------------------------------------------

    def _dataset(self, key: str) -> Dataset | None:
        try:
            return self._catalog.get(key)
        except NotFound:
            return None

    def list(self) -> list[AdminDataset]:
        entries = self._store.all()
        shown = {d.key: d for d in self._catalog.list()}
        keys = sorted(shown.keys() | entries.keys())
        return [admin_view(k, shown.get(k), entries.get(k), self._declared(k)) for k in keys]

    def view(self, key: str, *, loads: bool = False) -> AdminDataset:
        dataset, entry = self._dataset(key), self._store.get(key)
        if dataset is None and entry is None:
            raise NotFound(f"Dataset '{key}' was not found.")
        out = admin_view(key, dataset, entry, self._declared(key))
        if loads and dataset is not None:
            out.loads = self._catalog.vintage_options(key)
        return out

    def primary_key(self, key: str) -> tuple[str, ...]:
        """The columns that identify a row of `key`: its `primary_key` setting, else the key
        its Delta table declares (`KEY_PROPERTY`; the demo's sales), else ()."""
        entry = self._store.get(key)
        if entry is not None and entry.settings.primary_key:
            return tuple(entry.settings.primary_key)
        return self._declared(key)

    def _declared(self, key: str) -> tuple[str, ...]:
        """The key `key`'s Delta table declares (`KEY_PROPERTY`), or ()."""
        folder = self._catalog.versioned_folder(key)
        return declared_key(folder) if folder is not None else ()

    # --- settings -------------------------------------------------------------------------

    def update(
        self, key: str, patch: DatasetSettingsPatch, *, by: str
    ) -> tuple[DatasetSettings, AdminDataset]:
        """Apply `patch`; returns the settings before and the dataset after."""
        dataset, entry = self._dataset(key), self._store.get(key)
        if dataset is None:
            raise NotFound(f"Dataset '{key}' was not found.")
        before = entry.settings if entry is not None else DatasetSettings()
        after = merged(before, patch)
        check_against(after, dataset)
        source, relation = (entry.source, entry.relation) if entry else ("discovered", None)
        self._store.put(Entry(key, source, relation, after), by=by)
        return before, self.view(key)

    # --- registering ----------------------------------------------------------------------

    def register(self, body: RegisterRelation, *, by: str) -> AdminDataset:
        relations = self._adapter.relations()
        if body.relation not in relations:
            raise InvalidQuery(
                f"'{body.relation}' is not a table or view of the {self._adapter.name} database.",
                path="relation",
            )
        if self._store.get(body.key) is not None or self._dataset(body.key) is not None:
            raise Conflict(f"Dataset '{body.key}' already exists; choose another key.")
        self._check_case(body.key)
        self._store.put(Entry(body.key, "relation", body.relation, DatasetSettings()), by=by)
        self._catalog.refresh()
        return self.view(body.key)

    def _check_case(self, key: str) -> None:
        """DuckDB compares names without case, so `Sales` would replace the view of `sales`."""
        known = {d.key for d in self._catalog.list()} | self._store.all().keys()
        clash = next((k for k in known if k.casefold() == key.casefold() and k != key), None)
        if clash is not None:
            raise Conflict(f"Dataset '{clash}' already exists; keys differing only in case clash.")

    # --- uploads --------------------------------------------------------------------------

    def _warehouse(self) -> Path:
        warehouse: Path | None = getattr(self._adapter, "warehouse_dir", None)
        if warehouse is None or not isinstance(self._adapter, ParquetViews):
            raise Conflict("Uploads need the DuckDB warehouse (AURORA_DB=duckdb).")
        return warehouse

    def ingest(self, upload: ReceivedUpload, fields: UploadFields, *, by: str) -> DatasetCreated:
        """Convert and write the uploaded file as dataset `fields.key` (or one load of it)."""
        warehouse = self._warehouse()
        key, load = fields.key, fields.load
        entry = self._store.get(key)
        if entry is not None and entry.source == "relation":
            raise Conflict(f"Dataset '{key}' is a registered table or view; it takes no uploads.")
        existed = self._dataset(key) is not None
        self._check_case(key)
        defaults = existing_types(warehouse, key) if load else {}
        limits = UploadLimits.of(self._settings)
        frame, plans = read_typed(upload.path, upload.format, fields.types, defaults, limits=limits)
        delta = self._settings.upload_table_format == "delta"
        _, rows = write_dataset(
            frame,
            warehouse,
            key,
            load,
            replace=fields.replace,
            delta=delta,
            user=by,
            order_by=self.primary_key(key),
        )
        if entry is None and not existed:
            self._record_upload(key, plans, by)
        self._catalog.refresh()
        return DatasetCreated(
            dataset=self.view(key),
            created=not existed,
            load=LoadRef(load_type=load[0], load_id=load[1]) if load else None,
            rows=rows,
            columns=column_types(plans),
        )

    def _record_upload(self, key: str, plans: Sequence[ColumnPlan], by: str) -> None:
        """Without its settings row a new upload could not be deleted through the API, so
        its files go again if the row cannot be written."""
        try:
            self._store.put(Entry(key, "upload", None, _initial_settings(plans)), by=by)
        except Exception:
            self._remove_files(key)
            raise

    # --- deleting -------------------------------------------------------------------------

    def delete(self, key: str) -> Entry:
        """Remove the settings and, for an uploaded dataset, its files; returns what was."""
        entry = self._store.get(key)
        if entry is None:
            if self._dataset(key) is None:
                raise NotFound(f"Dataset '{key}' was not found.")
            raise Conflict(
                f"Dataset '{key}' was not added through the admin API and has no settings; "
                "remove its data from the warehouse or database instead."
            )
        if entry.source == "upload":
            self._remove_files(key)
        self._store.remove(key)
        self._catalog.refresh()
        return entry

    def _remove_files(self, key: str) -> None:
        """Move the dataset's files into a dot-folder (the catalog ignores it) in one rename
        each, then delete that folder: the dataset is there or gone, never half."""
        warehouse = self._warehouse()
        found = [p for p in (warehouse / key, warehouse / f"{key}.parquet") if p.exists()]
        if not found:
            return
        trash = warehouse / f".trash-{uuid.uuid4().hex}"
        trash.mkdir()
        try:
            for path in found:
                path.rename(trash / path.name)
        finally:
            shutil.rmtree(trash, ignore_errors=True)
