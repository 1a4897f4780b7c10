"""One modal frame for every builder: bounded to 90% of the window, scrolling inside.

Keys work as people expect: Enter applies (the button `apply_id` names; not from a text
area, where Enter is a new line, nor from a button), and Esc or a click outside asks before
throwing away edits made since the dialog opened. Edits are noticed in the browser (a
change of any field, a click on a button in the body), so asking costs no round trip.
"""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

from aurora import theme

DISCARD_QUESTION = "Discard your changes?"

_ENTER_APPLIES = """(e) => {
  if (e.key !== "Enter" || e.shiftKey || e.ctrlKey || e.altKey || e.metaKey) return;
  if (e.nativeEvent.isComposing || e.target.closest("textarea, button, a")) return;
  const apply = document.getElementById(%(apply)s);
  if (apply && !apply.disabled) { e.preventDefault(); apply.click(); }
}"""
_EDITED = """(e) => { const d = document.getElementById(%(id)s); if (d) d.dataset.edited = "1"; }"""
_CLICK_EDITS = """(e) => { if (e.target.closest("button")) (%(edited)s)(e); }"""
_ASK_FIRST = """(e) => {
  const d = document.getElementById(%(id)s);
  if (d && d.dataset.edited === "1" && !window.confirm(%(question)s)) e.preventDefault();
}"""


def _keys(modal_id: str, apply_id: str) -> dict[str, Any]:
    ids = {"id": json.dumps(modal_id), "apply": json.dumps(apply_id)}
    edited = _EDITED % ids
    attrs = {
        "onEscapeKeyDown": rx.Var(_ASK_FIRST % {**ids, "question": json.dumps(DISCARD_QUESTION)}),
        "onInteractOutside": rx.Var(_ASK_FIRST % {**ids, "question": json.dumps(DISCARD_QUESTION)}),
        "onChange": rx.Var(edited),
    }
    if apply_id:
        attrs["onKeyDown"] = rx.Var(_ENTER_APPLIES % ids)
    return attrs


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
    apply_id: str = "",
) -> rx.Component:
    edited = _EDITED % {"id": json.dumps(modal_id)}
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title(title, size="3", style=theme.NO_MARGIN),
                rx.text(subtitle, style=theme.MUTED),
                rx.spacer(),
                rx.dialog.close(theme.icon_button("x", "Close")),
                style=theme.MODAL_HEADER,
            ),
            rx.dialog.description(title, style=theme.HIDDEN),
            rx.el.div(
                *body,
                style=theme.MODAL_BODY,
                custom_attrs={"onClick": rx.Var(_CLICK_EDITS % {"edited": edited})},
            ),
            rx.hstack(*footer, style=theme.MODAL_FOOTER),
            id=modal_id,
            style={**theme.MODAL_CONTENT, "width": width},
            custom_attrs=_keys(modal_id, apply_id),
        ),
        open=open_,
        on_open_change=on_open_change,
    )
