"""The filter builder: nested AND/OR groups drawn as an indented list of rows."""

from __future__ import annotations

import reflex as rx

from aurora import filters as flt
from aurora import theme
from aurora.components.modal import modal
from aurora.state.explorer import ExplorerState
from aurora.state.filter_editor import FilterState
from aurora.state.models import ColumnMeta, Pill


def _options(ops: rx.Var[list[Pill]]) -> rx.Component:
    """The operators the API offers for a kind of column (FilterState.ops_<kind>)."""
    return rx.foreach(ops, lambda op: rx.el.option(op.text, value=op.id))


def _column_option(c: rx.Var[ColumnMeta]) -> rx.Component:
    return rx.el.option(c.label, value=c.name)


def _input_type(row: rx.Var[flt.FilterRow]) -> rx.Var[str]:
    return rx.match(
        row.col_kind,
        ("date", "timestamp", "date"),
        ("integer", "decimal", "float", "number"),
        "text",
    )


def _single(row: rx.Var[flt.FilterRow], value: rx.Var[str], handler, label: str) -> rx.Component:
    return rx.debounce_input(
        rx.el.input(
            type=_input_type(row),
            value=value,
            on_change=handler,
            aria_label=label,
            list=rx.cond(row.col_kind == "text", "filter-suggestions", ""),
            class_name="filter-value",
            style=theme.FILTER_VALUE_INPUT,
        ),
        debounce_timeout=250,
    )


def _value_editor(row: rx.Var[flt.FilterRow]) -> rx.Component:
    text_single = _single(row, row.value, lambda v: FilterState.set_text_value(row.id, v), "Value")
    plain_single = _single(row, row.value, lambda v: FilterState.set_value(row.id, v), "Value")
    between = rx.el.div(
        _single(row, row.value, lambda v: FilterState.set_value(row.id, v), "From"),
        rx.el.span("and", style=theme.MUTED),
        _single(row, row.value2, lambda v: FilterState.set_value2(row.id, v), "To"),
        style=theme.FILTER_RANGE,
    )
    values_list = rx.el.div(
        rx.debounce_input(
            rx.el.textarea(
                value=row.value,
                on_change=lambda v: FilterState.set_value(row.id, v),
                placeholder="Paste values: comma-separated or one per line",
                aria_label="Values",
                rows=2,
                class_name="filter-values",
                style=theme.TEXTAREA,
            ),
            debounce_timeout=250,
        ),
        style=theme.FILTER_VALUES,
    )
    return rx.cond(
        (row.operator == "is_null") | (row.operator == "is_not_null"),
        rx.fragment(),
        rx.cond(
            (row.operator == "in") | (row.operator == "not_in"),
            values_list,
            rx.cond(
                row.operator == "between",
                between,
                rx.cond(row.col_kind == "text", text_single, plain_single),
            ),
        ),
    )


def _condition_row(row: rx.Var[flt.FilterRow]) -> rx.Component:
    return rx.el.div(
        rx.el.div(
            rx.el.select(
                rx.el.option("Choose a column\u2026", value="", disabled=True),
                rx.foreach(FilterState.columns, _column_option),
                value=row.column,
                on_change=lambda v: FilterState.set_column(row.id, v),
                aria_label="Column",
                class_name="filter-column",
                style=theme.FILTER_COLUMN_SELECT,
            ),
            rx.el.select(
                rx.match(
                    row.col_kind,
                    ("integer", "decimal", "float", _options(FilterState.ops_integer)),
                    ("date", "timestamp", _options(FilterState.ops_date)),
                    ("boolean", _options(FilterState.ops_boolean)),
                    _options(FilterState.ops_text),
                ),
                value=row.operator,
                disabled=row.column == "",
                on_change=lambda v: FilterState.set_operator(row.id, v),
                aria_label="Operator",
                class_name="filter-operator",
                style=theme.FILTER_OP_SELECT,
            ),
            rx.cond(row.column != "", _value_editor(row)),
            theme.icon_button("trash-2", "Remove condition", on_click=FilterState.remove(row.id)),
            style=theme.FILTER_ROW,
        ),
        rx.cond(
            row.error != "",
            rx.el.div(row.error, role="alert", class_name="filter-error", style=theme.FIELD_ERROR),
        ),
        class_name="filter-condition",
        data_row=row.id,
        style=theme.filter_condition(row.depth),
    )


def _group_combiner(row: rx.Var[flt.FilterRow]) -> list[rx.Component]:
    """How the group combines its members: AND or OR, and NOT over the whole."""
    return [
        rx.el.select(
            rx.el.option("ALL of (AND)", value="and"),
            rx.el.option("ANY of (OR)", value="or"),
            value=row.op,
            on_change=lambda v: FilterState.set_group_op(row.id, v),
            aria_label="Combine with",
            class_name="filter-group-op",
            style=theme.FILTER_GROUP_OP_SELECT,
        ),
        rx.el.label(
            rx.el.input(
                type="checkbox",
                checked=row.negate,
                on_change=lambda _v: FilterState.toggle_negate(row.id),
            ),
            "NOT",
            style=theme.FILTER_NOT,
        ),
    ]


def _group_actions(row: rx.Var[flt.FilterRow]) -> list[rx.Component]:
    """Add a condition or a group inside; remove the group (never the root)."""
    is_root = row.id == flt.ROOT
    return [
        theme.button(
            "Condition",
            icon_name="plus",
            kind="ghost",
            id=rx.cond(is_root, "filter-add-condition", "filter-add-condition-" + row.id),
            on_click=FilterState.add_condition(row.id),
        ),
        theme.button(
            "Group",
            icon_name="brackets",
            kind="ghost",
            id=rx.cond(is_root, "filter-add-group", "filter-add-group-" + row.id),
            on_click=FilterState.add_group(row.id),
        ),
        rx.cond(
            ~is_root,
            theme.icon_button("trash-2", "Remove group", on_click=FilterState.remove(row.id)),
        ),
    ]


def _group_row(row: rx.Var[flt.FilterRow]) -> rx.Component:
    return rx.el.div(
        *_group_combiner(row),
        rx.spacer(),
        *_group_actions(row),
        class_name="filter-group",
        data_row=row.id,
        style=theme.filter_group(row.depth),
    )


def _row(row: rx.Var[flt.FilterRow]) -> rx.Component:
    return rx.cond(row.kind == "group", _group_row(row), _condition_row(row))


def filter_modal() -> rx.Component:
    return modal(
        modal_id="filter-modal",
        apply_id="filter-apply",
        title="Filters",
        subtitle=FilterState.condition_text,
        open_=FilterState.open,
        on_open_change=FilterState.set_open,
        body=[
            rx.el.div(rx.foreach(FilterState.rows, _row), style=theme.MIN_WIDTH_0),
            rx.el.datalist(
                rx.foreach(FilterState.suggestions, lambda v: rx.el.option(value=v)),
                id="filter-suggestions",
            ),
            rx.cond(
                FilterState.error != "",
                rx.el.div(
                    FilterState.error, id="filter-error", role="alert", style=theme.FIELD_ERROR
                ),
            ),
        ],
        footer=[
            theme.button(
                "Clear all",
                icon_name="eraser",
                kind="ghost",
                id="filter-clear",
                on_click=FilterState.clear,
            ),
            rx.spacer(),
            rx.dialog.close(theme.button("Cancel", id="filter-cancel")),
            theme.button(
                "Apply",
                icon_name="check",
                kind="primary",
                id="filter-apply",
                disabled=ExplorerState.applying != "",
                on_click=FilterState.apply,
            ),
        ],
    )
