"""Admin: GDPR erase of a Delta dataset's rows, on the dataset's settings card.

Three steps, each its own event: a condition (column, `=` or `in`, value), a preview that
counts the rows it matches per load, and the erase, which runs only once the admin has typed
the dataset key (or ERASE) and sends the previewed count, so rows that arrived since the
preview make the API refuse rather than erase more than was shown.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from aurora import filters as flt
from aurora import formatting as fmt
from aurora.api_client import ApiError
from aurora.state import session
from aurora.state.admin_datasets import AdminDatasetsState
from aurora.state.base import PageState

OPERATORS = ("=", "in")
CONFIRM_WORD = "ERASE"


def partition_text(part: dict[str, Any]) -> str:
    """One line of the preview: the load's values and its matching rows.

    >>> partition_text({"values": {"load_type": "DAILY", "load_id": 2}, "rows": 1200})
    'load_type=DAILY, load_id=2: 1,200 rows'
    >>> partition_text({"values": {}, "rows": 1})
    'the whole table: 1 row'
    """
    values = part.get("values") or {}
    where = ", ".join(f"{k}={v}" for k, v in values.items()) or "the whole table"
    n = int(part.get("rows") or 0)
    return f"{where}: {n:,} row{'' if n == 1 else 's'}"


def confirmed(typed: str, key: str) -> bool:
    """The typed confirmation: the dataset's key or the word ERASE, exactly.

    >>> confirmed("people", "people"), confirmed("ERASE", "people"), confirmed("erase", "x")
    (True, True, False)
    """
    return bool(key) and typed.strip() in (key, CONFIRM_WORD)


@session.forgotten
class EraseState(PageState, rx.State):
    column: str = ""
    operator: str = "="
    value: str = ""
    key: str = ""  # the dataset the preview counted
    matched: int = -1  # rows the preview counted; -1 before a preview
    by_load: list[str] = []
    _filters: dict[str, Any] = {}  # the filter the preview counted, sent again to erase
    confirm_text: str = ""
    result: str = ""

    @rx.var
    def can_erase(self) -> bool:
        return self.matched > 0 and confirmed(self.confirm_text, self.key)

    @rx.event
    def set_erase_field(self, name: str, value: str):
        """A change to the condition makes the preview stale: preview again."""
        if name in ("column", "operator", "value"):
            setattr(self, name, value if name != "operator" or value in OPERATORS else "=")
            self.matched, self.by_load, self.confirm_text = -1, [], ""
        elif name == "confirm_text":
            self.confirm_text = value

    async def _condition(self) -> tuple[str, dict[str, Any]] | None:
        datasets = await self.get_state(AdminDatasetsState)
        kinds = {c.name: fmt.kind_of(c.type) for c in datasets.columns}
        if self.column not in kinds or not self.value.strip():
            return None
        row = flt.FilterRow(
            column=self.column,
            operator=self.operator,
            value=self.value,
            col_kind=kinds[self.column],
        )
        return datasets.key, {"op": "and", "conditions": [flt.condition_spec(row)]}

    @rx.event
    async def preview(self):
        found = await self._condition()
        self.result, self.error, self.confirm_text = "", "", ""
        if found is None:
            self.error = "Choose a column and the value of the rows to erase."
            return None
        key, filters = found
        try:
            answer = await (await self._api()).erase(key, {"filters": filters})
        except ApiError as exc:
            self.matched, self.by_load = -1, []
            return self._failed(exc)
        self.key, self._filters = key, filters
        self.matched = int(answer.get("rows") or 0)
        self.by_load = [partition_text(p) for p in answer.get("by_partition") or []]
        return None

    @rx.event
    async def erase(self):
        if not self.can_erase:
            return None
        body = {"filters": self._filters, "confirm": True, "expected_rows": self.matched}
        try:
            answer = await (await self._api()).erase(self.key, body)
        except ApiError as exc:
            self.matched, self.by_load, self.confirm_text = -1, [], ""
            return self._failed(exc)
        n = int(answer.get("erased_rows") or 0)
        self.result = (
            f"Erased {n:,} row{'' if n == 1 else 's'} from '{self.key}' "
            f"(now version {answer.get('version')}); earlier versions can no longer show them."
        )
        self.matched, self.by_load, self.confirm_text = -1, [], ""
        return None
