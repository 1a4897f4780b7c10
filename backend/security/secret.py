"""The JWT signing secret: `AURORA_SECRET_KEY`, or one generated on first start and kept in
a 0600 file in the state folder, so restarts keep tokens valid. Never a constant in code."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from backend.config import Settings

log = logging.getLogger("aurora.security")

MIN_SECRET_CHARS = 32
SECRET_FILE = "secret_key"


def signing_secret(settings: Settings) -> str:
    if settings.secret_key is not None:
        value = settings.secret_key.get_secret_value()
        if len(value) < MIN_SECRET_CHARS:
            raise ValueError(f"AURORA_SECRET_KEY must be at least {MIN_SECRET_CHARS} characters")
        return value
    return _file_secret(settings.state_dir / SECRET_FILE)


def _file_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when two processes start together, exactly one writes; the other reads.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    log.info("generated a signing secret", extra={"path": str(path)})
    return value


def _read_secret(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        log.warning("signing secret file is readable by others; fixing to 0600")
        os.chmod(path, 0o600)
    value = path.read_text().strip()
    if len(value) < MIN_SECRET_CHARS:
        raise ValueError(f"{path} holds no usable secret; delete it to generate a new one")
    return value
