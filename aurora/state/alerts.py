"""Alerts: the list, the editor (a report with a measure, a condition, a trigger) and each
alert's history of checks. `/alerts?report=<id>` opens the editor for that report."""

from __future__ import annotations

from typing import Any

import reflex as rx

from aurora import delivery_form as df
from aurora.alert_rows import AlertItem, CheckItem, alert_item, check_item, measures_of
from aurora.api_client import ApiClient, ApiError
from aurora.state import session
from aurora.state.base import PageState
from aurora.state.models import Pill


@session.forgotten
class AlertState(PageState, rx.State):
    alerts: list[AlertItem] = []
    reports: list[Pill] = []  # reports with a measure: id, name
    measures_by_report: dict[str, list[str]] = {}
    notice: str = ""

    # the editor: a new alert, or the one `editing` (saving it starts it afresh)
    open: bool = False
    editing: str = ""
    report_id: str = ""
    measure: str = ""
    name: str = ""
    kind: str = "above"
    threshold: str = ""
    trigger: str = "new_version"
    cron: str = "0 * * * *"
    timezone: str = "UTC"
    form_error: str = ""
    # who is told (docs/delivery.md): nobody ticked is the owner, in-app
    delivery_users: list[str] = []
    by_email: bool = False
    by_in_app: bool = True
    outside_emails: str = ""  # outside addresses (DELIVERY_OUTSIDE_EMAILS): the owner's view
    delivery_webhooks: list[str] = []  # ids of the admin's webhooks ticked
    known_users: list[str] = []  # GET /api/delivery/options
    known_webhooks: list[Pill] = []  # id = webhook id, text = its name
    email_offered: bool = False
    outside_allowed: bool = False

    # one alert's history
    history_for: str = ""
    history_title: str = ""
    checks: list[CheckItem] = []
    firings: int = 0

    @rx.var
    def measures(self) -> list[str]:
        return self.measures_by_report.get(self.report_id, [])

    @rx.event
    async def load(self):
        """on_load of /alerts; `?report=<id>` opens the editor for that report."""
        client, away = await self._signed_in_api()
        if client is None:
            return away
        follow_up = await self._refresh(client)
        report = str(self.router.url.query_parameters.get("report", "") or "")
        if follow_up is None and report:
            self._new(report)
        return follow_up

    async def _refresh(self, client: ApiClient) -> Any:
        try:
            reports, listing = await client.reports(), await client.alerts()
            options = await client.delivery_options()
        except ApiError as exc:
            return self._failed(exc)
        self.known_users = [str(u) for u in options.get("users") or []]
        self.email_offered = df.EMAIL in (options.get("channels") or [])
        self.outside_allowed = bool(options.get("outside_emails"))
        self.known_webhooks = [Pill(id=i, text=n) for i, n in df.webhook_choices(options)]
        names = {str(r["id"]): str(r.get("name", "")) for r in reports}
        self.measures_by_report = {str(r["id"]): measures_of(r) for r in reports}
        self.reports = [Pill(id=k, text=v) for k, v in names.items() if self.measures_by_report[k]]
        self.alerts = [alert_item(a, names) for a in listing]
        self.error = ""
        return None

    def _new(self, report_id: str) -> None:
        self.editing = ""
        self.report_id, self.form_error, self.open = report_id, "", True
        measures = self.measures_by_report.get(report_id, [])
        self.measure = measures[0] if measures else ""
        report = next((p.text for p in self.reports if p.id == report_id), "")
        self.name = f"{report} alert" if report else ""
        self.kind, self.threshold, self.trigger = "above", "", "new_version"
        self._show_delivery({})

    def _show_delivery(self, delivery: dict[str, Any]) -> None:
        users, by_email, by_in_app, outside, webhooks = df.form_values(delivery or None)
        self.delivery_users, self.by_email, self.by_in_app = users, by_email, by_in_app
        self.outside_emails, self.delivery_webhooks = outside, webhooks

    @rx.event
    def new_alert(self):
        self._new(self.reports[0].id if self.reports else "")

    @rx.event
    def edit(self, alert_id: str):
        a = next((x for x in self.alerts if x.id == alert_id), None)
        if a is None:
            return
        self._new(a.report_id)
        self.editing, self.name, self.measure = a.id, a.name, a.measure
        self.kind, self.threshold = a.kind, a.threshold
        self.trigger = "schedule" if a.cron else "new_version"
        self.cron, self.timezone = a.cron or self.cron, a.timezone
        self._show_delivery(a.delivery)

    @rx.event
    def set_open(self, value: bool):
        self.open = value

    @rx.event
    def set_report(self, value: str):
        editing = self.editing
        self._new(value)
        self.editing = editing

    @rx.event
    def toggle_delivery_user(self, username: str):
        if username in self.delivery_users:
            self.delivery_users = [u for u in self.delivery_users if u != username]
        else:
            self.delivery_users = [*self.delivery_users, username]

    @rx.event
    def toggle_delivery_webhook(self, webhook_id: str):
        self.delivery_webhooks = df.toggled(self.delivery_webhooks, webhook_id)

    @rx.event
    def set_outside_emails(self, value: str):
        self.outside_emails = value

    @rx.event
    def set_by_email(self, value: bool):
        self.by_email = bool(value)

    @rx.event
    def set_by_in_app(self, value: bool):
        self.by_in_app = bool(value)

    @rx.event
    def set_measure(self, value: str):
        self.measure = value

    @rx.event
    def set_name(self, value: str):
        self.name = value

    @rx.event
    def set_kind(self, value: str):
        self.kind = value

    @rx.event
    def set_threshold(self, value: str):
        self.threshold, self.form_error = value, ""

    @rx.event
    def set_trigger(self, value: str):
        self.trigger = value

    @rx.event
    def set_cron(self, value: str):
        self.cron = value

    @rx.event
    def set_timezone(self, value: str):
        self.timezone = value

    def _body(self, threshold: float) -> dict[str, Any]:
        body: dict[str, Any] = {
            "report_id": self.report_id,
            "name": self.name.strip(),
            "measure": self.measure or None,
            "condition": {"kind": self.kind, "threshold": threshold},
        }
        delivery = df.delivery_body(
            self.delivery_users,
            self.by_email,
            self.by_in_app,
            self.outside_emails,
            self.delivery_webhooks,
        )
        if delivery is not None:
            body["delivery"] = delivery
        if self.trigger == "schedule":
            return {**body, "cron": self.cron.strip(), "timezone": self.timezone.strip() or "UTC"}
        return {**body, "on_new_version": True}

    @rx.event
    async def save(self):
        if not self.report_id or not self.name.strip():
            self.form_error = "Choose a report with a measure and name the alert."
            return None
        try:
            threshold = float(self.threshold.replace(",", ""))
        except ValueError:
            self.form_error = "The threshold is a number, e.g. 100000 or 10 (for 10%)."
            return None
        client = await self._api()
        try:
            if self.editing:
                await client.replace_alert(self.editing, self._body(threshold))
            else:
                await client.create_alert(self._body(threshold))
        except ApiError as exc:
            return self._failed(exc, field="form_error")
        self.open, self.notice = False, "Alert saved."
        return await self._refresh(client)

    @rx.event
    async def delete(self, alert_id: str):
        client = await self._api()
        try:
            await client.delete_alert(alert_id)
        except ApiError as exc:
            return self._failed(exc)
        if self.history_for == alert_id:
            self.history_for, self.checks = "", []
        self.notice = "Alert deleted."
        return await self._refresh(client)

    @rx.event
    async def show_history(self, alert_id: str):
        client = await self._api()
        try:
            history = await client.alert_history(alert_id)
        except ApiError as exc:
            return self._failed(exc)
        item = next((a for a in self.alerts if a.id == alert_id), None)
        self.history_for = alert_id
        self.history_title = f"{item.name} · {item.condition}" if item else ""
        self.checks = [check_item(c) for c in history.get("checks") or []]
        self.firings = len(history.get("firings") or [])
        return None

    @rx.event
    def hide_history(self):
        self.history_for, self.checks = "", []
