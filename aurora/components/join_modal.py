"""The join builder: joined datasets with a picture of what each join type keeps, key pairs
of compatible columns, and the live preview (joined schema, up to 50 sample rows)."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components import forms
from aurora.components.modal import modal
from aurora.joins import JOIN_TYPES, JoinEdit, KeyOption, KeyPair
from aurora.state.explorer import ExplorerState
from aurora.state.join import JoinState, SchemaCol
from aurora.state.models import DatasetItem

TYPE_LABELS = {"inner": "Inner", "left": "Left", "right": "Right", "full": "Full outer"}
_FILL = "#93c5fd"
# The lens where two circles (centres 20 and 36, radius 14) overlap.
_LENS = "M28 8.5 A14 14 0 0 1 28 31.5 A14 14 0 0 1 28 8.5 Z"


def venn(join_type: rx.Var[str]) -> rx.Component:
    """Two circles, filled where the join keeps rows (left side, right side, matches)."""
    left = rx.match(join_type, ("left", _FILL), ("full", _FILL), "none")
    right = rx.match(join_type, ("right", _FILL), ("full", _FILL), "none")
    return rx.el.svg(
        rx.el.svg.circle(cx="20", cy="20", r="14", fill=left, stroke=theme.BLUE),
        rx.el.svg.circle(cx="36", cy="20", r="14", fill=right, stroke=theme.BLUE),
        rx.el.svg.path(d=_LENS, fill=_FILL, stroke="none"),
        rx.el.svg.circle(cx="20", cy="20", r="14", fill="none", stroke=theme.BLUE),
        rx.el.svg.circle(cx="36", cy="20", r="14", fill="none", stroke=theme.BLUE),
        view_box="0 0 56 40",
        width="48",
        height="34",
        role="img",
        aria_label="What this join keeps",
        class_name="join-venn",
        style=theme.NO_SHRINK,
    )


def _option(o: rx.Var[KeyOption]) -> rx.Component:
    return rx.el.option(o.label, value=o.name)


def _pair(p: rx.Var[KeyPair]) -> rx.Component:
    return rx.el.div(
        rx.el.div(
            rx.el.select(
                rx.el.option("Left key…", value=""),
                rx.foreach(p.left_options, _option),
                value=p.left,
                on_change=lambda v: JoinState.set_left(p.id, v),
                aria_label="Left key",
                class_name="join-left",
                style=theme.JOIN_KEY_SELECT,
            ),
            rx.el.span("=", style=theme.JOIN_EQUALS),
            rx.el.select(
                rx.el.option("Right key…", value=""),
                rx.foreach(p.right_options, _option),
                value=p.right,
                on_change=lambda v: JoinState.set_right(p.id, v),
                aria_label="Right key",
                class_name="join-right",
                style=theme.JOIN_KEY_SELECT,
            ),
            theme.icon_button("x", "Remove key pair", on_click=JoinState.remove_pair(p.id)),
            style=theme.INLINE_ROW,
        ),
        rx.cond(p.error != "", rx.el.div(p.error, role="alert", style=theme.FIELD_ERROR)),
        class_name="join-pair",
        style=theme.COLUMN_TIGHT,
    )


def _pairs_of(j: rx.Var[JoinEdit]) -> rx.Component:
    return rx.foreach(
        JoinState.pairs,
        lambda p: rx.cond(p.join_id == j.id, _pair(p)),
    )


def _join_card(j: rx.Var[JoinEdit]) -> rx.Component:
    return rx.el.div(
        rx.el.div(
            venn(j.type),
            rx.el.div(
                rx.el.div(
                    rx.el.select(
                        *[rx.el.option(TYPE_LABELS[t], value=t) for t in JOIN_TYPES],
                        value=j.type,
                        on_change=lambda v: JoinState.set_type(j.id, v),
                        aria_label="Join type",
                        class_name="join-type",
                        style=theme.JOIN_TYPE_SELECT,
                    ),
                    rx.el.span("join", style=theme.MUTED),
                    rx.el.strong(j.label, style=theme.PILL_TEXT),
                    style=theme.INLINE_ROW,
                ),
                rx.el.div(j.description, style=theme.MUTED),
                style=theme.FLEX_FILL,
            ),
            theme.icon_button("trash-2", "Remove this join", on_click=JoinState.remove_join(j.id)),
            style=theme.INLINE_ROW_WIDE,
        ),
        rx.el.div(
            _pairs_of(j),
            theme.button(
                "Key pair",
                icon_name="plus",
                kind="ghost",
                class_name="join-add-pair",
                on_click=JoinState.add_pair(j.id),
            ),
            style=theme.JOIN_KEYS,
        ),
        class_name="join-card",
        style=theme.CARD_COMPACT,
    )


def _schema_chip(c: rx.Var[SchemaCol]) -> rx.Component:
    return rx.el.span(
        rx.el.span(c.label, style=theme.BOLD),
        rx.el.span(" · " + c.source, style=theme.TEXT_MUTED),
        title=c.name + " " + c.type,
        class_name="join-schema-col",
        style=theme.BADGE_TRUNCATE,
    )


def _preview_table() -> rx.Component:
    return rx.el.div(
        rx.el.table(
            rx.el.thead(rx.el.tr(rx.foreach(JoinState.preview_headers, lambda h: forms.th(h)))),
            rx.el.tbody(
                rx.foreach(
                    JoinState.preview_rows,
                    lambda row: rx.el.tr(
                        rx.foreach(
                            row,
                            lambda v: rx.el.td(v, role="gridcell", style=theme.TD_NOWRAP),
                        )
                    ),
                )
            ),
            style=theme.TABLE,
        ),
        data_scrolls="both",
        style=theme.TABLE_WRAP_SHORT,
    )


def _preview() -> rx.Component:
    return rx.el.section(
        rx.el.div(
            rx.el.span("Preview", style=theme.LABEL),
            rx.cond(JoinState.busy, rx.spinner(size="1")),
            rx.el.span(JoinState.preview_note, id="join-preview-note", style=theme.MUTED),
            style=theme.row("8px"),
        ),
        rx.cond(
            JoinState.error != "",
            rx.el.div(JoinState.error, id="join-error", role="alert", style=theme.BANNER_INLINE),
        ),
        rx.cond(
            JoinState.schema.length() > 0,
            rx.el.div(
                rx.foreach(JoinState.schema, _schema_chip),
                id="join-schema",
                aria_label="Joined schema",
                style=theme.PILL_WRAP,
            ),
        ),
        rx.cond(JoinState.preview_rows.length() > 0, _preview_table()),
        id="join-preview",
        aria_live="polite",
        style=theme.JOIN_SECTION,
    )


def _add_select() -> rx.Component:
    def option(d: rx.Var[DatasetItem]) -> rx.Component:
        return rx.el.option(d.label, value=d.key)

    return rx.el.select(
        rx.el.option("+ Join a dataset", value=""),
        rx.foreach(JoinState.addable, option),
        value="",
        on_change=JoinState.add_join,
        id="join-add",
        aria_label="Join a dataset",
        style=theme.JOIN_DATASET_SELECT,
    )


def join_modal() -> rx.Component:
    return modal(
        modal_id="join-modal",
        apply_id="join-apply",
        title="Join datasets",
        subtitle="Preview the joined result before it replaces the grid",
        open_=JoinState.open,
        on_open_change=JoinState.set_open,
        body=[
            rx.el.div(
                rx.el.span("Primary dataset", style=theme.LABEL),
                rx.el.strong(JoinState.base_label, id="join-base"),
                style=theme.row("8px", align="baseline"),
            ),
            rx.el.div(
                rx.foreach(JoinState.joins, _join_card),
                _add_select(),
                id="join-list",
                style=theme.JOIN_LIST,
            ),
            _preview(),
        ],
        footer=[
            theme.button(
                "Remove joins",
                icon_name="unlink",
                kind="ghost",
                id="join-clear",
                on_click=JoinState.clear,
            ),
            rx.spacer(),
            rx.dialog.close(theme.button("Cancel")),
            theme.button(
                "Apply",
                icon_name="check",
                kind="primary",
                id="join-apply",
                disabled=~JoinState.can_apply | (ExplorerState.applying != ""),
                on_click=JoinState.apply,
            ),
        ],
    )
