"""Join builder logic: key pairs of compatible types, the API's join objects, and renaming
the grid's column references when a join makes a name ambiguous. Pure functions."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from aurora.formatting import NUMERIC_KINDS, TEMPORAL_KINDS
from aurora.state.models import ColumnMeta

JOIN_TYPES = ("inner", "left", "right", "full")
JOIN_TEXT = {
    "inner": "Only rows with a match on both sides",
    "left": "Every row of the left side; the right side's where it matches",
    "right": "Every row of the right side; the left side's where it matches",
    "full": "Every row of both sides, matched where possible",
}


@dataclasses.dataclass
class KeyOption:
    name: str = ""  # qualified: dataset.column
    label: str = ""


@dataclasses.dataclass
class JoinEdit:
    """One joined dataset in the builder, with its key pairs flattened for display."""

    id: str = ""
    dataset: str = ""
    label: str = ""
    type: str = "left"
    description: str = ""


@dataclasses.dataclass
class KeyPair:
    id: str = ""
    join_id: str = ""
    left: str = ""
    right: str = ""
    left_options: list[KeyOption] = dataclasses.field(default_factory=list)
    right_options: list[KeyOption] = dataclasses.field(default_factory=list)
    error: str = ""


def family(kind: str) -> str:
    """Keys join when both are numbers, both text, both dates (or both true/false)."""
    if kind in NUMERIC_KINDS:
        return "number"
    if kind in TEMPORAL_KINDS:
        return "date"
    return kind


def qualified(dataset: str, columns: list[ColumnMeta], label: str) -> list[KeyOption]:
    return [KeyOption(name=f"{dataset}.{c.name}", label=f"{label} · {c.label}") for c in columns]


def kinds_of(datasets: dict[str, list[ColumnMeta]]) -> dict[str, str]:
    """Qualified column name -> kind, over every dataset in the builder."""
    return {f"{key}.{c.name}": c.kind for key, cols in datasets.items() for c in cols}


def right_options(
    left: str, right_dataset: str, datasets: dict[str, list[ColumnMeta]], label: str
) -> list[KeyOption]:
    """The right dataset's columns whose type can be compared with the left key."""
    left_family = family(kinds_of(datasets).get(left, ""))
    cols = datasets.get(right_dataset, [])
    fitting = [c for c in cols if not left or family(c.kind) == left_family]
    return qualified(right_dataset, fitting, label)


def guess_pair(
    left_sides: list[str], right_dataset: str, datasets: dict[str, list[ColumnMeta]]
) -> tuple[str, str]:
    """A first key pair: a column of the same name and family on both sides, ids first."""
    kinds = kinds_of(datasets)
    right = {c.name: c.kind for c in datasets.get(right_dataset, [])}
    candidates = []
    for side in left_sides:
        for c in datasets.get(side, []):
            if c.name in right and family(c.kind) == family(right[c.name]):
                score = 0 if re.search(r"(^|_)(id|key)$", c.name) else 1
                candidates.append((score, f"{side}.{c.name}", f"{right_dataset}.{c.name}"))
    if candidates:
        _, left, right_name = min(candidates)
        return left, right_name
    first_left = next((f"{s}.{c.name}" for s in left_sides for c in datasets.get(s, [])), "")
    fits = [n for n, k in right.items() if family(k) == family(kinds.get(first_left, ""))]
    return first_left, (f"{right_dataset}.{fits[0]}" if fits else "")


def to_spec(joins: list[JoinEdit], pairs: list[KeyPair]) -> list[dict[str, Any]]:
    """The API's `joins` list; pairs missing a side are left out."""
    out = []
    for j in joins:
        on = [
            {"left": p.left, "right": p.right}
            for p in pairs
            if p.join_id == j.id and p.left and p.right
        ]
        out.append({"dataset": j.dataset, "type": j.type, "on": on})
    return out


def pair_errors(
    pairs: list[KeyPair], joins: list[JoinEdit], details: list[dict[str, Any]]
) -> dict[str, str]:
    """API error paths like `joins[0].on[1]` -> the key pair they name (pair id -> message)."""
    out: dict[str, str] = {}
    for d in details:
        m = re.match(r"joins\[(\d+)\](?:\.on\[(\d+)\])?", str(d.get("path", "")))
        if not m or int(m.group(1)) >= len(joins):
            continue
        mine = [p for p in pairs if p.join_id == joins[int(m.group(1))].id and p.left and p.right]
        at = int(m.group(2) or 0)
        if mine and at < len(mine):
            out.setdefault(mine[at].id, str(d.get("message") or ""))
    return out


def remap(name: str, new_names: set[str], base: str) -> str | None:
    """A column reference after the schema changed: kept, (un)qualified, or None if gone."""
    if name in new_names:
        return name
    if f"{base}.{name}" in new_names:
        return f"{base}.{name}"
    if name.startswith(f"{base}.") and name[len(base) + 1 :] in new_names:
        return name[len(base) + 1 :]
    return None
