"""The dashboard view's bookmarks bar (the caller's private, named filter states: save,
restore, delete) and a tile's comment thread (a side panel: author, time, text)."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components import forms
from aurora.state.dashboard_view import DashboardState
from aurora.state.dashboards import BookmarkView, CommentView


def _bookmark(b: rx.Var[BookmarkView]) -> rx.Component:
    return rx.el.span(
        rx.el.button(
            b.name,
            type="button",
            class_name="bookmark-restore",
            title="Restore these filters",
            on_click=DashboardState.restore_bookmark(b.id),
            style=theme.BOOKMARK_REMOVE,
        ),
        theme.icon_button(
            "x",
            "Delete this bookmark",
            class_name="bookmark-delete",
            on_click=DashboardState.delete_bookmark(b.id),
        ),
        class_name="dashboard-bookmark",
        data_bookmark_id=b.id,
        style=theme.PILL,
    )


def bookmarks_bar() -> rx.Component:
    return rx.el.div(
        rx.el.span("Bookmarks", style=theme.LABEL),
        rx.foreach(DashboardState.bookmarks, _bookmark),
        forms.text_input(
            "bookmark-name",
            DashboardState.bookmark_name,
            DashboardState.set_bookmark_name,
            placeholder="Name these filters",
            width="160px",
        ),
        theme.button(
            "Bookmark",
            icon_name="bookmark",
            id="bookmark-save",
            on_click=DashboardState.save_bookmark,
        ),
        id="dashboard-bookmarks",
        style=theme.NOTES_ROW,
    )


def _comment(c: rx.Var[CommentView]) -> rx.Component:
    return rx.el.div(
        rx.el.div(
            rx.el.strong(c.author, class_name="comment-author"),
            rx.el.span(" · " + c.at, style=theme.MUTED),
        ),
        rx.el.div(c.text, class_name="comment-text", style=theme.COMMENT_TEXT),
        class_name="tile-comment",
        style=theme.COMMENT,
    )


def comments_panel() -> rx.Component:
    """Shown while a tile's thread is open (`comment_tile`)."""
    return rx.cond(
        DashboardState.comment_tile != "",
        rx.el.aside(
            rx.el.div(
                rx.el.span("Comments: " + DashboardState.comment_title, style=theme.H2),
                rx.spacer(),
                theme.icon_button(
                    "x",
                    "Close comments",
                    id="comments-close",
                    on_click=DashboardState.close_comments,
                ),
                style=theme.NOTES_ROW,
            ),
            rx.cond(
                DashboardState.comments.length() == 0,
                rx.el.div("No comments yet.", style=theme.MUTED),
                rx.foreach(DashboardState.comments, _comment),
            ),
            rx.el.textarea(
                value=DashboardState.new_comment,
                on_change=DashboardState.set_new_comment,
                id="comment-text",
                placeholder="Add a comment",
                rows=3,
                style=theme.COMMENT_INPUT,
            ),
            theme.button(
                "Comment", kind="primary", id="comment-add", on_click=DashboardState.add_comment
            ),
            id="dashboard-comments",
            data_tile_id=DashboardState.comment_tile,
            style=theme.COMMENTS_PANEL,
        ),
    )
