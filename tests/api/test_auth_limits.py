"""The failed-login limiter's window, and equal cost for known and unknown user names."""

from __future__ import annotations

import statistics
import time

from backend.security.passwords import Passwords
from backend.security.ratelimit import LoginLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_tenth_failure_blocks_until_the_oldest_leaves_the_window() -> None:
    clock = Clock()
    limiter = LoginLimiter(max_failures=10, window_s=300, clock=clock)
    for _ in range(9):
        limiter.fail(["user:ann"])
        clock.now += 10
    assert limiter.retry_after(["user:ann"]) == 0
    limiter.fail(["user:ann"])  # 10th failure, the first was 90 s ago
    assert limiter.retry_after(["user:ann"]) == 210
    clock.now += 210
    assert limiter.retry_after(["user:ann"]) == 0


def test_any_blocked_key_blocks_the_attempt() -> None:
    limiter = LoginLimiter(max_failures=2, window_s=60, clock=Clock())
    limiter.fail(["user:a", "addr:1.2.3.4"])
    limiter.fail(["user:b", "addr:1.2.3.4"])
    assert limiter.retry_after(["user:c", "addr:1.2.3.4"]) == 60
    assert limiter.retry_after(["user:c", "addr:5.6.7.8"]) == 0


def test_reset_clears_one_key_only() -> None:
    limiter = LoginLimiter(max_failures=1, window_s=60, clock=Clock())
    limiter.fail(["user:a", "addr:x"])
    limiter.reset("user:a")
    assert limiter.retry_after(["user:a"]) == 0
    assert limiter.retry_after(["addr:x"]) == 60


def _median_ms(fn: object, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def test_unknown_user_costs_as_much_as_a_wrong_password() -> None:
    # Production parameters: the fast test profile would make the difference invisible.
    passwords = Passwords("default")
    stored = passwords.hash("right password")
    known = _median_ms(lambda: passwords.verify(stored, "wrong password"))
    unknown = _median_ms(lambda: passwords.verify(None, "wrong password"))
    assert known > 5  # a real argon2 cost, not a shortcut
    assert 0.5 < unknown / known < 2.0
    assert passwords.verify(stored, "right password") is True
    assert passwords.verify(None, "right password") is False


def test_fast_profile_is_cheap_and_still_argon2id() -> None:
    passwords = Passwords("fast")
    stored = passwords.hash("pw")
    assert stored.startswith("$argon2id$") and passwords.verify(stored, "pw")
    assert _median_ms(lambda: passwords.verify(stored, "x")) < 5
