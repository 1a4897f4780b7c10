"""docs/security.md names every limit a hostile caller meets, with its setting, and says how
to report a problem."""

from pathlib import Path

from backend.config import Settings

DOC = (Path(__file__).resolve().parent.parent / "docs" / "security.md").read_text()
# The settings that bound what one caller can make the service do or show.
LIMIT_PREFIXES = ("QUERY_", "LOGIN_", "QUOTA_", "UPLOAD_", "MAX_", "EXPLAIN_MAX_", "SCHEDULE_")
LIMITS_BY_NAME = {"PUBLIC_API_DOCS", "TRUSTED_PROXIES", "AURORA_UI_SECRET", "PREVIEW_ROWS"}


def test_security_doc_names_every_limit_setting() -> None:
    aliases = [str(f.validation_alias) for f in Settings.model_fields.values()]
    limits = [a for a in aliases if a.startswith(LIMIT_PREFIXES) or a in LIMITS_BY_NAME]
    assert len(limits) > 15
    assert [a for a in limits if f"`{a}`" not in DOC] == []


def test_security_doc_has_the_threat_model_logging_and_reporting() -> None:
    for heading in ("## Threat model", "## What is logged", "## Reporting a problem"):
        assert heading in DOC
    for caller in ("anonymous caller", "viewer", "admin"):
        assert f"**An {caller}**" in DOC or f"**A {caller}**" in DOC
