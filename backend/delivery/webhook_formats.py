"""A Message as each kind of receiver wants it: Slack's blocks, a Teams Adaptive Card, or a
generic JSON of the message's facts. One function per format, registered in FORMATS."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from backend.delivery.message import Message

Payload = dict[str, Any]
SLACK_SECTION_CHARS = 3000  # Slack refuses a longer section text
SLACK_HEADER_CHARS = 150
SLACK_FIELDS = 10


def _facts(message: Message) -> dict[str, str]:
    """Facts as text: numbers and dates as JSON would write them, text as it is."""
    return {
        str(k): v if isinstance(v, str) else json.dumps(v, default=str)
        for k, v in message.facts.items()
    }


def _absolute(link: str | None) -> str | None:
    return link if link and link.startswith(("https://", "http://")) else None


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(message: Message) -> Payload:
    """`text` is the notification's fallback; `blocks` what Slack shows.

    >>> slack(Message(subject="Sales", text="a < b"))["blocks"][1]["text"]["text"]
    'a &lt; b'
    """
    blocks: list[Payload] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": message.subject[:SLACK_HEADER_CHARS]},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": _slack_escape(message.text)[:SLACK_SECTION_CHARS] or " ",
            },
        },
    ]
    fields = [
        {"type": "mrkdwn", "text": f"*{_slack_escape(k)}*\n{_slack_escape(v)}"[:2000]}
        for k, v in list(_facts(message).items())[:SLACK_FIELDS]
    ]
    if fields:
        blocks.append({"type": "section", "fields": fields})
    if link := _absolute(message.link):
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"<{link}|Open in Aurora>"}],
            }
        )
    return {"text": f"{message.subject}\n{message.text}", "blocks": blocks}


def teams(message: Message) -> Payload:
    """An Adaptive Card in the message envelope Teams' incoming webhooks (Workflows) take."""
    body: list[Payload] = [
        {
            "type": "TextBlock",
            "text": message.subject,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
        {"type": "TextBlock", "text": message.text, "wrap": True},
    ]
    if facts := _facts(message):
        body.append(
            {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in facts.items()]}
        )
    card: Payload = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if link := _absolute(message.link):
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in Aurora", "url": link}]
    content_type = "application/vnd.microsoft.card.adaptive"
    return {"type": "message", "attachments": [{"contentType": content_type, "content": card}]}


def generic(message: Message) -> Payload:
    """The message's own fields, for a receiver of one's own."""
    return {
        "event": "aurora.delivery",
        "subject": message.subject,
        "text": message.text,
        "link": message.link,
        "facts": dict(message.facts),
    }


FORMATS: Mapping[str, Callable[[Message], Payload]] = {
    "slack": slack,
    "teams": teams,
    "generic": generic,
}


def body_of(format_name: str, message: Message) -> bytes:
    """The request body, serialised once: the signature is computed over these exact bytes."""
    payload = FORMATS[format_name](message)
    return json.dumps(payload, default=str, ensure_ascii=False, separators=(",", ":")).encode()
