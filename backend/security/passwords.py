"""Argon2id password hashing. Production uses the library's recommended parameters (RFC
9106's low-memory profile: 64 MiB, 3 passes, 4 lanes); `AURORA_ARGON2_PROFILE=owasp` takes
OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane), about a fifth of the CPU, for a
site where many people sign in at once on few cores (at the recommended profile two cores
verify at most about 6.7 passwords a second); `fast` (tests only) makes hashing cheap.
Hashes carry their parameters, so either profile verifies the other's, and a sign-in
rehashes a stored hash to the configured profile.

argon2 is CPU-heavy by design: one verification at the recommended profile costs about
0.2 s of CPU over 4 lanes (threads). A burst of logins run on the server's shared worker
threads would take every core and every one of those threads from page requests. So a login
runs in a pool of its own (`in_login_pool`): LOGIN_THREADS at a time per process, on a
thread the OS schedules behind request work (nice; argon2's lane threads inherit it), while
the logins waiting their turn are coroutines that hold no thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TypeVar

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_FAST = profiles.CHEAPEST
# OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1.
_OWASP = replace(profiles.RFC_9106_LOW_MEMORY, memory_cost=19 * 1024, time_cost=2, parallelism=1)
_PROFILES = {"fast": _FAST, "owasp": _OWASP, "default": profiles.RFC_9106_LOW_MEMORY}

LOGIN_THREADS = 1
LOGIN_NICE = 10
T = TypeVar("T")


def _behind_request_work() -> None:
    with contextlib.suppress(OSError):  # raising one's own nice value needs no privilege
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOGIN_NICE)


_login_pool = ThreadPoolExecutor(
    LOGIN_THREADS, thread_name_prefix="aurora-login", initializer=_behind_request_work
)


async def in_login_pool(fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` on the login pool (with the caller's context: request id, logging)."""
    context = contextvars.copy_context()
    return await asyncio.wrap_future(_login_pool.submit(context.run, fn, *args))


class Passwords:
    def __init__(self, profile: str = "default") -> None:
        self._hasher = PasswordHasher.from_parameters(_PROFILES[profile])
        # Verified against when the user name is unknown, so both paths cost the same.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when `password` matches; with no stored hash, spends the same time and fails."""
        try:
            return self._hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
