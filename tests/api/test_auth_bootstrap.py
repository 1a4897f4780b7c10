"""First start: the admin, the signing secret, and no secret defaults in the settings."""

from __future__ import annotations

import logging
import re
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from backend.config import Settings
from backend.main import create_app
from backend.security.secret import signing_secret
from backend.store.engine import Store
from tests.store.fixtures import ADMIN, make_settings, wipe


def test_no_secret_setting_has_a_default() -> None:
    secret_fields = [
        name for name, f in Settings.model_fields.items() if "SecretStr" in str(f.annotation)
    ]
    assert {"secret_key", "admin_password", "db_url"} <= set(secret_fields)
    assert [n for n in secret_fields if Settings.model_fields[n].default is not None] == []


def test_production_hashing_uses_the_library_defaults() -> None:
    assert Settings.model_fields["argon2_profile"].default == "default"


def test_generated_secret_is_kept_0600_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "warehouse", secret_key=None)
    first = signing_secret(settings)
    path = settings.state_dir / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32 and signing_secret(settings) == first


def test_secret_from_the_environment_wins_and_must_be_long(tmp_path: Path) -> None:
    key = "k" * 40
    settings = Settings(data_dir=tmp_path / "w", secret_key=SecretStr(key))
    assert signing_secret(settings) == key
    assert not (settings.state_dir / "secret_key").exists()
    with pytest.raises(ValueError, match="at least 32"):
        signing_secret(Settings(data_dir=tmp_path / "w", secret_key=SecretStr("short")))


def test_tokens_stay_valid_across_a_restart(metadata_store: Store, tmp_path: Path) -> None:
    wipe(metadata_store)
    settings = make_settings(tmp_path, metadata_store)
    with TestClient(create_app(settings)) as client:
        r = client.post(
            "/api/auth/login", json={"username": ADMIN, "password": "admin-test-password"}
        )
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/auth/me", headers=headers).status_code == 200


def test_first_start_without_a_password_prints_a_random_one_once(
    metadata_store: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    wipe(metadata_store)
    settings = make_settings(tmp_path, metadata_store, admin_password=None, admin_user="root")
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(settings)) as client:
        printed = capsys.readouterr().err
        match = re.search(r"password:\n\s+(\S+)", printed)
        assert match, printed
        password = match.group(1)
        assert len(password) >= 16
        login = {"username": "root", "password": password}
        assert client.post("/api/auth/login", json=login).status_code == 200
    assert password not in caplog.text
    with TestClient(create_app(settings)):
        assert "password" not in capsys.readouterr().err
