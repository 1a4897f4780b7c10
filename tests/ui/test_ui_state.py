"""Reflex's disk state manager as Aurora runs it: expired tab states are swept when it starts
and then at most once a minute, not after every batch of writes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from reflex.istate.manager.disk import StateManagerDisk

from aurora import ui_state


def _expired_file(folder: Path, name: str) -> Path:
    path = folder / f"{name}.pkl"
    path.write_bytes(b"x")
    old = time.time() - 2 * 3600  # past Reflex's one-hour token expiration
    os.utime(path, (old, old))
    return path


def test_expired_state_files_are_swept_at_start_then_once_a_minute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ui_state.STATES_ENV, str(tmp_path))
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert ui_state.state_manager() == {"state_manager_mode": "disk"}
    clock = [time.monotonic() + 10 * ui_state.SWEEP_EVERY_S]
    monkeypatch.setattr(ui_state.time, "monotonic", lambda: clock[0])
    ui_state.throttle_disk_sweep()  # a second call changes nothing: still one throttle
    first = _expired_file(tmp_path, "first")
    manager = StateManagerDisk()
    assert not first.exists()  # swept as the manager starts

    later = _expired_file(tmp_path, "later")
    clock[0] += ui_state.SWEEP_EVERY_S / 2
    manager._purge_expired_states()  # what Reflex's write loop calls after each batch
    assert later.exists()
    clock[0] += ui_state.SWEEP_EVERY_S / 2
    manager._purge_expired_states()
    assert not later.exists()


def test_with_redis_reflex_holds_a_tabs_lock_opportunistically_unless_told_not_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from redis.asyncio import Redis
    from reflex.istate.manager.redis import StateManagerRedis

    # Set first, so that what state_manager() sets is undone after the test too.
    names = (ui_state.OPLOCK_ENV, ui_state.OPLOCK_HOLD_ENV, "REFLEX_OPLOCK_HOLD_TIME_MS")
    for name in (*names, ui_state.LOCK_EXPIRATION_ENV):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/12")
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    assert ui_state.state_manager()["state_manager_mode"] == "redis"
    # What Reflex's manager reads when it is made: on, with a 2 s lease of its 10 s lock.
    manager = StateManagerRedis(redis=Redis())
    assert manager._oplock_enabled and manager.oplock_hold_time_ms == 2000

    monkeypatch.setenv(ui_state.OPLOCK_ENV, "false")  # the operator's word stands
    monkeypatch.setenv(ui_state.OPLOCK_HOLD_ENV, "4s")
    ui_state.state_manager()
    manager = StateManagerRedis(redis=Redis())
    assert not manager._oplock_enabled and manager.oplock_hold_time_ms == 4000

    for name in names:  # a short lock (tests/deploy/test_ui_sign_in.py) gets half of it
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(ui_state.LOCK_EXPIRATION_ENV, "1500")
    ui_state.state_manager()
    manager = StateManagerRedis(redis=Redis(), lock_expiration=1500)
    assert manager._oplock_enabled and manager.oplock_hold_time_ms == 750
