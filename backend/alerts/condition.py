"""An alert's condition: the measure above N, below N, or changed by more than N percent
since the last check. Pure: the value now and the value at the last check in, a verdict out.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal["above", "below", "changes_by"]


class Condition(BaseModel):
    """`threshold` is a number for above/below and a percentage (> 0) for changes_by."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind
    threshold: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _positive_change(self) -> Condition:
        if self.kind == "changes_by" and self.threshold <= 0:
            raise ValueError("a change is a percentage above 0, e.g. 10 for 10%")
        return self

    def holds(self, value: float | None, previous: float | None) -> bool:
        """Whether the condition is true now. No value (an empty result) is never true, and
        neither is a change without a value at the last check to compare with.

        >>> Condition(kind="above", threshold=100).holds(150.0, None)
        True
        >>> Condition(kind="below", threshold=100).holds(150.0, None)
        False
        >>> Condition(kind="changes_by", threshold=10).holds(89.0, 100.0)
        True
        >>> Condition(kind="changes_by", threshold=10).holds(109.0, 100.0)
        False
        >>> Condition(kind="changes_by", threshold=10).holds(5.0, 0.0)
        True
        """
        if value is None:
            return False
        if self.kind == "above":
            return value > self.threshold
        if self.kind == "below":
            return value < self.threshold
        return _changed_by(value, previous, self.threshold)

    def describe(self) -> str:
        if self.kind == "changes_by":
            return f"changed by more than {self.threshold:g}% since the last check"
        return f"{self.kind} {self.threshold:g}"


def _changed_by(value: float, previous: float | None, percent: float) -> bool:
    if previous is None:
        return False
    if previous == 0:
        return value != 0  # any move away from zero is an unbounded change
    return math.fabs(value - previous) / math.fabs(previous) * 100 > percent
