"""The optional model engine of /api/ask: a question to a query spec through any
OpenAI-compatible chat-completions endpoint, never to SQL.

The model sees the schema of the datasets the caller may see (and their values only when
`AURORA_LLM_SEND_VALUES` is on, read under the caller's row-level security; see
`backend.ask.llm_prompt`). Its answer must be a JSON `QuerySpec`: it is validated by the
same pydantic model, refused when it uses expressions, and compiled as the caller before it
is offered, so RLS, hidden columns and every limit apply unchanged. A refused answer gets
one retry that carries the reason. The deterministic parser answers instead whenever the
model is unset, unreachable, slower than `AURORA_LLM_TIMEOUT_S` (both attempts together),
or wrong twice: `answer()`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import ValidationError

from backend.ask.llm_parts import describe
from backend.ask.llm_prompt import (
    DatasetSchema,
    ValuesOf,
    messages,
    read_values,
    response_format,
    retry_messages,
    schema_doc,
)
from backend.config import Settings
from backend.errors import AuroraError
from backend.query.spec import QuerySpec

log = logging.getLogger("aurora.ask.llm")

Answer = dict[str, Any]
"""The /api/ask response body: status, engine, dataset, spec, message, interpretation."""


@dataclass(frozen=True)
class ModelConfig:
    url: str
    model: str
    key: str | None = None
    timeout_s: float = 10.0
    send_values: bool = False

    @classmethod
    def of(cls, settings: Settings) -> ModelConfig | None:
        """None (the parser only) unless both the URL and the model are set."""
        if not settings.llm_url or not settings.llm_model:
            return None
        key = settings.llm_key.get_secret_value() if settings.llm_key else None
        return cls(
            url=settings.llm_url,
            model=settings.llm_model,
            key=key,
            timeout_s=settings.llm_timeout_s,
            send_values=settings.llm_send_values,
        )

    @property
    def endpoint(self) -> str:
        base = self.url.rstrip("/")
        return base if base.endswith("/chat/completions") else f"{base}/chat/completions"


@dataclass(frozen=True)
class AskScope:
    """What one caller may see, and how to check a spec as them."""

    datasets: Sequence[DatasetSchema]
    values_of: ValuesOf  # distinct values under the caller's row-level security
    check: Callable[[QuerySpec], Awaitable[object]]  # compiles as the caller; raises AuroraError
    dataset: str | None = None  # the dataset the question is about, when the caller said


class Refused(Exception):
    """The model's answer cannot be used; the message goes back to it on the retry."""


class Unavailable(Exception):
    """No usable answer from the endpoint (refused the request, or answered no message)."""


@dataclass(frozen=True)
class Outcome:
    """What the model engine did: `answer` when it answered, else why not (`reason`)."""

    reason: str  # ok | unset | unreachable | timeout | http_error | invalid
    answer: Answer | None = None
    attempts: int = 0


def _json_of(content: str) -> Any:
    """The JSON object in a message, code fences allowed (some models add them anyway)."""
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise Refused(f"the answer is not JSON ({e.msg} at character {e.pos})") from None


def _errors(e: ValidationError) -> str:
    found = e.errors(include_url=False, include_input=False)
    lines = [f"{'.'.join(map(str, err['loc'])) or '(top)'}: {err['msg']}" for err in found[:10]]
    return "the spec does not match the schema: " + "; ".join(lines)


def _no_expressions(spec: QuerySpec) -> None:
    """Expressions are a formula language the compiler checks, but the model gets none:
    plain columns only, so what it can ask for is what the pills can show."""
    if spec.calculated or any(m.expr is not None or m.where is not None for m in spec.measures):
        raise Refused("'calculated', 'expr' and 'where' are not allowed; use plain columns")


async def validate(content: str, scope: AskScope) -> QuerySpec:
    """The spec in a model's message, or Refused saying what is wrong with it."""
    try:
        spec = QuerySpec.model_validate(_json_of(content))
    except ValidationError as e:
        raise Refused(_errors(e)) from None
    _no_expressions(spec)
    if scope.dataset and spec.dataset != scope.dataset:
        raise Refused(f"the question is about dataset '{scope.dataset}'; use it as 'dataset'")
    try:
        await scope.check(spec)
    except AuroraError as e:
        raise Refused(f"the spec does not compile: {e.message}") from None
    return spec


class ModelEngine:
    """One endpoint; `ask` is safe to call concurrently (a client per question)."""

    def __init__(self, config: ModelConfig | None) -> None:
        self.config = config

    async def ask(self, question: str, scope: AskScope, today: dt.date) -> Outcome:
        if self.config is None:
            return Outcome("unset")
        tried = [0]
        try:
            async with asyncio.timeout(self.config.timeout_s):
                return await self._exchange(self.config, question, scope, today, tried)
        except TimeoutError:
            return Outcome("timeout", attempts=tried[0])
        except httpx.TimeoutException:
            return Outcome("timeout", attempts=tried[0])
        except httpx.TransportError:
            return Outcome("unreachable", attempts=tried[0])
        except Unavailable:
            return Outcome("http_error", attempts=tried[0])

    async def _exchange(
        self, config: ModelConfig, question: str, scope: AskScope, today: dt.date, tried: list[int]
    ) -> Outcome:
        sent = messages(_question(question, scope), await self._schema(config, scope), today)
        async with _client(config) as client:
            chat = _Chat(client, config)
            content = await chat.say(sent)
            for attempt in (1, 2):
                tried[0] = attempt
                try:
                    spec = await validate(content, scope)
                except Refused as e:
                    if attempt == 2:
                        return Outcome("invalid", attempts=2)
                    content = await chat.say(retry_messages(sent, content, str(e)))
                    continue
                return Outcome("ok", _answer(question, spec, scope), attempts=attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    async def _schema(config: ModelConfig, scope: AskScope) -> list[dict[str, Any]]:
        values = await read_values(scope.datasets, scope.values_of) if config.send_values else {}
        return schema_doc(scope.datasets, values)


def _question(question: str, scope: AskScope) -> str:
    if scope.dataset:
        return f"{question}\n(Answer over dataset '{scope.dataset}'.)"
    return question


def _client(config: ModelConfig) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {config.key}"} if config.key else {}
    # No proxies from the environment: the endpoint is the admin's, named in the settings.
    return httpx.AsyncClient(timeout=config.timeout_s, headers=headers, trust_env=False)


class _Chat:
    """Posts chat messages; falls back from `json_schema` to `json_object` once, for servers
    that refuse the former (the schema then goes into the prompt instead)."""

    def __init__(self, client: httpx.AsyncClient, config: ModelConfig) -> None:
        self.client, self.config = client, config
        self.format: dict[str, Any] = response_format()

    async def say(self, chat: list[dict[str, str]]) -> str:
        r = await self._post(chat)
        if r.status_code in (400, 422) and self.format["type"] == "json_schema":
            self.format = {"type": "json_object"}
            r = await self._post(chat)
        if r.status_code != 200:
            raise Unavailable(f"HTTP {r.status_code}")
        try:
            content = r.json()["choices"][0]["message"]["content"]
        except (ValueError, LookupError, TypeError):
            raise Unavailable("no message in the answer") from None
        return content if isinstance(content, str) else ""

    async def _post(self, chat: list[dict[str, str]]) -> httpx.Response:
        if self.format["type"] == "json_object":
            schema = json.dumps(QuerySpec.model_json_schema(), separators=(",", ":"))
            chat = [*chat, {"role": "system", "content": f"The JSON schema: {schema}"}]
        body = {
            "model": self.config.model,
            "messages": chat,
            "response_format": self.format,
            "temperature": 0,
        }
        return await self.client.post(self.config.endpoint, json=body)


def _answer(question: str, spec: QuerySpec, scope: AskScope) -> Answer:
    datasets = {d.dataset.key: d.dataset for d in scope.datasets}
    return {
        "status": "ok",
        "engine": "model",
        "dataset": spec.dataset,
        "spec": spec.model_dump(mode="json", exclude_defaults=True),
        "message": None,
        "interpretation": {
            "parts": describe(question, spec, datasets),
            "ignored": [],
            "alternatives": [],
        },
    }


async def answer(
    question: str,
    scope: AskScope,
    engine: ModelEngine,
    parser: Callable[[], Awaitable[Answer]],
    today: dt.date | None = None,
) -> Answer:
    """The model's answer when it gives a valid one, else the deterministic parser's."""
    found = await model_answer(question, scope, engine, today or dt.date.today())
    return found if found is not None else await parser()


async def model_answer(
    question: str, scope: AskScope, engine: ModelEngine, today: dt.date
) -> Answer | None:
    """The model's answer, or None when the parser must answer (logged with the reason)."""
    started = time.monotonic()
    outcome = await engine.ask(question, scope, today)
    ms = round((time.monotonic() - started) * 1000)
    log.info("ask model %s", outcome.reason, extra={"attempts": outcome.attempts, "ms": ms})
    return outcome.answer
