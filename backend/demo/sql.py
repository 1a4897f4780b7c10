"""Helpers that write the demo generator's DuckDB SQL: seeded draws, lists, weighted picks.

Every value comes from `hash()` of a row key mixed with the seed, so the same seed and row
count give the same data on any number of threads (`random()` cannot be seeded per thread).
The text is built from the constants in `constants.py` and integers only; no outside input
reaches it. Later loaders (PostgreSQL) can run these SELECTs in DuckDB and copy the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlglot import exp

_MASK_62 = (1 << 62) - 1
_TWO_53 = 9007199254740992.0


def seed_mix(seed: int) -> int:
    """A well-spread 62-bit number from the seed (splitmix64), so nearby seeds differ fully."""
    z = (seed + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return (z ^ (z >> 31)) & _MASK_62


def draw(key: str, salt: int, seed: int) -> str:
    """A uniform DOUBLE in [0, 1) for row `key`; each salt (0..63) is an independent stream.

    DuckDB's multi-argument `hash(a, b)` combines weakly (streams of neighbouring salts
    correlate at 0.99), so key, salt and seed are folded into one integer and hashed once.
    """
    if not 0 <= salt < 64:
        raise ValueError(f"salt must be in 0..63, got {salt}")
    return f"((hash(xor({key} * 64 + {salt}, {seed_mix(seed)})) >> 11) / {_TWO_53})"


class Sql(str):
    """SQL text, as opposed to a string constant that still needs quoting."""


def text(value: str) -> Sql:
    """A string constant as a SQL literal (quotes doubled)."""
    return Sql(exp.Literal.string(value).sql("duckdb"))


def sql_list(values: Iterable[object]) -> Sql:
    """A DuckDB list literal of strings (quoted), numbers and `Sql` items (kept as is)."""
    parts = [text(v) if isinstance(v, str) and not isinstance(v, Sql) else str(v) for v in values]
    return Sql("[" + ", ".join(parts) + "]")


def weighted_slots(weights: Sequence[int]) -> list[int]:
    """1-based indexes repeated by weight: picking a slot uniformly honours the weights."""
    return [index for index, weight in enumerate(weights, start=1) for _ in range(weight)]


def pick_index(u: str, weights: Sequence[int]) -> str:
    """SQL for a 1-based index chosen with the given weights by the uniform draw `u`."""
    slots = weighted_slots(weights)
    return f"{sql_list(slots)}[1 + floor({u} * {len(slots)})::INTEGER]"


def date_sql(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"
