"""The signature a webhook receiver checks: `X-Aurora-Signature: t=<unix seconds>,v1=<hex>`.

`v1` is HMAC-SHA256, keyed with the webhook's secret (its UTF-8 bytes, `whsec_` included),
over the timestamp, a dot and the raw request body: `f"{t}.".encode() + body`. The receiver
recomputes it, compares in constant time, and refuses a `t` too far from its own clock
(5 minutes is usual), so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Aurora-Signature"
TOLERANCE_S = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """
    >>> signature("whsec_k", 1700000000, b'{"a":1}')[:24]
    't=1700000000,v1=a252a434'
    """
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance_s: int = TOLERANCE_S) -> bool:
    """What a receiver does (written here for the docs' example and for receivers in Python)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, body)
    return hmac.compare_digest(expected, f"t={timestamp},v1={fields.get('v1', '')}")
