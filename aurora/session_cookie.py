"""The browser session's second factor: an HttpOnly, SameSite=Strict cookie.

Reflex knows a tab by its client token, which sits in sessionStorage and names the tab's
stored state, so alone it is a replayable credential. At sign-in the UI binds the tab's
token to a fresh random cookie value (kept here only as a digest, in aurora.once's store);
the browser claims the cookie through one POST with a one-time id. Pages, uploads, download
tickets and one-time values then require the cookie that matches the token. Sign-in and
sign-out rotate it: the old binding is dropped.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from http.cookies import SimpleCookie

from aurora import once

COOKIE = "aurora_session"
# What Reflex sees of it on the websocket: a per-connection proof (see `proof_headers`).
# Reflex stores the socket's headers in the tab's state, so the cookie itself must not be
# among them, or a state file would hold both halves of the session.
PROOF = "aurora_proof"
ROUTE = "/_aurora/session"
BOUND_FOR_S = 12 * 3600  # longer than any API token lives
CLAIM_FOR_S = 60


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def from_header(cookie_header: str, name: str = COOKIE) -> str:
    """One of this app's cookies out of a Cookie header ("" when absent).

    >>> from_header("a=1; aurora_session=xyz"), from_header("")
    ('xyz', '')
    """
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except Exception:  # a malformed header is no session
        return ""
    morsel = jar.get(name)
    return morsel.value if morsel is not None else ""


def _binding(tab: str) -> str:
    return "bind:" + digest(tab)


async def bind(tab: str) -> str:
    """A new cookie value for this tab; the one-time id the browser claims it with."""
    value = secrets.token_urlsafe(32)
    await once.put_named(_binding(tab), {"cookie": digest(value)}, BOUND_FOR_S)
    return await once.put({"cookie": value}, CLAIM_FOR_S)


async def bound(tab: str) -> bool:
    """A sign-in bound a cookie to this tab (and no sign-out has dropped it since)."""
    return bool(tab) and await once.get(_binding(tab)) is not None


async def unbind(tab: str) -> None:
    await once.drop([_binding(tab)])


async def matches(tab: str, cookie_value: str) -> bool:
    """The cookie the browser sent is the one bound to this tab at its last sign-in."""
    if not tab or not cookie_value:
        return False
    bound = await once.get(_binding(tab))
    return bound is not None and secrets.compare_digest(
        str(bound.get("cookie", "")), digest(cookie_value)
    )


async def proof_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The websocket handshake's headers with every Cookie header replaced by a random
    proof that the session cookie came with it (kept server-side for the binding's life).
    A proof a client sends itself is dropped with the rest."""
    kept = [(k, v) for k, v in headers if k.lower() != b"cookie"]
    sent = "; ".join(v.decode("latin-1") for k, v in headers if k.lower() == b"cookie")
    value = from_header(sent)
    if not value:
        return kept
    proof = secrets.token_urlsafe(32)
    await once.put_named(f"proof:{proof}", {"cookie": digest(value)}, BOUND_FOR_S)
    return [*kept, (b"cookie", f"{PROOF}={proof}".encode())]


async def proven(tab: str, cookie_header: str) -> bool:
    """The socket's proof stands for the cookie bound to this tab."""
    proof = from_header(cookie_header, PROOF)
    shown = await once.get(f"proof:{proof}") if proof else None
    bound = await once.get(_binding(tab)) if tab else None
    return (
        shown is not None
        and bound is not None
        and secrets.compare_digest(str(shown.get("cookie", "")), str(bound.get("cookie", "")))
    )


def claim_script(claim: str, then: str) -> str:
    """Browser script: claim the cookie, then load `then` (a full load, so the page's new
    socket connects with the cookie).

    >>> 'method: "POST"' in claim_script("abc", "/")
    True
    """
    url, target = json.dumps(f"{ROUTE}/{claim}"), json.dumps(then)
    return (
        f'fetch({url}, {{method: "POST", credentials: "same-origin"}})'
        f".finally(() => window.location.replace({target}))"
    )


def release_script() -> str:
    """Browser script: the server clears the cookie."""
    return f'fetch("{ROUTE}", {{method: "DELETE", credentials: "same-origin"}})'
