"""The ask use case: the caller's context (only what they may see), an engine's answer, and the
check that its spec is a spec the compiler accepts for this caller.

Values of low-cardinality text columns come through `QueryService.values`, the path the filter
pickers use, so row-level security, the vintage default and the gate apply; they are kept per
dataset version and caller scope (`AccessPolicy.compile_key`: role, attributes, rules)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from backend.ask.engine import AskContext, DatasetView, Engine
from backend.ask.llm import ModelEngine, model_answer
from backend.ask.llm_scope import scope_of
from backend.ask.models import AskAnswer, Suggestion
from backend.ask.parser import ParserEngine
from backend.ask.suggest import suggestions
from backend.catalog.models import Dataset
from backend.errors import AuroraError
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.services.offload import off_loop
from backend.services.queries import QueryService
from backend.services.ttl_cache import TtlCache

log = logging.getLogger(__name__)

#: A text column with more distinct values than this is not offered as values.
LOW_CARDINALITY = 200
VALUES_TTL_S = 300.0


class AskService:
    def __init__(
        self, queries: QueryService, engine: Engine | None = None, model: ModelEngine | None = None
    ) -> None:
        self.queries = queries
        self.engine: Engine = engine or ParserEngine()
        self.model = model  # the optional model engine (backend.ask.llm), asked first
        self._values: TtlCache[dict[str, tuple[str, ...]]] = TtlCache(
            maxsize=2048, ttl_s=VALUES_TTL_S
        )

    # -- context ---------------------------------------------------------------------------

    async def context(
        self, user: User, dataset: str | None, today: dt.date | None = None
    ) -> AskContext:
        """Raises NotFound (404) for a dataset the caller cannot see, like every route."""
        policy = self.queries.policy
        if dataset is not None:
            policy.dataset_for(dataset, user)
        shown = policy.datasets_for(user)
        views = await asyncio.gather(*(self._view(d, user) for d in shown))
        return AskContext(tuple(views), today or dt.date.today(), dataset)

    async def _view(self, dataset: Dataset, user: User) -> DatasetView:
        loads: list[dict[str, Any]] = []
        if dataset.vintage is not None:
            loads = await off_loop(self.queries.catalog.vintage_options, dataset.key)
        return DatasetView(dataset, await self._low_values(dataset, user), loads)

    def _scope_key(self, dataset: Dataset, user: User) -> str | None:
        scope = self.queries.policy.compile_key(user, (dataset.key,))
        if scope is None:
            return None
        return hashlib.sha256(repr((dataset.key, scope)).encode()).hexdigest()

    async def _low_values(self, dataset: Dataset, user: User) -> dict[str, tuple[str, ...]]:
        key = self._scope_key(dataset, user)
        cached = self._values.get(key) if key else None
        if cached is not None:
            return cached
        load_columns = (
            {dataset.vintage.load_type, dataset.vintage.load_id} if dataset.vintage else set()
        )
        texts = [c.name for c in dataset.columns if c.kind == "text" and c.name not in load_columns]
        found = await asyncio.gather(*(self._column_values(dataset.key, n, user) for n in texts))
        values = {n: v for n, v in zip(texts, found, strict=True) if v}
        if key:
            self._values.put(key, values)
        return values

    async def _column_values(self, key: str, column: str, user: User) -> tuple[str, ...]:
        try:
            found = await self.queries.values(key, column, user, q=None, limit=LOW_CARDINALITY + 1)
        except AuroraError as e:  # refused by the gate, a database error: no values offered
            log.info("ask: no values for %s.%s: %s", key, column, e.message)
            return ()
        if len(found) > LOW_CARDINALITY:
            return ()
        return tuple(str(v) for v in found if isinstance(v, str) and v.strip())

    # -- answering ---------------------------------------------------------------------------

    async def ask(
        self, question: str, dataset: str | None, user: User, today: dt.date | None = None
    ) -> AskAnswer:
        context = await self.context(user, dataset, today)
        if self.model is not None and self.model.config is not None:
            found = await self._ask_model(question, context, user)
            if found is not None:
                return found
        answer = self._interpret(question, context)
        if answer.status != "ok" or answer.spec is None:
            return answer
        return await self._checked(answer, user)

    def _interpret(self, question: str, context: AskContext) -> AskAnswer:
        try:
            return self.engine.interpret(question, context)
        except Exception:  # an engine's bug is a question not understood, never a 500
            log.exception("ask: the %s engine failed on a question", self.engine.name)
            return AskAnswer(
                status="refused",
                engine=self.engine.name,
                dataset=context.dataset,
                message="This question could not be read; try other words.",
            )

    async def _ask_model(self, question: str, context: AskContext, user: User) -> AskAnswer | None:
        """The model's answer, or None when the parser must answer (unset, unreachable, slow,
        wrong twice: backend.ask.llm)."""
        assert self.model is not None

        async def check(spec: QuerySpec) -> object:
            return await off_loop(self.queries.compile, spec, user)

        found = await model_answer(question, scope_of(context, check), self.model, context.today)
        return None if found is None else await self._checked(AskAnswer.model_validate(found), user)

    async def _checked(self, answer: AskAnswer, user: User) -> AskAnswer:
        """An engine's spec is validated and compiled like any other: a spec the compiler
        refuses for this caller is not handed on."""
        try:
            spec = QuerySpec.model_validate(answer.spec)
            await off_loop(self.queries.compile, spec, user)
        except (ValidationError, AuroraError) as e:
            message = e.message if isinstance(e, AuroraError) else str(e.errors()[0]["msg"])
            return answer.model_copy(
                update={
                    "status": "refused",
                    "spec": None,
                    "message": f"Not a query I can run: {message}",
                }
            )
        return answer.model_copy(
            update={"spec": spec.model_dump(mode="json", exclude_defaults=True)}
        )

    async def suggest(
        self, q: str, dataset: str | None, user: User, limit: int = 20
    ) -> list[Suggestion]:
        context = await self.context(user, dataset)
        return suggestions(q, context, limit)


def only_stop_words(question: str) -> bool:
    """True when no word of the question could mean anything (a 422, not an answer)."""
    from backend.ask.text import tokens
    from backend.ask.words import STOP

    words: Sequence[str] = [t.norm for t in tokens(question)]
    return not words or all(w in STOP for w in words)
