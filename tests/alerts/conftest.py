"""An app (lifespan entered, no Redis) over a warehouse of its own whose `metrics` dataset
is a folder of Parquet files: each file a test adds is a new data version."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import select

from backend.alerts.check import AlertDeps
from backend.alerts.ticker import tick
from backend.delivery.tables import NotificationRow
from backend.delivery.webhook_table import WebhookRow
from backend.store.engine import Store
from backend.store.models import UserRow
from tests.store.fixtures import Api, _running_api

TOTAL = {"agg": "sum", "column": "amount", "alias": "total"}
_files = itertools.count()


@dataclass
class AlertsEnv:
    api: Api
    warehouse: Path

    def add_rows(self, *rows: tuple[str, float]) -> None:
        """One more file in `metrics` (a new data version): (region, amount) rows."""
        values = ", ".join(f"('{region}', {amount})" for region, amount in rows)
        path = self.warehouse / "metrics" / f"part_{next(_files):04d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect() as con:
            con.execute(
                f"COPY (SELECT * FROM (VALUES {values}) t(region, amount)) TO '{path}' "
                "(FORMAT parquet)"
            )

    @property
    def deps(self) -> AlertDeps:
        deps: AlertDeps = self.api.app.state.context.alert_deps
        return deps

    def tick(self, **kw: Any) -> int:
        """One tick of the app's alert ticker, on the app's own event loop."""
        portal = self.api.client.portal
        assert portal is not None
        return int(portal.call(lambda: tick(self.deps, **kw)))

    def report(self, headers: dict[str, str], *, shared: bool = False, **spec: Any) -> str:
        body = {"dataset": "metrics", "measures": [TOTAL], **spec}
        r = self.api.client.post(
            "/api/reports",
            json={"name": "Revenue", "spec": body, "shared": shared},
            headers=headers,
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def alert(self, headers: dict[str, str], report_id: str, **fields: Any) -> dict[str, Any]:
        body = {
            "report_id": report_id,
            "name": "Revenue watch",
            "condition": {"kind": "above", "threshold": 100},
            "on_new_version": True,
            **fields,
        }
        r = self.api.client.post("/api/alerts", json=body, headers=headers)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def history(self, headers: dict[str, str], alert_id: str) -> dict[str, Any]:
        r = self.api.client.get(f"/api/alerts/{alert_id}/history", headers=headers)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def webhook(self, name: str = "ops") -> str:
        """An admin's webhook target, put in the store (this app allows no host to send to)."""
        with self.api.store.session() as session:
            row = WebhookRow(
                name=name, url="http://127.0.0.1:9/hook", format="slack", secret_sealed="-"
            )
            session.add(row)
            session.flush()
            return str(row.id)

    def notifications(self, username: str) -> list[NotificationRow]:
        with self.api.store.session() as session:
            user_id = session.scalar(select(UserRow.id).where(UserRow.username == username))
            rows = session.scalars(
                select(NotificationRow)
                .where(NotificationRow.user_id == user_id)
                .order_by(NotificationRow.created_at)
            ).all()
            session.expunge_all()
            return list(rows)


@pytest.fixture
def alerts_env(sqlite_store: Store, tmp_path: Path) -> Iterator[AlertsEnv]:
    warehouse = tmp_path / "warehouse"
    env = AlertsEnv(api=None, warehouse=warehouse)  # type: ignore[arg-type]
    env.add_rows(("North", 10), ("South", 10))
    for api in _running_api(sqlite_store, tmp_path, data_dir=warehouse, redis_url=None):
        env.api = api
        yield env
