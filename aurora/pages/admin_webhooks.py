"""Admin: webhook targets. Create one (the signing secret shown once), send a test message
and read its outcome, delete. Only hosts in the API's WEBHOOK_ALLOWED_HOSTS are accepted."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components import forms
from aurora.components.admin_nav import admin_header
from aurora.components.chrome import page_frame
from aurora.state.admin_webhooks import AdminWebhooksState, HookItem

W = AdminWebhooksState
FORMAT_OPTIONS = [("slack", "Slack"), ("teams", "Microsoft Teams"), ("generic", "Generic JSON")]


def _notices() -> list[rx.Component]:
    return [
        forms.alert(W.error, "admin-error"),
        rx.cond(
            W.notice != "",
            rx.el.div(W.notice, id="admin-notice", role="status", style=theme.SUCCESS),
        ),
    ]


def _new_form() -> rx.Component:
    return rx.el.div(
        forms.field(
            "Name",
            forms.text_input(
                "webhook-name", W.new_name, W.set_new_name, placeholder="#ops channel"
            ),
        ),
        forms.field(
            "URL",
            forms.text_input(
                "webhook-url",
                W.new_url,
                W.set_new_url,
                placeholder="https://hooks.slack.com/services/…",
                width="360px",
            ),
        ),
        forms.field(
            "Format", forms.select("webhook-format", FORMAT_OPTIONS, W.new_format, W.set_new_format)
        ),
        theme.button(
            "Create webhook",
            icon_name="webhook",
            kind="primary",
            id="webhook-create",
            on_click=W.create,
        ),
        style=theme.FORM_ROW,
    )


def _created() -> rx.Component:
    """The new secret, shown once: the browser fills it in from a one-time read."""
    return rx.cond(
        W.created_ref != "",
        rx.el.div(
            rx.el.div(
                rx.el.strong("Copy this signing secret now: it is shown only once. "),
                "The receiver checks X-Aurora-Signature with it (docs/delivery.md). For "
                + W.created_name
                + ".",
            ),
            rx.el.code("", id="webhook-secret", style=theme.SECRET),
            theme.button("Done", kind="ghost", on_click=W.forget_created),
            role="status",
            style=theme.NOTICE_COLUMN,
        ),
    )


def _row(h: rx.Var[HookItem]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.el.strong(h.name), style=theme.TD),
        rx.el.td(rx.el.code(h.url), style=theme.TD),
        rx.el.td(h.format, style=theme.TD),
        rx.el.td(h.created, style=theme.TD_NOWRAP),
        rx.el.td(
            rx.cond(
                h.outcome != "",
                rx.el.span(
                    h.outcome,
                    class_name="webhook-test-outcome",
                    role="status",
                    style=rx.cond(h.sent, theme.BADGE_GREEN, theme.BADGE_RED),
                ),
            ),
            style=theme.TD,
        ),
        rx.el.td(
            theme.button(
                "Send test", icon_name="send", class_name="webhook-test", on_click=W.test(h.id)
            ),
            theme.button(
                "Delete",
                icon_name="trash-2",
                kind="danger",
                class_name="webhook-delete",
                on_click=W.delete(h.id),
            ),
            style=theme.TD_RIGHT,
        ),
        class_name="webhook-row",
        data_webhook_id=h.id,
    )


def admin_webhooks_page() -> rx.Component:
    return page_frame(
        "admin-webhooks",
        admin_header("webhooks", "Webhooks"),
        *_notices(),
        rx.el.section(
            rx.el.h2("New webhook", style=theme.H2),
            _new_form(),
            _created(),
            style=theme.CARD_STACK,
        ),
        forms.data_table(
            [forms.th(h) for h in ("Name", "URL", "Format", "Created", "Last test", "")],
            rx.foreach(W.hooks, _row),
            id="webhook-list",
        ),
        page_id="admin-webhooks-page",
    )
