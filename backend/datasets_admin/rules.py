"""`StoreRules`: the `DatasetRules` of the access policy, read from the dataset settings."""

from __future__ import annotations

from sqlglot import exp

from backend.catalog.models import Dataset
from backend.datasets_admin.rls import rls_predicates
from backend.datasets_admin.settings_store import SettingsStore
from backend.services.access import Caller


class StoreRules:
    """Visibility and row-level security per dataset. Admins see every dataset; they are
    subject to row-level security unless the dataset exempts them."""

    def __init__(self, settings: SettingsStore) -> None:
        self._settings = settings

    @property
    def generation(self) -> int:
        """Moves whenever the settings do (here at once, from other processes on reload):
        what was compiled under an older generation is not reused."""
        return self._settings.generation

    def visible_to(self, dataset: Dataset, caller: Caller) -> bool:
        entry = self._settings.get(dataset.key)
        if entry is None or entry.settings.visibility.open or caller.role == "admin":
            return True
        visibility = entry.settings.visibility
        return caller.role in visibility.roles or caller.username in visibility.users

    def rls_predicates(self, dataset: Dataset, caller: Caller) -> list[exp.Expression]:
        entry = self._settings.get(dataset.key)
        if entry is None or not entry.settings.rls:
            return []
        if caller.role == "admin" and entry.settings.rls_admin_exempt:
            return []
        return rls_predicates(dataset, entry.settings.rls, caller.attributes)
