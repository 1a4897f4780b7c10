"""The insights statements of a few requests, compiled against a catalog entry for the
generated `daily_sales` (tests/insights/data.py) exactly as the service builds them."""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from backend.catalog.models import Column, Dataset, VintageColumns
from backend.insights.models import InsightsRequest
from backend.insights.service import Statement, statements
from backend.insights.specs import axis_of
from backend.query.compiler import compile_query
from tests.insights import data
from tests.query.catalog import context

DAILY_SALES = Dataset(
    key="daily_sales",
    relation="daily_sales",
    label="Daily sales",
    vintage=VintageColumns(),
    columns=(
        Column("order_date", "DATE", "Order date"),
        Column("region", "VARCHAR", "Region"),
        Column("channel", "VARCHAR", "Channel"),
        Column("amount", "DECIMAL(18,2)", "Amount", format="currency"),
        Column("load_type", "VARCHAR", "Load type"),
        Column("load_id", "BIGINT", "Load id"),
    ),
)
PG_COLUMNS = (
    "order_date DATE, region VARCHAR, channel VARCHAR, amount NUMERIC(18,2), "
    "load_type VARCHAR, load_id BIGINT"
)

LOAD = {"load_type": "DAILY", "load_id": data.LOAD}
RESTATED = {"load_type": "DAILY", "load_id": data.RESTATED}
_SPEC = {
    "dataset": "daily_sales",
    "vintage": LOAD,
    "measures": [{"agg": "sum", "column": "amount", "alias": "revenue"}],
}
_DAY = {"column": "order_date", "bucket": "day"}

# name -> request; each gives its statements in order: anomalies, trend, movers
REQUESTS: dict[str, dict[str, Any]] = {
    "by_day_and_region": {"spec": {**_SPEC, "group_by": [_DAY, "region"]}},
    "two_loads": {"spec": {**_SPEC, "group_by": ["region"]}, "compare": [LOAD, RESTATED]},
    "by_week": {"spec": {**_SPEC, "group_by": [{"column": "order_date", "bucket": "week"}]}},
}
KINDS = {
    "by_day_and_region": ("anomalies", "trend", "movers"),
    "two_loads": ("movers",),
    "by_week": ("anomalies", "trend"),
}


def trees(name: str, rls: dict[str, list[exp.Expr]] | None = None) -> dict[str, exp.Select]:
    """kind -> the statement's tree, compiled for `name`'s request (under `rls`)."""
    request = InsightsRequest.model_validate(REQUESTS[name])
    ctx = context(datasets={"daily_sales": DAILY_SALES}, rls=rls)
    found = statements(axis_of(request, DAILY_SALES), request)
    return {kind: _built(s, ctx) for kind, s in zip(KINDS[name], found, strict=True)}


def _built(statement: Statement, ctx: Any) -> exp.Select:
    return statement.build(compile_query(statement.spec, ctx).unpaged)
