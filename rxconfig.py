"""Reflex configuration. The UI talks to the API over HTTP only (AURORA_API_URL)."""

import reflex as rx

config = rx.Config(
    app_name="aurora",
    telemetry_enabled=False,
)
