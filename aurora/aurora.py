"""The Reflex app: two pages, one theme, and the download route for exports."""

from __future__ import annotations

import reflex as rx

from aurora import downloads, theme
from aurora.pages.explore import explore_page
from aurora.pages.login import login_page
from aurora.state.auth import AuthState
from aurora.state.explorer import ExplorerState

app = rx.App(
    style=theme.GLOBAL_STYLE,
    stylesheets=["/aurora.css"],
    api_transformer=downloads.api(),
)
app.add_page(
    login_page, route="/login", title="Sign in · Aurora", on_load=AuthState.leave_login_if_signed_in
)
app.add_page(explore_page, route="/", title="Aurora", on_load=ExplorerState.open_explorer)
