"""The aggregation builder: group-by columns as pills, measures as rows."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components.modal import modal
from aurora.state.aggregate import AGGS, AggregateState
from aurora.state.explorer import ExplorerState
from aurora.state.models import ColumnMeta, GroupPill, Measure

AGG_LABELS = {
    "sum": "Sum",
    "avg": "Average",
    "min": "Minimum",
    "max": "Maximum",
    "count": "Count",
    "count_distinct": "Count distinct",
}


def _column_option(c: rx.Var[ColumnMeta]) -> rx.Component:
    return rx.el.option(c.label, value=c.name)


BUCKET_LABELS = {
    "day": "Day",
    "week": "Week",
    "month": "Month",
    "quarter": "Quarter",
    "year": "Year",
}


def _bucket_select(pill: rx.Var[GroupPill]) -> rx.Component:
    """A date column's period: the exact date, or day, week, month, quarter, year."""
    return rx.el.select(
        rx.el.option("Exact date", value=""),
        *[rx.el.option(text, value=key) for key, text in BUCKET_LABELS.items()],
        value=pill.bucket,
        on_change=lambda v: AggregateState.set_group_bucket(pill.id, v),
        aria_label="Group " + pill.text + " by",
        class_name="group-bucket",
        style=theme.BUCKET_SELECT,
    )


def _group_pill(pill: rx.Var[GroupPill]) -> rx.Component:
    return rx.el.span(
        rx.el.span(pill.text, style=theme.PILL_TEXT, title=pill.id),
        rx.cond(pill.temporal, _bucket_select(pill)),
        rx.el.button(
            theme.icon("x", 12),
            type="button",
            aria_label="Remove " + pill.text,
            on_click=AggregateState.remove_group_by(pill.id),
            style=theme.BUTTON_GHOST_SMALL,
        ),
        class_name="group-pill",
        style=theme.PILL,
    )


def _measure_input(m: rx.Var[Measure]) -> list[rx.Component]:
    """What a measure aggregates: a column, or an expression over columns."""
    return [
        rx.el.select(
            rx.el.option("Column", value="column"),
            rx.el.option("Expression", value="expr"),
            value=m.mode,
            on_change=lambda v: AggregateState.set_measure(m.id, "mode", v),
            aria_label="Measure input",
            style=theme.MEASURE_MODE_SELECT,
        ),
        rx.cond(
            m.mode == "expr",
            rx.debounce_input(
                rx.el.input(
                    value=m.expr,
                    placeholder="amount * (1 - discount)",
                    aria_label="Expression",
                    class_name="measure-expr",
                    on_change=lambda v: AggregateState.set_measure(m.id, "expr", v),
                    style=theme.MEASURE_EXPR_INPUT,
                ),
                debounce_timeout=250,
            ),
            rx.el.select(
                rx.el.option("(rows)", value=""),
                rx.foreach(ExplorerState.columns, _column_option),
                value=m.column,
                on_change=lambda v: AggregateState.set_measure(m.id, "column", v),
                aria_label="Measure column",
                class_name="measure-column",
                style=theme.MEASURE_COLUMN_SELECT,
            ),
        ),
    ]


def _measure_row(m: rx.Var[Measure]) -> rx.Component:
    return rx.el.div(
        *_measure_input(m),
        rx.el.select(
            *[rx.el.option(AGG_LABELS[a], value=a) for a in AGGS],
            value=m.agg,
            on_change=lambda v: AggregateState.set_measure(m.id, "agg", v),
            aria_label="Aggregate",
            class_name="measure-agg",
            style=theme.MEASURE_AGG_SELECT,
        ),
        rx.el.span("as", style=theme.MUTED),
        rx.debounce_input(
            rx.el.input(
                value=m.alias,
                aria_label="Measure name",
                class_name="measure-alias",
                on_change=lambda v: AggregateState.set_measure(m.id, "alias", v),
                style=theme.MEASURE_ALIAS_INPUT,
            ),
            debounce_timeout=250,
        ),
        theme.icon_button(
            "trash-2", "Remove measure", on_click=AggregateState.remove_measure(m.id)
        ),
        rx.cond(
            m.error != "",
            rx.el.div(
                m.error,
                role="alert",
                class_name="measure-error",
                style=theme.FIELD_ERROR_LINE,
            ),
        ),
        class_name="measure-row",
        style=theme.MEASURE_ROW,
    )


def _group_by() -> list[rx.Component]:
    return [
        rx.el.div("Group by", style=theme.LABEL),
        rx.el.div(
            rx.foreach(AggregateState.group_pills, _group_pill),
            rx.el.select(
                rx.el.option("+ Add group column", value=""),
                rx.foreach(ExplorerState.columns, _column_option),
                value="",
                on_change=AggregateState.add_group_by,
                id="aggregate-group-add",
                aria_label="Add group column",
                style=theme.AGG_GROUP_SELECT,
            ),
            id="aggregate-group-by",
            style=theme.GROUP_ROW,
        ),
    ]


def _measures() -> list[rx.Component]:
    return [
        rx.el.div("Measures", style=theme.LABEL),
        rx.el.div(
            rx.foreach(AggregateState.measures, _measure_row),
            id="aggregate-measures",
            style=theme.MIN_WIDTH_0,
        ),
        theme.button(
            "Measure",
            icon_name="plus",
            kind="ghost",
            id="aggregate-add-measure",
            on_click=AggregateState.add_measure,
        ),
        rx.cond(
            AggregateState.error != "",
            rx.el.div(
                AggregateState.error,
                role="alert",
                id="aggregate-error",
                style=theme.FIELD_ERROR,
            ),
        ),
    ]


def _footer() -> list[rx.Component]:
    return [
        theme.button(
            "Remove aggregation",
            icon_name="x",
            kind="ghost",
            id="aggregate-clear",
            on_click=AggregateState.clear,
        ),
        rx.spacer(),
        rx.dialog.close(theme.button("Cancel")),
        theme.button(
            "Apply",
            icon_name="check",
            kind="primary",
            id="aggregate-apply",
            disabled=ExplorerState.applying != "",
            on_click=AggregateState.apply,
        ),
    ]


def aggregate_modal() -> rx.Component:
    return modal(
        modal_id="aggregate-modal",
        apply_id="aggregate-apply",
        title="Aggregate",
        open_=AggregateState.open,
        on_open_change=AggregateState.set_open,
        width="min(820px, 94vw)",
        body=[*_group_by(), *_measures()],
        footer=_footer(),
    )
