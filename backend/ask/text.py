"""Words of a question and of the catalog, normalized the same way so they can be compared:
case folded, accents kept, punctuation dropped, plurals made singular."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"|(?P<num>[$€£]?\d[\d,]*(?:\.\d+)?(?:[km]\b)?%?)"
    r"|(?P<op><=|>=|!=|<>|<|>|=)"
    r"|(?P<word>[^\W_]+)"
)


@dataclass(frozen=True)
class Token:
    norm: str  # normalized: casefolded and singular
    raw: str  # as typed
    start: int
    end: int
    kind: str  # date, num, op, word


def singular(word: str) -> str:
    """A crude English singular; the same on both sides of every comparison."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[Token]:
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "word"
        raw = m.group(0)
        norm = raw.casefold()
        if kind == "word":
            norm = singular(norm)
        out.append(Token(norm, raw, m.start(), m.end(), kind))
    return out


def phrase(text: str) -> tuple[str, ...]:
    """The normalized words of a catalog name, label, synonym or value."""
    return tuple(t.norm for t in tokens(text.replace("_", " ")))


def number(raw: str) -> float | None:
    """`1,000` -> 1000, `2.5k` -> 2500, `$30` -> 30, `5%` -> 0.05."""
    text = raw.strip().lower().lstrip("$€£").replace(",", "")
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1], 0.01
    elif text.endswith("k"):
        text, scale = text[:-1], 1_000.0
    elif text.endswith("m"):
        text, scale = text[:-1], 1_000_000.0
    try:
        return float(text) * scale
    except ValueError:
        return None
