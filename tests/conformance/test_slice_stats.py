"""Statistics inside a caller's slice (row-level security), on DuckDB and PostgreSQL: the
gate's one aggregate query under the row filters gives the slice's row count, min, max and
distinct count, as a hand-written query over the same rows does."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlglot import exp

from backend.services.cost_gate import SliceGate
from backend.services.estimates import read_tree
from tests.conformance.targets import Target

NORTH = {"sales": [exp.column("region").isin(exp.Literal.string("North"))]}
SPEC = {
    "dataset": "sales",
    "columns": ["order_id"],
    "filters": {
        "conditions": [
            {"column": "amount", "operator": ">", "value": 10},
            {"column": "customer", "operator": "=", "value": "plain"},
            {"column": "order_date", "operator": ">=", "value": "2023-12-10"},
        ]
    },
}
EXPECTED = """
SELECT COUNT(*) AS a, MIN(amount) AS b, MAX(amount) AS c, COUNT(DISTINCT amount) AS d,
  MIN(customer) AS e, MAX(customer) AS f, COUNT(DISTINCT customer) AS g,
  MIN(order_date) AS h, MAX(order_date) AS i
FROM sales WHERE region = 'North'
"""


@pytest.mark.parametrize("name", ["duck", pytest.param("pg", marks=pytest.mark.postgres)])
def test_slice_statistics_are_the_slices_own(request: pytest.FixtureRequest, name: str) -> None:
    target: Target = request.getfixturevalue(name)
    tree = target.compile(SPEC, NORTH).unpaged
    sales = target.catalog.get("sales")
    gate = SliceGate(target.adapter)
    assert gate.applies(tree)
    gate.load(tree, [sales])
    read = read_tree(tree)[0][0]
    stats = gate.stats.get(sales, read.scope)
    with_sql = target.adapter.run(exp.maybe_parse(EXPECTED, dialect="duckdb")).to_pylist()[0]
    want = list(with_sql.values())
    assert stats.rows == want[0]
    amount, customer, day = (stats.columns[c] for c in ("amount", "customer", "order_date"))
    assert (Decimal(str(amount.min_value)), Decimal(str(amount.max_value))) == (want[1], want[2])
    assert amount.distinct == pytest.approx(want[3], rel=0.1)
    assert (customer.min_value, customer.max_value) == (want[4], want[5])
    assert customer.distinct == pytest.approx(want[6], rel=0.1)
    assert (day.min_value, day.max_value) == (want[7], want[8])
    assert gate.stats.known(sales, read, ["amount", "customer", "order_date"])
