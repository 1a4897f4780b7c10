"""`make loadtest` in miniature: the Locust driver against a real server, a few users for a
few seconds. It fails on errors (any failed action makes the driver exit 1), never on
timings: this machine is shared, and speed is the benchmark's business."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.servers import ROOT

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("mix", ["realistic", "scale"])
def test_the_load_test_runs_its_mix_without_errors(tmp_path: Path, mix: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOADTEST_", "REDIS_URL"))}
    env |= {
        "LOADTEST_MIX": mix,
        "LOADTEST_USERS": "4",
        "LOADTEST_SECONDS": "20",
        "LOADTEST_ROWS": "20000",
        "LOADTEST_WORKERS": "1",
        "LOADTEST_RAMP_S": "1",
        "LOADTEST_RESULTS": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadtest"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [saved] = tmp_path.glob(f"loadtest-*-{mix}-1p-cache.md")
    table = saved.read_text()
    rows = {
        line.split("|")[1].strip(): line.split("|")[2:7]
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith("| action")
    }
    assert int(rows["all"][0]) > 0 and rows["all"][4].strip() == "0"
    assert "API 1 (pid" in table and "RSS MB end" in table
