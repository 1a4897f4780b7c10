"""Vintage words: which load of a dataset with load columns a question reads.

"latest" is the dataset's default load (backend.catalog.vintage.default_vintage); a load type
("month end", "daily", "restatement") is that type's newest load, "latest" or not; "load
20241130" is that load id (its type when only one type has it); "all loads" is every load.
"""

from __future__ import annotations

from typing import Any, Protocol

from backend.ask.engine import AskContext
from backend.ask.intent import Intent
from backend.ask.lexicon import Meaning
from backend.ask.models import Alternative, Choice
from backend.ask.tagging import Item
from backend.catalog.vintage import default_vintage


class _Reader(Protocol):
    """What this module reads of the parser's reader."""

    context: AskContext
    primary: str
    intent: Intent

    def code(self, i: int) -> str: ...

    def at(self, i: int) -> Item | None: ...

    def meanings(self, i: int) -> list[Meaning]: ...

    def text(self, i: int, j: int) -> str: ...


Found = tuple[dict[str, Any] | None, int]


def _loads(reader: _Reader) -> list[dict[str, Any]]:
    view = reader.context.view(reader.primary)
    if view is None or view.dataset.vintage is None:
        return []
    return view.loads


def _newest(loads: list[dict[str, Any]], load_type: str) -> dict[str, Any] | None:
    for option in loads:
        ids = [i["load_id"] for i in option["load_ids"] if i["load_id"] is not None]
        if option["load_type"] == load_type and ids:
            return {"load_type": load_type, "load_id": ids[0]}
    return None


def _load_type_at(reader: _Reader, i: int) -> str | None:
    found = [m for m in reader.meanings(i) if m.kind == "load_type" and m.dataset == reader.primary]
    return found[0].value if found else None


def vintage_at(reader: _Reader, i: int) -> Found | None:
    loads = _loads(reader)
    code = reader.code(i)
    if not loads:
        return (None, 1) if code in ("V:latest", "V:all") else None
    if code == "V:all":
        return {"all_loads": True}, 1
    if code == "V:latest":
        load_type = _load_type_at(reader, i + 1)
        if load_type is not None:
            return _newest(loads, load_type), 2
        view = reader.context.view(reader.primary)
        assert view is not None and view.dataset.vintage is not None
        return default_vintage(loads, view.dataset.vintage.default_load_type), 1
    load_type = _load_type_at(reader, i)
    if load_type is not None:
        return _newest(loads, load_type), 1
    if code == "V:load":
        return _load_id(reader, loads, i)
    return None


def _load_id(reader: _Reader, loads: list[dict[str, Any]], i: int) -> Found | None:
    j = i + 1
    if reader.code(j) == "V:load":  # "as of load 20241130"
        j += 1
    item = reader.at(j)
    if item is None or item.code not in ("NUM", "DATE"):
        return None
    wanted = item.raw.replace("-", "").replace(",", "")
    types = [
        o["load_type"] for o in loads if any(str(x["load_id"]) == wanted for x in o["load_ids"])
    ]
    if not types:
        reader.intent.unknown.append(item.raw)
        return None, j + 1 - i
    load_id: Any = int(wanted) if wanted.isdigit() else wanted
    if len(types) > 1:
        choices = [Choice(label=f"{t} load {wanted}", value=f"{t} load {wanted}") for t in types]
        reader.intent.alternatives.append(Alternative(text=reader.text(i, j + 1), choices=choices))
        return None, j + 1 - i
    return {"load_type": types[0], "load_id": load_id}, j + 1 - i
