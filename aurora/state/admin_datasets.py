"""Admin: datasets. Upload a file (with progress and type overrides), describe a dataset
(labels, hidden columns, formats, vintage columns, mandatory filters), map row-level
security to user attributes, and preview what a given user would see."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from aurora import admin_forms as af
from aurora import formatting as fmt
from aurora.api_client import ApiClient, ApiError
from aurora.state import convert, session
from aurora.state.base import PageState
from aurora.state.models import Pill

UPLOAD_ID = "dataset-upload"


@dataclasses.dataclass
class DatasetRow:
    key: str = ""
    label: str = ""
    source: str = ""
    rows: str = ""
    exists: bool = True


@dataclasses.dataclass
class ColEdit:
    name: str = ""
    type: str = ""
    label: str = ""
    hidden: bool = False
    format: str = ""
    synonyms: str = ""  # comma-separated, as typed


@dataclasses.dataclass
class RlsEdit:
    id: str = ""
    column: str = ""
    attribute: str = ""


@dataclasses.dataclass
class TypeEdit:
    id: str = ""
    column: str = ""
    type: str = ""


def _rows_text(n: Any) -> str:
    return f"{n:,}" if isinstance(n, int) else ""


def rls_warning(rules: list[dict[str, Any]], exempt: bool, attributes: dict[str, Any]) -> str:
    """What saving these rules does to the admin's own view, when it empties it.

    >>> rls_warning([{"column": "region", "attribute": "region"}], False, {})
    "You have no 'region' attribute: you will see no rows, unless admins are exempt."
    >>> rls_warning([{"column": "region", "attribute": "region"}], True, {})
    ''
    """
    missing = [
        str(r.get("attribute")) for r in rules if not attributes.get(str(r.get("attribute")))
    ]
    if exempt or not missing:
        return ""
    names = " or ".join(f"'{m}'" for m in dict.fromkeys(missing))
    noun = "attribute" if len(set(missing)) == 1 else "attributes"
    return f"You have no {names} {noun}: you will see no rows, unless admins are exempt."


@session.forgotten
class AdminDatasetsState(PageState, rx.State):
    datasets: list[DatasetRow] = []
    notice: str = ""
    warning: str = ""  # what the saved settings do to the admin's own view

    # upload
    upload_key: str = ""
    upload_load_type: str = ""
    upload_load_id: str = ""
    upload_replace: bool = False
    upload_types: list[TypeEdit] = []
    upload_progress: int = 0
    upload_phase: str = ""  # "", "sending", "loading", "done", "failed"
    upload_result: str = ""
    upload_columns: list[Pill] = []  # id = column, text = its type

    # the dataset being edited
    key: str = ""
    label: str = ""
    description: str = ""
    synonyms: str = ""  # the dataset's, comma-separated
    columns: list[ColEdit] = []
    load_type_column: str = ""
    load_id_column: str = ""
    default_load_type: str = ""
    mandatory: list[str] = []
    rls: list[RlsEdit] = []
    rls_admin_exempt: bool = False
    key_in_effect: str = ""  # the primary key in effect and where it comes from (read-only)
    _original: dict[str, Any] = {}

    # preview as a user
    preview_user: str = ""
    preview_headers: list[str] = []
    preview_rows: list[list[str]] = []
    preview_note: str = ""
    preview_error: str = ""

    @rx.var
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @rx.var
    def mandatory_free(self) -> list[str]:
        return [c.name for c in self.columns if c.name not in self.mandatory]

    @rx.event
    async def load(self):
        """on_load: admins only (viewers are sent away; the API would say 403 anyway)."""
        client, away = await self._signed_in_api(admin=True)
        if client is None:
            return away
        return await self._refresh(client)

    async def _refresh(self, client: ApiClient) -> Any:
        try:
            listing = await client.admin_datasets()
        except ApiError as exc:
            return self._failed(exc)
        self.datasets = [
            DatasetRow(
                key=str(d["key"]),
                label=str(d.get("label") or d["key"]),
                source=str(d.get("source") or ""),
                rows=_rows_text(d.get("row_estimate")),
                exists=bool(d.get("exists", True)),
            )
            for d in listing
        ]
        return None

    # ---- upload ------------------------------------------------------------------------------

    @rx.event
    def set_upload_field(self, name: str, value: str):
        if name in ("upload_key", "upload_load_type", "upload_load_id"):
            setattr(self, name, value.strip())

    @rx.event
    def set_upload_replace(self, value: bool):
        self.upload_replace = bool(value)

    @rx.event
    def add_type(self):
        from aurora.filters import new_id

        self.upload_types = [*self.upload_types, TypeEdit(id=new_id(), type="VARCHAR")]

    @rx.event
    def set_type_field(self, type_id: str, field: str, value: str):
        if field in ("column", "type"):
            self.upload_types = [
                dataclasses.replace(t, **{field: value}) if t.id == type_id else t
                for t in self.upload_types
            ]

    @rx.event
    def remove_type(self, type_id: str):
        self.upload_types = [t for t in self.upload_types if t.id != type_id]

    @rx.event
    def upload_progressed(self, progress: dict[str, Any]):
        """From the browser while the file travels to the UI's server."""
        value = progress.get("progress") or 0
        percent = min(100, int(float(value) * 100))
        if percent >= 100 and self.upload_phase in ("done", "failed"):
            return  # the browser's last report came after the API's answer: keep the answer
        self.upload_progress = percent
        self.upload_phase = "sending" if percent < 100 else "loading"

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        if not files:
            self.upload_phase, self.upload_result = "failed", "Choose a file first."
            return
        if not self.upload_key:
            self.upload_phase, self.upload_result = "failed", "Give the dataset a key."
            return
        self.upload_phase, self.upload_progress = "loading", 100
        yield
        upload = files[0]
        content = await upload.read()
        fields = {
            "key": self.upload_key,
            "load_type": self.upload_load_type,
            "load_id": self.upload_load_id,
            "types": af.type_overrides([(t.column, t.type) for t in self.upload_types]),
            "replace": "true" if self.upload_replace else "",
        }
        client = await self._api()
        try:
            answer = await client.upload_dataset(upload.name or "upload", content, fields)
        except ApiError as exc:
            self.upload_phase, self.upload_result = "failed", exc.message
            return
        rows = answer.get("rows")
        self.upload_columns = [
            Pill(id=str(c.get("name")), text=str(c.get("type"))) for c in answer.get("columns", [])
        ]
        self.upload_phase = "done"
        self.upload_result = f"Loaded {_rows_text(rows) or 'the'} rows into '{self.upload_key}'."
        yield rx.clear_selected_files(UPLOAD_ID)
        await self._refresh(client)

    # ---- settings ----------------------------------------------------------------------------

    @rx.event
    async def select(self, key: str):
        client = await self._api()
        try:
            d = await client.admin_dataset(key)
        except ApiError as exc:
            return self._failed(exc)
        self._take(d)
        self.preview_headers, self.preview_rows, self.preview_note = [], [], ""
        self.preview_error, self.notice, self.error, self.warning = "", "", "", ""
        return None

    def _take(self, d: dict[str, Any]) -> None:
        settings = d.get("settings") or {}
        vintage = settings.get("vintage") or d.get("vintage") or {}
        self.key = str(d["key"])
        self.label = str(d.get("label") or "")
        self.description = str(d.get("description") or "")
        self.synonyms = af.synonyms_text(settings.get("synonyms"))
        self.columns = [
            ColEdit(
                name=str(c["name"]),
                type=str(c.get("type", "")),
                label=str(c.get("label") or c["name"]),
                hidden=bool(c.get("hidden")),
                format=str(c.get("format") or ""),
                synonyms=af.synonyms_text(c.get("synonyms")),
            )
            for c in d.get("columns", [])
        ]
        self.load_type_column = str(vintage.get("load_type_column") or "")
        self.load_id_column = str(vintage.get("load_id_column") or "")
        self.default_load_type = str(vintage.get("default_load_type") or "")
        self.mandatory = [str(m) for m in settings.get("mandatory_filters") or []]
        from aurora.filters import new_id

        self.rls = [
            RlsEdit(id=new_id(), column=str(r["column"]), attribute=str(r["attribute"]))
            for r in settings.get("rls") or []
        ]
        self.rls_admin_exempt = bool(settings.get("rls_admin_exempt"))
        self.key_in_effect = af.key_in_effect(
            [str(c) for c in d.get("effective_primary_key") or []], d.get("primary_key_source")
        )
        self._original = self._document()

    def _document(self) -> dict[str, Any]:
        vintage = None
        if self.load_id_column:
            vintage = {
                "load_type_column": self.load_type_column or None,
                "load_id_column": self.load_id_column,
                "default_load_type": self.default_load_type or None,
            }
        return {
            "label": self.label.strip() or None,
            "description": self.description.strip() or None,
            "columns": {
                c.name: {
                    "label": c.label,
                    "hidden": c.hidden,
                    "format": c.format or None,
                    "synonyms": af.synonyms_list(c.synonyms) or None,
                }
                for c in self.columns
            },
            "vintage": vintage,
            "rls": [
                {"column": r.column, "attribute": r.attribute.strip()}
                for r in self.rls
                if r.column and r.attribute.strip()
            ],
            "rls_admin_exempt": self.rls_admin_exempt,
            "mandatory_filters": list(self.mandatory),
            "synonyms": af.synonyms_list(self.synonyms),
        }

    @rx.event
    def set_field(self, name: str, value: str):
        if name in (
            "label",
            "description",
            "synonyms",
            "load_type_column",
            "load_id_column",
            "default_load_type",
            "preview_user",
        ):
            setattr(self, name, value)

    @rx.event
    def set_column(self, name: str, field: str, value: Any):
        if field not in ("label", "hidden", "format", "synonyms"):
            return
        value = bool(value) if field == "hidden" else str(value)
        self.columns = [
            dataclasses.replace(c, **{field: value}) if c.name == name else c for c in self.columns
        ]

    @rx.event
    def add_mandatory(self, name: str):
        if name and name not in self.mandatory:
            self.mandatory = [*self.mandatory, name]

    @rx.event
    def remove_mandatory(self, name: str):
        self.mandatory = [m for m in self.mandatory if m != name]

    @rx.event
    def add_rls(self):
        from aurora.filters import new_id

        column = self.columns[0].name if self.columns else ""
        self.rls = [*self.rls, RlsEdit(id=new_id(), column=column, attribute=column)]

    @rx.event
    def set_rls(self, rule_id: str, field: str, value: str):
        if field in ("column", "attribute"):
            self.rls = [
                dataclasses.replace(r, **{field: value}) if r.id == rule_id else r for r in self.rls
            ]

    @rx.event
    def remove_rls(self, rule_id: str):
        self.rls = [r for r in self.rls if r.id != rule_id]

    @rx.event
    def set_rls_admin_exempt(self, value: bool):
        self.rls_admin_exempt = bool(value)

    @rx.event
    async def save(self):
        patch = af.settings_patch(self._original, self._document())
        if not patch:
            self.notice = "Nothing changed."
            return None
        client = await self._api()
        try:
            d = await client.update_dataset(self.key, patch)
        except ApiError as exc:
            self.notice = ""
            return self._failed(exc)
        self._take(d)
        self.notice, self.error = f"Saved the settings of '{self.key}'.", ""
        self.warning = await self._own_view_warning(client, d.get("settings") or {})
        return await self._refresh(client)

    async def _own_view_warning(self, client: ApiClient, settings: dict[str, Any]) -> str:
        rules = list(settings.get("rls") or [])
        if not rules:
            return ""
        try:
            me = await client.me()
        except ApiError:
            return ""
        exempt = bool(settings.get("rls_admin_exempt"))
        return rls_warning(rules, exempt, dict(me.get("attributes") or {}))

    @rx.event
    async def delete(self):
        client = await self._api()
        try:
            await client.delete_dataset(self.key)
        except ApiError as exc:
            return self._failed(exc)
        self.notice, self.key, self.columns = f"Deleted '{self.key}'.", "", []
        return await self._refresh(client)

    @rx.event
    async def preview_as(self):
        user = self.preview_user.strip()
        if not user:
            self.preview_error = "Enter the user name to preview as."
            return
        client = await self._api()
        spec = {"dataset": self.key, "page_size": 50}
        try:
            answer = await client.preview_as(self.key, user, spec)
        except ApiError as exc:
            self.preview_error, self.preview_rows, self.preview_headers = exc.message, [], []
            return
        cols = [dataclasses.asdict(convert.column_meta(c)) for c in answer.get("columns", [])]
        rows = fmt.format_rows(answer.get("rows", []), cols)
        self.preview_headers = [str(c["label"]) for c in cols]
        self.preview_rows = [
            ["null" if r.get(f"c{i}") is None else str(r[f"c{i}"]) for i in range(len(cols))]
            for r in rows
        ]
        attrs = af.attributes_text(answer.get("attributes") or {}) or "no attributes"
        self.preview_note = f"{len(rows)} rows as {user} ({attrs})"
        self.preview_error = ""
