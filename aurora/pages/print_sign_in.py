"""`/print-sign-in`: where the PDF export's headless browser signs in (state:
aurora.state.print_sign_in). A person never lands here; a bad link says so."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.state.print_sign_in import PrintSignInState


def print_sign_in_page() -> rx.Component:
    return rx.el.main(
        rx.el.p(PrintSignInState.print_error, id="print-sign-in-error", style=theme.MUTED),
        id="print-sign-in",
    )
