"""The report list: search, open, rename, duplicate, share, delete, schedule."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components import forms
from aurora.components.chrome import page_frame
from aurora.components.modal import modal
from aurora.state.reports import ReportItem, ReportListState


def _actions(r: rx.Var[ReportItem]) -> rx.Component:
    return rx.el.div(
        theme.button(
            "Open",
            icon_name="folder-open",
            kind="primary",
            class_name="report-open",
            on_click=ReportListState.open_report(r.id),
        ),
        rx.link(
            theme.icon("calendar-plus"),
            rx.el.span("Schedule"),
            href="/schedules?report=" + r.id,
            class_name="report-schedule",
            style=theme.LINK_BUTTON_SECONDARY,
        ),
        rx.cond(
            r.has_measure,
            rx.link(
                theme.icon("bell-plus"),
                rx.el.span("Create alert"),
                href="/alerts?report=" + r.id,
                class_name="report-alert",
                style=theme.LINK_BUTTON_SECONDARY,
            ),
        ),
        theme.icon_button(
            "copy",
            "Duplicate",
            class_name="report-duplicate",
            on_click=ReportListState.duplicate(r.id),
        ),
        rx.cond(
            r.can_edit,
            rx.fragment(
                theme.icon_button(
                    "pencil",
                    "Rename",
                    class_name="report-rename",
                    on_click=ReportListState.start_rename(r.id),
                ),
                theme.icon_button(
                    "users",
                    "Share with everyone, or stop sharing",
                    class_name="report-share",
                    on_click=ReportListState.toggle_shared(r.id),
                ),
                theme.icon_button(
                    "trash-2",
                    "Delete",
                    class_name="report-delete",
                    on_click=ReportListState.delete(r.id),
                    style=theme.BUTTON_DANGER,
                ),
            ),
        ),
        style=theme.ROW_ACTIONS,
    )


def _row(r: rx.Var[ReportItem]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.el.div(
                rx.cond(
                    r.kind != "table",
                    rx.el.span(
                        rx.cond(r.kind == "pivot", "Pivot", "Chart"),
                        class_name="report-kind",
                        style=theme.BADGE_SPACED,
                    ),
                ),
                rx.el.span(r.name, class_name="report-name"),
                style=theme.CLAMP_2_BOLD,
            ),
            rx.cond(
                r.description != "",
                rx.el.div(r.description, title=r.description, style=theme.MUTED_CLAMP_2),
            ),
            style=theme.TD,
        ),
        rx.el.td(r.dataset, class_name="report-dataset", style=theme.TD),
        rx.el.td(r.owner, style=theme.TD),
        rx.el.td(
            rx.cond(
                r.shared,
                rx.el.span("Shared", class_name="report-shared-badge", style=theme.BADGE_BLUE),
                rx.el.span("Private", style=theme.BADGE),
            ),
            style=theme.TD,
        ),
        rx.el.td(r.updated, style=theme.TD_NOWRAP),
        rx.el.td(_actions(r), style=theme.TD),
        class_name="report-row",
        data_report_id=r.id,
    )


def _rename_modal() -> rx.Component:
    return modal(
        modal_id="report-rename-modal",
        title="Rename report",
        open_=ReportListState.rename_open,
        on_open_change=ReportListState.set_rename_open,
        width="min(520px, 94vw)",
        body=[
            forms.field(
                "Name",
                forms.text_input(
                    "report-rename-name",
                    ReportListState.rename_name,
                    ReportListState.set_rename_name,
                    width="100%",
                ),
                html_for="report-rename-name",
            ),
            rx.el.div(style=theme.SPACER_10),
            forms.field(
                "Description",
                rx.el.textarea(
                    id="report-rename-description",
                    value=ReportListState.rename_description,
                    on_change=ReportListState.set_rename_description,
                    rows=3,
                    style=theme.TEXTAREA_PROSE,
                ),
            ),
        ],
        footer=[
            rx.dialog.close(theme.button("Cancel")),
            theme.button(
                "Rename",
                icon_name="check",
                kind="primary",
                id="report-rename-submit",
                on_click=ReportListState.rename,
            ),
        ],
    )


def reports_page() -> rx.Component:
    return page_frame(
        "reports",
        rx.el.div(
            rx.el.h1("Saved reports", style=theme.H1),
            rx.spacer(),
            rx.el.input(
                id="report-search",
                type="search",
                placeholder="Search reports",
                aria_label="Search reports",
                value=ReportListState.search,
                on_change=ReportListState.set_search,
                style=theme.NAME_INPUT,
            ),
            style=theme.row("10px", wrap=True),
        ),
        forms.alert(ReportListState.error, "report-error"),
        rx.cond(
            ReportListState.notice != "",
            rx.el.div(
                ReportListState.notice, id="report-notice", role="status", style=theme.SUCCESS
            ),
        ),
        rx.el.div(
            rx.el.table(
                rx.el.thead(
                    rx.el.tr(
                        forms.th("Report"),
                        forms.th("Dataset"),
                        forms.th("Owner"),
                        forms.th("Sharing"),
                        forms.th("Updated"),
                        forms.th(""),
                    )
                ),
                rx.el.tbody(
                    rx.foreach(ReportListState.visible_reports, _row),
                    rx.cond(
                        ReportListState.visible_reports.length() == 0,
                        forms.empty_row(
                            "No saved reports yet. Build a grid in Explore and press Save.", 6
                        ),
                    ),
                ),
                style=theme.TABLE,
            ),
            id="report-list",
            role="region",
            aria_label="Saved reports",
            style=theme.TABLE_WRAP,
        ),
        _rename_modal(),
        page_id="reports-page",
    )
