"""A Delta dataset's write-side sections of its settings: GDPR erase (condition, preview,
typed confirmation) and storage maintenance (compact, vacuum)."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components import forms
from aurora.state.admin_datasets import AdminDatasetsState
from aurora.state.admin_erase import CONFIRM_WORD, EraseState
from aurora.state.admin_maintenance import MaintenanceState

E = EraseState
M = MaintenanceState


def _condition() -> rx.Component:
    return forms.row(
        rx.el.select(
            rx.el.option("(column)", value=""),
            rx.foreach(AdminDatasetsState.column_names, lambda n: rx.el.option(n, value=n)),
            id="erase-column",
            aria_label="Column of the rows to erase",
            value=E.column,
            on_change=lambda v: E.set_erase_field("column", v),
            style=theme.COLUMN_SELECT,
        ),
        forms.select(
            "erase-operator",
            [("=", "equals"), ("in", "is one of")],
            E.operator,
            lambda v: E.set_erase_field("operator", v),
            width="120px",
            aria_label="Operator",
        ),
        forms.text_input(
            "erase-value",
            E.value,
            lambda v: E.set_erase_field("value", v),
            placeholder="value (a list: comma-separated)",
            width="220px",
            aria_label="Value of the rows to erase",
        ),
        theme.button("Preview", icon_name="search", id="erase-preview", on_click=E.preview),
        wrap=True,
        gap="8px",
    )


def _preview() -> rx.Component:
    return rx.cond(
        E.matched >= 0,
        rx.el.div(
            rx.el.strong(E.matched.to_string() + " matching rows", id="erase-preview-rows"),
            rx.foreach(E.by_load, lambda t: rx.el.div(t, class_name="erase-load")),
            id="erase-preview-result",
            role="status",
            style=theme.NOTICE,
        ),
    )


def _confirm() -> rx.Component:
    return rx.cond(
        E.matched > 0,
        forms.row(
            rx.el.label(
                "Type ",
                rx.el.code(E.key),
                f" or {CONFIRM_WORD} to confirm",
                html_for="erase-confirm-text",
                style=theme.LABEL,
            ),
            forms.text_input(
                "erase-confirm-text",
                E.confirm_text,
                lambda v: E.set_erase_field("confirm_text", v),
                width="180px",
                autocomplete="off",
            ),
            theme.button(
                "Erase for good",
                icon_name="trash-2",
                kind="danger",
                id="erase-run",
                disabled=~E.can_erase,
                on_click=E.erase,
            ),
            wrap=True,
            gap="8px",
        ),
    )


def erase_section() -> rx.Component:
    return rx.el.div(
        rx.el.div("Erase rows (GDPR)", style=theme.LABEL),
        rx.el.div(
            "Deletes the matching rows from every load and every version, then removes the "
            "files that held them: time travel cannot bring them back.",
            style=theme.MUTED,
        ),
        _condition(),
        forms.alert(E.error, "erase-error"),
        _preview(),
        _confirm(),
        rx.cond(
            E.result != "",
            rx.el.div(E.result, id="erase-result", role="status", style=theme.SUCCESS),
        ),
        id="dataset-erase",
        style=theme.COLUMN_FILL,
    )


def maintenance_section() -> rx.Component:
    return rx.el.div(
        rx.el.div("Storage maintenance (Delta)", style=theme.LABEL),
        forms.row(
            theme.button(
                "Compact files",
                icon_name="combine",
                id="maintenance-optimize",
                disabled=M.running,
                on_click=M.start("optimize"),
            ),
            rx.el.label("Keep versions of the last", html_for="maintenance-retention"),
            forms.text_input(
                "maintenance-retention", M.retention_hours, M.set_retention, width="70px"
            ),
            rx.el.span("hours", style=theme.MUTED),
            theme.button(
                "Vacuum",
                icon_name="trash",
                id="maintenance-vacuum",
                disabled=M.running,
                on_click=M.start("vacuum"),
            ),
            wrap=True,
            gap="8px",
        ),
        rx.cond(
            M.status != "",
            rx.el.div(M.status, id="maintenance-status", role="status", style=theme.MUTED),
        ),
        id="dataset-maintenance",
        style=theme.COLUMN_FILL,
    )
