"""Who may see which dataset, which columns, and which rows.

The catalog says what exists; this policy turns it into what one caller may see. The
dataset-administration settings (hidden columns, visibility, row-level security) plug in
through `DatasetRules`; without rules every dataset is open and unfiltered.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol, runtime_checkable

from sqlglot import exp

from backend.catalog.models import Catalog as Catalog
from backend.catalog.models import Dataset
from backend.errors import NotFound


class Caller(Protocol):
    """The authenticated user, as far as data access cares."""

    @property
    def username(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def attributes(self) -> Mapping[str, Any]: ...


class DatasetRules(Protocol):
    """Admin settings per dataset (issue: dataset administration)."""

    def visible_to(self, dataset: Dataset, caller: Caller) -> bool: ...

    def rls_predicates(self, dataset: Dataset, caller: Caller) -> list[exp.Expression]: ...


@runtime_checkable
class VersionedRules(DatasetRules, Protocol):
    """Rules that say when they change: `generation` moves whenever any setting they read
    does (visibility, hidden columns, row-level security, vintage), and of the caller they
    read only the role, the attributes, and for visibility the username. Anything compiled
    under them can then be kept per generation (`AccessPolicy.compile_key`)."""

    @property
    def generation(self) -> int: ...


class OpenRules:
    """No settings: everything visible, no row filters."""

    generation = 0

    def visible_to(self, dataset: Dataset, caller: Caller) -> bool:
        return True

    def rls_predicates(self, dataset: Dataset, caller: Caller) -> list[exp.Expression]:
        return []


class AccessPolicy:
    def __init__(self, catalog: Catalog, rules: DatasetRules | None = None) -> None:
        self.catalog = catalog
        self.rules: DatasetRules = rules or OpenRules()

    def dataset_for(self, key: str, caller: Caller) -> Dataset:
        """The dataset as `caller` may see it; forbidden looks exactly like missing."""
        dataset = self.catalog.get(key)
        if not self.rules.visible_to(dataset, caller):
            raise NotFound(f"Dataset '{key}' was not found.")
        return self._columns_for(dataset, caller)

    def datasets_for(self, caller: Caller) -> list[Dataset]:
        return [
            self._columns_for(d, caller)
            for d in self.catalog.list()
            if self.rules.visible_to(d, caller)
        ]

    def hidden_from(self, caller: Caller) -> frozenset[str]:
        """Keys of the datasets that exist but `caller` may not see. Whatever names one of
        them (a shared report, its schedules and runs) is hidden from `caller` too: it
        would show the dataset's key, columns and filter values."""
        return frozenset(d.key for d in self.catalog.list() if not self.rules.visible_to(d, caller))

    def rls_for(self, caller: Caller) -> RlsMap:
        return RlsMap(self, caller)

    def compile_key(self, caller: Caller, keys: Iterable[str]) -> Hashable | None:
        """Everything a compile over the datasets `keys` reads about `caller` and the data:
        the caller's role and attributes, the rules' generation and each dataset's version.
        None when that cannot be told (rules without a generation) or a dataset is hidden
        from the caller (the compile refuses it: nothing to keep). Raises `NotFound` like
        the compile for a dataset that does not exist."""
        rules = self.rules
        if not isinstance(rules, VersionedRules):
            return None
        versions = []
        for key in sorted(keys):
            dataset = self.catalog.get(key)
            if not rules.visible_to(dataset, caller):
                return None
            versions.append((key, dataset.version))
        # Read after the datasets: reading them reloads settings when due, and the compile
        # that follows sees settings at least this new.
        generation = rules.generation
        attributes = json.dumps(dict(caller.attributes), sort_keys=True, default=str)
        return (generation, caller.role, attributes, tuple(versions))

    def _columns_for(self, dataset: Dataset, caller: Caller) -> Dataset:
        if caller.role == "admin" or not any(c.hidden for c in dataset.columns):
            return dataset
        return replace(dataset, columns=dataset.visible_columns, _by_name={})


class RlsMap(Mapping[str, Sequence[exp.Expression]]):
    """Row filters per dataset key, computed only for the datasets a query touches."""

    def __init__(self, policy: AccessPolicy, caller: Caller) -> None:
        self._policy, self._caller = policy, caller
        self._cache: dict[str, list[exp.Expression]] = {}

    def __getitem__(self, key: str) -> Sequence[exp.Expression]:
        if key not in self._cache:
            dataset = self._policy.catalog.get(key)
            self._cache[key] = self._policy.rules.rls_predicates(dataset, self._caller)
        return self._cache[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cache)

    def __len__(self) -> int:
        return len(self._cache)
