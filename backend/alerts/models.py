"""The request body of an alert (POST and PUT /api/alerts)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.alerts.condition import Condition
from backend.delivery.targets import DeliveryTargets


class AlertIn(BaseModel):
    """Exactly one trigger: `cron` (with `timezone`) or `on_new_version`. `measure` may be
    left out when the report has one measure. `delivery` without anyone goes to the owner
    in-app."""

    model_config = ConfigDict(extra="forbid")

    report_id: Annotated[str, Field(min_length=1, max_length=32)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    measure: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    condition: Condition
    cron: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
    on_new_version: bool = False
    delivery: DeliveryTargets = Field(default_factory=DeliveryTargets)
    enabled: bool = True

    @model_validator(mode="after")
    def _one_trigger(self) -> AlertIn:
        if (self.cron is None) == (not self.on_new_version):
            raise ValueError("give exactly one trigger: a cron expression or on_new_version")
        return self
