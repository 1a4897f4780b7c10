"""Where Reflex keeps each tab's state, chosen here rather than left to Reflex's default.

With Redis configured (`REFLEX_REDIS_URL`, or the `REDIS_URL` the rest of Aurora uses, which
Reflex itself ignores) the state lives there. Otherwise on disk, in a folder outside the
repository's working tree that only this user may enter (0700), holding files only this user
may read (0600, from the process umask: Reflex writes them with its own default mode).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

STATES_ENV = "REFLEX_STATES_WORKDIR"  # Reflex's own name for the folder


def redis_url() -> str:
    return os.environ.get("REFLEX_REDIS_URL") or os.environ.get("REDIS_URL") or ""


def default_states_dir() -> Path:
    """Per user, outside any checkout: $XDG_STATE_HOME/aurora/ui-states."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "aurora" / "ui-states"


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) and make it this user's alone."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def state_manager() -> dict[str, Any]:
    """The `rx.Config` arguments for the state manager."""
    url = redis_url()
    if url:
        return {"state_manager_mode": "redis", "redis_url": url}
    os.umask(0o077)  # Reflex writes state files with the process default mode
    states = private_dir(Path(os.environ.get(STATES_ENV) or default_states_dir()))
    os.environ[STATES_ENV] = str(states)
    return {"state_manager_mode": "disk"}
