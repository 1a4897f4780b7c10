"""Annotated dependencies: the one place routes get settings, adapters, catalog and caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends

from backend.config import Settings, get_settings
from backend.query.spec import QuerySpec
from backend.security.deps import AdminUser as AdminUser
from backend.security.deps import CurrentUser as CurrentUser
from backend.security.deps import require_admin as require_admin
from backend.security.deps import require_user as require_user
from backend.security.principal import User

SettingsDep = Annotated[Settings, Depends(get_settings)]

SpecValidator = Callable[[QuerySpec, User], None]
"""Checks a spec against the current catalog as `user` sees it; raises InvalidQuery."""


def _pydantic_only(spec: QuerySpec, user: User) -> None:
    """Default: the spec already passed pydantic validation; the catalog check plugs in here."""


def get_spec_validator() -> SpecValidator:
    return _pydantic_only


SpecValidatorDep = Annotated[SpecValidator, Depends(get_spec_validator)]
