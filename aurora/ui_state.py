"""Where Reflex keeps each tab's state, chosen here rather than left to Reflex's default.

With Redis configured (`REFLEX_REDIS_URL`, or the `REDIS_URL` the rest of Aurora uses, which
Reflex itself ignores) the state lives there. Otherwise on disk, in a folder outside the
repository's working tree that only this user may enter (0700), holding files only this user
may read (0600, from the process umask: Reflex writes them with its own default mode).

On disk, Reflex's write loop also sweeps the folder for expired state files after every
batch of writes: a listing and a stat of every tab's every substate, several times a second
under load (a tenth of the UI server's CPU with 40 users). Files expire after an hour, so
the sweep runs at most once a minute (`throttle_disk_sweep`).

With Redis, Reflex locks, loads and saves a tab's state for every event and for every
`async with self` of a background event: a page, a sort or an open took the lock 4 times,
read ~86 KB and wrote ~61 KB (bench.ui_state_cost), 37% of the UI server's CPU under load.
Reflex's opportunistic lock (`REFLEX_OPLOCK_ENABLED`) lets the worker that took a tab's lock
keep it, with the loaded state in memory, for `REFLEX_OPLOCK_HOLD_TIME`, and save once when
that lease ends, or at once when another worker asks for the lock (a reload whose socket
reached the other worker). A tab's events reach the worker holding its socket, so the four
lock cycles of one click share one load and one save. Both are set here unless the
environment sets them (`enable_oplock`): on, held 2 s (at most half the lock's expiration).
Reflex's default hold, half its 10 s lock expiration, left an event that starts late in a
lease and waits for the API only 5 s before the lock expired under it, and the lease's save
failed (LockExpiredError, the tab's last changes lost: 4 tabs of 100 on a machine at load
17); 2 s covers one click's events and leaves 8 s.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STATES_ENV = "REFLEX_STATES_WORKDIR"  # Reflex's own name for the folder
SWEEP_EVERY_S = 60.0
OPLOCK_ENV = "REFLEX_OPLOCK_ENABLED"  # Reflex's own names
OPLOCK_HOLD_ENV = "REFLEX_OPLOCK_HOLD_TIME"
LOCK_EXPIRATION_ENV = "REFLEX_REDIS_LOCK_EXPIRATION"  # ms, Reflex's default 10 s
OPLOCK_HOLD_MS = 2000


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


def _at_most_every(seconds: float, sweep: Callable[[Any], None]) -> Callable[[Any], None]:
    last = -seconds

    @functools.wraps(sweep)
    def throttled(manager: Any) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= seconds:
            last = now
            sweep(manager)

    throttled.__dict__["_aurora_throttled"] = True
    return throttled


def throttle_disk_sweep() -> None:
    """Reflex's disk state manager sweeps expired files at most once every SWEEP_EVERY_S
    (the first sweep, when it starts, runs)."""
    from reflex.istate.manager.disk import StateManagerDisk

    sweep = StateManagerDisk._purge_expired_states
    if not getattr(sweep, "_aurora_throttled", False):
        StateManagerDisk._purge_expired_states = _at_most_every(SWEEP_EVERY_S, sweep)  # type: ignore[method-assign]


def enable_oplock() -> None:
    """Reflex's opportunistic lock, unless the environment says otherwise. Reflex reads the
    variable when its Redis state manager is made, after the config is loaded."""
    os.environ.setdefault(OPLOCK_ENV, "true")
    if OPLOCK_HOLD_ENV not in os.environ and "REFLEX_OPLOCK_HOLD_TIME_MS" not in os.environ:
        # Reflex refuses to start with a hold as long as the lock's expiration.
        expiration_ms = int(os.environ.get(LOCK_EXPIRATION_ENV) or 10_000)
        os.environ[OPLOCK_HOLD_ENV] = f"{min(OPLOCK_HOLD_MS, expiration_ms // 2)}ms"


def state_manager() -> dict[str, Any]:
    """The `rx.Config` arguments for the state manager."""
    url = redis_url()
    if url:
        enable_oplock()
        return {"state_manager_mode": "redis", "redis_url": url}
    os.umask(0o077)  # Reflex writes state files with the process default mode
    states = private_dir(Path(os.environ.get(STATES_ENV) or default_states_dir()))
    os.environ[STATES_ENV] = str(states)
    throttle_disk_sweep()
    return {"state_manager_mode": "disk"}
