"""The export dialog: format, file name, progress, cancel, download link."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from aurora import theme
from aurora.components.modal import modal
from aurora.state.export import ExportState

FORMAT_LABELS = (("csv", "CSV"), ("xlsx", "Excel (.xlsx)"), ("parquet", "Parquet"))


def _progress() -> rx.Component:
    return rx.el.div(
        rx.el.div(
            rx.el.div(style=theme.export_progress_bar(f"{ExportState.progress}%")),
            id="export-progress",
            role="progressbar",
            aria_label="Export progress",
            aria_valuemin=0,
            aria_valuemax=100,
            aria_valuenow=ExportState.progress,
            style=theme.EXPORT_PROGRESS_TRACK,
        ),
        rx.el.div(ExportState.status_text, id="export-status", style=theme.MUTED),
        style=theme.export_progress(ExportState.status != ""),
    )


def _body() -> list[rx.Component]:
    """Format and file name, the error and the progress of a running export."""
    return [
        rx.el.label("Format", html_for="export-format", style=theme.LABEL),
        rx.el.select(
            *[rx.el.option(label, value=v) for v, label in FORMAT_LABELS],
            id="export-format",
            value=ExportState.format,
            on_change=ExportState.set_format,
            style=theme.EXPORT_FORMAT_SELECT,
        ),
        rx.el.label("File name", html_for="export-filename", style=theme.LABEL),
        rx.el.div(
            rx.el.input(
                id="export-filename",
                value=ExportState.filename,
                on_change=ExportState.set_filename,
                style=theme.PILL_INPUT_FILL,
            ),
            rx.el.span("." + ExportState.format, style=theme.MUTED),
            style=theme.INLINE_ROW,
        ),
        rx.cond(
            ExportState.error != "",
            rx.el.div(
                ExportState.error,
                id="export-error",
                role="alert",
                style=theme.FIELD_ERROR_SPACED,
            ),
        ),
        _progress(),
    ]


def _download_link() -> rx.Component:
    return rx.cond(
        ExportState.download_href != "",
        # A document request, not client-side routing: the file comes from the server
        ReactRouterLink.create(
            theme.icon("download"),
            "Download",
            id="export-download",
            href=ExportState.download_href,
            reload_document=True,
            download="",
            style=theme.LINK_BUTTON,
        ),
    )


def _footer() -> list[rx.Component]:
    return [
        _download_link(),
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
    ]


def export_modal() -> rx.Component:
    return modal(
        modal_id="export-modal",
        title="Export",
        subtitle="Exactly what the grid shows: columns, filters, aggregation, sort, vintage",
        open_=ExportState.open,
        on_open_change=ExportState.set_open,
        width="min(560px, 94vw)",
        body=_body(),
        footer=_footer(),
    )
