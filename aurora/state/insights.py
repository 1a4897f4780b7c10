"""The Insights panel beside the chart: what stands out in the chart's measure over time
(POST /api/insights), as sentences; a click opens a finding's own spec in the explorer, the
way a saved report opens (aurora.spec_restore). The API computes everything; this state
keeps the sentences and, on the backend only, the specs they open.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from aurora import spec_restore
from aurora.api_client import ApiClient, ApiError
from aurora.state.base import PageState
from aurora.state.chart import ChartState
from aurora.state.explorer import ExplorerState
from aurora.state.models import Pill

NO_FINDINGS = "Nothing stands out in this chart's data."


def insights_request(spec: dict[str, Any], measure: str) -> dict[str, Any]:
    """The request for the chart of `spec`: its query with the chart's measure only (the
    API finds the date axis among its groups).

    >>> spec = {"dataset": "s", "group_by": ["region"], "page": 3, "measures": [
    ...     {"agg": "sum", "column": "a", "alias": "x"}, {"agg": "count", "alias": "n"}]}
    >>> insights_request(spec, "n")["spec"]["measures"]
    [{'agg': 'count', 'alias': 'n'}]
    >>> insights_request(spec, "")["spec"]["page"]
    1
    >>> "limit" in insights_request({**spec, "limit": 5}, "n")["spec"]
    False
    """
    measures = spec.get("measures") or []
    chosen = [m for m in measures if m.get("alias") == measure] or measures[:1]
    whole = {k: v for k, v in spec.items() if k != "limit"}  # findings read every point
    return {"spec": {**whole, "measures": chosen, "page": 1, "sort": []}}


def finding_pills(findings: list[dict[str, Any]]) -> list[Pill]:
    """One pill per finding: id = its kind, text = its sentence.

    >>> finding_pills([{"kind": "trend", "text": "Up."}])
    [Pill(id='trend', text='Up.')]
    """
    return [Pill(id=str(f.get("kind", "")), text=str(f.get("text", ""))) for f in findings]


class InsightsState(PageState, rx.State):
    findings: list[Pill] = []
    status: str = ""  # what the panel says instead of findings: none found, or asking
    loading: bool = False
    _specs: list[dict[str, Any]] = []

    @rx.event(background=True)
    async def find(self):
        async with self:
            explorer = await self.get_state(ExplorerState)
            chart = await self.get_state(ChartState)
            body = insights_request(explorer._current_spec(), chart.y)
            self.loading, self.error, self.status, self.findings = True, "", "", []
            client = await self._api()
            generation = await self._begin()
        try:
            answer = await client.insights(body)
        except ApiError as exc:
            async with self:
                self.loading = False
                if await self._current(generation):
                    return self._failed(exc)
            return None
        async with self:
            if not await self._current(generation):
                return None
            found = [f for f in answer.get("findings", []) if isinstance(f, dict)]
            self.findings, self._specs = finding_pills(found), [f["spec"] for f in found]
            self.status, self.loading = ("" if found else NO_FINDINGS), False
        return None

    @rx.event
    async def open_finding(self, index: int):
        """The finding's spec in the explorer, restored like a saved report's."""
        if not 0 <= index < len(self._specs):
            return None
        spec = self._specs[index]
        client = await self._api()
        try:
            meta, columns = await _schema(client, spec)
        except ApiError as exc:
            return self._failed(exc)
        explorer = await self.get_state(ExplorerState)
        explorer._reset_dataset()
        explorer._apply_dataset(meta)
        explorer._apply_restored(spec_restore.restore(spec, columns or explorer._base_columns))
        explorer._forget_report()
        if str(self.router.url.path).startswith("/reports/"):
            return [ExplorerState.run_query, rx.redirect("/")]  # the report was left
        return ExplorerState.run_query


async def _schema(client: ApiClient, spec: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """The dataset's metadata, and the joined columns when the spec joins (as reports do)."""
    meta = await client.dataset(str(spec.get("dataset", "")))
    joins = spec.get("joins") or []
    if not joins:
        return meta, None
    schema = await client.joined_schema({"dataset": spec["dataset"], "joins": joins})
    return meta, spec_restore.joined_columns(schema)
