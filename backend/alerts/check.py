"""One claimed check: each person's value, their condition, the firings and the sends.

The owner's value is always computed (it is what the history shows, and what outside
addresses and webhooks receive); each Aurora user the alert goes to gets a value of their
own, computed as them through the query service (their row-level security, hidden columns
and the cost gate), a condition judged on it and a fire-once state of their own. A person
is told when their condition becomes true, and again only after it has been false.

A check is recorded (verdicts, states, firings) in one transaction, then its firings are
sent, then it is finished. Its claim is a lease renewed meanwhile; a check taken up again
after its ticker died is judged afresh when it was not recorded yet, and otherwise only sends
what its firings have not sent (each send once, by its firing: backend.delivery.outbox).

A report the owner can no longer open, or an owner no longer active, stops the alert with
the reason recorded on the check and on the alert.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass

from backend.alerts.claim import renew
from backend.alerts.condition import Condition
from backend.alerts.measure import as_number, total_spec
from backend.alerts.message import alert_message
from backend.alerts.recipients import hears_owner, of_user, outside
from backend.alerts.record import AlertView, Verdict, finish, load, record, sent, stop
from backend.delivery.lease import heartbeat
from backend.delivery.message import Recipient
from backend.delivery.outbox import Outbox, Source
from backend.errors import AuroraError
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.services.queries import QueryService
from backend.store.engine import Store

log = logging.getLogger("aurora.alerts")


@dataclass(frozen=True)
class AlertDeps:
    """What checking an alert needs; the API's and the worker's AppContext build it."""

    store: Store
    queries: QueryService
    outbox: Outbox
    link: str = "/alerts"


@dataclass
class _Sends:
    sent: int = 0
    failed: int = 0


async def run_check(deps: AlertDeps, check_id: str) -> None:
    """Run a claimed check to its end; nothing it meets is raised (it is recorded)."""
    hidden = deps.queries.policy.hidden_from
    view = await asyncio.to_thread(load, deps.store, check_id, hidden)
    if view is None:
        return
    if view.stopped is not None:
        await asyncio.to_thread(stop, deps.store, view.alert_id, check_id, view.stopped)
        return
    error: str | None = None
    try:
        async with heartbeat(functools.partial(renew, deps.store, check_id)):
            await _run(deps, view, check_id)
    except Exception as e:  # an error is recorded and ends the check; only a death retries it
        log.exception("alert %s: check %s failed", view.alert_id, check_id)
        error = f"The check failed: {type(e).__name__}."
    await asyncio.to_thread(finish, deps.store, check_id, error)


async def _run(deps: AlertDeps, view: AlertView, check_id: str) -> None:
    firings = await _firings(deps, view, check_id)
    for person in view.people:
        if person.id in firings:
            firing_id, value = firings[person.id]
            sends = await _announce(deps, view, person, value, firing_id)
            await asyncio.to_thread(sent, deps.store, firing_id, sends.sent, sends.failed)


async def _firings(
    deps: AlertDeps, view: AlertView, check_id: str
) -> dict[int, tuple[str, float | None]]:
    """Judge each person and record the check, or (taken up after a crash) its firings as
    they were recorded: (firing id, value) by user id."""
    if view.recorded is not None:
        return view.recorded
    verdicts = [await _judge(deps.queries, view, person) for person in view.people]
    ids = await asyncio.to_thread(record, deps.store, view, check_id, verdicts)
    return {v.user.id: (ids[v.user.id], v.value) for v in verdicts if v.user.id in ids}


async def _judge(queries: QueryService, view: AlertView, person: User) -> Verdict:
    previous = view.states.get(person.id)
    try:
        value = await measure_value(queries, view.spec, view.measure, person)
    except AuroraError as e:
        return Verdict(person, None, None, False, e.message)
    except Exception as e:  # a check never takes the ticker down; it records why
        log.exception("alert %s: the check for user %s failed", view.alert_id, person.id)
        return Verdict(person, None, None, False, f"The check failed: {type(e).__name__}.")
    was_met, last_value = previous if previous is not None else (False, None)
    met = Condition(kind=view.kind, threshold=view.threshold).holds(value, last_value)
    return Verdict(person, value, met, met and not was_met, None)


async def measure_value(
    queries: QueryService, spec: QuerySpec, measure: str, person: User
) -> float | None:
    """The measure's total as `person` may see the data; None for an empty result."""
    page = await queries.page(total_spec(spec), person)
    names = [column["name"] for column in page.columns]
    if not page.rows or measure not in names:
        return None
    return as_number(page.rows[0][names.index(measure)])


def _recipients(view: AlertView, person: User) -> list[Recipient]:
    if person.id != view.owner.id:
        return of_user(person, view.delivery)
    own = of_user(person, view.delivery) if hears_owner(person, view.delivery) else []
    return own + outside(view.delivery)


async def _announce(
    deps: AlertDeps, view: AlertView, person: User, value: float | None, firing_id: str
) -> _Sends:
    source = Source("alert", view.alert_id, view.owner, occasion=firing_id)
    message = alert_message(view, value, deps.link)
    sends = _Sends()
    for recipient in _recipients(view, person):
        outcome = await deps.outbox.deliver(source, recipient, message)
        if outcome.status == "sent":
            sends.sent += 1
        else:
            sends.failed += 1
    return sends
