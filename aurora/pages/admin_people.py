"""Admin pages: users, API keys and the audit log."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components import forms
from aurora.components.admin_nav import admin_header
from aurora.components.chrome import page_frame
from aurora.components.modal import modal
from aurora.state.admin_audit import AdminAuditState, AuditItem
from aurora.state.admin_people import AdminKeysState, AdminUsersState, KeyItem, UserItem

U, K, A = AdminUsersState, AdminKeysState, AdminAuditState
ROLES = [("viewer", "Viewer"), ("ingest", "Ingest (viewer + push changes)"), ("admin", "Admin")]
ATTR_HINT = "One per line: region = North, West"


def _notices(state: type[rx.State]) -> list[rx.Component]:
    return [
        forms.alert(state.error, "admin-error"),  # type: ignore[attr-defined]
        rx.cond(
            state.notice != "",  # type: ignore[attr-defined]
            rx.el.div(state.notice, id="admin-notice", role="status", style=theme.SUCCESS),  # type: ignore[attr-defined]
        ),
    ]


# ---- users ---------------------------------------------------------------------------------


def _user_row(u: rx.Var[UserItem]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.el.strong(u.username), rx.el.div(u.display_name, style=theme.MUTED), style=theme.TD
        ),
        rx.el.td(u.role, style=theme.TD),
        rx.el.td(u.attributes, style=theme.TD),
        rx.el.td(
            rx.cond(
                u.active,
                rx.el.span("Active", style=theme.BADGE_GREEN),
                rx.el.span("Deactivated", style=theme.BADGE_RED),
            ),
            style=theme.TD,
        ),
        rx.el.td(
            rx.el.div(
                theme.button(
                    "Edit", icon_name="pencil", class_name="user-edit", on_click=U.start_edit(u.id)
                ),
                rx.cond(
                    u.active,
                    theme.button(
                        "Deactivate",
                        icon_name="user-x",
                        kind="danger",
                        class_name="user-deactivate",
                        on_click=U.deactivate(u.id),
                    ),
                ),
                style=theme.ROW_ACTIONS_END,
            ),
            style=theme.TD,
        ),
        class_name="user-row",
        data_username=u.username,
    )


def _new_user_identity() -> list[rx.Component]:
    """User name, display name and the first password."""
    return [
        forms.field(
            "User name",
            forms.text_input(
                "user-new-name",
                U.new_username,
                lambda v: U.set_new("new_username", v),
                width="160px",
                auto_complete="off",
            ),
        ),
        forms.field(
            "Display name",
            forms.text_input(
                "user-new-display",
                U.new_display,
                lambda v: U.set_new("new_display", v),
                width="180px",
            ),
        ),
        forms.field(
            "Password (8+ characters)",
            forms.text_input(
                "user-new-password",
                U.new_password,
                lambda v: U.set_new("new_password", v),
                width="180px",
                type="password",
                auto_complete="new-password",
            ),
        ),
    ]


def _new_user_access() -> list[rx.Component]:
    """What the new user may see: a role and the attributes row-level security reads."""
    return [
        forms.field(
            "Role",
            forms.select(
                "user-new-role",
                ROLES,
                U.new_role,
                lambda v: U.set_new("new_role", v),
                width="110px",
            ),
        ),
        forms.field(
            "Attributes (row-level security)",
            rx.el.textarea(
                id="user-new-attributes",
                value=U.new_attributes,
                placeholder=ATTR_HINT,
                rows=2,
                on_change=lambda v: U.set_new("new_attributes", v),
                style=theme.ATTRIBUTES_INPUT,
            ),
        ),
    ]


def _create_user() -> rx.Component:
    return rx.el.section(
        rx.el.h2("New user", style=theme.H2),
        rx.el.div(
            *_new_user_identity(),
            *_new_user_access(),
            theme.button(
                "Create", icon_name="user-plus", kind="primary", id="user-create", on_click=U.create
            ),
            style=theme.FORM_ROW,
        ),
        style=theme.CARD_STACK,
    )


def _edit_fields() -> rx.Component:
    return rx.el.div(
        forms.field(
            "Display name",
            forms.text_input(
                "user-edit-display",
                U.edit_display,
                lambda v: U.set_edit("edit_display", v),
                width="100%",
            ),
        ),
        forms.field(
            "Role",
            forms.select(
                "user-edit-role", ROLES, U.edit_role, lambda v: U.set_edit("edit_role", v)
            ),
        ),
        forms.field(
            "Attributes (row-level security)",
            rx.el.textarea(
                id="user-edit-attributes",
                value=U.edit_attributes,
                placeholder=ATTR_HINT,
                rows=4,
                on_change=lambda v: U.set_edit("edit_attributes", v),
                style=theme.TEXTAREA,
            ),
        ),
        forms.field(
            "Reset password (leave empty to keep it)",
            forms.text_input(
                "user-edit-password",
                U.edit_password,
                lambda v: U.set_edit("edit_password", v),
                width="240px",
                type="password",
                auto_complete="new-password",
            ),
        ),
        forms.checkbox(
            "Active",
            U.edit_active,
            lambda v: U.set_edit("edit_active", v),
            "user-edit-active",
        ),
        forms.alert(U.edit_error, "user-edit-error"),
        style=theme.column("10px"),
    )


def _edit_user() -> rx.Component:
    return modal(
        modal_id="user-edit-modal",
        title="Edit user",
        subtitle=U.edit_username,
        open_=U.edit_open,
        on_open_change=U.set_edit_open,
        width="min(560px, 94vw)",
        body=[_edit_fields()],
        footer=[
            rx.dialog.close(theme.button("Cancel")),
            theme.button(
                "Save", icon_name="check", kind="primary", id="user-edit-save", on_click=U.save_edit
            ),
        ],
    )


def admin_users_page() -> rx.Component:
    return page_frame(
        "admin-users",
        admin_header("users", "Users"),
        *_notices(U),
        _create_user(),
        rx.el.div(
            rx.el.table(
                rx.el.thead(
                    rx.el.tr(
                        forms.th("User"),
                        forms.th("Role"),
                        forms.th("Attributes"),
                        forms.th("State"),
                        forms.th(""),
                    )
                ),
                rx.el.tbody(rx.foreach(U.users, _user_row)),
                style=theme.TABLE,
            ),
            id="user-list",
            style=theme.TABLE_WRAP,
        ),
        _edit_user(),
        page_id="admin-users-page",
    )


# ---- API keys ------------------------------------------------------------------------------


def _key_row(k: rx.Var[KeyItem]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.el.code(k.prefix + "…"), style=theme.TD),
        rx.el.td(k.name, style=theme.TD),
        rx.el.td(k.username, style=theme.TD),
        rx.el.td(k.created, style=theme.TD_NOWRAP),
        rx.el.td(k.last_used, style=theme.TD_NOWRAP),
        rx.el.td(
            rx.cond(
                k.revoked,
                rx.el.span("Revoked", style=theme.BADGE_RED),
                theme.button(
                    "Revoke",
                    icon_name="ban",
                    kind="danger",
                    class_name="api-key-revoke",
                    on_click=K.revoke(k.id),
                ),
            ),
            style=theme.TD_RIGHT,
        ),
        class_name="api-key-row",
    )


def _new_key_form() -> rx.Component:
    return rx.el.div(
        forms.field(
            "For user",
            rx.el.select(
                rx.foreach(K.usernames, lambda n: rx.el.option(n, value=n)),
                id="api-key-user",
                value=K.key_user,
                on_change=K.set_key_user,
                style=theme.ROLE_SELECT,
            ),
        ),
        forms.field(
            "What uses it",
            forms.text_input(
                "api-key-name",
                K.key_name,
                K.set_key_name,
                placeholder="nightly export job",
                width="240px",
            ),
        ),
        theme.button(
            "Create key",
            icon_name="key-round",
            kind="primary",
            id="api-key-create",
            on_click=K.create,
        ),
        style=theme.FORM_ROW,
    )


def _created_key() -> rx.Component:
    """A new key, shown once: the browser fills it in from a one-time read (aurora.once)."""
    return rx.cond(
        K.created_ref != "",
        rx.el.div(
            rx.el.div(
                rx.el.strong("Copy this key now: it is shown only once. "),
                "Send it as the X-API-Key header. For " + K.created_for + ".",
            ),
            rx.el.code("", id="api-key-secret", style=theme.SECRET),
            theme.button("Done", kind="ghost", on_click=K.forget_created),
            role="status",
            style=theme.NOTICE_COLUMN,
        ),
    )


def admin_keys_page() -> rx.Component:
    return page_frame(
        "admin-keys",
        admin_header("keys", "API keys"),
        *_notices(K),
        rx.el.section(
            rx.el.h2("New key", style=theme.H2),
            _new_key_form(),
            _created_key(),
            style=theme.CARD_STACK,
        ),
        forms.data_table(
            [forms.th(h) for h in ("Prefix", "Name", "User", "Created", "Last used", "")],
            rx.foreach(K.keys, _key_row),
            id="api-key-list",
        ),
        page_id="admin-keys-page",
    )


# ---- audit log -----------------------------------------------------------------------------


def _audit_row(e: rx.Var[AuditItem]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(e.at, style=theme.TD_NOWRAP),
        rx.el.td(e.username, style=theme.TD),
        rx.el.td(rx.el.code(e.action), style=theme.TD),
        rx.el.td(e.dataset, style=theme.TD),
        rx.el.td(
            e.detail,
            style=theme.TD_CODE,
        ),
        class_name="audit-row",
    )


def _audit_filters() -> rx.Component:
    return rx.el.div(
        forms.field(
            "User",
            forms.text_input(
                "audit-user", A.user, lambda v: A.set_filter("user", v), width="140px"
            ),
        ),
        forms.field(
            "Action (or prefix, e.g. login)",
            forms.text_input(
                "audit-action", A.action, lambda v: A.set_filter("action", v), width="200px"
            ),
        ),
        forms.field(
            "From (UTC)",
            forms.text_input(
                "audit-since",
                A.since,
                lambda v: A.set_filter("since", v),
                width="200px",
                type="datetime-local",
            ),
        ),
        forms.field(
            "To (UTC)",
            forms.text_input(
                "audit-until",
                A.until,
                lambda v: A.set_filter("until", v),
                width="200px",
                type="datetime-local",
            ),
        ),
        theme.button(
            "Apply", icon_name="filter", kind="primary", id="audit-apply", on_click=A.apply
        ),
        style=theme.FORM_CARD,
    )


def _audit_pager() -> rx.Component:
    return forms.row(
        rx.spacer(),
        rx.el.span(A.range_text, id="audit-range", style=theme.MUTED),
        theme.icon_button(
            "chevron-left",
            "Previous page",
            id="audit-prev",
            disabled=A.page <= 1,
            on_click=A.prev_page,
        ),
        theme.icon_button(
            "chevron-right",
            "Next page",
            id="audit-next",
            disabled=~A.has_next,
            on_click=A.next_page,
        ),
    )


def admin_audit_page() -> rx.Component:
    return page_frame(
        "admin-audit",
        admin_header("audit", "Audit log"),
        *_notices(A),
        _audit_filters(),
        forms.data_table(
            [forms.th(h) for h in ("When (UTC)", "User", "Action", "Dataset", "Detail")],
            rx.foreach(A.items, _audit_row),
            id="audit-list",
            wrap_style=theme.TABLE_FILL,
        ),
        _audit_pager(),
        page_id="admin-audit-page",
    )
