"""Reflex configuration. The UI talks to the API over HTTP only (AURORA_API_URL)."""

import reflex as rx

from aurora.theme import APP_THEME
from aurora.ui_state import state_manager

config = rx.Config(
    app_name="aurora",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=APP_THEME)],
    disable_plugins=[rx.plugins.SitemapPlugin],
    **state_manager(),
)
