"""Annotated dependencies: the one place routes get settings, adapters, catalog and caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from backend.config import Settings, get_settings
from backend.query.spec import QuerySpec
from backend.security.deps import AdminUser as AdminUser
from backend.security.deps import CurrentUser as CurrentUser
from backend.security.deps import require_admin as require_admin
from backend.security.deps import require_user as require_user
from backend.security.principal import User
from backend.services.container import Services
from backend.services.offload import in_pool
from backend.services.queries import QueryService

SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_queries(request: Request) -> QueryService:
    return get_services(request).queries


ServicesDep = Annotated[Services, Depends(get_services)]
QueriesDep = Annotated[QueryService, Depends(get_queries)]

SpecValidator = Callable[[QuerySpec, User], None]
"""Checks a spec against the current catalog as `user` sees it; raises InvalidQuery."""


def get_spec_validator(request: Request) -> SpecValidator:
    """A spec is valid when it compiles against the catalog as the user sees it."""
    queries = get_queries(request)

    def validate(spec: QuerySpec, user: User) -> None:
        in_pool(queries.compile, spec, user)

    return validate


SpecValidatorDep = Annotated[SpecValidator, Depends(get_spec_validator)]


def get_hidden_datasets(request: Request, user: CurrentUser) -> frozenset[str]:
    """Keys of the datasets the caller may not see (`AccessPolicy.hidden_from`)."""
    return get_services(request).policy.hidden_from(user)


HiddenDatasets = Annotated[frozenset[str], Depends(get_hidden_datasets)]
