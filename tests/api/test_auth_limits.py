"""Failed-login limits through the API: per (user name, client) 10, per client 50, per user
name 100, over 5 minutes; 429 with Retry-After over any of them; counts shared through Redis;
the client being the address the API believes (the UI server's word with its secret, a trusted
proxy's X-Forwarded-For, else the socket). Also: equal cost for known and unknown names."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from limits.storage import MemoryStorage, RedisStorage
from pydantic import SecretStr

from backend.main import create_app
from backend.security.passwords import Passwords
from backend.security.ratelimit import KEY_PREFIX, Attempt, LoginLimiter
from backend.store.engine import Store
from tests.required import redis_client, redis_url
from tests.store.fixtures import (
    ADMIN,
    ADMIN_PASSWORD,
    USER_PASSWORD,
    Api,
    _running_api,
    make_settings,
    wipe,
)

UI_SECRET = "ui-secret-for-tests-0123456789abcdef"
LIMITS_REDIS_DB = 14
A, B, C = "198.51.100.1", "198.51.100.2", "198.51.100.3"


@pytest.fixture
def ui_api(sqlite_store: Store, tmp_path: Path, shared_warehouse: Path) -> Iterator[Api]:
    """The API as `make run` pairs it with the UI: it believes addresses sent with UI_SECRET."""
    overrides = {"data_dir": shared_warehouse, "ui_secret": SecretStr(UI_SECRET)}
    for api in _running_api(sqlite_store, tmp_path, **overrides):
        api.new_user("ann")
        api.new_user("bob")
        yield api


def from_browser(client: str, secret: str = UI_SECRET) -> dict[str, str]:
    """What aurora/api_client.py sends for a browser at `client`."""
    return {"X-Aurora-Client-Addr": client, "X-Aurora-UI-Secret": secret}


def attempt(
    http: TestClient, username: str, client: str, password: str = "wrong", **headers: str
) -> httpx.Response:
    body = {"username": username, "password": password}
    return http.post("/api/auth/login", json=body, headers={**from_browser(client), **headers})


def fail_all(http: TestClient, failures: list[tuple[str, str]]) -> None:
    for username, client in failures:
        assert attempt(http, username, client).status_code == 401


def assert_limited(r: httpx.Response, window_s: int = 300) -> None:
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "rate_limited"
    assert 0 < int(r.headers["Retry-After"]) <= window_s


def _spread(username: str, count: int) -> list[tuple[str, str]]:
    """`count` failures for one name, 5 from each client: under the pair and client caps."""
    return [(username, f"203.0.113.{i // 5}") for i in range(count)]


# (case, failures as (user name, client), then the right password for (user name, client))
CAPS: list[tuple[str, list[tuple[str, str]], tuple[str, str], int]] = [
    ("pair: ten typos block that name on that client", [("ann", A)] * 10, ("ann", A), 429),
    ("pair: nine do not", [("ann", A)] * 9, ("ann", A), 200),
    ("pair: not that name elsewhere", [("ann", A)] * 10, ("ann", B), 200),
    ("pair: not another name there", [("ann", A)] * 10, ("bob", A), 200),
    ("pair: names differ only in case", [("ANN", A)] * 10, ("ann", A), 429),
    ("client: fifty names guessed", [(f"guess{i}", A) for i in range(50)], ("ann", A), 429),
    ("client: forty-nine do not", [(f"guess{i}", A) for i in range(49)], ("ann", A), 200),
    ("client: not other clients", [(f"guess{i}", A) for i in range(50)], ("ann", B), 200),
    ("user: a hundred from many clients", _spread("ann", 100), ("ann", C), 429),
    ("user: ninety-nine do not", _spread("ann", 99), ("ann", C), 200),
    ("user: not another name", _spread("ann", 100), ("bob", C), 200),
]


@pytest.mark.parametrize(("case", "failures", "probe", "status"), CAPS, ids=[c[0] for c in CAPS])
def test_login_limits(
    ui_api: Api, case: str, failures: list[tuple[str, str]], probe: tuple[str, str], status: int
) -> None:
    fail_all(ui_api.client, failures)
    r = attempt(ui_api.client, *probe, password=USER_PASSWORD)
    if status == 429:
        assert_limited(r)
    else:
        assert r.status_code == status, r.text


def test_a_success_starts_the_pair_afresh_but_not_the_wider_counts(ui_api: Api) -> None:
    fail_all(ui_api.client, [("ann", A)] * 9)
    assert attempt(ui_api.client, "ann", A, USER_PASSWORD).status_code == 200
    fail_all(ui_api.client, [("ann", A)] * 9)
    assert attempt(ui_api.client, "ann", A, USER_PASSWORD).status_code == 200
    fail_all(ui_api.client, [(f"guess{i}", A) for i in range(32)])  # 18 + 32 = 50 from A
    assert_limited(attempt(ui_api.client, "bob", A, USER_PASSWORD))


def test_a_block_ends_by_itself_and_refused_attempts_do_not_prolong_it(
    sqlite_store: Store, tmp_path: Path, shared_warehouse: Path
) -> None:
    overrides = {"data_dir": shared_warehouse, "ui_secret": SecretStr(UI_SECRET)}
    for api in _running_api(sqlite_store, tmp_path, login_window_s=2, **overrides):
        fail_all(api.client, [(ADMIN, A)] * 10)
        first = attempt(api.client, ADMIN, A, ADMIN_PASSWORD)
        assert_limited(first, window_s=2)
        for _ in range(5):  # hammering while blocked
            assert attempt(api.client, ADMIN, A, "wrong").status_code == 429
        time.sleep(int(first.headers["Retry-After"]) + 0.2)
        assert attempt(api.client, ADMIN, A, ADMIN_PASSWORD).status_code == 200


def _failure_addr(api: Api, headers: dict[str, str]) -> str:
    r = api.client.post(
        "/api/auth/login", json={"username": "ann", "password": "no"}, headers=headers
    )
    assert r.status_code == 401
    newest = api.audit_rows(action="login.failure")[0]
    addr: str = newest["client_addr"]
    return addr


# (who sends what, the address the audit log must show)
FORWARDED: list[tuple[str, dict[str, str], str]] = [
    ("the UI server with the secret", from_browser(A), A),
    ("the UI header with a wrong secret", from_browser(A, secret="guess"), "testclient"),
    ("the UI header without the secret", {"X-Aurora-Client-Addr": A}, "testclient"),
    ("the UI header with a secret but no address", {"X-Aurora-UI-Secret": UI_SECRET}, "testclient"),
    ("the UI header with a name, not an address", from_browser("evil.example"), "testclient"),
    ("a forged X-Forwarded-For", {"X-Forwarded-For": A}, "testclient"),
    ("a forged X-Real-IP and Forwarded", {"X-Real-IP": A, "Forwarded": f"for={A}"}, "testclient"),
]


@pytest.mark.parametrize(("who", "headers", "addr"), FORWARDED, ids=[f[0] for f in FORWARDED])
def test_the_api_believes_a_forwarded_address_only_from_the_ui_with_its_secret(
    ui_api: Api, who: str, headers: dict[str, str], addr: str
) -> None:
    assert _failure_addr(ui_api, headers) == addr


def test_without_a_ui_secret_the_api_believes_no_ui_header(api_sqlite: Api) -> None:
    assert _failure_addr(api_sqlite, from_browser(A, secret="")) == "testclient"
    assert _failure_addr(api_sqlite, from_browser(A)) == "testclient"


def test_forged_forwarded_for_headers_do_not_dodge_the_limits(ui_api: Api) -> None:
    for i in range(10):
        forged = {"X-Forwarded-For": f"192.0.2.{i}"}
        r = ui_api.client.post(
            "/api/auth/login", json={"username": "ann", "password": "no"}, headers=forged
        )
        assert r.status_code == 401
    assert_limited(
        ui_api.client.post("/api/auth/login", json={"username": "ann", "password": "no"})
    )


@pytest.mark.parametrize(
    ("peer", "addr"), [("10.1.2.3", A), ("192.0.2.50", "192.0.2.50")], ids=["trusted", "other"]
)
def test_x_forwarded_for_is_believed_from_trusted_proxies_only(
    sqlite_store: Store, tmp_path: Path, shared_warehouse: Path, peer: str, addr: str
) -> None:
    wipe(sqlite_store)
    settings = make_settings(
        tmp_path, sqlite_store, data_dir=shared_warehouse, trusted_proxies="10.0.0.0/8, 127.0.0.1"
    )
    with TestClient(create_app(settings), client=(peer, 40000)) as http:
        # The proxy appends the peer it saw; what the client wrote in front is not believed.
        forwarded = {"X-Forwarded-For": f"192.0.2.99, {A}"}
        http.post("/api/auth/login", json={"username": "ann", "password": "no"}, headers=forwarded)
        api = Api(http, http.app, settings, sqlite_store)  # type: ignore[arg-type]
        [row] = api.audit_rows(action="login.failure")
    assert row["client_addr"] == addr


@pytest.fixture
def redis_pair(sqlite_store: Store, tmp_path: Path, shared_warehouse: Path) -> Iterator[Any]:
    """Two API instances (two processes' worth of app) sharing REDIS_URL and the store."""
    client = redis_client(LIMITS_REDIS_DB)
    client.flushdb()
    wipe(sqlite_store)
    settings = make_settings(
        tmp_path,
        sqlite_store,
        data_dir=shared_warehouse,
        redis_url=redis_url(LIMITS_REDIS_DB),
        ui_secret=SecretStr(UI_SECRET),
    )
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        yield one, two, client
    client.flushdb()
    client.close()


def test_counts_are_shared_through_redis_by_every_api_process(redis_pair: Any) -> None:
    one, two, redis = redis_pair
    name = f"user-{uuid.uuid4().hex[:8]}"
    fail_all(one, [(name, A)] * 5)
    fail_all(two, [(name, A)] * 5)
    assert_limited(attempt(one, name, A))
    assert_limited(attempt(two, name, A))
    assert attempt(two, name, B).status_code == 401  # the pair, not the name
    assert list(redis.scan_iter(match="aurora:login*"))


def test_a_redis_outage_neither_opens_nor_closes_the_door() -> None:
    dead = RedisStorage("redis://127.0.0.1:1", key_prefix=KEY_PREFIX, wrap_exceptions=True)
    limiter = LoginLimiter(dead, pair=3, client=50, user=100, window_s=60)
    ann, bob = Attempt("ann", A), Attempt("bob", A)
    for _ in range(3):
        assert limiter.retry_after(ann) == 0
        limiter.failed(ann)
    assert 0 < limiter.retry_after(ann) <= 60  # counted in this process meanwhile
    assert limiter.retry_after(bob) == 0


def test_expired_names_do_not_pile_up_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    limiter = LoginLimiter(MemoryStorage(), pair=10, client=50, user=100, window_s=1)
    for i in range(20):
        limiter.failed(Attempt(f"guess{i}", A))
    limiter.failed(Attempt("late", B))
    assert limiter.forget_expired() == 0
    time.sleep(1.1)  # every failure has aged out
    assert limiter.forget_expired() == 20 * 2 + 1 + 3  # pairs, names and clients
    assert limiter.forget_expired() == 0


def _median_ms(fn: object, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _interleaved_medians_ms(*fns: object, runs: int = 5) -> list[float]:
    """Each run times every fn in turn, so load from elsewhere (other tests, other workers)
    falls on all of them alike instead of on whichever was being timed then."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, out in zip(fns, times, strict=True):
            started = time.perf_counter()
            fn()  # type: ignore[operator]
            out.append((time.perf_counter() - started) * 1000)
    return [statistics.median(t) for t in times]


def test_unknown_user_costs_as_much_as_a_wrong_password() -> None:
    # Production parameters: the fast test profile would make the difference invisible.
    passwords = Passwords("default")
    stored = passwords.hash("right password")
    known, unknown = _interleaved_medians_ms(
        lambda: passwords.verify(stored, "wrong password"),
        lambda: passwords.verify(None, "wrong password"),
    )
    assert known > 5  # a real argon2 cost, not a shortcut
    assert 0.5 < unknown / known < 2.0
    assert passwords.verify(stored, "right password") is True
    assert passwords.verify(None, "right password") is False


def test_fast_profile_is_cheap_and_still_argon2id() -> None:
    passwords = Passwords("fast")
    stored = passwords.hash("pw")
    assert stored.startswith("$argon2id$") and passwords.verify(stored, "pw")
    assert _median_ms(lambda: passwords.verify(stored, "x")) < 5


def test_owasp_profile_hashes_with_owasps_parameters_and_verifies_either_profile() -> None:
    owasp, default = Passwords("owasp"), Passwords("default")
    stored = owasp.hash("pw")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert default.verify(stored, "pw") and owasp.verify(default.hash("pw"), "pw")
    assert default.needs_rehash(stored) and not owasp.needs_rehash(stored)
