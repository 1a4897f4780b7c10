"""Small form pieces the admin, report and schedule screens share (layout only)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from aurora import theme


def field(label: str, control: rx.Component, html_for: str = "", width: str = "") -> rx.Component:
    """A label above its control."""
    style = {**theme.FIELD, **({"width": width} if width else {})}
    return rx.el.div(
        rx.el.label(label, html_for=html_for or None, style=theme.LABEL), control, style=style
    )


def text_input(
    input_id: str,
    value: Any,
    on_change: Any,
    *,
    placeholder: str = "",
    width: str = "200px",
    **props: Any,
) -> rx.Component:
    style = {**theme.PILL_INPUT, "width": width, "max_width": "100%", **props.pop("style", {})}
    return rx.el.input(
        id=input_id,
        value=value,
        on_change=on_change,
        placeholder=placeholder,
        style=style,
        **props,
    )


def select(
    select_id: str,
    options: list[tuple[str, str]],
    value: Any,
    on_change: Any,
    *,
    width: str = "180px",
    **props: Any,
) -> rx.Component:
    """A native select over fixed (value, label) options."""
    return rx.el.select(
        *[rx.el.option(label, value=v) for v, label in options],
        id=select_id,
        value=value,
        on_change=on_change,
        style={**theme.PILL_SELECT, "width": width, "max_width": "100%"},
        **props,
    )


def checkbox(label: Any, checked: Any, on_change: Any, box_id: str = "") -> rx.Component:
    return rx.el.label(
        rx.el.input(
            type="checkbox",
            id=box_id or None,
            checked=checked,
            on_change=on_change,
            style=theme.CHECKBOX,
        ),
        rx.el.span(label),
        style=theme.CHECKBOX_LABEL,
    )


def outside_emails(field_id: str, value: Any, on_change: Any) -> rx.Component:
    """The schedule and alert forms' "Outside email addresses" box (one per line or
    comma-separated; parsed by `aurora.delivery_form.addresses`)."""
    return field(
        "Outside email addresses",
        rx.el.textarea(
            id=field_id,
            value=value,
            on_change=on_change,
            rows=2,
            placeholder="cfo@partner.example, …",
            style=theme.TEXTAREA_PROSE,
        ),
        html_for=field_id,
        width="100%",
    )


def alert(message: Any, alert_id: str = "") -> rx.Component:
    """An inline error beside the control that caused it (role alert, so it is announced)."""
    return rx.cond(
        message != "",
        rx.el.div(message, id=alert_id or None, role="alert", style=theme.BANNER_INLINE),
    )


def row(
    *children: Any, gap: str = "6px", wrap: bool = False, align: str = "center", **props: Any
) -> rx.Component:
    """Children side by side (`props`: the div's id, class_name, role...)."""
    return rx.el.div(*children, style=theme.row(gap, wrap=wrap, align=align), **props)


def column(*children: Any, gap: str = "6px", **props: Any) -> rx.Component:
    """Children one under another."""
    return rx.el.div(*children, style=theme.column(gap), **props)


def data_table(
    headers: list[rx.Component],
    body: rx.Component,
    *,
    max_height: str = "",
    wrap_style: dict[str, Any] | None = None,
    **props: Any,
) -> rx.Component:
    """A scrolling table: `headers` (forms.th), `body` the rows (an rx.foreach); `props` go
    to the scrolling wrapper (id, data_scrolls...), `wrap_style` adds to its style."""
    wrap = {**theme.TABLE_WRAP, **({"max_height": max_height} if max_height else {})}
    wrap.update(wrap_style or {})
    return rx.el.div(
        rx.el.table(rx.el.thead(rx.el.tr(*headers)), rx.el.tbody(body), style=theme.TABLE),
        style=wrap,
        **props,
    )


def th(label: Any, numeric: bool = False) -> rx.Component:
    style = {**theme.TH, "text_align": "right"} if numeric else theme.TH
    return rx.el.th(label, scope="col", style=style)


def empty_row(text: str, cols: int) -> rx.Component:
    return rx.el.tr(rx.el.td(text, col_span=cols, style=theme.TD_EMPTY))
