"""Ask in plain words (docs/ask.md).

POST /api/ask          {"question", "dataset"?} -> a query spec and how it was read; runs nothing
GET  /api/ask/suggest  ?q=&dataset= -> completions for an Ask box
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from backend import audit
from backend.ask.models import MAX_QUESTION, AskAnswer, AskRequest, SuggestResponse
from backend.ask.service import only_stop_words
from backend.deps import AskDep, CurrentUser, require_user
from backend.errors import InvalidQuery

router = APIRouter(tags=["ask"], dependencies=[Depends(require_user)])


@router.post("/ask", response_model=AskAnswer, response_model_exclude_none=False)
async def ask(body: AskRequest, user: CurrentUser, asker: AskDep, request: Request) -> AskAnswer:
    if only_stop_words(body.question):
        raise InvalidQuery(
            "Ask about your data: name a measure, a column or a value.", path="question"
        )
    answer = await asker.ask(body.question, body.dataset, user)
    detail = {
        "question": body.question,
        "status": answer.status,
        "engine": answer.engine,
        "spec": answer.spec,
    }
    audit.record("ask", user=user, dataset=answer.dataset, request=request, detail=detail)
    return answer


@router.get("/ask/suggest", response_model=SuggestResponse)
async def suggest(
    user: CurrentUser,
    asker: AskDep,
    q: Annotated[str, Query(max_length=MAX_QUESTION)] = "",
    dataset: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SuggestResponse:
    return SuggestResponse(suggestions=await asker.suggest(q, dataset, user, limit))
