"""Scheduled exports of saved reports and dashboards: list, create/edit (cron presets, next
run times, format, enabled), and a run history with download links that follows new runs.

The editor's target select holds a report's id, or `dashboard:<id>` for a dashboard (its
formats: the XLSX workbook or the PDF)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

import reflex as rx

from aurora import delivery_form as df
from aurora import downloads
from aurora import schedule_times as st
from aurora.api_client import ApiClient, ApiError
from aurora.state import session
from aurora.state.auth import AuthState
from aurora.state.base import PageState
from aurora.state.models import Pill

FORMATS = ("csv", "xlsx", "parquet", "pdf")
REPORT_FORMATS = ("csv", "xlsx", "parquet")
DASHBOARD_FORMATS = ("xlsx", "pdf")
DASHBOARD = "dashboard:"
WATCH_EVERY_S = 3.0
WATCH_FOR_S = 600.0


@dataclasses.dataclass
class ScheduleItem:
    id: str = ""
    report_id: str = ""
    report_name: str = ""
    cron: str = ""
    cron_text: str = ""
    timezone: str = "UTC"
    format: str = "csv"
    enabled: bool = True
    next_runs: list[str] = dataclasses.field(default_factory=list)
    delivery: dict[str, Any] = dataclasses.field(default_factory=dict)  # the API's field
    recipients: str = ""  # who it is sent to, as the list shows it


@dataclasses.dataclass
class DeliveryItem:
    """One send of a run: over what, to whom, how it went."""

    id: str = ""
    channel: str = ""
    recipient: str = ""
    status: str = ""
    error: str = ""


def delivery_item(d: dict[str, Any]) -> DeliveryItem:
    channel = str(d.get("channel", ""))
    return DeliveryItem(
        id=str(d.get("id", "")),
        channel="In-app" if channel == df.IN_APP else channel.capitalize(),
        recipient=str(d.get("recipient", "")),
        status=str(d.get("status", "")),
        error=str(d.get("error") or ""),
    )


def recipients_text(delivery: dict[str, Any]) -> str:
    """The list's summary of a delivery.

    >>> recipients_text({"users": ["ann"], "channels": ["email"], "emails": ["x@y.example"]})
    'ann, x@y.example (email)'
    """
    names = [*delivery.get("users", []), *delivery.get("emails", [])]
    if not names:
        return ""
    how = " + ".join("in-app" if c == df.IN_APP else c for c in delivery.get("channels", []))
    return f"{', '.join(names)} ({how})"


@dataclasses.dataclass
class RunItem:
    id: str = ""
    scheduled_for: str = ""
    status: str = ""
    rows: str = ""
    error: str = ""
    href: str = ""


def target_of(s: dict[str, Any]) -> str:
    """The editor's value for a schedule's target.

    >>> target_of({"report_id": "r1", "dashboard_id": None}), target_of({"dashboard_id": "d1"})
    ('r1', 'dashboard:d1')
    """
    dashboard = s.get("dashboard_id")
    return f"{DASHBOARD}{dashboard}" if dashboard else str(s.get("report_id") or "")


def target_body(target: str) -> dict[str, str]:
    """The API's field for a target value: `report_id` or `dashboard_id`."""
    if target.startswith(DASHBOARD):
        return {"dashboard_id": target.removeprefix(DASHBOARD)}
    return {"report_id": target}


def schedule_item(s: dict[str, Any], names: dict[str, str]) -> ScheduleItem:
    """`names`: a target value (see `target_of`) -> what the list shows for it."""
    zone = str(s.get("timezone") or "UTC")
    target = target_of(s)
    return ScheduleItem(
        id=str(s.get("id", "")),
        report_id=target,
        report_name=names.get(target, target),
        cron=str(s.get("cron", "")),
        cron_text=st.describe(str(s.get("cron", ""))),
        timezone=zone,
        format=str(s.get("format", "csv")),
        enabled=bool(s.get("enabled")),
        next_runs=[st.shown_time(str(t), zone) for t in s.get("next_runs") or []],
        delivery=dict(s.get("delivery") or {}),
        recipients=recipients_text(dict(s.get("delivery") or {})),
    )


@session.forgotten
class ScheduleState(PageState, rx.State):
    schedules: list[ScheduleItem] = []
    reports: list[Pill] = []  # id = report id, text = its name
    dashboards: list[Pill] = []  # id = "dashboard:<id>", text = its name
    notice: str = ""

    # the editor
    open: bool = False
    editing: str = ""
    report_id: str = ""
    preset: str = "daily"
    cron: str = st.PRESET_CRON["daily"]
    timezone: str = "UTC"
    format: str = "csv"
    enabled: bool = True
    form_error: str = ""
    # delivery (docs/delivery.md): who each run is sent to, and over what
    delivery_users: list[str] = []
    by_email: bool = False
    by_in_app: bool = True
    outside_emails: str = ""
    delivery_webhooks: list[str] = []  # ids of the admin's webhooks ticked
    # what this server offers (GET /api/delivery/options)
    known_users: list[str] = []
    known_webhooks: list[Pill] = []  # id = webhook id, text = its name
    email_offered: bool = False
    outside_allowed: bool = False

    # the run history of one schedule
    runs_for: str = ""
    runs_title: str = ""
    runs: list[RunItem] = []
    deliveries: list[DeliveryItem] = []
    _tickets: dict[str, tuple[str, float]] = {}  # run id -> its link, and when it was made

    @rx.var
    def preview_times(self) -> list[str]:
        return st.next_times(self.cron, self.timezone)

    @rx.event
    async def load(self):
        """on_load of /schedules; `?report=<id>` opens the editor for that report."""
        client, away = await self._signed_in_api()
        if client is None:
            return away
        follow_up = await self._refresh(client)
        params = self.router.url.query_parameters
        report = str(params.get("report", "") or "")
        dashboard = str(params.get("dashboard", "") or "")
        if follow_up is None and (report or dashboard):
            self._new(f"{DASHBOARD}{dashboard}" if dashboard else report)
        return follow_up

    async def _refresh(self, client: ApiClient) -> Any:
        try:
            reports = await client.reports()
            dashboards = await client.dashboards()
            listing = await client.schedules()
            options = await client.delivery_options()
        except ApiError as exc:
            return self._failed(exc)
        self.known_users = [str(u) for u in options.get("users") or []]
        self.email_offered = df.EMAIL in (options.get("channels") or [])
        self.outside_allowed = bool(options.get("outside_emails"))
        self.known_webhooks = [Pill(id=i, text=n) for i, n in df.webhook_choices(options)]
        names = {str(r["id"]): str(r.get("name", "")) for r in reports}
        boards = {f"{DASHBOARD}{d['id']}": str(d.get("name", "")) for d in dashboards}
        self.reports = [Pill(id=k, text=v) for k, v in names.items()]
        self.dashboards = [Pill(id=k, text=v) for k, v in boards.items()]
        shown = names | {k: f"Dashboard · {v}" for k, v in boards.items()}
        self.schedules = [schedule_item(s, shown) for s in listing]
        self.error = ""
        return None

    # ---- the editor -----------------------------------------------------------------------

    def _new(self, report_id: str) -> None:
        self.editing, self.report_id = "", report_id
        self.preset, self.cron = "daily", st.PRESET_CRON["daily"]
        self.timezone, self.enabled = "UTC", True
        self.format = "pdf" if report_id.startswith(DASHBOARD) else "csv"
        self._show_delivery(None)
        self.form_error, self.open = "", True

    def _show_delivery(self, delivery: dict[str, Any] | None) -> None:
        users, by_email, by_in_app, outside, webhooks = df.form_values(delivery)
        self.delivery_users, self.by_email, self.by_in_app = users, by_email, by_in_app
        self.outside_emails, self.delivery_webhooks = outside, webhooks

    @rx.event
    def new_schedule(self):
        self._new(self.reports[0].id if self.reports else "")

    @rx.event
    def edit(self, schedule_id: str):
        s = next((x for x in self.schedules if x.id == schedule_id), None)
        if s is None:
            return
        self.editing, self.report_id, self.cron = s.id, s.report_id, s.cron
        self.preset, self.timezone = st.preset_of(s.cron), s.timezone
        self.format, self.enabled, self.form_error, self.open = s.format, s.enabled, "", True
        self._show_delivery(s.delivery)

    @rx.event
    def set_open(self, value: bool):
        self.open = value

    @rx.event
    def set_report(self, value: str):
        """A report or a dashboard; the format follows to one the target is made in."""
        self.report_id = value
        allowed = DASHBOARD_FORMATS if value.startswith(DASHBOARD) else REPORT_FORMATS
        if self.format not in allowed:
            self.format = allowed[0]

    @rx.event
    def set_preset(self, value: str):
        self.preset = value
        if value in st.PRESET_CRON:
            self.cron = st.PRESET_CRON[value]
        self.form_error = ""

    @rx.event
    def set_cron(self, value: str):
        self.cron, self.preset, self.form_error = value, st.preset_of(value), ""

    @rx.event
    def set_timezone(self, value: str):
        self.timezone = value

    @rx.event
    def set_format(self, value: str):
        self.format = value if value in FORMATS else "csv"

    @rx.event
    def set_enabled(self, value: bool):
        self.enabled = bool(value)

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
    def set_by_email(self, value: bool):
        self.by_email = bool(value)

    @rx.event
    def set_by_in_app(self, value: bool):
        self.by_in_app = bool(value)

    @rx.event
    def set_outside_emails(self, value: str):
        self.outside_emails = value

    def _body(self, item: ScheduleItem | None = None, **changes: Any) -> dict[str, Any]:
        if item is not None:
            body = {
                **target_body(item.report_id),
                "cron": item.cron,
                "format": item.format,
                "enabled": item.enabled,
                "timezone": item.timezone,
                "delivery": item.delivery or None,
            }
        else:
            body = {
                **target_body(self.report_id),
                "cron": self.cron.strip(),
                "format": self.format,
                "enabled": self.enabled,
                "timezone": self.timezone.strip() or "UTC",
                "delivery": df.delivery_body(
                    self.delivery_users,
                    self.by_email,
                    self.by_in_app,
                    self.outside_emails,
                    self.delivery_webhooks,
                ),
            }
        return {**body, **changes}

    @rx.event
    async def save(self):
        if not self.report_id:
            self.form_error = "Choose a saved report or a dashboard to export."
            return None
        client = await self._api()
        try:
            if self.editing:
                saved = await client.replace_schedule(self.editing, self._body())
            else:
                saved = await client.create_schedule(self._body())
        except ApiError as exc:
            return self._failed(exc, field="form_error")
        self.open = False
        self.notice = "Schedule saved."
        await self._refresh(client)
        return ScheduleState.show_runs(str(saved.get("id", "")))

    @rx.event
    async def toggle_enabled(self, schedule_id: str):
        item = next((x for x in self.schedules if x.id == schedule_id), None)
        if item is None:
            return None
        client = await self._api()
        try:
            await client.replace_schedule(schedule_id, self._body(item, enabled=not item.enabled))
        except ApiError as exc:
            return self._failed(exc)
        self.notice = "Schedule paused." if item.enabled else "Schedule enabled."
        return await self._refresh(client)

    @rx.event
    async def delete(self, schedule_id: str):
        client = await self._api()
        try:
            await client.delete_schedule(schedule_id)
        except ApiError as exc:
            return self._failed(exc)
        if self.runs_for == schedule_id:
            self.runs_for, self.runs = "", []
        self.notice = "Schedule deleted."
        return await self._refresh(client)

    # ---- run history ----------------------------------------------------------------------

    @rx.event
    def show_runs(self, schedule_id: str):
        item = next((x for x in self.schedules if x.id == schedule_id), None)
        self.runs_for, self.runs, self.deliveries = schedule_id, [], []
        self.runs_title = f"{item.report_name} · {item.cron_text}" if item else ""
        return ScheduleState.watch_runs

    @rx.event
    def hide_runs(self):
        self.runs_for, self.runs = "", []

    @rx.event(background=True)
    async def watch_runs(self):
        """Refresh the history every few seconds while it is open, so new runs appear."""
        async with self:
            schedule_id = self.runs_for
            auth = await self.get_state(AuthState)
            client, token = auth._client(), auth._token
            generation = await self._begin()
        waited = 0.0
        while waited <= WATCH_FOR_S:
            try:
                runs = await client.schedule_runs(schedule_id)
                sent = await client.schedule_deliveries(schedule_id)
            except ApiError as exc:
                async with self:
                    if self.runs_for == schedule_id and await self._current(generation):
                        self.error = exc.message
                return
            async with self:
                if self.runs_for != schedule_id or not await self._current(generation):
                    return
                tab = self.router.session.client_token
                self.runs = [await self._run(r, token, tab) for r in runs]
                self.deliveries = [delivery_item(d) for d in sent]
            await asyncio.sleep(WATCH_EVERY_S)
            waited += WATCH_EVERY_S

    async def _run(self, r: dict[str, Any], token: str, tab: str) -> RunItem:
        run_id, export_id = str(r.get("id", "")), r.get("export_id")
        href = ""
        if r.get("download_url") and export_id:
            href, made = self._tickets.get(run_id, ("", 0.0))
            if time.monotonic() - made > downloads.TICKET_TTL_S / 2:  # links live minutes
                href, made = await downloads.issue(token, str(export_id), tab), time.monotonic()
                self._tickets[run_id] = (href, made)
        rows = r.get("rows_written")
        return RunItem(
            id=run_id,
            scheduled_for=st.shown_time(str(r.get("scheduled_for", ""))),
            status=str(r.get("status", "")),
            rows=f"{rows:,}" if isinstance(rows, int) else "",
            error=str(r.get("error") or ""),
            href=href,
        )
