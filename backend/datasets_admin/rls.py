"""Row-level security predicates from a dataset's mapping `column <- user attribute`.

Several rules are ANDed; a user's values of one attribute are ORed (`column IN (...)`), each
a literal typed like the column. It fails closed: a missing or empty attribute, or values of
which none fits the column's type, give FALSE (no rows). A rule naming a column the dataset
no longer has blocks the whole dataset until an admin fixes the mapping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlglot import exp

from backend.catalog.models import Column, Dataset
from backend.datasets_admin.schema import RlsRule
from backend.errors import AuroraError, InvalidQuery
from backend.query.coerce import coerce


class DatasetMisconfigured(AuroraError):
    """The dataset's admin settings cannot be applied; only an admin can fix them."""

    status, code = 409, "dataset_misconfigured"


def rls_predicates(
    dataset: Dataset, rules: Sequence[RlsRule], attributes: Mapping[str, Any]
) -> list[exp.Expression]:
    """One predicate per rule, over the dataset's unqualified raw columns.

    >>> from backend.catalog.models import Column, Dataset
    >>> d = Dataset("sales", "sales", (Column("region", "VARCHAR"), Column("dept", "BIGINT")))
    >>> rules = [RlsRule(column="region", attribute="region"),
    ...          RlsRule(column="dept", attribute="dept")]
    >>> [p.sql() for p in rls_predicates(d, rules, {"region": ["North", "West"], "dept": "7"})]
    ["region IN ('North', 'West')", 'dept IN (7)']
    >>> [p.sql() for p in rls_predicates(d, rules, {"region": []})]
    ['FALSE']
    """
    predicates: list[exp.Expression] = []
    for rule in rules:
        column = dataset.column(rule.column)
        if column is None:
            raise DatasetMisconfigured(
                f"Dataset '{dataset.key}' is blocked: its row-level security maps column "
                f"'{rule.column}', which the dataset no longer has. An administrator must fix "
                f"the mapping (PATCH /api/admin/datasets/{dataset.key}).",
                details=[{"dataset": dataset.key, "column": rule.column}],
            )
        literals = _literals(column, attributes.get(rule.attribute))
        if not literals:
            return [exp.false()]
        predicates.append(exp.In(this=exp.column(column.name), expressions=literals))
    return predicates


def _literals(column: Column, value: Any) -> list[exp.Expr]:
    values = value if isinstance(value, list | tuple) else [] if value is None else [value]
    found: dict[str, exp.Expr] = {}
    for v in values:
        if isinstance(v, list | tuple | dict):
            continue
        try:
            literal = coerce(v, column.type, column=column.name, path="rls")
        except InvalidQuery:  # a value that cannot be in this column matches no row
            continue
        found.setdefault(literal.sql(), literal)
    return list(found.values())
