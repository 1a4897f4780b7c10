"""Materializations over the compiler tests' small catalog (tests.query.catalog)."""

from __future__ import annotations

from typing import Any

from backend.materialize.layout import Layout, layout_for
from backend.materialize.schema import MaterializationIn
from backend.query.compiler import compile_query
from backend.query.context import CompiledQuery
from backend.query.spec import QuerySpec
from tests.query.catalog import DATASETS, context, lookup

ON_EMPLOYEE = [{"left": "employee_id", "right": "employee_id"}]


def materialization(
    columns: list[str], *, join_type: str = "inner", name: str = "sales_roster"
) -> Layout:
    definition = MaterializationIn.model_validate(
        {
            "name": name,
            "dataset": "global_sales",
            "joins": [{"dataset": "employee_roster", "type": join_type, "on": ON_EMPLOYEE}],
            "columns": columns,
        }
    )
    return layout_for(definition, lookup(DATASETS))


def sales_roster(join_type: str = "inner") -> Layout:
    """global_sales joined to employee_roster, with both regions and the load columns."""
    return materialization(
        [
            "order_id",
            "order_date",
            "global_sales.region",
            "channel",
            "revenue",
            "load_type",
            "load_id",
            "employee_roster.name",
            "employee_roster.region",
            "hire_date",
        ],
        join_type=join_type,
    )


def compiled(spec: dict[str, Any], **ctx: Any) -> CompiledQuery:
    return compile_query(QuerySpec.model_validate(spec), context(**ctx))
