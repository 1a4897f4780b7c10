"""Only intended events can be called from the browser.

Reflex 0.10 registers every public method of a State as an event any client may invoke by
name over the websocket, with arguments of its choosing. Helpers therefore carry a leading
`_`; this allow-list makes a new public method a deliberate, reviewed choice.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import reflex as rx

import aurora.state

# `setvar` is Reflex's own: it only calls the state's public `set_<var>` event of that name.
ALLOWED: dict[str, set[str]] = {
    "AdminAuditState": {"apply", "load", "next_page", "prev_page", "set_filter"},
    "AdminDatasetsState": {
        *("add_mandatory", "add_rls", "add_type", "delete", "load", "preview_as"),
        *("remove_mandatory", "remove_rls", "remove_type", "save", "select", "set_column"),
        *("set_field", "set_rls", "set_rls_admin_exempt", "set_type_field"),
        *("set_upload_field", "set_upload_replace", "upload", "upload_progressed"),
    },
    "AdminKeysState": {"create", "forget_created", "load", "revoke", "set_key_name"}
    | {"set_key_user"},
    "AdminWebhooksState": {"create", "delete", "forget_created", "load", "set_new_format"}
    | {"set_new_name", "set_new_url", "test"},
    "AdminUsersState": {"create", "deactivate", "load", "save_edit", "set_edit"}
    | {"set_edit_open", "set_new", "start_edit"},
    "CdcState": {"ask_delete", "cancel_delete", "delete", "load", "open_edit", "open_new"}
    | {"run", "save", "set_form_enabled", "set_form_field", "set_form_open"}
    | {"set_form_url_clear"},
    "EraseState": {"erase", "preview", "set_erase_field"},
    "FreshnessState": {"check", "dismiss", "refresh"},
    "DashboardFreshnessState": {"check", "dismiss", "refresh"},
    "MaintenanceState": {"set_retention", "start"},
    "HistoryState": {"read_at_time", "read_version", "set_time_text", "toggle"},
    "AggregateState": {"add_group_by", "add_measure", "apply", "clear", "open_modal"}
    | {"remove_group_by", "remove_measure", "set_group_bucket", "set_measure", "set_open"},
    "AskState": {"ask", "cancel_edit", "choose", "clear", "close_suggestions", "remove_pill"}
    | {"run", "save_edit", "set_edit_text", "set_question", "start_edit", "take_suggestion"},
    "AuthState": {"leave_login_if_signed_in", "login", "logout", "session_expired"},
    "CalcState": {"edit", "open_modal", "remove", "save", "set_expr", "set_name", "set_open"},
    "ColumnPickerState": {"set_search", "show_all", "show_none"},
    "ColumnSummaryState": {"close", "show"},
    "ChartState": {"drill", "refresh", "report_opened", "set_kind", "set_limit", "set_series"}
    | {"set_stack", "set_x", "set_y", "toggle"},
    "DashboardExportState": {"start", "toggle_menu"},
    "DashboardListState": {"cancel_rename", "create", "delete", "duplicate", "load", "rename"}
    | {"set_new_name", "set_rename_name", "start_rename", "toggle_shared"},
    "DashboardState": {
        *("add_filter", "add_report_tile", "add_text_tile", "cross_filter", "layout_changed"),
        *("fetch_tiles", "open_dashboard", "open_in_explorer", "refresh", "remove_pill"),
        *("remove_tile", "save", "select_tab", "set_chosen_report", "set_end"),
        *("set_new_filter_column", "set_new_filter_label", "set_new_filter_type"),
        *("set_new_text", "set_preset", "set_start", "set_text", "toggle_edit"),
        *("tile_visible", "auto_refresh", "toggle_value", "load_values", "set_bookmark_name"),
        *("save_bookmark", "restore_bookmark", "delete_bookmark", "open_comments"),
        *("close_comments", "set_new_comment", "add_comment", "present", "present_key"),
        *("present_move", "stop_presenting", "choose_map_tile", "choose_map_filter"),
        *("set_map_column", "set_caption_text", "apply_mapping", "set_auto_refresh"),
    },
    "ExplorerState": {
        *("dismiss_error", "narrow_to", "next_page", "open_explorer", "open_report_link"),
        *("pick_dataset", "prev_page", "remove_filter", "reset_all", "run_query"),
        *("set_dataset_search", "set_load_id", "set_load_type", "set_quick_search"),
        *("set_sort", "toggle_column", "undo_reset", "clear_as_of", "clear_limit"),
    },
    "ExportState": {"cancel", "open_modal", "set_filename", "set_format", "set_open", "start"},
    "FilterState": {
        *("add_condition", "add_group", "apply", "clear", "open_modal", "remove"),
        *("set_column", "set_group_op", "set_open", "set_operator", "set_text_value"),
        *("set_value", "set_value2", "toggle_negate"),
    },
    "InsightsState": {"find", "open_finding"},
    "JoinState": {"add_join", "add_pair", "apply", "clear", "open_modal", "refresh_preview"}
    | {"remove_join", "remove_pair", "set_left", "set_open", "set_right", "set_type"},
    "PivotState": {
        *("add_col_field", "add_row_field", "add_value", "drill", "drill_page", "export"),
        *("from_explorer", "open_filters", "open_pivot", "pick_dataset", "remove_col_field"),
        *("remove_filter", "remove_row_field", "remove_value", "run", "set_drill_open"),
        *("set_export_format", "set_load_id", "set_load_type", "set_value_agg"),
        *("set_value_column", "toggle"),
    },
    "NotificationState": {"count", "opened", "poll", "read", "read_all"},
    "PillBarState": {"toggle"},
    "PrintSignInState": {"sign_in"},
    "ReportListState": {"delete", "duplicate", "load", "open_report", "rename"}
    | {"set_rename_description", "set_rename_name", "set_rename_open", "set_search"}
    | {"start_rename", "toggle_shared"},
    "SaveReportState": {"open_for_pivot", "open_modal", "save", "set_as_new"}
    | {"set_description", "set_name", "set_open", "set_shared"},
    "AlertState": {
        *("delete", "edit", "hide_history", "load", "new_alert", "save", "set_cron", "set_kind"),
        *("set_measure", "set_name", "set_open", "set_report", "set_threshold"),
        *("set_timezone", "set_trigger", "show_history", "toggle_delivery_user"),
        *("set_by_email", "set_by_in_app", "set_outside_emails", "toggle_delivery_webhook"),
    },
    "ScheduleState": {
        *("delete", "edit", "hide_runs", "load", "new_schedule", "save", "set_cron"),
        *("set_enabled", "set_format", "set_open", "set_preset", "set_report"),
        *("set_timezone", "show_runs", "toggle_enabled", "watch_runs"),
        *("set_by_email", "set_by_in_app", "set_outside_emails", "toggle_delivery_user"),
        "toggle_delivery_webhook",
    },
}


def _aurora_states() -> dict[str, type[rx.State]]:
    for module in pkgutil.iter_modules(aurora.state.__path__):
        importlib.import_module(f"aurora.state.{module.name}")
    found: dict[str, type[rx.State]] = {}
    todo: list[type] = [rx.State]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        # A mixin registers nothing itself; its handlers are copied onto the states using it.
        if cls.__module__.startswith("aurora.") and not cls._mixin:
            found[cls.__name__] = cls
    return found


STATES = _aurora_states()


def test_every_state_class_has_an_allow_list() -> None:
    assert set(STATES) == set(ALLOWED)


@pytest.mark.parametrize("name", sorted(STATES))
def test_client_callable_handlers_are_exactly_the_allowed_events(name: str) -> None:
    callable_by_client = set(STATES[name].event_handlers) - {"setvar"}
    assert callable_by_client == ALLOWED[name]
