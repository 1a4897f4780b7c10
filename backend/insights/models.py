"""The request and answer of `POST /api/insights`: closed pydantic models, like the spec."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.query.spec import Name, QuerySpec, Vintage

Kind = Literal["anomaly", "trend", "mover"]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InsightsRequest(Model):
    """`spec` holds the measure (exactly one) and what narrows it: filters, vintage, joins,
    calculated fields. `date_column` is the time axis; omitted, the spec's first date
    group-by entry. `by` are the groups movers rank; omitted, the spec's other group-by
    columns. `compare` names two loads (before, after): movers between them."""

    spec: QuerySpec
    date_column: Name | None = None
    by: Annotated[list[Name], Field(max_length=3)] | None = None
    compare: Annotated[list[Vintage], Field(min_length=2, max_length=2)] | None = None
    threshold: Annotated[float, Field(gt=0, le=100)] = 3.5
    top: Annotated[int, Field(ge=1, le=20)] = 3


class Finding(Model):
    kind: Kind
    text: str
    spec: dict[str, Any]
    measure: str
    value: float | None = None
    expected: float | None = None
    score: float | None = None
    date: dt.date | None = None
    group: dict[str, Any] | None = None
    before: float | None = None
    after: float | None = None
    change: float | None = None
    relative: float | None = None
    slope_per_day: float | None = None
    r2: float | None = None
    direction: Literal["up", "down", "flat"] | None = None


class InsightsResponse(Model):
    findings: list[Finding]
    sql: list[str]
