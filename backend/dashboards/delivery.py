"""A dashboard delivered as a file by an export job: the XLSX workbook (every report tile's
full result, one sheet each) or the PDF (the UI's page printed by headless Chromium).

Both run as the job's owner: the dashboard must still be visible to them (theirs or shared,
every dataset visible), each tile's query carries their row-level security, and the PDF's
browser signs in with a token of theirs scoped to this dashboard. The job's `spec` holds
`{"dashboard_id", "view": <the tile-data body: filters and cross pills>}`.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from backend.config import Settings
from backend.dashboards import pdf, print_token, tiles, workbook
from backend.dashboards import store as dashboard_store
from backend.dashboards.models import DashboardIn, TileDataIn
from backend.security.principal import User
from backend.services.queries import QueryService
from backend.store.engine import Store

KIND = "dashboard_id"


def is_dashboard_job(spec: dict[str, Any]) -> bool:
    return KIND in spec


def job_spec(dashboard_id: str, view: TileDataIn) -> dict[str, Any]:
    return {KIND: dashboard_id, "view": view.model_dump(mode="json", exclude={"page_size"})}


@dataclass(frozen=True)
class Delivery:
    settings: Settings
    store: Store
    queries: QueryService
    owner: User
    dashboard_id: str
    view: TileDataIn

    @classmethod
    def of(
        cls, settings: Settings, store: Store, queries: Any, owner: User, spec: dict[str, Any]
    ) -> Delivery:
        view = TileDataIn.model_validate(spec.get("view") or {})
        return cls(settings, store, cast(QueryService, queries), owner, str(spec[KIND]), view)

    def document(self) -> DashboardIn:
        """As the owner sees it now: a dashboard they lost sight of is 404 on the job."""
        hidden = self.queries.policy.hidden_from(self.owner)
        with self.store.session() as session:
            return dashboard_store.visible(session, self.dashboard_id, self.owner, hidden).doc

    def write_xlsx(
        self, part: Path, on_progress: Callable[[int], None], stop: Callable[[], bool]
    ) -> int:
        doc = self.document()
        report_tiles = doc.report_tiles()
        streams = []
        for tile in report_tiles:
            spec = asyncio.run(tiles.tile_spec(self.queries, doc, tile, self.view, self.owner))
            streams.append(self.queries.stream_export(spec, self.owner))
        limit = self.settings.export_excel_max_rows
        return workbook.write_file(part, report_tiles, streams, limit, on_progress, stop)

    def write_pdf(self, part: Path, on_progress: Callable[[int], None]) -> int:
        """The PDF of every tab; returns the number of tabs printed."""
        doc = self.document()
        settings = self.settings
        token, claims = print_token.issue(settings, self.store, self.owner.id, self.dashboard_id)
        job = pdf.PrintJob(
            ui_url=self.settings.ui_url,
            chromium=self.settings.chromium_path,
            timeout_s=float(self.settings.pdf_timeout_s),
            dashboard_id=self.dashboard_id,
            address=self.address(),
            token=token,
        )
        try:
            data = pdf.print_dashboard(job, doc, on_progress)
        finally:
            print_token.revoke(self.store, claims)
        part.write_bytes(data)
        return len(doc.tabs)

    def address(self) -> str:
        """The view as the page's `f` parameter (aurora.dashboard_doc.to_address's JSON)."""
        values: dict[str, Any] = dict(self.view.model_dump(mode="json")["filters"])
        cross = [c.model_dump(mode="json") for c in self.view.cross]
        state = {**values, **({"_cross": cross} if cross else {})}
        return json.dumps(state, separators=(",", ":")) if state else ""


def finish(part: Path, final: Path) -> None:
    os.replace(part, final)  # whole or nothing: a retried job never serves half a file
