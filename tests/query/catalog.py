"""A small catalog shaped like the demo warehouse, for compiler tests and doctests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlglot import exp

from backend.catalog.models import Column, Dataset, VintageColumns
from backend.errors import NotFound
from backend.query.context import CompileContext
from backend.query.plan import Plan
from backend.query.spec import QuerySpec, Vintage

GLOBAL_SALES = Dataset(
    key="global_sales",
    relation="global_sales",
    label="Global sales",
    vintage=VintageColumns(),
    columns=(
        Column("order_id", "BIGINT", "Order id"),
        Column("order_date", "DATE", "Order date"),
        Column("created_at", "TIMESTAMP", "Created at"),
        Column("region", "VARCHAR", "Region"),
        Column("country", "VARCHAR", "Country"),
        Column("department", "VARCHAR", "Department"),
        Column("channel", "VARCHAR", "Channel"),
        Column("product_id", "BIGINT", "Product id"),
        Column("employee_id", "BIGINT", "Employee id"),
        Column("quantity", "INTEGER", "Quantity"),
        Column("unit_price", "DECIMAL(18,2)", "Unit price", format="currency"),
        Column("discount", "DOUBLE", "Discount", format="percent"),
        Column("revenue", "DECIMAL(18,2)", "Revenue", format="currency"),
        Column("cost", "DECIMAL(18,2)", "Cost", format="currency"),
        Column("is_return", "BOOLEAN", "Is return"),
        Column("currency", "VARCHAR", "Currency"),
        Column("load_type", "VARCHAR", "Load type"),
        Column("load_id", "BIGINT", "Load id"),
    ),
)

EMPLOYEE_ROSTER = Dataset(
    key="employee_roster",
    relation="employee_roster",
    label="Employee roster",
    columns=(
        Column("employee_id", "BIGINT", "Employee id"),
        Column("name", "VARCHAR", "Name"),
        Column("department", "VARCHAR", "Department"),
        Column("region", "VARCHAR", "Region"),
        Column("manager_id", "BIGINT", "Manager id"),
        Column("hire_date", "DATE", "Hire date"),
    ),
)

PRODUCTS = Dataset(
    key="products",
    relation="products",
    label="Products",
    default_sort=(("product_id", "asc"),),
    columns=(
        Column("product_id", "BIGINT", "Product id"),
        Column("product_name", "VARCHAR", "Product name"),
        Column("category", "VARCHAR", "Category"),
        Column("subcategory", "VARCHAR", "Subcategory"),
        Column("list_price", "DECIMAL(18,2)", "List price", format="currency"),
    ),
)

BIG_EVENTS = Dataset(
    key="big_events",
    relation="big_events",
    mandatory_filters=("event_date",),
    columns=(
        Column("event_id", "BIGINT", "Event id"),
        Column("event_date", "DATE", "Event date"),
        Column("kind", "VARCHAR", "Kind"),
    ),
)

DATASETS = {d.key: d for d in (GLOBAL_SALES, EMPLOYEE_ROSTER, PRODUCTS, BIG_EVENTS)}


def viewer(dataset: Dataset, hidden: Sequence[str]) -> Dataset:
    """The dataset as a viewer sees it: hidden columns are simply absent."""
    return Dataset(
        key=dataset.key,
        relation=dataset.relation,
        label=dataset.label,
        vintage=dataset.vintage,
        columns=tuple(c for c in dataset.columns if c.name not in hidden),
        mandatory_filters=dataset.mandatory_filters,
        default_sort=dataset.default_sort,
    )


def lookup(datasets: Mapping[str, Dataset]) -> Any:
    def dataset(key: str) -> Dataset:
        if key not in datasets:
            raise NotFound(f"no dataset '{key}'")
        return datasets[key]

    return dataset


def context(
    *,
    datasets: Mapping[str, Dataset] = DATASETS,
    rls: Mapping[str, Sequence[exp.Expr]] | None = None,
    default_vintage: Mapping[str, Vintage] | None = None,
    **kw: Any,
) -> CompileContext:
    vintages = default_vintage or {}
    return CompileContext(
        dataset=lookup(datasets),
        rls=rls or {},
        default_vintage=lambda d: vintages.get(d.key),
        **kw,
    )


def plan_for(spec: dict[str, Any], **ctx: Any) -> Plan:
    return Plan(QuerySpec.model_validate(spec), context(**ctx))
