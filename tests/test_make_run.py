"""`make run` listens on the loopback address only, unless AURORA_BIND says otherwise."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run_commands(**env: str) -> str:
    """The commands `make run` would run, without running them."""
    return subprocess.run(
        ["make", "-n", "run"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.mark.parametrize(
    ("env", "address"), [({}, "127.0.0.1"), ({"AURORA_BIND": "0.0.0.0"}, "0.0.0.0")]
)
def test_make_run_binds_api_and_ui_to_the_chosen_address(env: dict[str, str], address: str):
    commands = _run_commands(**env)
    assert f"backend.serve --host {address} " in commands
    assert f"--backend-host {address}" in commands
    assert "0.0.0.0" not in commands or address == "0.0.0.0"


def test_make_run_hashes_passwords_at_owasp_cost_unless_told_otherwise() -> None:
    """Two cores verify about 6.7 passwords a second at argon2's recommended cost: a burst
    of sign-ins at that cost takes both from page requests (bench/results/ui-login-*)."""
    script = _run_commands().split("export AURORA_ARGON2_PROFILE=", 1)[1].split(";", 1)[0]
    for given, expected in [({}, "owasp"), ({"AURORA_ARGON2_PROFILE": "default"}, "default")]:
        shell = subprocess.run(
            ["bash", "-c", f'echo "{script}"'],
            env={k: v for k, v in os.environ.items() if k != "AURORA_ARGON2_PROFILE"} | given,
            check=True,
            capture_output=True,
            text=True,
        )
        assert shell.stdout.strip() == expected
