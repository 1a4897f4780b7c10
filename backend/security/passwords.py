"""Argon2id password hashing. The setting's default is the library's recommended parameters
(RFC 9106's low-memory profile: 64 MiB, 3 passes, 4 lanes); `AURORA_ARGON2_PROFILE=owasp`
takes OWASP's argon2id configuration (19 MiB, 2 passes, 1 lane), about a fifth of the CPU,
for a site where many people sign in at once on few cores (at the recommended profile two
cores verify at most about 6.7 passwords a second): `make run` starts with it. `fast` (tests
only) makes hashing cheap. Hashes carry their parameters, so either profile verifies the
other's, and a sign-in rehashes a stored hash to the configured profile.

argon2 is CPU-heavy by design. A burst of logins run on the server's shared worker threads
would take every core and every one of those threads from page requests. So a login runs in
a pool of its own (`in_login_pool`): LOGIN_THREADS at a time per process, while the logins
waiting their turn are coroutines that hold no thread. The pool's size is the bound; the
thread is not niced: at nice 10 a sign-in got a tenth of a core's share beside busy page
threads, and in a 200-user UI load test 28 of 200 sign-ins waited over 30 s
(bench/results/ui-login-20261203.md).
"""

from __future__ import annotations

import asyncio
import contextvars
import secrets
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
T = TypeVar("T")

_login_pool = ThreadPoolExecutor(LOGIN_THREADS, thread_name_prefix="aurora-login")


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
