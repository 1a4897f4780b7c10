"""What a firing says: the alert, the value the recipient may see, the condition."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend.alerts.condition import Condition
from backend.delivery.message import Message

if TYPE_CHECKING:
    from backend.alerts.record import AlertView


def number(value: float | None) -> str:
    """
    >>> number(1234567.0), number(12.345), number(None)
    ('1,234,567', '12.35', 'no value')
    """
    if value is None:
        return "no value"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def alert_message(view: AlertView, value: float | None, link: str) -> Message:
    condition = Condition(kind=view.kind, threshold=view.threshold)
    text = (
        f"{view.measure} is {number(value)}: {condition.describe()} (report '{view.report_name}')."
    )
    facts = {
        "alert_id": view.alert_id,
        "alert": view.name,
        "report": view.report_name,
        "measure": view.measure,
        "value": value,
        "condition": view.kind,
        "threshold": view.threshold,
    }
    return Message(subject=f"Alert: {view.name}", text=text, link=link, facts=facts)
