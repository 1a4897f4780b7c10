"""Single-purpose tokens: what a scoped login token may reach.

The only scope is `print:<dashboard id>`, minted by the dashboard PDF job
(backend.dashboards.print_token) for the headless browser that prints a dashboard as its
viewer. It is the viewer's identity (their RLS, their datasets), never more, and it opens
only what the dashboard page reads to draw that one dashboard: the document, its tiles'
data, the viewer's bookmarks of it, the filter vocabulary and who is signed in. Anything
else is 403 (the multi-select filters' value lists too: the page shows the chosen values
without them).
"""

from __future__ import annotations

import re

from backend.errors import Forbidden
from backend.security.principal import User

PRINT = "print:"

_PRINT_ROUTES: list[tuple[str, re.Pattern[str]]] = [
    ("GET", re.compile(r"/api/dashboards/(?P<d>[^/]+)")),
    ("POST", re.compile(r"/api/dashboards/(?P<d>[^/]+)/tiles/[^/]+/data")),
    ("POST", re.compile(r"/api/dashboards/(?P<d>[^/]+)/tiles/data")),  # the batch
    # The page lists the viewer's own bookmarks as it opens; refused, it would print the
    # refusal in its error banner. Reading them shows the print nothing it draws.
    ("GET", re.compile(r"/api/dashboards/(?P<d>[^/]+)/bookmarks")),
    ("GET", re.compile(r"/api/meta/operators")),
    ("GET", re.compile(r"/api/auth/me")),
    ("POST", re.compile(r"/api/auth/logout")),
]


def print_scope(dashboard_id: str) -> str:
    return PRINT + dashboard_id


# A delivery email's download link (backend.delivery.file_link): it opens one export's file
# once, through its own route, and no API route at all (`allowed` is False for it).
FILE = "file:"


def file_scope(export_id: str) -> str:
    return FILE + export_id


def allowed(scope: str, method: str, path: str) -> bool:
    """Whether a token of `scope` may make this request.

    >>> allowed("print:d1", "GET", "/api/dashboards/d1")
    True
    >>> allowed("print:d1", "GET", "/api/dashboards/d2")
    False
    >>> allowed("print:d1", "PUT", "/api/dashboards/d1")
    False
    >>> allowed("print:d1", "POST", "/api/dashboards/d1/tiles/t/data")
    True
    >>> allowed("print:d1", "POST", "/api/dashboards/d1/tiles/data")
    True
    >>> allowed("print:d1", "POST", "/api/dashboards/d2/tiles/data")
    False
    >>> allowed("print:d1", "POST", "/api/query"), allowed("other", "GET", "/api/auth/me")
    (False, False)
    """
    if not scope.startswith(PRINT):
        return False
    dashboard_id = scope.removeprefix(PRINT)
    path = path.rstrip("/") or "/"
    for wanted, pattern in _PRINT_ROUTES:
        found = pattern.fullmatch(path)
        if wanted == method.upper() and found is not None:
            named = found.groupdict().get("d")
            return named is None or named == dashboard_id
    return False


def check_scope(user: User, method: str, path: str) -> User:
    """The caller as is, or 403 when their token's scope does not cover this request."""
    if user.token_scope is not None and not allowed(user.token_scope, method, path):
        raise Forbidden("This token may only be used for the one thing it was issued for.")
    return user
