"""What the alerts page shows of the API's alerts and checks: a few strings each."""

from __future__ import annotations

import dataclasses
from typing import Any

from aurora import schedule_times as st

KINDS = (("above", "is above"), ("below", "is below"), ("changes_by", "changes by more than %"))


@dataclasses.dataclass
class AlertItem:
    id: str = ""
    name: str = ""
    report_name: str = ""
    condition: str = ""
    trigger: str = ""
    enabled: bool = True
    stopped: str = ""
    # what the editor needs to open it again
    report_id: str = ""
    measure: str = ""
    kind: str = "above"
    threshold: str = ""
    cron: str = ""
    timezone: str = "UTC"
    delivery: dict[str, Any] = dataclasses.field(default_factory=dict)  # the API's field


@dataclasses.dataclass
class CheckItem:
    id: str = ""
    at: str = ""
    value: str = ""
    met: str = ""
    fired: bool = False
    error: str = ""


def condition_text(measure: str, condition: dict[str, Any]) -> str:
    """
    >>> condition_text("total", {"kind": "above", "threshold": 100.0})
    'total above 100'
    >>> condition_text("total", {"kind": "changes_by", "threshold": 12.5})
    'total changes by more than 12.5%'
    """
    kind, threshold = str(condition.get("kind", "")), float(condition.get("threshold", 0))
    if kind == "changes_by":
        return f"{measure} changes by more than {threshold:g}%"
    return f"{measure} {kind} {threshold:g}"


def trigger_text(a: dict[str, Any]) -> str:
    if a.get("on_new_version"):
        return "On each new data version"
    return f"{st.describe(str(a.get('cron', '')))} ({a.get('timezone') or 'UTC'})"


def alert_item(a: dict[str, Any], names: dict[str, str]) -> AlertItem:
    report_id = str(a.get("report_id", ""))
    condition = a.get("condition") or {}
    return AlertItem(
        id=str(a.get("id", "")),
        name=str(a.get("name", "")),
        report_name=names.get(report_id, report_id),
        condition=condition_text(str(a.get("measure", "")), a.get("condition") or {}),
        trigger=trigger_text(a),
        enabled=bool(a.get("enabled")),
        stopped=str(a.get("stopped_reason") or ""),
        report_id=report_id,
        measure=str(a.get("measure", "")),
        kind=str(condition.get("kind", "above")),
        threshold=f"{float(condition.get('threshold', 0)):g}",
        cron=str(a.get("cron") or ""),
        timezone=str(a.get("timezone") or "UTC"),
        delivery=dict(a.get("delivery") or {}),
    )


def check_item(c: dict[str, Any]) -> CheckItem:
    value, met = c.get("value"), c.get("met")
    return CheckItem(
        id=str(c.get("id", "")),
        at=st.shown_time(str(c.get("finished_at") or c.get("scheduled_for") or "")),
        value="" if value is None else f"{float(value):,.2f}",
        met="" if met is None else ("true" if met else "false"),
        fired=bool(c.get("fired")),
        error=str(c.get("error") or ""),
    )


def measures_of(report: dict[str, Any]) -> list[str]:
    """The measure aliases of a report's spec (an alert needs one)."""
    return [str(m.get("alias", "")) for m in (report.get("spec") or {}).get("measures") or []]
