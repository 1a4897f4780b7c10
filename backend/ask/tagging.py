"""Step one of the parser: the question's words become items, each the longest phrase that
the grammar's vocabulary or the catalog's lexicon knows, else a number, a date or a plain word."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.ask.lexicon import Lexicon, Meaning
from backend.ask.text import Token, tokens
from backend.ask.words import KEYWORDS, MAX_KEYWORD, STRUCTURAL


@dataclass
class Item:
    code: str  # a keyword code, DATA, NUM, DATE, OP or WORD
    raw: str  # the words as typed
    start: int  # character offsets in the question
    end: int
    norm: tuple[str, ...] = ()
    meanings: list[Meaning] = field(default_factory=list)
    used: bool = False


def _longest(
    norms: list[str], raws: list[str], i: int, lexicon: Lexicon
) -> tuple[int, str | None, list[Meaning]]:
    """(length, keyword code, data meanings) of the longest known phrase at i; on a tie a
    structural keyword wins over data, data over other keywords."""
    top = min(len(norms) - i, max(MAX_KEYWORD, lexicon.longest))
    for n in range(top, 0, -1):
        words = tuple(norms[i : i + n])
        code = KEYWORDS.get(words)
        if code and code.startswith("M:") and norms[i] != raws[i]:
            code = None  # "Mars" is not March: months match as written, never singularized
        meanings = lexicon.get(words)
        if code in STRUCTURAL or (code and not meanings):
            return n, code, []
        if meanings:
            return n, None, meanings
    return 1, None, []


def tag(question: str, lexicon: Lexicon) -> list[Item]:
    toks = tokens(question)
    norms = [t.norm for t in toks]
    raws = [t.raw.casefold().rstrip(".") for t in toks]
    items: list[Item] = []
    i = 0
    while i < len(toks):
        n, code, meanings = _longest(norms, raws, i, lexicon)
        span = toks[i : i + n]
        raw = question[span[0].start : span[-1].end]
        if code is None and not meanings:
            code = _plain(toks[i])
        items.append(
            Item(
                code or "DATA", raw, span[0].start, span[-1].end, tuple(norms[i : i + n]), meanings
            )
        )
        i += n
    return items


def _plain(token: Token) -> str:
    return {"num": "NUM", "date": "DATE", "op": "OP"}.get(token.kind, "WORD")
