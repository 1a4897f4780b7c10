"""Scheduled exports: the list, the editor (presets, next run times) and the run history."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from aurora import delivery_form as df
from aurora import schedule_times as st
from aurora import theme
from aurora.components import forms
from aurora.components.chrome import page_frame
from aurora.components.modal import modal
from aurora.state.models import Pill
from aurora.state.schedules import (
    FORMATS,
    DeliveryItem,
    RunItem,
    ScheduleItem,
    ScheduleState,
)

FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel (.xlsx)", "parquet": "Parquet", "pdf": "PDF"}


def _status_badge(status: rx.Var[str]) -> rx.Component:
    style = rx.match(
        status,
        ("done", theme.BADGE_GREEN),
        ("failed", theme.BADGE_RED),
        ("cancelled", theme.BADGE_RED),
        theme.BADGE_BLUE,
    )
    return rx.el.span(status, class_name="run-status", style=style)


def _schedule_row(s: rx.Var[ScheduleItem]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.el.strong(s.report_name),
            rx.cond(
                s.recipients != "",
                rx.el.div(
                    "To ", s.recipients, class_name="schedule-recipients", style=theme.MUTED_SMALL
                ),
            ),
            style=theme.TD,
        ),
        rx.el.td(
            rx.el.div(s.cron_text),
            rx.el.code(s.cron, style=theme.MUTED_SMALL),
            style=theme.TD,
        ),
        rx.el.td(
            rx.foreach(s.next_runs, lambda t: rx.el.div(t, class_name="schedule-next")),
            style=theme.TD_NOWRAP_SMALL,
        ),
        rx.el.td(s.format.upper(), style=theme.TD),
        rx.el.td(
            forms.checkbox(
                rx.cond(s.enabled, "Enabled", "Paused"),
                s.enabled,
                lambda _v: ScheduleState.toggle_enabled(s.id),
            ),
            class_name="schedule-enabled",
            style=theme.TD,
        ),
        rx.el.td(
            rx.el.div(
                theme.button(
                    "Runs",
                    icon_name="history",
                    kind="primary",
                    class_name="schedule-runs",
                    on_click=ScheduleState.show_runs(s.id),
                ),
                theme.button(
                    "Edit", icon_name="pencil", kind="ghost", on_click=ScheduleState.edit(s.id)
                ),
                theme.button(
                    "Delete",
                    icon_name="trash-2",
                    kind="danger",
                    class_name="schedule-delete",
                    on_click=ScheduleState.delete(s.id),
                ),
                style=theme.ROW_ACTIONS_WRAP,
            ),
            style=theme.TD,
        ),
        class_name="schedule-row",
    )


def _run_row(r: rx.Var[RunItem]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(r.scheduled_for, style=theme.TD_NOWRAP),
        rx.el.td(_status_badge(r.status), style=theme.TD),
        rx.el.td(r.rows, style=theme.TD_NUM),
        rx.el.td(r.error, style=theme.TD_ERROR),
        rx.el.td(
            rx.cond(
                r.href != "",
                ReactRouterLink.create(
                    theme.icon("download"),
                    "Download",
                    href=r.href,
                    reload_document=True,
                    download="",
                    class_name="run-download",
                    style=theme.LINK_BUTTON_SECONDARY,
                ),
            ),
            style=theme.TD,
        ),
        class_name="run-row",
    )


def _runs_panel() -> rx.Component:
    return rx.cond(
        ScheduleState.runs_for != "",
        rx.el.section(
            rx.el.div(
                rx.el.h2("Run history", style=theme.H2),
                rx.el.span(ScheduleState.runs_title, style=theme.MUTED),
                rx.spacer(),
                theme.icon_button("x", "Close run history", on_click=ScheduleState.hide_runs),
                style=theme.row("8px"),
            ),
            rx.el.div(
                rx.el.table(
                    rx.el.thead(
                        rx.el.tr(
                            forms.th("Scheduled for"),
                            forms.th("Status"),
                            forms.th("Rows", numeric=True),
                            forms.th("Error"),
                            forms.th("File"),
                        )
                    ),
                    rx.el.tbody(
                        rx.foreach(ScheduleState.runs, _run_row),
                        rx.cond(
                            ScheduleState.runs.length() == 0,
                            forms.empty_row(
                                "No runs yet. The scheduler starts due runs each minute; "
                                "this list refreshes by itself.",
                                5,
                            ),
                        ),
                    ),
                    style=theme.TABLE,
                ),
                style=theme.TABLE_WRAP,
            ),
            _deliveries_table(),
            id="schedule-run-history",
            aria_live="polite",
            style=theme.CARD_STACK,
        ),
    )


def _delivery_row(d: rx.Var[DeliveryItem]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(d.channel, style=theme.TD),
        rx.el.td(d.recipient, style=theme.TD),
        rx.el.td(_status_badge(d.status), style=theme.TD),
        rx.el.td(d.error, style=theme.TD_ERROR),
        class_name="delivery-row",
    )


def _deliveries_table() -> rx.Component:
    """Each send of the recent runs: a failed one shows its reason (after its retries)."""
    return rx.cond(
        ScheduleState.deliveries.length() > 0,
        rx.el.div(
            rx.el.h3("Deliveries", style=theme.LABEL),
            rx.el.table(
                rx.el.thead(
                    rx.el.tr(
                        forms.th("Channel"),
                        forms.th("Recipient"),
                        forms.th("Status"),
                        forms.th("Error"),
                    )
                ),
                rx.el.tbody(rx.foreach(ScheduleState.deliveries, _delivery_row)),
                style=theme.TABLE,
            ),
            id="schedule-deliveries",
            style=theme.TABLE_WRAP,
        ),
    )


def _user_choice(name: rx.Var[str]) -> rx.Component:
    return rx.el.div(
        forms.checkbox(
            name,
            ScheduleState.delivery_users.contains(name),
            lambda _v: ScheduleState.toggle_delivery_user(name),
        ),
        class_name="schedule-delivery-user",
        custom_attrs={"data-username": name},
    )


def _webhook_choice(hook: rx.Var[Pill]) -> rx.Component:
    return rx.el.div(
        forms.checkbox(
            hook.text,
            ScheduleState.delivery_webhooks.contains(hook.id),
            lambda _v: ScheduleState.toggle_delivery_webhook(hook.id),
        ),
        class_name="schedule-delivery-webhook",
        custom_attrs={"data-webhook-id": hook.id},
    )


def _webhook_fields() -> rx.Component:
    """The admin's webhooks (shown when there are any); they get the owner's view."""
    return rx.cond(
        ScheduleState.known_webhooks.length() > 0,
        rx.el.div(
            rx.el.span("Webhooks (your view):", style=theme.MUTED_SMALL),
            rx.foreach(ScheduleState.known_webhooks, _webhook_choice),
            id="schedule-delivery-webhooks",
            role="group",
            aria_label="Webhooks that receive each run, as you see the data",
            style=theme.row("12px"),
        ),
    )


def _delivery_fields() -> rx.Component:
    """Recipients: Aurora users (each sees their own rows), the channels, the admin's
    webhooks, and outside addresses when an admin allows them (they get the owner's view,
    and are told so)."""
    return rx.el.fieldset(
        rx.el.legend("Deliver each run to", style=theme.LABEL),
        rx.el.div(
            rx.foreach(ScheduleState.known_users, _user_choice),
            id="schedule-delivery-users",
            role="group",
            aria_label="Aurora users who receive each run",
            style=theme.CHOICE_LIST,
        ),
        rx.el.div(
            rx.cond(
                ScheduleState.email_offered,
                forms.checkbox(
                    "Email",
                    ScheduleState.by_email,
                    ScheduleState.set_by_email,
                    "schedule-delivery-email",
                ),
            ),
            forms.checkbox(
                "In-app notification",
                ScheduleState.by_in_app,
                ScheduleState.set_by_in_app,
                "schedule-delivery-in-app",
            ),
            style=theme.FORM_ROW,
        ),
        _webhook_fields(),
        rx.cond(
            ScheduleState.outside_allowed & ScheduleState.email_offered,
            forms.outside_emails(
                "schedule-delivery-emails",
                ScheduleState.outside_emails,
                ScheduleState.set_outside_emails,
            ),
        ),
        rx.cond(
            ScheduleState.outside_allowed & ScheduleState.email_offered,
            rx.el.div(df.OWNER_VIEW, id="schedule-delivery-owner-view", style=theme.MUTED_SMALL),
        ),
        id="schedule-delivery",
        style=theme.PLAIN_FIELDSET,
    )


def _report_option(p: rx.Var[Pill]) -> rx.Component:
    return rx.el.option(p.text, value=p.id)


def _report_field() -> rx.Component:
    """Reports, then dashboards (values `dashboard:<id>`): what the schedule delivers."""
    return forms.field(
        "Report or dashboard",
        rx.el.select(
            rx.el.option("Choose a report or a dashboard…", value=""),
            rx.el.optgroup(rx.foreach(ScheduleState.reports, _report_option), label="Reports"),
            rx.el.optgroup(
                rx.foreach(ScheduleState.dashboards, _report_option), label="Dashboards"
            ),
            id="schedule-report",
            value=ScheduleState.report_id,
            on_change=ScheduleState.set_report,
            style=theme.PILL_SELECT_FULL,
        ),
        html_for="schedule-report",
        width="100%",
    )


def _timetable_fields() -> rx.Component:
    return rx.el.div(
        forms.field(
            "When",
            forms.select(
                "schedule-preset",
                [(k, label) for k, label, _ in st.PRESETS],
                ScheduleState.preset,
                ScheduleState.set_preset,
                width="280px",
            ),
            html_for="schedule-preset",
        ),
        forms.field(
            "Cron (minute hour day month weekday)",
            forms.text_input(
                "schedule-cron",
                ScheduleState.cron,
                ScheduleState.set_cron,
                width="200px",
                style=theme.MONO,
            ),
            html_for="schedule-cron",
        ),
        style=theme.FORM_ROW,
    )


def _output_fields() -> rx.Component:
    return rx.el.div(
        forms.field(
            "Time zone",
            forms.text_input(
                "schedule-timezone",
                ScheduleState.timezone,
                ScheduleState.set_timezone,
                width="180px",
            ),
            html_for="schedule-timezone",
        ),
        forms.field(
            "Format",
            forms.select(
                "schedule-format",
                [(f, FORMAT_LABELS[f]) for f in FORMATS],
                ScheduleState.format,
                ScheduleState.set_format,
            ),
            html_for="schedule-format",
        ),
        forms.checkbox(
            "Enabled", ScheduleState.enabled, ScheduleState.set_enabled, "schedule-enabled"
        ),
        style=theme.FORM_ROW,
    )


def _next_runs() -> rx.Component:
    return rx.el.div(
        rx.el.div("Next runs", style=theme.LABEL),
        rx.cond(
            ScheduleState.preview_times.length() > 0,
            rx.el.ol(
                rx.foreach(ScheduleState.preview_times, lambda t: rx.el.li(t)),
                style=theme.LIST_COMPACT,
            ),
            rx.el.div("Not a valid cron expression or time zone.", style=theme.FIELD_ERROR),
        ),
        id="schedule-next-runs",
    )


def _editor() -> rx.Component:
    return modal(
        modal_id="schedule-modal",
        title="Schedule an export",
        subtitle="A saved report or a dashboard, exported to a file on a timetable",
        open_=ScheduleState.open,
        on_open_change=ScheduleState.set_open,
        width="min(620px, 94vw)",
        body=[
            forms.column(
                _report_field(),
                _timetable_fields(),
                _output_fields(),
                _next_runs(),
                _delivery_fields(),
                forms.alert(ScheduleState.form_error, "schedule-error"),
                gap="12px",
            ),
        ],
        footer=[
            rx.dialog.close(theme.button("Cancel")),
            theme.button(
                "Save schedule",
                icon_name="check",
                kind="primary",
                id="schedule-save",
                on_click=ScheduleState.save,
            ),
        ],
    )


def schedules_page() -> rx.Component:
    return page_frame(
        "schedules",
        rx.el.div(
            rx.el.h1("Scheduled exports", style=theme.H1),
            rx.spacer(),
            theme.button(
                "New schedule",
                icon_name="calendar-plus",
                kind="primary",
                id="schedule-new",
                on_click=ScheduleState.new_schedule,
            ),
            style=theme.row("10px"),
        ),
        forms.alert(ScheduleState.error, "schedules-error"),
        rx.cond(
            ScheduleState.notice != "",
            rx.el.div(ScheduleState.notice, role="status", style=theme.SUCCESS),
        ),
        rx.el.div(
            rx.el.table(
                rx.el.thead(
                    rx.el.tr(
                        forms.th("Report"),
                        forms.th("When"),
                        forms.th("Next runs"),
                        forms.th("Format"),
                        forms.th("State"),
                        forms.th(""),
                    )
                ),
                rx.el.tbody(
                    rx.foreach(ScheduleState.schedules, _schedule_row),
                    rx.cond(
                        ScheduleState.schedules.length() == 0,
                        forms.empty_row("No schedules yet. Save a report, then schedule it.", 6),
                    ),
                ),
                style=theme.TABLE,
            ),
            id="schedule-list",
            style=theme.TABLE_WRAP,
        ),
        _runs_panel(),
        _editor(),
        page_id="schedules-page",
    )
