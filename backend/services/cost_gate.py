"""The cost gate: refuse a statement before it runs when it is expected to be huge, and tell
the user which filters would make it small.

Two opinions are combined, and the larger wins: the database planner's (EXPLAIN: rows of its
largest operator, and a cost where the database has one) and our own estimate from column
statistics (`backend.services.estimates`), which sees fan-out joins that DuckDB's planner
does not. The gate judges the largest intermediate result, not the final row count: a
LIMIT 50 on top of a fan-out join does not make the join cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp

from adapters.base import DatabaseAdapter, Estimate
from backend.catalog.models import Dataset
from backend.services.estimates import (
    Input,
    JoinEstimate,
    SliceStats,
    Step,
    has_row_filters,
    read_select,
    read_tree,
    rows_in_slice,
    slice_columns,
    slice_estimate,
)


@dataclass(frozen=True)
class GateDecision:
    allowed: bool
    estimated_rows: int | None
    estimated_cost: float | None
    reason: str | None = None
    steps: tuple[Step, ...] = ()


def decide(
    estimate: Estimate | None,
    datasets: Sequence[Dataset],
    *,
    max_rows: int,
    max_cost: float,
    joins: JoinEstimate | None = None,
) -> GateDecision:
    """Allowed unless the larger row estimate passes `max_rows` or the cost `max_cost`.

    >>> from backend.catalog.models import Column
    >>> sales = Dataset("sales", "sales", (Column("order_date", "DATE", "Order date"),))
    >>> d = decide(Estimate(rows=10, max_rows=5_000_000_000), [sales], max_rows=10**8,
    ...            max_cost=1e12)
    >>> d.allowed, d.reason
    (False, 'This query would process about 5.0 billion rows, more than this service allows \
at once (100.0 million). Add a filter on Order date to make it smaller.')
    """
    planner = _planner_rows(estimate)
    ours = joins.largest if joins is not None else None
    rows = max((r for r in (planner, ours) if r is not None), default=None)
    cost = estimate.cost if estimate is not None else None
    steps = joins.steps if joins is not None else ()
    over_rows = rows is not None and rows > max_rows
    over_cost = cost is not None and cost > max_cost
    if not (over_rows or over_cost):
        return GateDecision(True, rows, cost, None, steps)
    culprit = joins.culprit if joins is not None and ours == rows else None
    labels = {d.key: d.display for d in datasets}
    what = _what(rows if over_rows else None, culprit, max_rows, labels)
    reason = f"{what} {_advice(datasets, culprit)}"
    return GateDecision(False, rows, cost, reason, steps)


def _planner_rows(estimate: Estimate | None) -> int | None:
    if estimate is None:
        return None
    return estimate.max_rows if estimate.max_rows is not None else estimate.rows


def _what(rows: int | None, culprit: Step | None, max_rows: int, labels: dict[str, str]) -> str:
    if rows is None:
        return "This query would take too much work for this service to run at once."
    join = ""
    if culprit is not None and culprit.join is not None and culprit.rows >= culprit.input_rows:
        join = f" (joining {labels.get(culprit.dataset, culprit.dataset)} on {culprit.on})"
    return (
        f"This query would process about {_human(rows)} rows{join}, more than this service "
        f"allows at once ({_human(max_rows)})."
    )


def _advice(datasets: Sequence[Dataset], culprit: Step | None) -> str:
    filters = _helpful_filters(datasets)
    if culprit is not None and culprit.join is not None:
        return (
            f"{filters.removesuffix(' to make it smaller.')}, or join on a column that "
            "identifies rows (an id), to make it smaller."
        )
    return filters


def _helpful_filters(datasets: Sequence[Dataset]) -> str:
    names: list[str] = []
    for ds in datasets:
        names += [c.display for c in ds.visible_columns if c.kind in ("date", "timestamp")][:1]
        names += [c.display for c in ds.visible_columns if c.name.lower() == "department"]
        if ds.vintage and ds.vintage.load_id:
            col = ds.column(ds.vintage.load_id)
            names.append(col.display if col else ds.vintage.load_id)
    unique = list(dict.fromkeys(names))
    if not unique:
        return "Add filters or aggregate the data to make it smaller."
    return f"Add a filter on {_or_list(unique)} to make it smaller."


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _human(n: int) -> str:
    for size, unit in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:,}"


class SliceGate:
    """The gate for a query limited to the caller's slice by row-level security: every
    number in its decision (rows, steps, the refusal's wording, allowed or not) comes from
    statistics of the rows the caller may see, never from the whole relation nor from the
    planner (see `backend.services.estimates`, "inside a caller's slice"). Statistics are
    computed once per relation, data version and slice."""

    def __init__(self, adapter: DatabaseAdapter) -> None:
        self.stats = SliceStats(adapter)

    @staticmethod
    def applies(tree: exp.Select) -> bool:
        return has_row_filters(tree)

    def decide(
        self,
        tree: exp.Select,
        datasets: Sequence[Dataset],
        *,
        max_rows: int,
        max_cost: float,
        scan: bool = True,
    ) -> GateDecision | None:
        """Blocking (may scan the slices once): the decision from the slices' statistics.
        `scan=False`: from cached statistics only, CPU work that needs no database worker;
        None when some are missing."""
        if scan:
            self.load(tree, datasets)
        elif self.todo(tree, datasets):
            return None
        joins = slice_estimate(tree, _by_relation(tree, datasets), self.stats)
        if joins is None:
            return GateDecision(True, None, None)
        return decide(None, datasets, max_rows=max_rows, max_cost=max_cost, joins=joins)

    def missing(self, tree: exp.Select, datasets: Sequence[Dataset]) -> bool:
        """Whether a join order over this slice would lack statistics (the async paths load
        them before compiling again, as for the whole-relation statistics)."""
        return (
            bool(tree.args.get("joins")) and self.applies(tree) and bool(self.todo(tree, datasets))
        )

    def load(self, tree: exp.Select, datasets: Sequence[Dataset]) -> None:
        """Blocking: scan each slice the query reads for the statistics it lacks."""
        for dataset, read, columns in self.todo(tree, datasets):
            self.stats.load(dataset, read, columns)

    def todo(
        self, tree: exp.Select, datasets: Sequence[Dataset]
    ) -> list[tuple[Dataset, Input, set[str]]]:
        """The slices `tree` reads whose statistics are not all cached, each with the
        columns a scan of it must cover."""
        by_relation = _by_relation(tree, datasets)
        todo = []
        for (relation, _scope), (read, columns) in slice_columns(tree).items():
            dataset = by_relation.get(relation)
            if dataset is not None and not self.stats.known(dataset, read, columns):
                todo.append((dataset, read, columns))
        return todo

    def input_rows(
        self,
        seen: Mapping[str, Dataset],
        otherwise: Callable[[str, exp.Select], int | None] | None,
    ) -> Callable[[str, exp.Select], int | None] | None:
        """The join order's row estimate of a dataset's CTE: inside the slice when the CTE
        has row filters (cached statistics only), else `otherwise`'s."""

        def estimate(alias: str, select: exp.Select) -> int | None:
            read = read_select(select)
            if read is None or not read.row_filters:
                return otherwise(alias, select) if otherwise is not None else None
            by_relation = {d.relation: d for d in seen.values()}
            return rows_in_slice(select, by_relation, self.stats)

        return estimate


def _by_relation(tree: exp.Select, datasets: Sequence[Dataset]) -> dict[str, Dataset]:
    """The datasets by relation, plus any relation the query reads that is no dataset (a
    materialization read instead of a join): versioned by the datasets' versions, so a new
    load of any of them gives it new statistics too."""
    found = {d.relation: d for d in datasets}
    version = ",".join(sorted(f"{d.key}@{d.version}" for d in datasets))
    for read in read_tree(tree)[0]:
        if read.relation not in found:
            found[read.relation] = Dataset(read.relation, read.relation, (), version=version)
    return found
