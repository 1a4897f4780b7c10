"""Short-lived server-side values handed to the browser by an opaque id: a new API key to
show once, a download ticket. They never enter Reflex state (which is stored; see
aurora.ui_state), and a value can be read back only while it lives.

In this process's memory, or in Redis when the UI's state is there (several UI workers
then share them). Ids are 32 random bytes.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from redis import asyncio as aioredis

from aurora.ui_state import redis_url

PREFIX = "aurora:ui:once:"
ROUTE = "/_aurora/once"
_memory: dict[str, tuple[float, str]] = {}
_redis: aioredis.Redis | None = None


def _client() -> aioredis.Redis | None:
    global _redis
    url = redis_url()
    if url and _redis is None:
        _redis = aioredis.from_url(url)
    return _redis if url else None


def _sweep(now: float) -> None:
    for key in [k for k, (until, _) in _memory.items() if until < now]:
        _memory.pop(key, None)


async def put(value: dict[str, Any], ttl_s: int) -> str:
    """Keep `value` for `ttl_s` seconds; the opaque id that reads it."""
    key = secrets.token_urlsafe(32)
    await put_named(key, value, ttl_s)
    return key


async def put_named(key: str, value: dict[str, Any], ttl_s: int) -> None:
    """Keep `value` under a name of the caller's (e.g. derived from a session)."""
    text = json.dumps(value)
    redis = _client()
    if redis is not None:
        await redis.set(PREFIX + key, text, ex=ttl_s)
        return
    now = time.monotonic()
    _sweep(now)
    _memory[key] = (now + ttl_s, text)


async def get(key: str, *, consume: bool = False) -> dict[str, Any] | None:
    """The value while it lives (and gone after, with `consume`), else None."""
    redis = _client()
    if redis is not None:
        raw = await (redis.getdel(PREFIX + key) if consume else redis.get(PREFIX + key))
        return None if raw is None else dict(json.loads(raw))
    entry = _memory.pop(key, None) if consume else _memory.get(key)
    if entry is None or entry[0] < time.monotonic():
        return None
    return dict(json.loads(entry[1]))


async def drop(keys: list[str]) -> None:
    redis = _client()
    if redis is not None and keys:
        await redis.delete(*[PREFIX + k for k in keys])
    for key in keys:
        _memory.pop(key, None)


def show_once(key: str, element_id: str) -> str:
    """Browser script: read the value once and put it into the element (which the same
    event's update may still be rendering), as text.

    >>> 'fetch("/_aurora/once/abc"' in show_once("abc", "api-key-secret")
    True
    """
    url, target = json.dumps(f"{ROUTE}/{key}"), json.dumps(element_id)
    return (
        "(async () => {"
        f"const r = await fetch({url}, {{credentials: 'same-origin', cache: 'no-store'}});"
        "if (!r.ok) return; const t = await r.text();"
        "for (let i = 0; i < 100; i++) {"
        f"const el = document.getElementById({target});"
        "if (el) { el.textContent = t; return; }"
        "await new Promise((ok) => setTimeout(ok, 50)); }"
        "})()"
    )
