"""What the API's vocabulary is, for clients that build specs: the filter operators."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from backend.query.operators import vocabulary
from backend.security.deps import require_user

router = APIRouter(prefix="/meta", tags=["meta"], dependencies=[Depends(require_user)])


class OperatorOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operator: str
    label: str
    value: Literal["none", "one", "list", "pair"]


class OperatorsOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operators: list[OperatorOut]
    # kind -> the operators a filter builder offers for it, the first its default
    by_kind: dict[str, list[str]]


@router.get("/operators", response_model=OperatorsOut)
def operators() -> OperatorsOut:
    """Every filter operator with its label and the shape of its value (`none`, `one`,
    `list` for in/not_in, `pair` for between), and per column kind the operators to offer."""
    return OperatorsOut.model_validate(vocabulary())
