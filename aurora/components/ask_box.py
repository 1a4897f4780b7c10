"""The Ask box at the top of the explorer: a question, its completions, how it was read (pills
to remove or edit, choices for what was ambiguous) and Run. See aurora/state/ask.py."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.state.ask import AskChoice, AskPill, AskState, AskSuggestion

BAR: dict[str, object] = {
    **theme.column("6px"),
    "padding": "8px 10px",
    "background": "white",
    "border_bottom": f"1px solid {theme.SLATE_200}",
    "position": "relative",
}
LIST: dict[str, object] = {
    "position": "absolute",
    "top": "36px",
    "left": "10px",
    "z_index": "20",
    "min_width": "260px",
    "max_height": "260px",
    "overflow_y": "auto",
    "background": "white",
    "border": f"1px solid {theme.SLATE_200}",
    "border_radius": "8px",
    "box_shadow": "0 6px 18px rgba(15, 31, 61, 0.12)",
    "padding": "4px",
    "margin": "0",
    "list_style": "none",
}


def _suggestion(s: rx.Var[AskSuggestion]) -> rx.Component:
    return rx.el.li(
        rx.el.button(
            rx.el.span(s.label),
            rx.el.span(s.kind, style=theme.MUTED),
            type="button",
            class_name="ask-suggestion",
            on_click=AskState.take_suggestion(s.text),
            style=theme.ASK_TOGGLE,
        )
    )


def _question() -> rx.Component:
    return rx.el.form(
        theme.icon("sparkles", 15),
        rx.debounce_input(
            rx.el.input(
                id="ask-input",
                name="question",
                type="text",
                placeholder="Ask in plain words, e.g. total amount by region in 2024",
                aria_label="Ask a question in plain words",
                auto_complete="off",
                max_length=500,
                value=AskState.question,
                on_change=AskState.set_question,
                style=theme.PILL_INPUT_FILL,
            ),
            debounce_timeout=250,
        ),
        rx.el.button(
            "Ask",
            id="ask-submit",
            type="submit",
            disabled=AskState.asking,
            style=theme.BUTTON_PRIMARY,
        ),
        rx.cond(AskState.asking, rx.spinner(size="1")),
        on_submit=AskState.ask,
        style=theme.ASK_BOX,
    )


def _pill(p: rx.Var[AskPill]) -> rx.Component:
    return rx.el.span(
        rx.cond(
            AskState.editing == p.index,
            _edit_field(),
            rx.el.span(p.label, style=theme.PILL_TEXT, title=p.text, class_name="ask-pill-label"),
        ),
        rx.cond(
            p.editable & (AskState.editing != p.index),
            theme.icon_button(
                "pencil",
                "Edit " + p.label,
                class_name="ask-pill-edit",
                on_click=AskState.start_edit(p.index),
                style=theme.ASK_PILL_BUTTON,
            ),
        ),
        rx.cond(
            p.removable,
            theme.icon_button(
                "x",
                "Remove " + p.label,
                class_name="ask-pill-remove",
                on_click=AskState.remove_pill(p.index),
                style=theme.ASK_PILL_BUTTON,
            ),
        ),
        class_name="ask-pill",
        data_kind=p.kind,
        style=theme.PILL,
    )


def _edit_field() -> rx.Component:
    return rx.el.form(
        rx.el.input(
            name="value",
            class_name="ask-pill-input",
            default_value=AskState.edit_text,
            aria_label="New value",
            auto_focus=True,
            style=theme.ASK_PILL_INPUT,
        ),
        on_submit=AskState.save_edit,
        reset_on_submit=False,
        style=theme.row("4px"),
    )


def _choice(c: rx.Var[AskChoice]) -> rx.Component:
    return rx.fragment(
        rx.cond(c.first, rx.el.span("Did you mean, for “" + c.prompt + "”:", style=theme.MUTED)),
        theme.button(c.label, class_name="ask-choice", on_click=AskState.choose(c.index)),
    )


def _reading() -> rx.Component:
    return rx.cond(
        AskState.status != "",
        rx.el.div(
            rx.el.div(
                rx.foreach(AskState.pills, _pill),
                id="ask-pills",
                aria_label="How the question was read",
                style=theme.row("4px", wrap=True),
            ),
            rx.cond(
                AskState.choices.length() > 0,
                rx.el.div(
                    rx.foreach(AskState.choices, _choice),
                    id="ask-choices",
                    style=theme.row("6px", wrap=True),
                ),
            ),
            rx.cond(
                AskState.message != "",
                rx.el.div(AskState.message, id="ask-message", role="status", style=theme.NOTICE),
            ),
            rx.cond(
                AskState.ignored.length() > 0,
                rx.el.div(
                    "Ignored: " + AskState.ignored.join(", "), id="ask-ignored", style=theme.MUTED
                ),
            ),
            rx.el.div(
                theme.button(
                    "Run",
                    id="ask-run",
                    kind="primary",
                    icon_name="play",
                    on_click=AskState.run,
                    disabled=~AskState.can_run,
                ),
                theme.button("Clear", id="ask-clear", kind="ghost", on_click=AskState.clear),
                rx.el.span("read by the " + AskState.engine, style=theme.MUTED),
                style=theme.row("8px"),
            ),
            id="ask-reading",
            style=theme.column("6px"),
        ),
    )


def ask_box() -> rx.Component:
    return rx.el.section(
        _question(),
        rx.cond(
            AskState.suggestions.length() > 0,
            rx.el.ul(
                rx.foreach(AskState.suggestions, _suggestion),
                id="ask-suggestions",
                role="listbox",
                style=LIST,
            ),
        ),
        _reading(),
        id="ask-box",
        aria_label="Ask",
        style=BAR,
    )
