"""Change data capture sources: the admin form's text <-> the API's JSON
(/api/admin/cdc/sources), and a source's last poll in words. Pure functions.

The form holds text as typed. `source_body` turns it into the POST (new) or PATCH (edit)
body and names what is wrong before anything is sent; `field_errors` puts the API's refusal
beside the field it is about: a 422 names the field in its details' path, a 400 from the
registration's check against PostgreSQL names the column or table in words. The connection
URL is write-only: the form sends it when typed and never gets it back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

FIELDS = (
    *("dataset", "schema_name", "table", "key_column", "watermark_column"),
    *("deleted_column", "interval_s", "url"),
)
REQUIRED = {"table": "the table", "key_column": "a key column", "watermark_column": "a watermark"}
MIN_INTERVAL_S, MAX_INTERVAL_S = 2, 86_400
_DATASET = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
# What the API's own words mean for a field, where a pattern's text would not help.
_PLAIN = {
    "dataset": "Letters, digits and _, not starting with a digit (at most 64).",
    "interval_s": f"A whole number of seconds, {MIN_INTERVAL_S} to {MAX_INTERVAL_S:,}.",
    "url": "A postgresql:// URL.",
}
# A 400 from the registration's check, by the field it is about.
_CHECKS = (
    (re.compile(r"^The (key|watermark|deleted) column"), "{0}_column"),
    (re.compile(r"^Cannot read "), "table"),
    (re.compile(r"^Cannot connect|CDC_POSTGRES_URL|sealed under another"), "url"),
    (re.compile(r"^Dataset '.*' (already has|exists)"), "dataset"),
)


@dataclasses.dataclass
class CdcItem:
    """One source as the list shows it, and what its edit form starts from."""

    id: str = ""
    dataset: str = ""
    schema_name: str = ""
    table: str = ""
    key_column: str = ""
    watermark_column: str = ""
    deleted_column: str = ""
    interval_s: int = 60
    enabled: bool = True
    has_own_url: bool = False
    every: str = ""  # "every 60 s"
    last_run: str = ""  # "2026-12-03 07:10:05 UTC", or "never"
    status: str = ""  # ok | failed | "" (never polled)
    rows: str = ""  # the last poll's rows, in words
    watermark: str = ""
    last_error: str = ""
    outcome: str = ""  # this page's last "Run now", in words
    outcome_ok: bool = True


def empty_form() -> dict[str, str]:
    return {name: "" for name in FIELDS} | {"schema_name": "public", "interval_s": "60"}


def no_errors() -> dict[str, str]:
    return dict.fromkeys(FIELDS, "")


def form_of(item: CdcItem) -> dict[str, str]:
    """The edit form of a listed source (its URL stays empty: it is never shown)."""
    fields = {name: str(getattr(item, name, "")) for name in FIELDS if name != "url"}
    return fields | {"url": ""}


def source_body(
    form: dict[str, str], enabled: bool, *, new: bool, url_clear: bool = False
) -> tuple[dict[str, Any], dict[str, str]]:
    """The request body, or the problems by field (then nothing is sent).

    >>> body, errors = source_body(empty_form() | {"dataset": "orders", "table": "orders",
    ...     "key_column": "id", "watermark_column": "updated_at"}, True, new=True)
    >>> body["interval_s"], body["deleted_column"], "url" in body, errors
    (60, None, False, {})
    >>> source_body(empty_form() | {"interval_s": "1"}, True, new=False)[1]["interval_s"]
    'A whole number of seconds, 2 to 86,400.'
    """
    text = {name: str(form.get(name, "")).strip() for name in FIELDS}
    errors = {f: f"Give {what}." for f, what in REQUIRED.items() if not text[f]}
    if new and not _DATASET.match(text["dataset"]):
        errors["dataset"] = _PLAIN["dataset"]
    interval = int(text["interval_s"]) if text["interval_s"].isdigit() else 0
    if not MIN_INTERVAL_S <= interval <= MAX_INTERVAL_S:
        errors["interval_s"] = _PLAIN["interval_s"]
    body: dict[str, Any] = {k: text[k] for k in ("table", "key_column", "watermark_column")}
    body |= {"schema_name": text["schema_name"] or "public", "enabled": enabled}
    body |= {"deleted_column": text["deleted_column"] or None, "interval_s": interval}
    if new:
        body["dataset"] = text["dataset"]
    if text["url"]:
        body["url"] = text["url"]
    elif url_clear and not new:
        body["url"] = None  # back to the server's CDC_POSTGRES_URL
    return body, errors


def field_errors(message: str, details: list[dict[str, Any]]) -> dict[str, str]:
    """The API's refusal by form field ({} when it names none).

    >>> field_errors("Invalid request at interval_s: ...", [{"path": "interval_s"}])
    {'interval_s': 'A whole number of seconds, 2 to 86,400.'}
    >>> field_errors("The key column 'nope' is not in public.t.", [])
    {'key_column': "The key column 'nope' is not in public.t."}
    """
    found: dict[str, str] = {}
    for detail in details:
        name = str(detail.get("path") or "").split(".")[0].split("[")[0]
        if name in FIELDS and name not in found:
            found[name] = _PLAIN.get(name) or str(detail.get("message") or message)
    for pattern, name in _CHECKS:
        match = pattern.search(message)
        if match and not found:
            found[name.format(*match.groups())] = message
    return found


def when_text(value: Any) -> str:
    """An API time as the list shows it (UTC, to the second).

    >>> when_text("2026-12-03T07:10:05.123456Z"), when_text(None)
    ('2026-12-03 07:10:05 UTC', '')
    """
    if not value:
        return ""
    at = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    at = at.astimezone(dt.UTC) if at.tzinfo else at
    return at.strftime("%Y-%m-%d %H:%M:%S UTC")


def rows_text(upserted: Any, deleted: Any) -> str:
    """What a poll merged.

    >>> rows_text(3, 0), rows_text(2, 1), rows_text(0, 0), rows_text(None, None)
    ('3 rows merged', '3 rows merged (2 upserted, 1 deleted)', 'nothing new', '')
    """
    if upserted is None and deleted is None:
        return ""
    up, gone = int(upserted or 0), int(deleted or 0)
    total = up + gone
    if total == 0:
        return "nothing new"
    merged = f"{total:,} row{'' if total == 1 else 's'} merged"
    return merged if gone == 0 else f"{merged} ({up:,} upserted, {gone:,} deleted)"


def every_text(seconds: int) -> str:
    """A poll interval.

    >>> every_text(30), every_text(300), every_text(7200)
    ('every 30 s', 'every 5 min', 'every 2 h')
    """
    if seconds % 3600 == 0:
        return f"every {seconds // 3600} h"
    if seconds % 60 == 0:
        return f"every {seconds // 60} min"
    return f"every {seconds} s"


def item(source: dict[str, Any]) -> CdcItem:
    """A source of the API's list (or a run's answer) as the list shows it."""
    interval = int(source.get("interval_s") or 0)
    return CdcItem(
        id=str(source.get("id", "")),
        dataset=str(source.get("dataset", "")),
        schema_name=str(source.get("schema_name", "")),
        table=str(source.get("table", "")),
        key_column=str(source.get("key_column", "")),
        watermark_column=str(source.get("watermark_column", "")),
        deleted_column=str(source.get("deleted_column") or ""),
        interval_s=interval,
        enabled=bool(source.get("enabled", True)),
        has_own_url=bool(source.get("has_own_url")),
        every=every_text(interval) if interval else "",
        last_run=when_text(source.get("last_run_at")) or "never",
        status=str(source.get("last_status") or ""),
        rows=rows_text(source.get("last_upserted"), source.get("last_deleted")),
        watermark=str(source.get("watermark_text") or source.get("watermark") or ""),
        last_error=str(source.get("last_error") or ""),
    )


def run_outcome(answer: dict[str, Any]) -> tuple[str, bool]:
    """A "Run now" answer in words, and whether it went well.

    >>> run_outcome({"last_status": "failed", "last_error": "boom"})
    ('Failed: boom', False)
    >>> at = "2026-12-03T07:10:05Z"
    >>> run_outcome({"last_status": "ok", "last_run_at": at, "last_change_at": at,
    ...     "last_version": 1, "last_upserted": 3, "last_deleted": 0})
    ('New version 1: 3 rows merged.', True)
    >>> run_outcome({"last_status": "ok", "last_run_at": at, "last_upserted": 0})
    ('Nothing new in the source.', True)
    """
    if answer.get("last_status") == "failed":
        return f"Failed: {answer.get('last_error') or 'no reason given'}", False
    changed = answer.get("last_change_at") and answer.get("last_change_at") == answer.get(
        "last_run_at"
    )
    if not changed:
        return "Nothing new in the source.", True
    merged = rows_text(answer.get("last_upserted"), answer.get("last_deleted"))
    return f"New version {answer.get('last_version')}: {merged}.", True
