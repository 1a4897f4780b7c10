"""The minute tick: claim every alert that is due (its cron time came, or one of its
datasets has a new data version), and every check a dead ticker left unfinished, and run the
checks this ticker claimed.

The ARQ worker runs it from a cron job; without Redis, each API process runs `loop`. Either
way, the claims (backend.alerts.claim) make each check happen once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from backend.alerts.check import AlertDeps, run_check
from backend.alerts.claim import claim, due_on_schedule, reclaim_abandoned, watching_versions
from backend.errors import AuroraError, BadRequest
from backend.query.spec import QuerySpec
from backend.store.base import utcnow

log = logging.getLogger("aurora.alerts")

_STATIC = ("", "static")


def data_versions(catalog: Any, spec: QuerySpec) -> dict[str, str]:
    """The current data version of each dataset `spec` reads (the result cache keys on the
    same); BadRequest for a dataset without versions (a database table or view)."""
    versions = {key: catalog.get(key).version for key in sorted(spec.datasets)}
    static = [key for key, version in versions.items() if version in _STATIC]
    if static:
        raise BadRequest(
            f"Dataset '{static[0]}' has no data versions: check this alert on a schedule."
        )
    return versions


def _version_claims(deps: AlertDeps, now: dt.datetime) -> list[str]:
    """Claims for every alert whose datasets changed version. One whose datasets cannot be
    read any more is claimed too: its check records why and stops it."""
    claimed: list[str] = []
    watching = watching_versions(deps.store)
    catalog = deps.queries.catalog
    if watching:
        catalog.refresh()  # a new file in the warehouse is seen now, not a second later
    for alert_id, spec, seen in watching:
        try:
            versions = data_versions(catalog, QuerySpec.model_validate(spec))
        except AuroraError as e:
            versions = {"unreadable": e.message}
        if versions != seen:
            check_id = claim(deps.store, alert_id, now, versions)
            if check_id is not None:
                claimed.append(check_id)
    return claimed


def _claims(deps: AlertDeps, now: dt.datetime) -> list[str]:
    """Checks abandoned by a ticker that died first (they are older), then what is due."""
    abandoned = reclaim_abandoned(deps.store, now)
    claimed = [claim(deps.store, alert_id, now) for alert_id in due_on_schedule(deps.store, now)]
    return abandoned + [c for c in claimed if c is not None] + _version_claims(deps, now)


async def tick(deps: AlertDeps, now: dt.datetime | None = None) -> int:
    """Claim what is due at `now` and check it; how many checks this ticker ran."""
    claimed = await asyncio.to_thread(_claims, deps, now or utcnow())
    for check_id in claimed:
        await run_check(deps, check_id)
    return len(claimed)


async def loop(deps: AlertDeps) -> None:
    """The in-process ticker (no Redis): a tick just after each minute starts."""
    while True:
        await asyncio.sleep(60 - utcnow().second + 0.5)
        try:
            await tick(deps)
        except Exception:
            log.exception("alert tick failed")
