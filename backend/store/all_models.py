"""Imports every model module, so `Base.metadata` knows all tables (Alembic autogenerate,
test clean-up). A new model module adds one import line here."""

from __future__ import annotations

from backend.alerts import tables as alert_tables  # noqa: F401
from backend.dashboards import tables as dashboard_tables  # noqa: F401
from backend.datasets_admin import models as dataset_models  # noqa: F401
from backend.delivery import tables as delivery_tables  # noqa: F401
from backend.delivery import webhook_table  # noqa: F401
from backend.jobs import models as job_models  # noqa: F401
from backend.lake import cdc_table  # noqa: F401
from backend.materialize import models as materialize_models  # noqa: F401
from backend.store import models  # noqa: F401
from backend.store.base import Base

metadata = Base.metadata
