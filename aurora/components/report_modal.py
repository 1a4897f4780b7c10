"""The save-report dialog on the explorer."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components import forms
from aurora.components.modal import modal
from aurora.state.reports import SaveReportState


def _fields() -> list[rx.Component]:
    """Name and description."""
    return [
        forms.field(
            "Name",
            forms.text_input(
                "report-name",
                SaveReportState.name,
                SaveReportState.set_name,
                width="100%",
                max_length=200,
            ),
            html_for="report-name",
        ),
        rx.el.div(style=theme.SPACER_10),
        forms.field(
            "Description",
            rx.el.textarea(
                id="report-description",
                value=SaveReportState.description,
                on_change=SaveReportState.set_description,
                rows=3,
                style=theme.TEXTAREA_PROSE,
            ),
            html_for="report-description",
        ),
    ]


def _options() -> rx.Component:
    """Sharing, and a new report rather than replacing the one open."""
    return rx.el.div(
        forms.checkbox(
            "Share with everyone",
            SaveReportState.shared,
            SaveReportState.set_shared,
            "report-shared",
        ),
        rx.cond(
            SaveReportState.can_replace,
            forms.checkbox(
                "Save as a new report",
                SaveReportState.as_new,
                SaveReportState.set_as_new,
                "report-as-new",
            ),
        ),
        style=theme.REPORT_OPTIONS,
    )


def save_report_modal() -> rx.Component:
    return modal(
        modal_id="report-save-modal",
        apply_id="report-save-submit",
        title="Save report",
        subtitle=rx.cond(
            SaveReportState.target == "pivot",
            "The pivot as it is: rows, columns, values, filters and vintage",
            "The grid as it is: columns, filters, aggregation, joins, vintage, sort and chart",
        ),
        open_=SaveReportState.open,
        on_open_change=SaveReportState.set_open,
        width="min(560px, 94vw)",
        body=[*_fields(), _options(), forms.alert(SaveReportState.error, "report-save-error")],
        footer=[
            rx.dialog.close(theme.button("Cancel")),
            theme.button(
                "Save",
                icon_name="save",
                kind="primary",
                id="report-save-submit",
                disabled=SaveReportState.busy,
                on_click=SaveReportState.save,
            ),
        ],
    )
