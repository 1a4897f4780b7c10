"""The Reflex app: its pages, one theme, and the download route for exports."""

from __future__ import annotations

import reflex as rx

from aurora import downloads, socket_guard, theme
from aurora.pages.admin_datasets import admin_datasets_page
from aurora.pages.admin_people import admin_audit_page, admin_keys_page, admin_users_page
from aurora.pages.admin_webhooks import admin_webhooks_page
from aurora.pages.alerts import alerts_page
from aurora.pages.dashboard import dashboard_page
from aurora.pages.dashboards import dashboards_page
from aurora.pages.explore import explore_page
from aurora.pages.login import login_page
from aurora.pages.pivot import pivot_page
from aurora.pages.print_sign_in import print_sign_in_page
from aurora.pages.reports import reports_page
from aurora.pages.schedules import schedules_page
from aurora.state.admin_audit import AdminAuditState
from aurora.state.admin_cdc import CdcState
from aurora.state.admin_datasets import AdminDatasetsState
from aurora.state.admin_people import AdminKeysState, AdminUsersState
from aurora.state.admin_webhooks import AdminWebhooksState
from aurora.state.alerts import AlertState
from aurora.state.auth import AuthState
from aurora.state.dashboard_view import DashboardState
from aurora.state.dashboards import DashboardListState
from aurora.state.explorer import ExplorerState
from aurora.state.pivot import PivotState
from aurora.state.print_sign_in import PrintSignInState
from aurora.state.reports import ReportListState
from aurora.state.schedules import ScheduleState

app = rx.App(
    style=theme.GLOBAL_STYLE,
    stylesheets=["/aurora.css"],
    api_transformer=[downloads.api(), downloads.guard_uploads],
)
socket_guard.install(app)  # each socket acts only on the tab it proved it may open
app.add_page(
    login_page, route="/login", title="Sign in · Aurora", on_load=AuthState.leave_login_if_signed_in
)
app.add_page(explore_page, route="/", title="Aurora", on_load=ExplorerState.open_explorer)
app.add_page(
    explore_page,
    route="/reports/[report_id]",
    title="Report · Aurora",
    on_load=ExplorerState.open_report_link,
)
app.add_page(reports_page, route="/reports", title="Reports · Aurora", on_load=ReportListState.load)
app.add_page(
    schedules_page, route="/schedules", title="Schedules · Aurora", on_load=ScheduleState.load
)
app.add_page(alerts_page, route="/alerts", title="Alerts · Aurora", on_load=AlertState.load)
app.add_page(
    dashboards_page,
    route="/dashboards",
    title="Dashboards · Aurora",
    on_load=DashboardListState.load,
)
app.add_page(
    dashboard_page,
    route="/dashboards/[dashboard_id]",
    title="Dashboard · Aurora",
    on_load=DashboardState.open_dashboard,
)
app.add_page(pivot_page, route="/pivot", title="Pivot · Aurora", on_load=PivotState.open_pivot)
app.add_page(
    print_sign_in_page,
    route="/print-sign-in",
    title="Printing · Aurora",
    on_load=PrintSignInState.sign_in,
)
# Admin pages: viewers are sent back to the explorer (and the API answers them 403).
app.add_page(
    admin_datasets_page,
    route="/admin/datasets",
    title="Datasets · Admin · Aurora",
    on_load=[AdminDatasetsState.load, CdcState.load],
)
app.add_page(
    admin_users_page,
    route="/admin/users",
    title="Users · Admin · Aurora",
    on_load=AdminUsersState.load,
)
app.add_page(
    admin_keys_page,
    route="/admin/keys",
    title="API keys · Admin · Aurora",
    on_load=AdminKeysState.load,
)
app.add_page(
    admin_audit_page,
    route="/admin/audit",
    title="Audit log · Admin · Aurora",
    on_load=AdminAuditState.load,
)
app.add_page(
    admin_webhooks_page,
    route="/admin/webhooks",
    title="Webhooks · Admin · Aurora",
    on_load=AdminWebhooksState.load,
)
