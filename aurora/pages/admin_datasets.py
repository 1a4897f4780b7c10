"""Admin: datasets — upload, settings, row-level security, preview as a user, and the
PostgreSQL sources of change data capture (aurora.pages.admin_cdc)."""

from __future__ import annotations

import reflex as rx

from aurora import admin_forms as af
from aurora import theme
from aurora.components import forms
from aurora.components.admin_nav import admin_header
from aurora.components.chrome import page_frame
from aurora.components.erase_card import erase_section, maintenance_section
from aurora.pages.admin_cdc import cdc_section
from aurora.state.admin_datasets import (
    UPLOAD_ID,
    AdminDatasetsState,
    ColEdit,
    DatasetRow,
    RlsEdit,
    TypeEdit,
)

S = AdminDatasetsState
FORMAT_LABELS = {
    "": "(as is)",
    "integer": "Integer",
    "currency": "Currency",
    "currency:USD": "Currency ($)",
    "currency:EUR": "Currency (\u20ac)",
    "currency:GBP": "Currency (\u00a3)",
    "currency:JPY": "Currency (\u00a5)",
    "percent": "Percent",
    "decimal:2": "2 decimals",
}


def _name_options() -> rx.Component:
    return rx.foreach(S.column_names, lambda n: rx.el.option(n, value=n))


def _type_row(t: rx.Var[TypeEdit]) -> rx.Component:
    return rx.el.div(
        rx.el.input(
            value=t.column,
            placeholder="column or header",
            aria_label="Column",
            class_name="upload-type-column",
            on_change=lambda v: S.set_type_field(t.id, "column", v),
            style=theme.COLUMN_INPUT,
        ),
        rx.el.select(
            *[rx.el.option(x or "(inferred)", value=x) for x in af.UPLOAD_TYPES],
            value=t.type,
            aria_label="Type",
            class_name="upload-type-type",
            on_change=lambda v: S.set_type_field(t.id, "type", v),
            style=theme.TYPE_SELECT,
        ),
        theme.icon_button("x", "Remove type override", on_click=S.remove_type(t.id)),
        style=theme.row(),
    )


def _upload_fields() -> rx.Component:
    return rx.el.div(
        forms.field(
            "Dataset key",
            forms.text_input(
                "upload-key",
                S.upload_key,
                lambda v: S.set_upload_field("upload_key", v),
                placeholder="letters, digits, _",
                width="180px",
            ),
        ),
        forms.field(
            "Load type (optional)",
            forms.text_input(
                "upload-load-type",
                S.upload_load_type,
                lambda v: S.set_upload_field("upload_load_type", v),
                width="140px",
            ),
        ),
        forms.field(
            "Load id (optional)",
            forms.text_input(
                "upload-load-id",
                S.upload_load_id,
                lambda v: S.set_upload_field("upload_load_id", v),
                width="120px",
            ),
        ),
        forms.checkbox(
            "Replace if it exists", S.upload_replace, S.set_upload_replace, "upload-replace"
        ),
        style=theme.FORM_ROW,
    )


def _upload_types() -> rx.Component:
    return rx.el.div(
        rx.el.div("Type overrides", style=theme.LABEL),
        rx.foreach(S.upload_types, _type_row),
        theme.button(
            "Type override",
            icon_name="plus",
            kind="ghost",
            id="upload-add-type",
            on_click=S.add_type,
        ),
        style=theme.COLUMN_START,
    )


def _drop_zone() -> rx.Component:
    return rx.upload.root(
        rx.el.div(
            theme.icon("upload", 18),
            rx.el.span("Drop a CSV, XLSX or Parquet file here, or click to choose"),
            rx.foreach(
                rx.selected_files(UPLOAD_ID),
                lambda f: rx.el.strong(f, class_name="upload-file"),
            ),
            style=theme.UPLOAD_META,
        ),
        id=UPLOAD_ID,
        multiple=False,
        accept={
            "text/csv": [".csv", ".txt"],
            "application/octet-stream": [".parquet"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"],
        },
        style=theme.DROP_ZONE,
    )


def _upload_progress() -> rx.Component:
    """Upload, the bar of bytes sent, and what the warehouse is doing with the file."""
    return forms.row(
        theme.button(
            "Upload",
            icon_name="upload",
            kind="primary",
            id="upload-start",
            disabled=(S.upload_phase == "sending") | (S.upload_phase == "loading"),
            on_click=S.upload(
                rx.upload_files(upload_id=UPLOAD_ID, on_upload_progress=S.upload_progressed)
            ),
        ),
        rx.el.div(
            rx.el.div(style=theme.progress_bar(S.upload_progress.to_string() + "%")),
            id="upload-progress",
            role="progressbar",
            aria_label="Upload progress",
            aria_valuemin=0,
            aria_valuemax=100,
            aria_valuenow=S.upload_progress,
            style=theme.PROGRESS_TRACK,
        ),
        rx.el.span(
            rx.match(
                S.upload_phase,
                ("sending", "Sending the file…"),
                ("loading", "Loading into the warehouse…"),
                ("done", "Loaded"),
                ("failed", "Not loaded"),
                "",
            ),
            id="upload-status",
            role="status",
            style=theme.MUTED,
        ),
        gap="10px",
    )


def _upload_result() -> rx.Component:
    return rx.cond(
        S.upload_result != "",
        rx.el.div(
            S.upload_result,
            rx.el.div(
                rx.foreach(
                    S.upload_columns,
                    lambda p: rx.el.span(p.id + ": " + p.text, style=theme.BADGE),
                ),
                style=theme.ROW_WRAP_BELOW,
            ),
            id="upload-result",
            role=rx.cond(S.upload_phase == "failed", "alert", "status"),
            style=rx.cond(S.upload_phase == "failed", theme.BANNER_INLINE, theme.SUCCESS),
        ),
    )


def _upload_card() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Upload a file", style=theme.H2),
        _upload_fields(),
        _upload_types(),
        _drop_zone(),
        _upload_progress(),
        _upload_result(),
        id="dataset-upload-card",
        style=theme.CARD_STACK_10,
    )


def _dataset_row(d: rx.Var[DatasetRow]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.el.strong(d.label), rx.el.div(d.key, style=theme.MUTED), style=theme.TD),
        rx.el.td(d.source, style=theme.TD),
        rx.el.td(d.rows, style=theme.TD_NUM),
        rx.el.td(
            theme.button(
                "Settings",
                icon_name="settings",
                class_name="dataset-edit",
                on_click=S.select(d.key),
            ),
            style=theme.TD_RIGHT,
        ),
        class_name="admin-dataset-row",
        data_key=d.key,
    )


def _list_card() -> rx.Component:
    return forms.data_table(
        [forms.th("Dataset"), forms.th("Source"), forms.th("Rows", numeric=True), forms.th("")],
        rx.foreach(S.datasets, _dataset_row),
        max_height="280px",
        id="admin-dataset-list",
    )


def _column_row(c: rx.Var[ColEdit]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.el.code(c.name), rx.el.div(c.type, style=theme.MUTED), style=theme.TD),
        rx.el.td(
            rx.el.input(
                value=c.label,
                aria_label="Label of " + c.name,
                on_change=lambda v: S.set_column(c.name, "label", v),
                style=theme.PILL_INPUT_FULL,
            ),
            style=theme.TD,
        ),
        rx.el.td(
            rx.el.input(
                type="checkbox",
                checked=c.hidden,
                aria_label="Hide " + c.name,
                class_name="column-hidden",
                on_change=lambda v: S.set_column(c.name, "hidden", v),
                style=theme.CHECKBOX,
            ),
            style=theme.TD,
        ),
        rx.el.td(
            rx.el.select(
                *[rx.el.option(FORMAT_LABELS[f], value=f) for f in af.COLUMN_FORMATS],
                value=c.format,
                aria_label="Format of " + c.name,
                on_change=lambda v: S.set_column(c.name, "format", v),
                style=theme.FORMAT_SELECT,
            ),
            style=theme.TD,
        ),
        rx.el.td(
            rx.el.input(
                value=c.synonyms,
                aria_label="Synonyms of " + c.name,
                placeholder="other words, comma-separated",
                class_name="column-synonyms",
                on_change=lambda v: S.set_column(c.name, "synonyms", v),
                style={**theme.PILL_INPUT, "width": "100%"},
            ),
            style=theme.TD,
        ),
        class_name="column-row",
        data_column=c.name,
    )


def _rls_row(r: rx.Var[RlsEdit]) -> rx.Component:
    return rx.el.div(
        rx.el.select(
            _name_options(),
            value=r.column,
            aria_label="Column",
            class_name="rls-column",
            on_change=lambda v: S.set_rls(r.id, "column", v),
            style=theme.COLUMN_SELECT,
        ),
        rx.el.span("← user attribute", style=theme.MUTED),
        rx.el.input(
            value=r.attribute,
            aria_label="User attribute",
            class_name="rls-attribute",
            on_change=lambda v: S.set_rls(r.id, "attribute", v),
            style=theme.ATTRIBUTE_INPUT,
        ),
        theme.icon_button("x", "Remove rule", on_click=S.remove_rls(r.id)),
        class_name="rls-rule",
        style=theme.row(wrap=True),
    )


def _section(title: str, *children: rx.Component, section_id: str = "") -> rx.Component:
    return rx.el.div(
        rx.el.div(title, style=theme.LABEL),
        *children,
        id=section_id or None,
        style=theme.COLUMN_FILL,
    )


def _preview_row(row: rx.Var[list[str]]) -> rx.Component:
    return rx.el.tr(
        rx.foreach(row, lambda v: rx.el.td(v, role="gridcell", style=theme.TD_NOWRAP)),
        class_name="preview-as-row",
    )


def _preview() -> rx.Component:
    return _section(
        "Preview as user",
        rx.el.div(
            forms.text_input(
                "preview-as-user",
                S.preview_user,
                lambda v: S.set_field("preview_user", v),
                placeholder="user name",
                width="180px",
            ),
            theme.button("Preview", icon_name="eye", id="preview-as-run", on_click=S.preview_as),
            rx.el.span(S.preview_note, id="preview-as-note", style=theme.MUTED),
            style=theme.row(wrap=True),
        ),
        forms.alert(S.preview_error, "preview-as-error"),
        rx.cond(
            S.preview_headers.length() > 0,
            forms.data_table(
                [rx.foreach(S.preview_headers, lambda h: forms.th(h))],
                rx.foreach(S.preview_rows, _preview_row),
                max_height="300px",
                id="preview-as-result",
                data_scrolls="both",
            ),
        ),
        section_id="preview-as",
    )


def _settings_header() -> rx.Component:
    return forms.row(
        rx.el.h2("Settings of ", rx.el.code(S.key), style=theme.H2),
        rx.spacer(),
        theme.button(
            "Delete dataset",
            icon_name="trash-2",
            kind="danger",
            id="dataset-delete",
            on_click=S.delete,
        ),
        theme.button(
            "Save settings", icon_name="save", kind="primary", id="dataset-save", on_click=S.save
        ),
        gap="8px",
    )


def _describe_fields() -> rx.Component:
    return rx.el.div(
        forms.field(
            "Label",
            forms.text_input(
                "dataset-label", S.label, lambda v: S.set_field("label", v), width="260px"
            ),
        ),
        forms.field(
            "Description",
            forms.text_input(
                "dataset-description",
                S.description,
                lambda v: S.set_field("description", v),
                width="420px",
            ),
        ),
        forms.field(
            "Synonyms (for Ask, comma-separated)",
            forms.text_input(
                "dataset-synonyms", S.synonyms, lambda v: S.set_field("synonyms", v), width="320px"
            ),
        ),
        style=theme.FORM_ROW,
    )


def _columns_section() -> rx.Component:
    return _section(
        "Columns",
        forms.data_table(
            [
                forms.th("Column"),
                forms.th("Label"),
                forms.th("Hidden"),
                forms.th("Format"),
                forms.th("Synonyms"),
            ],
            rx.foreach(S.columns, _column_row),
            max_height="300px",
        ),
    )


def _column_select(select_id: str, value: rx.Var[str], field: str) -> rx.Component:
    return rx.el.select(
        rx.el.option("(none)", value=""),
        _name_options(),
        id=select_id,
        value=value,
        on_change=lambda v: S.set_field(field, v),
        style=theme.COLUMN_SELECT,
    )


def _vintage_section() -> rx.Component:
    return _section(
        "Vintage (data loads)",
        rx.el.div(
            forms.field(
                "Load type column",
                _column_select("vintage-type-column", S.load_type_column, "load_type_column"),
            ),
            forms.field(
                "Load id column",
                _column_select("vintage-id-column", S.load_id_column, "load_id_column"),
            ),
            forms.field(
                "Default load type",
                forms.text_input(
                    "vintage-default",
                    S.default_load_type,
                    lambda v: S.set_field("default_load_type", v),
                    width="160px",
                ),
            ),
            style=theme.FORM_ROW,
        ),
    )


def _mandatory_pill(m: rx.Var[str]) -> rx.Component:
    return rx.el.span(
        rx.el.span(m, style=theme.PILL_TEXT),
        rx.el.button(
            theme.icon("x", 12),
            type="button",
            aria_label="Remove " + m,
            on_click=S.remove_mandatory(m),
            style=theme.BUTTON_GHOST_SMALL,
        ),
        class_name="mandatory-filter",
        style=theme.PILL,
    )


def _mandatory_section() -> rx.Component:
    return _section(
        "Mandatory filters (a query must filter on one of these)",
        forms.row(
            rx.foreach(S.mandatory, _mandatory_pill),
            rx.el.select(
                rx.el.option("+ Add column", value=""),
                rx.foreach(S.mandatory_free, lambda n: rx.el.option(n, value=n)),
                value="",
                id="mandatory-add",
                on_change=S.add_mandatory,
                style=theme.COLUMN_SELECT,
            ),
            wrap=True,
        ),
    )


def _key_section() -> rx.Component:
    """Read-only: the key erase, Z-order, change pushes and uploads use (set through the API)."""
    return _section(
        "Primary key",
        rx.el.span(S.key_in_effect, style=theme.MUTED),
        section_id="dataset-primary-key",
    )


def _rls_section() -> rx.Component:
    return _section(
        "Row-level security",
        rx.foreach(S.rls, _rls_row),
        forms.row(
            theme.button("Rule", icon_name="plus", kind="ghost", id="rls-add", on_click=S.add_rls),
            forms.checkbox(
                "Admins see every row",
                S.rls_admin_exempt,
                S.set_rls_admin_exempt,
                "rls-admin-exempt",
            ),
            gap="12px",
        ),
        section_id="rls-rules",
    )


def _settings_card() -> rx.Component:
    return rx.cond(
        S.key != "",
        rx.el.section(
            _settings_header(),
            _describe_fields(),
            _columns_section(),
            _vintage_section(),
            _mandatory_section(),
            _key_section(),
            _rls_section(),
            _preview(),
            erase_section(),
            maintenance_section(),
            id="dataset-settings",
            style=theme.CARD_STACK_14,
        ),
    )


def admin_datasets_page() -> rx.Component:
    return page_frame(
        "admin-datasets",
        admin_header("datasets", "Datasets"),
        forms.alert(S.error, "admin-error"),
        rx.cond(
            S.notice != "",
            rx.el.div(S.notice, id="admin-notice", role="status", style=theme.SUCCESS),
        ),
        rx.cond(
            S.warning != "",
            rx.el.div(S.warning, id="rls-warning", role="alert", style=theme.NOTICE),
        ),
        _upload_card(),
        _list_card(),
        _settings_card(),
        cdc_section(),
        page_id="admin-datasets-page",
    )
