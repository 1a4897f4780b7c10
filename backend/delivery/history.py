"""What the owner reads about a source's sends: each delivery's channel, recipient, status,
attempts and error, newest first."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from backend.delivery.tables import DeliveryRow
from backend.store.engine import Store

SHOWN = 500


def deliveries_of(store: Store, kind: str, source_ids: Sequence[str]) -> list[DeliveryRow]:
    if not source_ids:
        return []
    query = (
        select(DeliveryRow)
        .where(DeliveryRow.source_kind == kind, DeliveryRow.source_id.in_(list(source_ids)))
        .order_by(DeliveryRow.created_at.desc(), DeliveryRow.id)
        .limit(SHOWN)
    )
    with store.session() as session:
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows
