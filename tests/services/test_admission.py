"""The admission queue's order, on its own: who gets a freed database worker next.

The HTTP behaviour (fairness between users, pages before exports, disconnects, the 503) is
in tests/api/test_admission.py; these are the rules no client can set up on purpose.
"""

from __future__ import annotations

import asyncio

import pytest

from backend.errors import Overloaded
from backend.services.admission import Admission, Priority, Ticket, current_ticket, on_its_own


async def _admitted_in_order(admission: Admission, tickets: dict[str, Ticket]) -> list[str]:
    """Queue one statement per ticket, in order, behind a held slot; free it; the order in
    which they got the slot."""
    order: list[str] = []

    async def statement(name: str, ticket: Ticket) -> None:
        async with admission.slot(ticket):
            order.append(name)

    async with admission.slot(Ticket("holder")):
        tasks = []
        for name, ticket in tickets.items():
            tasks.append(asyncio.create_task(statement(name, ticket)))
            await asyncio.sleep(0)
        assert admission.waiting() == len(tickets)
    await asyncio.gather(*tasks)
    return order


def test_a_request_that_already_ran_a_statement_goes_before_new_ones() -> None:
    tickets = {
        "new": Ticket("ann"),
        "continuing": Ticket("bob", admitted=True),
        "export": Ticket("cy", Priority.BACKGROUND),
    }
    admission = Admission(1, wait_s=5, max_waiting=10)
    assert asyncio.run(_admitted_in_order(admission, tickets)) == ["continuing", "new", "export"]


def test_a_count_a_page_leaves_running_takes_its_turn_behind_other_users_new_pages() -> None:
    admission = Admission(1, wait_s=5, max_waiting=10)
    order: list[str] = []

    async def count() -> None:
        async with admission.slot():  # under the ticket of its task's context
            order.append("ann's count")

    async def scenario() -> None:
        current_ticket.set(Ticket("ann", admitted=True))  # ann's page has run its gate
        async with admission.slot(Ticket("holder")):
            pages = asyncio.create_task(_page(admission, order))
            await asyncio.sleep(0)
            counting = asyncio.create_task(on_its_own(count()))  # after bob's page came
            await asyncio.sleep(0)
            assert admission.waiting() == 2
        await asyncio.gather(counting, pages)
        assert current_ticket.get() == Ticket("ann", admitted=True)  # the page's own ticket

    asyncio.run(scenario())
    assert order == ["bob's page", "ann's count"]


async def _page(admission: Admission, order: list[str]) -> None:
    async with admission.slot(Ticket("bob")):
        order.append("bob's page")


def test_a_full_queue_refuses_at_once_and_a_freed_slot_is_free_again() -> None:
    admission = Admission(1, wait_s=30, max_waiting=1)

    async def scenario() -> None:
        async with admission.slot(Ticket("holder")):
            waiting = asyncio.create_task(_page(admission, []))
            await asyncio.sleep(0)
            with pytest.raises(Overloaded) as refused:
                async with admission.slot(Ticket("late")):
                    pass
            assert refused.value.status == 503 and refused.value.code == "overloaded"
        await waiting
        assert (admission.running, admission.waiting()) == (0, 0)

    asyncio.run(scenario())
