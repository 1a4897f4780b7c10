"""The export dialog: format, file name, progress, cancel, download link."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components.modal import modal
from aurora.state.export import ExportState

FORMAT_LABELS = (("csv", "CSV"), ("xlsx", "Excel (.xlsx)"), ("parquet", "Parquet"))


def _format_choice(value: str, label: str) -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="radio",
            name="export-format",
            value=value,
            checked=ExportState.format == value,
            on_change=lambda _v: ExportState.set_format(value),
            id=f"export-format-{value}",
        ),
        label,
        style={"display": "flex", "gap": "5px", "align_items": "center", "cursor": "pointer"},
    )


def _progress() -> rx.Component:
    return rx.el.div(
        rx.el.div(
            rx.el.div(
                style={
                    "height": "100%",
                    "width": f"{ExportState.progress}%",
                    "background": theme.BLUE,
                    "border_radius": "999px",
                    "transition": "width 0.3s",
                }
            ),
            id="export-progress",
            role="progressbar",
            aria_label="Export progress",
            aria_valuemin=0,
            aria_valuemax=100,
            aria_valuenow=ExportState.progress,
            style={
                "height": "8px",
                "background": theme.SLATE_200,
                "border_radius": "999px",
                "overflow": "hidden",
                "width": "100%",
            },
        ),
        rx.el.div(ExportState.status_text, id="export-status", style=theme.MUTED),
        style={
            "display": rx.cond(ExportState.status != "", "flex", "none"),
            "flex_direction": "column",
            "gap": "4px",
            "margin_top": "12px",
        },
    )


def export_modal() -> rx.Component:
    return modal(
        modal_id="export-modal",
        title="Export",
        subtitle="Exactly what the grid shows: columns, filters, aggregation, sort, vintage",
        open_=ExportState.open,
        on_open_change=ExportState.set_open,
        width="min(560px, 94vw)",
        body=[
            rx.el.div("Format", style=theme.LABEL),
            rx.el.div(
                *[_format_choice(v, label) for v, label in FORMAT_LABELS],
                role="radiogroup",
                aria_label="Format",
                style={
                    "display": "flex",
                    "gap": "14px",
                    "margin": "4px 0 10px 0",
                    "flex_wrap": "wrap",
                },
            ),
            rx.el.label("File name", html_for="export-filename", style=theme.LABEL),
            rx.el.div(
                rx.el.input(
                    id="export-filename",
                    value=ExportState.filename,
                    on_change=ExportState.set_filename,
                    style={**theme.PILL_INPUT, "flex": "1 1 auto"},
                ),
                rx.el.span("." + ExportState.format, style=theme.MUTED),
                style={"display": "flex", "gap": "6px", "align_items": "center", "min_width": "0"},
            ),
            rx.cond(
                ExportState.error != "",
                rx.el.div(
                    ExportState.error,
                    id="export-error",
                    role="alert",
                    style={**theme.FIELD_ERROR, "margin_top": "8px"},
                ),
            ),
            _progress(),
        ],
        footer=[
            rx.cond(
                ExportState.download_href != "",
                rx.el.a(
                    theme.icon("download"),
                    "Download",
                    id="export-download",
                    href=ExportState.download_href,
                    download="",
                    style={**theme.BUTTON_PRIMARY, "text_decoration": "none"},
                ),
            ),
            rx.spacer(),
            rx.cond(
                ExportState.running,
                theme.button(
                    "Cancel export",
                    icon_name="circle-stop",
                    kind="danger",
                    id="export-cancel",
                    on_click=ExportState.cancel,
                ),
            ),
            rx.dialog.close(theme.button("Close")),
            theme.button(
                "Start export",
                icon_name="play",
                kind="primary",
                id="export-start",
                disabled=ExportState.running,
                on_click=ExportState.start,
            ),
        ],
    )
