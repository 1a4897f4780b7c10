"""`AuthGate`: authenticate before FastAPI reads the body.

FastAPI parses the request body (JSON, multipart uploads) before it runs any dependency,
so a route guarded only by `require_user` answers malformed JSON with 422 and reads a whole
upload before saying 401. This ASGI middleware finds the route the request will reach; when
that route depends on `require_user` or `require_admin`, it checks the credentials (in a
worker thread: they hit the store) and answers 401/403 itself. The dependency remains the
single declaration of the rule: the gate reads the rule off the route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

import anyio
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.errors import AuroraError
from backend.security.authenticate import authenticate, require_credentials
from backend.security.context import auth_of
from backend.security.deps import (
    STATE_KEY,
    check_admin,
    check_ingest,
    require_admin,
    require_ingest,
    require_user,
)
from backend.security.scopes import check_scope

Rule = Literal["public", "user", "ingest", "admin"]


def _calls(dependant: Dependant) -> set[Callable[..., Any]]:
    found: set[Callable[..., Any]] = set()
    for dep in dependant.dependencies:
        if dep.call is not None:
            found.add(dep.call)
        found |= _calls(dep)
    return found


def rule_of(dependant: Dependant | None) -> Rule:
    """What a route demands, read from its (effective, router-level included) dependencies."""
    calls = _calls(dependant) if dependant is not None else set()
    if require_admin in calls:
        return "admin"
    if require_ingest in calls:
        return "ingest"
    return "user" if require_user in calls else "public"


def route_rules(app: FastAPI) -> list[tuple[RouteContext, Rule]]:
    """Every route of the app, in matching order, with its rule. FastAPI 0.165 keeps included
    routers as branches; `iter_route_contexts` flattens them with their router-level deps."""
    return list(_RuleTable(app.routes))


def _rule_of_context(ctx: RouteContext) -> Rule:
    return rule_of(getattr(ctx, "dependant", None)) if _is_api(ctx) else "public"


def _is_api(ctx: RouteContext) -> bool:
    return isinstance(ctx.original_route, APIRoute)


class _RuleTable:
    """The routes with their rules in matching order, built only as far as a walk goes.
    FastAPI builds an included router's routes (their dependants) the first time they are
    walked; building them all on an app's first request cost ~0.1 s of CPU, most of a
    test's time in the suite, so a walk that stops at its match builds no more than routing
    the request does, and what it built is kept."""

    def __init__(self, routes: Any) -> None:
        self._source = iter_route_contexts(routes)
        self._built: list[tuple[RouteContext, Rule]] = []

    def __iter__(self) -> Iterator[tuple[RouteContext, Rule]]:
        yield from self._built
        for ctx in self._source:
            self._built.append((ctx, _rule_of_context(ctx)))
            yield self._built[-1]


class AuthGate:
    """`render` turns a refusal into the response: the API layer's (http_errors), since the
    gate only decides who may pass."""

    def __init__(self, app: ASGIApp, render: Callable[[AuroraError], Response]) -> None:
        self.app = app
        self.render = render
        self._table: _RuleTable | None = None
        self._routes_seen = -1

    def _rule(self, app: FastAPI, scope: Scope) -> Rule:
        if self._table is None or self._routes_seen != len(app.router.routes):
            self._table, self._routes_seen = _RuleTable(app.routes), len(app.router.routes)
        for ctx, rule in self._table:
            match, _ = ctx.matches(scope)
            if match is Match.FULL:
                return rule
        return "public"  # no route: the router answers 404/405 itself

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope.get("app")
        if scope["type"] != "http" or not isinstance(app, FastAPI):
            await self.app(scope, receive, send)
            return
        rule = self._rule(app, scope)
        if rule != "public":
            try:
                user = await anyio.to_thread.run_sync(_check, app, scope, rule)
            except AuroraError as exc:
                await self.render(exc)(scope, receive, send)
                return
            scope.setdefault("state", {})[STATE_KEY] = user
        await self.app(scope, receive, send)


def _check(app: FastAPI, scope: Scope, rule: Rule) -> Any:
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    authorization, api_key = headers.get("authorization"), headers.get("x-api-key")
    require_credentials(authorization, api_key)
    user = authenticate(auth_of(app), authorization, api_key)
    check_scope(user, str(scope.get("method", "")), str(scope.get("path", "")))
    if rule == "admin":
        return check_admin(user)
    return check_ingest(user) if rule == "ingest" else user
