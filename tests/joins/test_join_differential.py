"""Joins through the real API on the demo data: for each spec, the rows equal hand-written
SQL over the same Parquet files (every join type, filters on each side and across sides,
aggregation, three-way joins, a self-join, a vintage)."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from tests.joins.conftest import api_rows, normalized
from tests.store.fixtures import Api

ON_EMPLOYEE = [{"left": "employee_id", "right": "employee_id"}]
ON_PRODUCT = [{"left": "product_id", "right": "product_id"}]
ON_SALES_PRODUCT = [{"left": "global_sales.product_id", "right": "product_id"}]
FIRST = 10_000_000_001


def where(*conditions: dict[str, Any], op: str = "and") -> dict[str, Any]:
    return {"op": op, "conditions": list(conditions)}


def cond(column: str, operator: str, value: Any = None) -> dict[str, Any]:
    return {"column": column, "operator": operator, "value": value}


CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "inner, filter on the base side",
        {
            "dataset": "global_sales",
            "joins": [{"dataset": "employee_roster", "on": ON_EMPLOYEE}],
            "columns": ["order_id", "full_name", "employee_roster.region"],
            "filters": where(cond("order_id", "between", [FIRST, FIRST + 199])),
        },
        f"""SELECT s.order_id, e.full_name, e.region FROM global_sales s
        JOIN employee_roster e ON s.employee_id = e.employee_id
        WHERE s.order_id BETWEEN {FIRST} AND {FIRST + 199}""",
    ),
    (
        "inner, filters on each side, grouped",
        {
            "dataset": "global_sales",
            "joins": [{"dataset": "employee_roster", "on": ON_EMPLOYEE}],
            "filters": where(
                cond("channel", "=", "Online"),
                cond("employee_roster.region", "in", ["North", "South"]),
            ),
            "group_by": ["salary_band"],
            "measures": [
                {"agg": "count", "alias": "n"},
                {"column": "revenue", "agg": "sum", "alias": "revenue"},
            ],
        },
        """SELECT e.salary_band, COUNT(*), SUM(s.revenue) FROM global_sales s
        JOIN employee_roster e ON s.employee_id = e.employee_id
        WHERE s.channel = 'Online' AND e.region IN ('North', 'South')
        GROUP BY e.salary_band""",
    ),
    (
        "left, filters on the preserved and the null-supplying side",
        {
            "dataset": "products",
            "joins": [{"dataset": "global_sales", "type": "left", "on": ON_PRODUCT}],
            "filters": where(cond("list_price", ">", 1000), cond("channel", "=", "Partner")),
            "group_by": ["category"],
            "measures": [
                {"agg": "count", "alias": "n"},
                {"column": "order_id", "agg": "count", "alias": "orders"},
                {"column": "revenue", "agg": "sum", "alias": "revenue"},
            ],
        },
        """SELECT p.category, COUNT(*), COUNT(s.order_id), SUM(s.revenue) FROM products p
        LEFT JOIN global_sales s ON p.product_id = s.product_id
        WHERE p.list_price > 1000 AND s.channel = 'Partner' GROUP BY p.category""",
    ),
    (
        "left keeps products without sales",
        {
            "dataset": "products",
            "joins": [{"dataset": "global_sales", "type": "left", "on": ON_PRODUCT}],
            "filters": where(cond("subcategory", "=", "Consulting")),
            "group_by": ["products.product_id"],
            "measures": [{"column": "order_id", "agg": "count", "alias": "orders"}],
        },
        """SELECT p.product_id, COUNT(s.order_id) FROM products p
        LEFT JOIN global_sales s ON p.product_id = s.product_id
        WHERE p.subcategory = 'Consulting' GROUP BY p.product_id""",
    ),
    (
        "right, filters on each side",
        {
            "dataset": "global_sales",
            "joins": [{"dataset": "products", "type": "right", "on": ON_PRODUCT}],
            "filters": where(cond("quantity", ">", 10), cond("category", "=", "Furniture")),
            "group_by": ["subcategory"],
            "measures": [
                {"agg": "count", "alias": "n"},
                {"column": "order_id", "agg": "count", "alias": "orders"},
                {"column": "quantity", "agg": "sum", "alias": "units"},
            ],
        },
        """SELECT p.subcategory, COUNT(*), COUNT(s.order_id), SUM(s.quantity)
        FROM global_sales s RIGHT JOIN products p ON s.product_id = p.product_id
        WHERE s.quantity > 10 AND p.category = 'Furniture' GROUP BY p.subcategory""",
    ),
    (
        "right keeps products without sales",
        {
            "dataset": "global_sales",
            "joins": [{"dataset": "products", "type": "right", "on": ON_PRODUCT}],
            "group_by": ["category"],
            "measures": [
                {"agg": "count", "alias": "n"},
                {"column": "order_id", "agg": "count", "alias": "orders"},
            ],
        },
        """SELECT p.category, COUNT(*), COUNT(s.order_id)
        FROM global_sales s RIGHT JOIN products p ON s.product_id = p.product_id
        GROUP BY p.category""",
    ),
    (
        "full, no filter",
        {
            "dataset": "employee_roster",
            "joins": [{"dataset": "global_sales", "type": "full", "on": ON_EMPLOYEE}],
            "group_by": ["employee_roster.department"],
            "measures": [
                {"agg": "count", "alias": "n"},
                {"column": "order_id", "agg": "count", "alias": "orders"},
                {
                    "column": "employee_roster.employee_id",
                    "agg": "count_distinct",
                    "alias": "people",
                },
            ],
        },
        """SELECT e.department, COUNT(*), COUNT(s.order_id), COUNT(DISTINCT e.employee_id)
        FROM employee_roster e FULL JOIN global_sales s ON e.employee_id = s.employee_id
        GROUP BY e.department""",
    ),
    (
        "full, filters on both sides stay above the join",
        {
            "dataset": "employee_roster",
            "joins": [{"dataset": "global_sales", "type": "full", "on": ON_EMPLOYEE}],
            "filters": where(
                cond("load_type", "=", "DAILY"), cond("salary_band", "in", ["P1", "P2"])
            ),
            "group_by": ["salary_band"],
            "measures": [{"agg": "count", "alias": "n"}],
        },
        """SELECT e.salary_band, COUNT(*)
        FROM employee_roster e FULL JOIN global_sales s ON e.employee_id = s.employee_id
        WHERE s.load_type = 'DAILY' AND e.salary_band IN ('P1', 'P2')
        GROUP BY e.salary_band""",
    ),
    (
        "filters across sides (OR over two datasets)",
        {
            "dataset": "global_sales",
            "joins": [{"dataset": "employee_roster", "on": ON_EMPLOYEE}],
            "filters": where(
                cond("global_sales.region", "=", "North"),
                cond("salary_band", "=", "P4"),
                op="or",
            ),
            "group_by": ["global_sales.region"],
            "measures": [{"agg": "count", "alias": "n"}],
        },
        """SELECT s.region, COUNT(*) FROM global_sales s
        JOIN employee_roster e ON s.employee_id = e.employee_id
        WHERE s.region = 'North' OR e.salary_band = 'P4' GROUP BY s.region""",
    ),
    (
        "three-way, grouped, with a measure filter (HAVING)",
        {
            "dataset": "global_sales",
            "joins": [
                {"dataset": "employee_roster", "on": ON_EMPLOYEE},
                {"dataset": "products", "on": ON_SALES_PRODUCT},
            ],
            "group_by": ["employee_roster.department", "category"],
            "measures": [
                {"column": "revenue", "agg": "sum", "alias": "rev"},
                {"column": "global_sales.employee_id", "agg": "count_distinct", "alias": "sellers"},
            ],
            "filters": where(cond("rev", ">", 100_000)),
        },
        """SELECT e.department, p.category, SUM(s.revenue), COUNT(DISTINCT s.employee_id)
        FROM global_sales s JOIN employee_roster e ON s.employee_id = e.employee_id
        JOIN products p ON s.product_id = p.product_id
        GROUP BY e.department, p.category HAVING SUM(s.revenue) > 100000""",
    ),
    (
        "three-way detail, filters on every dataset",
        {
            "dataset": "employee_roster",
            "joins": [
                {"dataset": "global_sales", "on": ON_EMPLOYEE},
                {"dataset": "products", "on": ON_SALES_PRODUCT},
            ],
            "columns": ["order_id", "full_name", "product_name", "category"],
            "filters": where(
                cond("order_id", "<", FIRST + 3000),
                cond("category", "in", "Software, Services"),
                cond("hire_date", ">=", "2015-01-01"),
            ),
        },
        f"""SELECT s.order_id, e.full_name, p.product_name, p.category FROM employee_roster e
        JOIN global_sales s ON e.employee_id = s.employee_id
        JOIN products p ON s.product_id = p.product_id
        WHERE s.order_id < {FIRST + 3000} AND p.category IN ('Software', 'Services')
        AND e.hire_date >= DATE '2015-01-01'""",
    ),
    (
        "three-way, inner then left, filter on the null-supplying side",
        {
            "dataset": "global_sales",
            "joins": [
                {"dataset": "products", "on": ON_PRODUCT},
                {"dataset": "employee_roster", "type": "left", "on": ON_EMPLOYEE},
            ],
            "filters": where(cond("category", "=", "Software"), cond("salary_band", "!=", "P1")),
            "group_by": ["salary_band"],
            "measures": [{"agg": "count", "alias": "n"}],
        },
        """SELECT e.salary_band, COUNT(*) FROM global_sales s
        JOIN products p ON s.product_id = p.product_id
        LEFT JOIN employee_roster e ON s.employee_id = e.employee_id
        WHERE p.category = 'Software' AND e.salary_band <> 'P1' GROUP BY e.salary_band""",
    ),
    (
        "self-join with an alias (staff to manager), left",
        {
            "dataset": "employee_roster",
            "joins": [
                {
                    "dataset": "employee_roster",
                    "alias": "manager",
                    "type": "left",
                    "on": [{"left": "manager_id", "right": "employee_id"}],
                }
            ],
            "group_by": ["manager.salary_band"],
            "measures": [{"agg": "count", "alias": "n"}],
        },
        """SELECT m.salary_band, COUNT(*) FROM employee_roster e
        LEFT JOIN employee_roster m ON e.manager_id = m.employee_id GROUP BY m.salary_band""",
    ),
    (
        "vintage on the base dataset, joined and grouped",
        {
            "dataset": "global_sales",
            "vintage": {"load_type": "MONTH_END", "load_id": 20241231},
            "joins": [{"dataset": "employee_roster", "on": ON_EMPLOYEE}],
            "group_by": ["employee_roster.region"],
            "measures": [
                {"agg": "count", "alias": "n"},
                {"column": "quantity", "agg": "avg", "alias": "avg_qty"},
            ],
        },
        """SELECT e.region, COUNT(*), AVG(s.quantity) FROM global_sales s
        JOIN employee_roster e ON s.employee_id = e.employee_id
        WHERE s.load_type = 'MONTH_END' AND s.load_id = 20241231 GROUP BY e.region""",
    ),
    (
        "join on two key pairs",
        {
            "dataset": "global_sales",
            "joins": [
                {
                    "dataset": "employee_roster",
                    "on": [
                        {"left": "employee_id", "right": "employee_id"},
                        {"left": "region", "right": "region"},
                    ],
                }
            ],
            "filters": where(cond("order_date", "between", ["2024-01-01", "2024-01-31"])),
            "group_by": ["employee_roster.region"],
            "measures": [{"agg": "count", "alias": "n"}],
        },
        """SELECT e.region, COUNT(*) FROM global_sales s
        JOIN employee_roster e ON s.employee_id = e.employee_id AND s.region = e.region
        WHERE s.order_date BETWEEN DATE '2024-01-01' AND DATE '2024-01-31'
        GROUP BY e.region""",
    ),
]


@pytest.mark.parametrize(("name", "spec", "sql"), CASES, ids=[c[0] for c in CASES])
def test_join_rows_equal_hand_written_sql(
    demo_api: Api,
    raw_demo: duckdb.DuckDBPyConnection,
    name: str,
    spec: dict[str, Any],
    sql: str,
) -> None:
    response = demo_api.client.post(
        "/api/query", json={**spec, "page_size": 1000}, headers=demo_api.headers()
    )
    assert response.status_code == 200, response.text
    body = response.json()
    expected = raw_demo.execute(sql).fetchall()
    assert 0 < len(expected) < 1000, "the case must fit one page and not be empty"
    assert body["total_rows"] == len(expected)
    assert normalized(api_rows(body)) == normalized(expected)
