"""One modal frame for every builder: bounded to 90% of the window, scrolling inside."""

from __future__ import annotations

from typing import Any

import reflex as rx

from aurora import theme


def modal(
    *,
    modal_id: str,
    title: str,
    open_: rx.Var[bool],
    on_open_change: Any,
    body: list[rx.Component],
    footer: list[rx.Component],
    subtitle: Any = "",
    width: str = "min(960px, 94vw)",
) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title(title, size="3", style={"margin": "0"}),
                rx.text(subtitle, style=theme.MUTED),
                rx.spacer(),
                rx.dialog.close(theme.icon_button("x", "Close")),
                style=theme.MODAL_HEADER,
            ),
            rx.dialog.description(title, style={"display": "none"}),
            rx.el.div(*body, style=theme.MODAL_BODY),
            rx.hstack(*footer, style=theme.MODAL_FOOTER),
            id=modal_id,
            style={**theme.MODAL_CONTENT, "width": width},
        ),
        open=open_,
        on_open_change=on_open_change,
    )
