"""The sign-in page."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.state.auth import AuthState


def _field(label: str, field_id: str, name: str, kind: str, autocomplete: str) -> rx.Component:
    return rx.el.div(
        rx.el.label(label, html_for=field_id, style=theme.LABEL),
        rx.el.input(
            id=field_id,
            name=name,
            type=kind,
            auto_complete=autocomplete,
            required=True,
            style=theme.LOGIN_INPUT,
        ),
        style=theme.column("4px"),
    )


def login_page() -> rx.Component:
    return rx.el.main(
        rx.el.form(
            rx.hstack(
                theme.icon("sparkles", 22),
                rx.heading("Aurora", size="6"),
                align="center",
                spacing="2",
                style=theme.TEXT_NAVY,
            ),
            rx.text("Sign in to explore your data", style=theme.MUTED),
            _field("User name", "login-username", "username", "text", "username"),
            _field("Password", "login-password", "password", "password", "current-password"),
            rx.cond(
                AuthState.login_error != "",
                rx.el.div(
                    AuthState.login_error, id="login-error", role="alert", style=theme.FIELD_ERROR
                ),
            ),
            rx.el.button(
                rx.cond(AuthState.login_busy, rx.spinner(size="1"), theme.icon("log-in")),
                "Sign in",
                id="login-submit",
                type="submit",
                disabled=AuthState.login_busy,
                style=theme.LOGIN_BUTTON,
            ),
            on_submit=AuthState.login,
            # A click before the page's script runs submits the form the browser's own way:
            # as a GET it would put the password in the address (history, access logs).
            method="post",
            style=theme.LOGIN_CARD,
        ),
        style=theme.LOGIN_PAGE,
    )
