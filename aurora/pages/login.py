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
            style={**theme.PILL_INPUT, "width": "100%", "height": "34px"},
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
                style={"color": theme.NAVY},
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
                style={**theme.BUTTON_PRIMARY, "justify_content": "center", "height": "34px"},
            ),
            on_submit=AuthState.login,
            style={
                "display": "flex",
                "flex_direction": "column",
                "gap": "12px",
                "width": "min(360px, 92vw)",
                "padding": "28px",
                "background": "white",
                "border_radius": "14px",
                "border": f"1px solid {theme.SLATE_200}",
                "box_shadow": "0 10px 30px rgba(15, 31, 61, 0.08)",
            },
        ),
        style={
            "min_height": "100vh",
            "display": "flex",
            "align_items": "center",
            "justify_content": "center",
            "background": f"linear-gradient(160deg, {theme.NAVY} 0%, {theme.NAVY_2} 45%, "
            f"{theme.SLATE_100} 45%)",
        },
    )
