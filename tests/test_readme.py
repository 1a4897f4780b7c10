from pathlib import Path

from backend.config import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_starts_with_the_two_commands() -> None:
    head = README[:600]
    assert "make run" in head and "make test" in head


def test_readme_configuration_table_names_every_setting() -> None:
    missing = [
        str(f.validation_alias)
        for f in Settings.model_fields.values()
        if f"`{f.validation_alias}`" not in README
    ]
    assert missing == []


def test_no_secret_setting_has_a_default() -> None:
    secrets = ["secret_key", "admin_password", "db_url", "ui_secret", "llm_key"]
    assert all(Settings.model_fields[name].default is None for name in secrets)
