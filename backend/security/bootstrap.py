"""First start: with no users at all, create the admin so someone can log in."""

from __future__ import annotations

import logging
import secrets
import sys

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backend.config import Settings
from backend.security.passwords import Passwords
from backend.store.engine import Store
from backend.store.models import UserRow

log = logging.getLogger("aurora.security")


def ensure_first_admin(store: Store, passwords: Passwords, settings: Settings) -> bool:
    """Create the first admin when the users table is empty; True when it did."""
    with store.session() as session:
        if session.scalar(select(func.count()).select_from(UserRow)):
            return False
    given = settings.admin_password.get_secret_value() if settings.admin_password else None
    password = given or secrets.token_urlsafe(18)
    row = UserRow(
        username=settings.admin_user,
        display_name="Administrator",
        role="admin",
        attributes={},
        active=True,
        password_hash=passwords.hash(password),
    )
    try:
        with store.session() as session:
            session.add(row)
    except IntegrityError:
        return False  # another process created it first; its password is the one printed
    log.info("created the first admin", extra={"username": settings.admin_user})
    if not given:
        # Printed once to the console, never logged: log files travel further than consoles.
        print(
            f"\nAurora created the admin user '{settings.admin_user}' with the password:\n"
            f"    {password}\nLog in and change it; it is not shown again.\n",
            file=sys.stderr,
            flush=True,
        )
    return True
