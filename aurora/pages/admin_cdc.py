"""Admin datasets page, its change data capture part: the PostgreSQL sources polled into
Delta datasets (list with the last poll, add and edit dialog, delete with a confirmation in
the row, Run now with its outcome). State: aurora.state.admin_cdc."""

from __future__ import annotations

from typing import Any

import reflex as rx

from aurora import theme
from aurora.cdc_forms import CdcItem
from aurora.components import forms
from aurora.components.modal import modal
from aurora.state.admin_cdc import CdcState

C = CdcState
INPUT_IDS = {
    "dataset": "cdc-dataset",
    "schema_name": "cdc-schema",
    "table": "cdc-table",
    "key_column": "cdc-key-column",
    "watermark_column": "cdc-watermark-column",
    "deleted_column": "cdc-deleted-column",
    "interval_s": "cdc-interval",
    "url": "cdc-url",
}
HEADERS = ("Dataset", "PostgreSQL source", "Poll", "Last run", "")


def _error_of(name: str) -> rx.Component:
    message = C.field_errors[name]
    return rx.cond(
        message != "",
        rx.el.div(
            message,
            class_name="cdc-field-error",
            data_field=name,
            role="alert",
            style=theme.FIELD_ERROR,
        ),
    )


def _input(
    label: str, name: str, *, placeholder: str = "", width: str = "200px", **props: Any
) -> rx.Component:
    control = forms.text_input(
        INPUT_IDS[name],
        C.form[name],
        lambda v: C.set_form_field(name, v),
        placeholder=placeholder,
        width=width,
        autocomplete="off",
        **props,
    )
    # the field keeps its input's width, so a long refusal wraps under it
    box = rx.el.div(control, _error_of(name), style=theme.FIELD)
    return forms.field(label, box, html_for=INPUT_IDS[name], width=width)


def _where_fields() -> rx.Component:
    return rx.el.div(
        _input(
            "Dataset key",
            "dataset",
            placeholder="letters, digits, _",
            disabled=C.form_id != "",
        ),
        _input("Schema", "schema_name", width="120px"),
        _input("Table", "table"),
        style=theme.row("8px", wrap=True, align="flex-start"),
    )


def _column_fields() -> rx.Component:
    return rx.el.div(
        _input("Key column (unique)", "key_column", width="160px"),
        _input(
            "Watermark column",
            "watermark_column",
            placeholder="updated_at",
            width="160px",
        ),
        _input(
            "Deleted column (optional)",
            "deleted_column",
            placeholder="soft delete flag",
            width="160px",
        ),
        _input("Poll every (seconds)", "interval_s", width="120px"),
        style=theme.row("8px", wrap=True, align="flex-start"),
    )


def _url_field() -> rx.Component:
    hint = rx.cond(
        C.form_has_url,
        "This source has its own URL (never shown). Type a new one to replace it.",
        "Empty: the server's CDC_POSTGRES_URL. The URL is kept sealed and never shown again.",
    )
    return rx.el.div(
        _input(
            "Connection URL",
            "url",
            placeholder="postgresql://reader:…@host:5432/db",
            width="420px",
            # it carries a password: masked like one while typed
            type="password",
        ),
        rx.el.div(hint, style=theme.MUTED),
        rx.cond(
            C.form_has_url,
            forms.checkbox(
                "Use the server's CDC_POSTGRES_URL instead",
                C.form_url_clear,
                C.set_form_url_clear,
                "cdc-url-clear",
            ),
        ),
        style=theme.COLUMN_START,
    )


def _form_body() -> rx.Component:
    return rx.el.div(
        rx.el.div(
            "The table needs a unique key and a watermark column (a timestamp or an "
            "increasing integer) that every insert and update moves forward.",
            style=theme.MUTED,
        ),
        _where_fields(),
        _column_fields(),
        _url_field(),
        forms.checkbox(
            "Poll automatically (off: only Run now polls)",
            C.form_enabled,
            C.set_form_enabled,
            "cdc-enabled",
        ),
        forms.alert(C.form_error, "cdc-form-error"),
        style=theme.column("10px"),
    )


def _form() -> rx.Component:
    return modal(
        modal_id="cdc-modal",
        title="PostgreSQL source",
        subtitle=rx.cond(C.form_id != "", C.form["dataset"], "new"),
        open_=C.form_open,
        on_open_change=C.set_form_open,
        width="min(760px, 94vw)",
        body=[_form_body()],
        footer=[
            rx.dialog.close(theme.button("Cancel", id="cdc-cancel")),
            theme.button(
                rx.cond(C.form_id != "", "Save changes", "Add source"),
                icon_name="check",
                kind="primary",
                id="cdc-save",
                on_click=C.save,
            ),
        ],
        apply_id="cdc-save",
    )


def _status(s: rx.Var[CdcItem]) -> rx.Component:
    return rx.match(
        s.status,
        ("ok", rx.el.span("OK", class_name="cdc-status", style=theme.BADGE_GREEN)),
        ("failed", rx.el.span("Failed", class_name="cdc-status", style=theme.BADGE_RED)),
        rx.fragment(),
    )


def _actions(s: rx.Var[CdcItem]) -> rx.Component:
    return rx.el.div(
        theme.button(
            rx.cond(C.running == s.id, "Polling…", "Run now"),
            icon_name="play",
            class_name="cdc-run",
            disabled=C.running != "",
            on_click=C.run(s.id),
        ),
        theme.button("Edit", icon_name="pencil", class_name="cdc-edit", on_click=C.open_edit(s.id)),
        theme.button(
            "Delete",
            icon_name="trash-2",
            kind="danger",
            class_name="cdc-delete",
            on_click=C.ask_delete(s.id),
        ),
        style=theme.ROW_ACTIONS_END,
    )


def _confirm(s: rx.Var[CdcItem]) -> rx.Component:
    return rx.el.div(
        rx.el.span("Stop polling into " + s.dataset + "? The dataset stays.", role="alert"),
        theme.button(
            "Delete source",
            kind="danger",
            class_name="cdc-delete-confirm",
            on_click=C.delete(s.id),
        ),
        theme.button("Keep", class_name="cdc-delete-cancel", on_click=C.cancel_delete),
        style=theme.ROW_ACTIONS_WRAP,
    )


def _source_cell(s: rx.Var[CdcItem]) -> rx.Component:
    return rx.el.td(
        rx.el.code(s.schema_name + "." + s.table, class_name="cdc-table"),
        rx.el.div(
            "key ",
            rx.el.code(s.key_column, class_name="cdc-key"),
            " · watermark ",
            rx.el.code(s.watermark_column, class_name="cdc-watermark-column"),
            rx.cond(
                s.deleted_column != "", rx.el.span(" · deleted ", rx.el.code(s.deleted_column))
            ),
            style=theme.MUTED,
        ),
        style=theme.TD,
    )


def _last_run_cell(s: rx.Var[CdcItem]) -> rx.Component:
    """When, how it ended, what it merged, how far the dataset is, and why it failed."""
    return rx.el.td(
        rx.el.div(rx.el.span(s.last_run, class_name="cdc-last-run"), _status(s), style=theme.row()),
        rx.el.div(s.rows, class_name="cdc-rows"),
        rx.cond(
            s.watermark != "",
            rx.el.div(
                "watermark ", rx.el.span(s.watermark, class_name="cdc-watermark"), style=theme.MUTED
            ),
        ),
        rx.el.div(s.last_error, class_name="cdc-last-error", style=theme.FIELD_ERROR),
        style=theme.TD,
    )


def _actions_cell(s: rx.Var[CdcItem]) -> rx.Component:
    return rx.el.td(
        rx.cond(C.confirm_delete == s.id, _confirm(s), _actions(s)),
        rx.cond(
            s.outcome != "",
            rx.el.div(
                s.outcome,
                class_name="cdc-outcome",
                role="status",
                style=rx.cond(s.outcome_ok, theme.SUCCESS, theme.BANNER_INLINE),
            ),
        ),
        style=theme.TD,
    )


def _row(s: rx.Var[CdcItem]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.el.strong(s.dataset), style=theme.TD_NOWRAP),
        _source_cell(s),
        rx.el.td(
            rx.el.span(s.every, class_name="cdc-every"),
            rx.cond(~s.enabled, rx.el.div("paused", class_name="cdc-paused", style=theme.MUTED)),
            style=theme.TD_NOWRAP,
        ),
        _last_run_cell(s),
        _actions_cell(s),
        class_name="cdc-row",
        data_source_id=s.id,
        data_dataset=s.dataset,
    )


def _list() -> rx.Component:
    return forms.data_table(
        [forms.th(h) for h in HEADERS],
        rx.cond(
            C.sources.length() > 0,
            rx.foreach(C.sources, _row),
            rx.el.tr(
                rx.el.td(
                    "No sources yet: add a PostgreSQL table to poll its changes into a dataset.",
                    col_span=len(HEADERS),
                    id="cdc-empty",
                    style=theme.TD_EMPTY,
                )
            ),
        ),
        max_height="360px",
        id="cdc-list",
        data_scrolls="both",  # on a narrow window the table scrolls inside its box
    )


def cdc_section() -> rx.Component:
    return rx.el.section(
        forms.row(
            rx.el.h2("Change data capture (PostgreSQL)", style=theme.H2),
            rx.spacer(),
            theme.button(
                "Add source", icon_name="plus", kind="primary", id="cdc-add", on_click=C.open_new
            ),
            gap="8px",
        ),
        rx.el.div(
            "Each source polls a PostgreSQL table and merges what changed into its dataset as "
            "one new Delta version.",
            style=theme.MUTED,
        ),
        forms.alert(C.error, "cdc-error"),
        rx.cond(
            C.notice != "",
            rx.el.div(C.notice, id="cdc-notice", role="status", style=theme.SUCCESS),
        ),
        _list(),
        _form(),
        id="cdc-sources",
        style=theme.CARD_STACK_10,
    )
