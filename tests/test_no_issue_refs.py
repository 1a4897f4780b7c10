"""The code and the docs explain themselves: no comment, docstring or page leans on an issue
number, which a reader of the repository has no way to open."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    *(p for top in ("backend", "adapters", "aurora") for p in (ROOT / top).rglob("*.py")),
    ROOT / "README.md",
    *(ROOT / "docs").glob("*.md"),
]
ISSUE_REF = re.compile(r"\b[Ii]ssues? ?#?\d+\b")


def _refs(text: str) -> list[str]:
    return [m.group(0) for m in ISSUE_REF.finditer(text)]


def test_no_source_or_doc_cites_an_issue_number() -> None:
    cited = {
        str(p.relative_to(ROOT)): refs
        for p in SOURCES
        if (refs := _refs(p.read_text(encoding="utf-8")))
    }
    assert cited == {}


def test_the_check_finds_issue_numbers_and_reads_every_kind_of_source() -> None:
    assert _refs("as issue 20 asks; see Issues #3, no tissue 4") == ["issue 20", "Issues #3"]
    kinds = {p.suffix for p in SOURCES}
    assert kinds == {".py", ".md"} and len(SOURCES) > 100
