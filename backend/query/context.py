"""What the compiler needs besides the spec, and what it gives back."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from backend.catalog.models import Dataset
from backend.query.budget import CompileLimits
from backend.query.spec import Vintage


@dataclass(frozen=True)
class CompileContext:
    """Everything outside the spec that shapes the SQL.

    `dataset` looks a key up (raising `NotFound`) and returns the dataset as *this caller*
    may see it: hidden columns already removed for viewers, so naming one is an unknown
    column. `rls` maps a dataset key to predicates over that dataset's own (unqualified)
    columns; they are ANDed into its base relation. `default_vintage` resolves the vintage
    of a dataset whose spec names none (None: all loads).
    """

    dataset: Callable[[str], Dataset]
    dialect: str = "duckdb"
    rls: Mapping[str, Sequence[exp.Expr]] = field(default_factory=dict)
    default_vintage: Callable[[Dataset], Vintage | None] = lambda _d: None
    max_row_limit: int = 1_000_000
    row_estimate: Callable[[Dataset], int | None] = lambda d: d.row_estimate
    # Rows a dataset's CTE (its vintage, RLS and pushed filters applied) is expected to give;
    # when set, all-inner joins are reordered so the smallest input drives.
    estimate_rows: Callable[[str, exp.Select], int | None] | None = None
    # How big the compiled query may grow (backend.query.budget).
    limits: CompileLimits = field(default_factory=CompileLimits)


@dataclass(frozen=True)
class OutputColumn:
    name: str
    label: str
    type: str
    format: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class CompiledQuery:
    """`tree` is the paged SELECT; `unpaged` the same without LIMIT/OFFSET (exports);
    `count` counts the unpaged rows. `join_order` lists dataset aliases as joined.

    The paged tree is `paged`, or, when only its `window` (offset, rows) is given, built on
    first use: a page served from cached blocks needs only its text (`sql`, when known),
    and building the tree deep-copies the whole unpaged one."""

    unpaged: exp.Select
    count: exp.Select
    columns: tuple[OutputColumn, ...]
    datasets: tuple[str, ...]
    join_order: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()  # the dataset keys read, once each (cache keys, the gate)
    paged: exp.Select | None = field(default=None, compare=False)
    window: tuple[int, int] | None = None
    sql: str | None = field(default=None, compare=False)  # `tree` in the compile's dialect

    @property
    def tree(self) -> exp.Select:
        if self.paged is None:
            assert self.window is not None, "a compiled query has its paged tree or its window"
            offset, rows = self.window
            paged = self.unpaged.limit(rows)  # copies: the unpaged tree is shared
            # Two threads may both build it: equal trees, the second one is kept.
            object.__setattr__(self, "paged", paged.offset(offset, copy=False) if offset else paged)
        assert self.paged is not None
        return self.paged
