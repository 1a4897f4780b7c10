"""Alerts: the list, the editor and each alert's history of checks."""

from __future__ import annotations

import reflex as rx

from aurora import delivery_form as df
from aurora import theme
from aurora.alert_rows import KINDS, AlertItem, CheckItem
from aurora.components import forms
from aurora.components.chrome import page_frame
from aurora.components.modal import modal
from aurora.state.alerts import AlertState
from aurora.state.models import Pill


def _alert_row(a: rx.Var[AlertItem]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.el.strong(a.name, class_name="alert-name"), style=theme.TD),
        rx.el.td(a.report_name, style=theme.TD),
        rx.el.td(a.condition, class_name="alert-condition-text", style=theme.TD),
        rx.el.td(a.trigger, style=theme.TD),
        rx.el.td(
            rx.cond(
                a.enabled,
                rx.el.span("Active", style=theme.BADGE_GREEN),
                rx.el.span("Stopped", title=a.stopped, style=theme.BADGE_RED),
            ),
            style=theme.TD,
        ),
        rx.el.td(
            rx.el.div(
                theme.button(
                    "History",
                    icon_name="history",
                    kind="primary",
                    class_name="alert-history",
                    on_click=AlertState.show_history(a.id),
                ),
                theme.button(
                    "Edit",
                    icon_name="pencil",
                    kind="ghost",
                    class_name="alert-edit",
                    title="Change it; saving starts a stopped alert again",
                    on_click=AlertState.edit(a.id),
                ),
                theme.button(
                    "Delete",
                    icon_name="trash-2",
                    kind="danger",
                    class_name="alert-delete",
                    on_click=AlertState.delete(a.id),
                ),
                style=theme.ROW_ACTIONS_WRAP,
            ),
            style=theme.TD,
        ),
        class_name="alert-row",
        data_alert_id=a.id,
    )


def _check_row(c: rx.Var[CheckItem]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(c.at, style=theme.TD_NOWRAP),
        rx.el.td(c.value, style=theme.TD_NUM),
        rx.el.td(c.met, style=theme.TD),
        rx.el.td(rx.cond(c.fired, rx.el.span("Fired", style=theme.BADGE_RED), ""), style=theme.TD),
        rx.el.td(c.error, style=theme.TD_ERROR),
        class_name="alert-check-row",
    )


def _history_panel() -> rx.Component:
    return rx.cond(
        AlertState.history_for != "",
        rx.el.section(
            rx.el.div(
                rx.el.h2("Checks", style=theme.H2),
                rx.el.span(AlertState.history_title, style=theme.MUTED),
                rx.el.span(AlertState.firings.to_string() + " firings", style=theme.MUTED),
                rx.spacer(),
                theme.icon_button("x", "Close history", on_click=AlertState.hide_history),
                style=theme.row("8px"),
            ),
            rx.el.div(
                rx.el.table(
                    rx.el.thead(
                        rx.el.tr(
                            forms.th("Checked"),
                            forms.th("Value", numeric=True),
                            forms.th("Condition held"),
                            forms.th("Fired"),
                            forms.th("Error"),
                        )
                    ),
                    rx.el.tbody(
                        rx.foreach(AlertState.checks, _check_row),
                        rx.cond(
                            AlertState.checks.length() == 0,
                            forms.empty_row("No checks yet.", 5),
                        ),
                    ),
                    style=theme.TABLE,
                ),
                style=theme.TABLE_WRAP,
            ),
            id="alert-history-panel",
            aria_live="polite",
            style=theme.CARD_STACK,
        ),
    )


def _report_option(p: rx.Var[Pill]) -> rx.Component:
    return rx.el.option(p.text, value=p.id)


def _what_fields() -> rx.Component:
    return rx.el.div(
        forms.field(
            "Report",
            rx.el.select(
                rx.el.option("Choose a report with a measure…", value=""),
                rx.foreach(AlertState.reports, _report_option),
                id="alert-report",
                value=AlertState.report_id,
                on_change=AlertState.set_report,
                style=theme.PILL_SELECT_FULL,
            ),
            html_for="alert-report",
            width="100%",
        ),
        forms.field(
            "Measure",
            rx.el.select(
                rx.foreach(AlertState.measures, lambda m: rx.el.option(m, value=m)),
                id="alert-measure",
                value=AlertState.measure,
                on_change=AlertState.set_measure,
                style=theme.PILL_SELECT_FULL,
            ),
            html_for="alert-measure",
        ),
        forms.field(
            "Name",
            forms.text_input("alert-name", AlertState.name, AlertState.set_name, width="100%"),
            html_for="alert-name",
            width="100%",
        ),
        style=theme.FORM_ROW,
    )


def _condition_fields() -> rx.Component:
    return rx.el.div(
        forms.field(
            "Notify when the measure",
            forms.select("alert-condition", list(KINDS), AlertState.kind, AlertState.set_kind),
            html_for="alert-condition",
        ),
        forms.field(
            "Threshold",
            forms.text_input(
                "alert-threshold",
                AlertState.threshold,
                AlertState.set_threshold,
                placeholder="100000",
                width="160px",
            ),
            html_for="alert-threshold",
        ),
        style=theme.FORM_ROW,
    )


def _trigger_fields() -> rx.Component:
    trigger = [("new_version", "When the data gets a new version"), ("schedule", "On a schedule")]
    return rx.el.div(
        forms.field(
            "Check",
            forms.select(
                "alert-trigger", trigger, AlertState.trigger, AlertState.set_trigger, width="280px"
            ),
            html_for="alert-trigger",
        ),
        rx.cond(
            AlertState.trigger == "schedule",
            rx.fragment(
                forms.field(
                    "Cron",
                    forms.text_input(
                        "alert-cron", AlertState.cron, AlertState.set_cron, style=theme.MONO
                    ),
                    html_for="alert-cron",
                ),
                forms.field(
                    "Time zone",
                    forms.text_input(
                        "alert-timezone", AlertState.timezone, AlertState.set_timezone
                    ),
                    html_for="alert-timezone",
                ),
            ),
        ),
        style=theme.FORM_ROW,
    )


def _user_choice(name: rx.Var[str]) -> rx.Component:
    return rx.el.div(
        forms.checkbox(
            name,
            AlertState.delivery_users.contains(name),
            lambda _v: AlertState.toggle_delivery_user(name),
        ),
        class_name="alert-delivery-user",
        custom_attrs={"data-username": name},
    )


def _webhook_choice(hook: rx.Var[Pill]) -> rx.Component:
    return rx.el.div(
        forms.checkbox(
            hook.text,
            AlertState.delivery_webhooks.contains(hook.id),
            lambda _v: AlertState.toggle_delivery_webhook(hook.id),
        ),
        class_name="alert-delivery-webhook",
        custom_attrs={"data-webhook-id": hook.id},
    )


def _outside_fields() -> rx.Component:
    """The admin's webhooks (when there are any) and outside addresses (when an admin allows
    them and email is configured): both told as the owner sees the data, which is said."""
    outside = AlertState.outside_allowed & AlertState.email_offered
    return rx.fragment(
        rx.cond(
            AlertState.known_webhooks.length() > 0,
            rx.el.div(
                rx.el.span("Webhooks (your view):", style=theme.MUTED_SMALL),
                rx.foreach(AlertState.known_webhooks, _webhook_choice),
                id="alert-delivery-webhooks",
                role="group",
                aria_label="Webhooks the alert notifies, as you see the data",
                style=theme.CHOICE_LIST,
            ),
        ),
        rx.cond(
            outside,
            forms.outside_emails(
                "alert-delivery-emails", AlertState.outside_emails, AlertState.set_outside_emails
            ),
        ),
        rx.cond(
            outside | (AlertState.known_webhooks.length() > 0),
            rx.el.div(df.ALERT_OWNER_VIEW, id="alert-delivery-owner-view", style=theme.MUTED_SMALL),
        ),
    )


def _delivery_fields() -> rx.Component:
    """Who is told: Aurora users, each judged on the data they may see, and the owner's
    view to webhooks and outside addresses; nobody at all is the owner alone, in-app."""
    return rx.el.fieldset(
        rx.el.legend("Notify (nobody ticked: you, in-app)", style=theme.LABEL),
        rx.el.div(
            rx.foreach(AlertState.known_users, _user_choice),
            id="alert-delivery-users",
            role="group",
            aria_label="Aurora users the alert notifies",
            style=theme.CHOICE_LIST,
        ),
        rx.el.div(
            rx.cond(
                AlertState.email_offered,
                forms.checkbox(
                    "Email", AlertState.by_email, AlertState.set_by_email, "alert-delivery-email"
                ),
            ),
            forms.checkbox(
                "In-app notification",
                AlertState.by_in_app,
                AlertState.set_by_in_app,
                "alert-delivery-in-app",
            ),
            style=theme.FORM_ROW,
        ),
        _outside_fields(),
        rx.el.div(
            "Each person is told when the condition becomes true on the data they may see.",
            style=theme.MUTED_SMALL,
        ),
        id="alert-delivery",
    )


def _editor() -> rx.Component:
    return modal(
        modal_id="alert-modal",
        title=rx.cond(AlertState.editing != "", "Edit alert", "Create alert"),
        subtitle="Each person it goes to is told when the condition becomes true on the data "
        "they may see, and again only after it has been false",
        open_=AlertState.open,
        on_open_change=AlertState.set_open,
        width="min(620px, 94vw)",
        body=[
            forms.column(
                _what_fields(),
                _condition_fields(),
                _trigger_fields(),
                _delivery_fields(),
                forms.alert(AlertState.form_error, "alert-form-error"),
                gap="12px",
            )
        ],
        footer=[
            rx.dialog.close(theme.button("Cancel")),
            theme.button(
                "Save alert",
                icon_name="check",
                kind="primary",
                id="alert-save",
                on_click=AlertState.save,
            ),
        ],
    )


def alerts_page() -> rx.Component:
    return page_frame(
        "alerts",
        rx.el.div(
            rx.el.h1("Alerts", style=theme.H1),
            rx.spacer(),
            theme.button(
                "New alert",
                icon_name="bell-plus",
                kind="primary",
                id="alert-new",
                on_click=AlertState.new_alert,
            ),
            style=theme.row("10px"),
        ),
        forms.alert(AlertState.error, "alerts-error"),
        rx.cond(
            AlertState.notice != "",
            rx.el.div(AlertState.notice, role="status", style=theme.SUCCESS),
        ),
        rx.el.div(
            rx.el.table(
                rx.el.thead(
                    rx.el.tr(
                        forms.th("Alert"),
                        forms.th("Report"),
                        forms.th("Condition"),
                        forms.th("Checked"),
                        forms.th("State"),
                        forms.th(""),
                    )
                ),
                rx.el.tbody(
                    rx.foreach(AlertState.alerts, _alert_row),
                    rx.cond(
                        AlertState.alerts.length() == 0,
                        forms.empty_row(
                            "No alerts yet. Open a saved report with a measure and press "
                            "Create alert.",
                            6,
                        ),
                    ),
                ),
                style=theme.TABLE,
            ),
            id="alert-list",
            style=theme.TABLE_WRAP,
        ),
        _history_panel(),
        _editor(),
        page_id="alerts-page",
    )
