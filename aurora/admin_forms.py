"""Admin form text <-> the admin API's JSON. Pure functions, unit-tested.

User attributes are typed as lines `name = value, value` (the row-level security input);
upload type overrides are `column -> TYPE` pairs; audit times are UTC minutes.
"""

from __future__ import annotations

import re
from typing import Any

UPLOAD_TYPES = (
    "",
    "BIGINT",
    "INTEGER",
    "DOUBLE",
    "DECIMAL(18,2)",
    "DATE",
    "TIMESTAMP",
    "BOOLEAN",
    "VARCHAR",
)
COLUMN_FORMATS = (
    *("", "integer", "currency", "currency:USD", "currency:EUR", "currency:GBP", "currency:JPY"),
    *("percent", "decimal:2"),
)
_ATTR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


def parse_attributes(text: str) -> tuple[dict[str, list[str]], str]:
    """`region = North, West` per line -> ({"region": ["North", "West"]}, error)."""
    out: dict[str, list[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, values = line.partition("=")
        name = name.strip()
        if not sep or not _ATTR_NAME.match(name):
            return {}, f"Line {number}: write attributes as 'name = value, value'."
        out[name] = [v.strip() for v in values.split(",") if v.strip()]
    return out, ""


def format_attributes(attributes: dict[str, Any]) -> str:
    lines = []
    for name, value in attributes.items():
        values = value if isinstance(value, list) else [value]
        lines.append(f"{name} = {', '.join(str(v) for v in values)}")
    return "\n".join(lines)


def attributes_text(attributes: dict[str, Any]) -> str:
    """One line for a table cell: `region: North, West · level: 3`."""
    return " · ".join(
        f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in attributes.items()
    )


def type_overrides(pairs: list[tuple[str, str]]) -> str:
    """The upload's `types` field (JSON text), or '' when nothing is overridden."""
    import json

    chosen = {c.strip(): t for c, t in pairs if c.strip() and t}
    return json.dumps(chosen) if chosen else ""


def audit_time(value: str) -> str:
    """A `datetime-local` value (no zone) read as UTC, the way the API wants it."""
    value = value.strip()
    if not value:
        return ""
    return value if value.endswith("Z") or "+" in value[10:] else f"{value}Z"


def settings_patch(original: dict[str, Any], edited: dict[str, Any]) -> dict[str, Any]:
    """Only what changed, in the PATCH shape; a column's changed fields, per column."""
    patch: dict[str, Any] = {}
    for key in (
        "label",
        "description",
        "rls",
        "rls_admin_exempt",
        "mandatory_filters",
        "vintage",
        "synonyms",
    ):
        if edited.get(key) != original.get(key):
            patch[key] = edited.get(key)
    columns: dict[str, dict[str, Any]] = {}
    before = original.get("columns", {})
    for name, fields in edited.get("columns", {}).items():
        changed = {k: v for k, v in fields.items() if before.get(name, {}).get(k) != v}
        if changed:
            columns[name] = changed
    if columns:
        patch["columns"] = columns
    return patch


def synonyms_text(value: Any) -> str:
    """A synonyms list as the settings' text field shows it: comma-separated."""
    return ", ".join(str(v) for v in value or [])


def synonyms_list(text: str) -> list[str]:
    """The text field's synonyms: split on commas, blanks dropped, each once, in order.

    >>> synonyms_list(" sales, orders,, Sales ,turnover")
    ['sales', 'orders', 'turnover']
    """
    out: list[str] = []
    for part in text.split(","):
        word = part.strip()[:100]
        if word and word.casefold() not in {w.casefold() for w in out}:
            out.append(word)
    return out[:50]


def key_in_effect(columns: list[str], source: str | None) -> str:
    """The dataset's key in effect (erase, Z-order, change pushes, uploads) and where it comes
    from, from the admin API's `effective_primary_key` and `primary_key_source`.

    >>> key_in_effect(["order_id"], "table")
    'order_id (declared by the table)'
    >>> key_in_effect(["load_id", "order_id"], "setting")
    'load_id, order_id (the primary_key setting)'
    >>> key_in_effect([], None)
    'None: rows are not keyed'
    """
    if not columns:
        return "None: rows are not keyed"
    where = "declared by the table" if source == "table" else "the primary_key setting"
    return f"{', '.join(columns)} ({where})"
