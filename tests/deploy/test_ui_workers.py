"""The UI as `make run` serves it with Redis: two Reflex backend workers sharing each tab's
state in a real Redis. A tab signed in on one worker, whose socket then lands on the other
(as a page reload's new socket may), is still signed in there and opens a dataset. A socket
acts only on the tab it was checked for (aurora/socket_guard.py): a replayed client token
without the session cookie gets an empty tab of its own, an event naming another tab reaches
nothing. A download link made on one worker downloads from either.

Which worker holds a socket is read from Reflex's own record in Redis (the token manager's
socket record names the owning process's instance id), not guessed from timing.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests

from aurora.state.auth import AuthState
from bench import locust_ui_reflex as reflex
from bench.harness import warehouse
from tests.deploy.servers import ROOT, ApiProcess, base_env, login, running
from tests.required import redis_url

pytestmark = pytest.mark.slow

REDIS_URL = redis_url(15)
SOCKET_RECORD = "token_manager_socket_record_"  # Reflex's RedisTokenManager key prefix
LOGOUT = reflex.event_name(AuthState.logout)
RECONNECTS = 30  # two workers share one listening socket; the kernel picks which accepts


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[ApiProcess, str]]:
    redis.Redis.from_url(REDIS_URL).flushdb()
    # One UI secret for the API and every UI worker, as `make run` exports it: a worker
    # unseals the tab's API token (aurora/sealing.py) with the key derived from it; without
    # it each worker has a key of its own and the other worker's calls go out unsigned (401).
    env = base_env(warehouse(20_000), tmp_path / "state", AURORA_UI_SECRET="two-workers-secret")
    with running(env, tmp_path) as api, (tmp_path / "reflex.log").open("wb") as log:
        ui_env = env | {"AURORA_API_URL": api.url, "REFLEX_REDIS_URL": REDIS_URL}
        try:
            with reflex.backend(ui_env, log, str(ROOT), workers=2) as ui_url:
                yield api, ui_url
        finally:
            redis.Redis.from_url(REDIS_URL).flushdb()


def socket_owner(token: str) -> str:
    """The instance id of the Reflex worker holding this token's socket."""
    raw = redis.Redis.from_url(REDIS_URL).get(SOCKET_RECORD + token)
    assert raw is not None, f"no socket record for {token}"
    return str(pickle.loads(raw).instance_id)


def test_a_tab_signed_in_on_one_worker_is_signed_in_on_the_other(
    two_workers: tuple[ApiProcess, str],
) -> None:
    api, ui = two_workers
    made = api.client(login(api.url)).post(
        "/api/admin/users",
        json={"username": "roamer", "password": "roamer-pw-1", "role": "viewer"},
    )
    assert made.status_code == 201, made.text
    tab = reflex.ReflexSession(ui)
    tab.connect("/login")
    tab.login("roamer", "roamer-pw-1")
    first = socket_owner(tab.token)
    for _ in range(RECONNECTS):  # the browser reloading the page: a new socket, same tab
        tab.reload("/")
        if socket_owner(tab.token) != first:
            break
    try:
        assert socket_owner(tab.token) != first, "every reconnect landed on the same worker"
        assert tab.get(reflex.SIGNED_IN) == "roamer"
        tab.open_dataset("global_sales")
        assert tab.get(reflex.PAGE) == 1 and len(tab.get(reflex.ROWS)) == 50
    finally:
        tab.close()


def _new_user(api: ApiProcess, admin: str, username: str) -> None:
    made = api.client(admin).post(
        "/api/admin/users",
        json={"username": username, "password": f"{username}-pw-1", "role": "viewer"},
    )
    assert made.status_code == 201, made.text


def _signed_in_tab(ui: str, username: str) -> reflex.ReflexSession:
    tab = reflex.ReflexSession(ui)
    tab.connect("/login")
    tab.login(username, f"{username}-pw-1")
    return tab


def _queries_run(api: ApiProcess, admin: str, username: str) -> int:
    audit = api.client(admin).get(
        "/api/admin/audit", params={"user": username, "action": "query.run"}
    )
    assert audit.status_code == 200, audit.text
    return int(audit.json()["total"])


QUIET_S = 5.0  # longer than opening a dataset takes here: a query it started is audited by then


def test_an_event_naming_another_tab_reaches_only_the_senders_own_tab(
    two_workers: tuple[ApiProcess, str],
) -> None:
    """A signed-in user's own socket (its own token, its own cookie) sends an event that
    names a signed-in victim's client token in every place an event can carry one: the
    victim's tab gets no update and the API runs no query as the victim."""
    api, ui = two_workers
    admin = login(api.url)
    for name in ("victim", "mallory"):
        _new_user(api, admin, name)
    victim, mallory = _signed_in_tab(ui, "victim"), _signed_in_tab(ui, "mallory")
    try:
        before = _queries_run(api, admin, "victim")
        with victim._changed:
            victim._since = []
        event = mallory._event(reflex.PICK_DATASET, {"key": "global_sales"})
        event["router_data"] |= {"token": victim.token, "sid": ""}
        mallory.sio.emit("event", event | {"token": victim.token}, namespace=mallory.namespace)
        time.sleep(QUIET_S)
        assert _queries_run(api, admin, "victim") == before
        assert victim.since() == [], "the victim's tab was sent an update"
        assert victim.get(reflex.DATASET_KEY) != "global_sales"
    finally:
        victim.close()
        mallory.close()


def test_a_replayed_client_token_on_a_socket_without_the_cookie_reaches_no_data(
    two_workers: tuple[ApiProcess, str],
) -> None:
    """A signed-in tab closes (its client token is free); a socket client replaying that
    token without the session cookie is not joined to the tab's state: it is handed a
    tab of its own, opening a dataset there runs nothing as the victim, and the victim's
    tab, reloaded with its cookie, is still signed in with nothing opened."""
    api, ui = two_workers
    admin = login(api.url)
    _new_user(api, admin, "victim")
    victim = _signed_in_tab(ui, "victim")
    stolen = victim.token
    victim.sio.disconnect()  # the tab's socket is gone: its token is free to replay
    time.sleep(1)
    before = _queries_run(api, admin, "victim")
    thief = reflex.ReflexSession(ui)
    thief.token = stolen
    try:
        thief.connect("/")
        assert thief.token != stolen, "the replayed token was joined to the victim's tab"
        assert not thief.get(reflex.SIGNED_IN)
        thief.send(reflex.PICK_DATASET, key="global_sales")
        time.sleep(QUIET_S)
        assert _queries_run(api, admin, "victim") == before
        victim.reload("/")
        assert victim.token == stolen and victim.get(reflex.SIGNED_IN) == "victim"
        assert victim.get(reflex.DATASET_KEY) != "global_sales"
    finally:
        thief.close()
        victim.close()


DOWNLOADS = 8  # fresh connections: the kernel spreads them over both workers


def test_a_download_link_made_on_one_worker_downloads_from_either(
    two_workers: tuple[ApiProcess, str],
) -> None:
    """An export's link is made by the worker holding the tab's socket; the download is a
    plain HTTP request any worker may accept. Every one of several fresh connections gets
    the file; without the cookie it is still refused, and after sign-out it is gone."""
    api, ui = two_workers
    _new_user(api, login(api.url), "saver")
    tab = _signed_in_tab(ui, "saver")
    try:
        tab.open_dataset("global_sales")
        assert tab.export_csv() > 0
        href = ui + str(tab.get(reflex.DOWNLOAD_HREF))
        cookies = tab.http.cookies.get_dict()
        statuses = [
            requests.get(
                href, cookies=cookies, headers={"Connection": "close"}, timeout=60
            ).status_code
            for _ in range(DOWNLOADS)
        ]
        assert statuses == [200] * DOWNLOADS
        assert requests.get(href, timeout=60).status_code == 404
        tab.send(LOGOUT)
        tab.wait(lambda since: not tab.get(reflex.SIGNED_IN), "signed out")
        assert requests.get(href, cookies=cookies, timeout=60).status_code == 404
    finally:
        tab.close()


USER_NAME = reflex.Field(AuthState, "user_name")


def test_a_replayed_client_token_is_not_sent_the_tabs_last_screen(
    two_workers: tuple[ApiProcess, str],
) -> None:
    """Reflex hydrates a connecting socket with its tab's state before any page check runs:
    a socket replaying a closed tab's token without the cookie is sent an empty tab (no user
    name, no dataset list), never the screen the tab last showed."""
    api, ui = two_workers
    _new_user(api, login(api.url), "victim")
    victim = _signed_in_tab(ui, "victim")
    victim.wait(lambda since: bool(victim.get(reflex.DATASETS)), "the dataset list")
    stolen = victim.token
    victim.close()
    time.sleep(1)
    thief = reflex.ReflexSession(ui)
    thief.token = stolen
    try:
        thief.connect("/")
        assert thief.get(USER_NAME) in (None, "")
        assert not thief.get(reflex.DATASETS)
    finally:
        thief.close()
