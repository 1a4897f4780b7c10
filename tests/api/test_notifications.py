"""In-app notifications through the API: the caller's own, newest first and paged, with the
unread count; marking one or all read; another user's notification is 404."""

from __future__ import annotations

import asyncio
import uuid

from backend.delivery.message import IN_APP, Message, Recipient
from backend.delivery.outbox import Source
from backend.security.principal import User
from tests.store.fixtures import Api


def _me(api: Api, headers: dict[str, str]) -> User:
    me = api.client.get("/api/auth/me", headers=headers).json()
    return User(
        id=me["id"], username=me["username"], display_name="", role=me["role"], attributes={}
    )


def _notify(api: Api, user: User, *titles: str) -> None:
    """Delivered as schedules and alerts deliver: through the app's Outbox."""
    outbox = api.app.state.context.outbox
    source = Source("schedule", uuid.uuid4().hex, user)
    for title in titles:
        message = Message(subject=title, text=f"{title} body", link="/reports/r1")
        outcome = asyncio.run(
            outbox.deliver(source, Recipient(IN_APP, str(user.id), user.id), message)
        )
        assert outcome.status == "sent"


def _list(api: Api, headers: dict[str, str], **params: int) -> dict[str, object]:
    r = api.client.get("/api/notifications", params=params, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def test_the_list_is_the_callers_own_newest_first_and_paged(api: Api) -> None:
    ann, bob = api.new_user("ann"), api.new_user("bob")
    _notify(api, _me(api, ann), "first", "second", "third")
    _notify(api, _me(api, bob), "bob's")
    page1 = _list(api, ann, page=1, page_size=2)
    page2 = _list(api, ann, page=2, page_size=2)
    titles = [n["title"] for n in page1["items"] + page2["items"]]  # type: ignore[operator]
    assert titles == ["third", "second", "first"]
    assert (page1["total"], page1["unread"]) == (3, 3)
    assert [n["title"] for n in _list(api, bob)["items"]] == ["bob's"]  # type: ignore[attr-defined]
    assert _list(api, api.headers())["items"] == []


def test_reading_one_lowers_the_unread_count_and_read_all_clears_it(api: Api) -> None:
    ann = api.new_user("ann")
    _notify(api, _me(api, ann), "a", "b", "c")
    count = lambda: api.client.get("/api/notifications/unread-count", headers=ann).json()["unread"]  # noqa: E731
    assert count() == 3
    first = _list(api, ann)["items"][0]  # type: ignore[index]
    r = api.client.post(f"/api/notifications/{first['id']}/read", headers=ann)
    assert r.status_code == 200 and r.json()["read_at"] is not None
    again = api.client.post(f"/api/notifications/{first['id']}/read", headers=ann)
    assert again.json()["read_at"] == r.json()["read_at"]
    assert count() == 2
    assert api.client.post("/api/notifications/read-all", headers=ann).json() == {"marked": 2}
    assert count() == 0 and _list(api, ann)["total"] == 3


def test_another_users_notification_is_404_and_stays_unread(api: Api) -> None:
    ann, bob = api.new_user("ann"), api.new_user("bob")
    _notify(api, _me(api, ann), "ann's")
    note = _list(api, ann)["items"][0]  # type: ignore[index]
    for headers in (bob, api.headers()):  # an admin is no exception: it is ann's
        r = api.client.post(f"/api/notifications/{note['id']}/read", headers=headers)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert api.client.post("/api/notifications/read-all", headers=bob).json() == {"marked": 0}
    assert _list(api, ann)["unread"] == 1


def test_paging_is_bounded(api: Api) -> None:
    for params in ({"page": 0}, {"page_size": 101}):
        r = api.client.get("/api/notifications", params=params, headers=api.headers())
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_query"
