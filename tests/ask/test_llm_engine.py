"""The model engine against a real OpenAI-compatible HTTP server on 127.0.0.1 that answers
from tests/ask/llm_fixtures.yaml (no network here reaches a real model), over a running app's
catalog, access policy and compiler: `sales` limited by region for viewers, `discount`
hidden from them, `items` visible to admins only.

What the server received is read back: the retry's messages, the schema and the values.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.ask.llm import Answer, AskScope, ModelConfig, ModelEngine, answer
from backend.ask.llm_scope import scope_of
from backend.ask.service import AskService
from backend.config import Settings
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.services.offload import off_loop
from backend.store.engine import Store
from tests.ask.model_server import ModelServer, closed_port_url, model_server
from tests.conftest import REGIONS
from tests.store.fixtures import Api, _running_api

ANN = User(
    id=9001, username="ann", display_name="Ann", role="viewer", attributes={"region": ["North"]}
)
ADMIN = User(id=1, username="admin", display_name="Admin", role="admin", attributes={})
PARSER: Answer = {"status": "clarify", "engine": "parser", "spec": None}


@pytest.fixture(scope="module")
def running_server() -> Iterator[ModelServer]:
    with model_server() as running:
        yield running


@pytest.fixture
def server(running_server: ModelServer) -> ModelServer:
    running_server.received.clear()
    running_server.headers.clear()
    return running_server


@pytest.fixture(scope="module")
def app(
    sqlite_store: Store,
    tmp_path_factory: pytest.TempPathFactory,
    shared_warehouse: Path,
    running_server: ModelServer,
) -> Iterator[Api]:
    """The API with the model engine on, pointed at the fake server."""
    tmp = tmp_path_factory.mktemp("llm")
    model = {"llm_url": running_server.url, "llm_model": "fake-model", "llm_key": "k-123"}
    for api in _running_api(sqlite_store, tmp, data_dir=shared_warehouse, redis_url=None, **model):
        settings = {
            "sales": {
                "rls": [{"column": "region", "attribute": "region"}],
                "rls_admin_exempt": True,
                "columns": {"discount": {"hidden": True}},
            },
            "items": {"visibility": {"roles": ["admin"]}},
        }
        for key, patch in settings.items():
            r = api.client.patch(f"/api/admin/datasets/{key}", json=patch, headers=api.headers())
            assert r.status_code == 200, r.text
        yield api


async def _scope(app: Api, user: User) -> AskScope:
    """The caller's scope as the ask service builds it (its context: RLS-read values)."""
    queries = app.app.state.context.services.queries
    context = await AskService(queries).context(user, None, dt.date(2024, 3, 15))

    async def check(spec: QuerySpec) -> object:
        return await off_loop(queries.compile, spec, user)

    return scope_of(context, check)


def _ask(
    app: Api,
    question: str,
    url: str,
    *,
    user: User = ANN,
    send_values: bool = False,
    timeout_s: float = 10.0,
) -> Answer:
    config = ModelConfig(
        url=url, model="fake-model", key="k-123", timeout_s=timeout_s, send_values=send_values
    )

    async def parser() -> Answer:
        return PARSER

    async def run() -> Answer:
        scope = await _scope(app, user)
        return await answer(question, scope, ModelEngine(config), parser, dt.date(2024, 3, 15))

    return asyncio.run(run())


def _rows(app: Api, spec: dict[str, Any], user: str = "ann") -> list[dict[str, Any]]:
    headers = app.headers() if user == "admin" else app.headers(user, "viewer-test-password")
    r = app.client.post("/api/query", json=spec, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    names = [c["name"] for c in body["columns"]]
    return [dict(zip(names, row, strict=True)) for row in body["rows"]]


def _system(server: ModelServer, n: int = 0) -> str:
    return str(server.received[n]["messages"][0]["content"])


def _schema(server: ModelServer, n: int = 0) -> list[dict[str, Any]]:
    """The datasets' JSON at the end of the system prompt."""
    doc: list[dict[str, Any]] = json.loads(_system(server, n).split("Datasets (JSON):\n", 1)[1])
    return doc


@pytest.fixture(scope="module", autouse=True)
def ann(app: Api) -> None:
    app.new_user("ann", attributes={"region": ["North"]})


def test_a_valid_answer_is_the_spec_and_its_pills(app: Api, server: ModelServer) -> None:
    got = _ask(app, "total amount by region", server.url)
    assert got["engine"] == "model" and got["status"] == "ok"
    assert got["spec"] == {
        "dataset": "sales",
        "group_by": ["region"],
        "measures": [{"agg": "sum", "column": "amount", "alias": "total_amount"}],
        "sort": [{"column": "total_amount", "direction": "desc"}],
    }
    kinds = [(p["kind"], p["text"], p["spec_path"]) for p in got["interpretation"]["parts"]]
    assert ("measure", "amount", "measures.0") in kinds
    assert ("group", "region", "group_by.0") in kinds
    assert len(server.received) == 1
    request = server.received[0]
    assert request["model"] == "fake-model" and request["temperature"] == 0
    assert request["response_format"]["type"] == "json_schema"
    assert request["response_format"]["json_schema"]["schema"]["title"] == "QuerySpec"
    assert server.headers[0]["authorization"] == "Bearer k-123"
    # The spec runs as the caller: ann's rows are North's only.
    assert [r["region"] for r in _rows(app, got["spec"])] == ["North"]


def test_an_invalid_answer_is_retried_with_the_error_and_the_second_used(
    app: Api, server: ModelServer
) -> None:
    got = _ask(app, "orders per region, fixed on retry", server.url)
    assert got["engine"] == "model"
    assert "sql" not in got["spec"] and got["spec"]["sort"] == [{"column": "region"}]
    assert len(server.received) == 2
    retry = server.received[1]["messages"]
    assert retry[:2] == server.received[0]["messages"]
    assert retry[2]["role"] == "assistant" and "SELECT region" in retry[2]["content"]
    assert "sql: Extra inputs are not permitted" in retry[3]["content"]


@pytest.mark.parametrize(
    ("question", "error"),
    [
        ("amount by segment", "does not compile"),  # a column that does not exist
        ("top customers as prose", "not JSON"),  # prose, then SQL
        ("average discounted amount", "'expr'"),  # an expression: plain columns only
    ],
)
def test_wrong_twice_gets_the_parsers_answer(
    app: Api, server: ModelServer, question: str, error: str
) -> None:
    assert _ask(app, question, server.url) == PARSER
    assert len(server.received) == 2
    assert error in server.received[1]["messages"][-1]["content"]


def test_a_dataset_the_caller_cannot_see_is_refused_as_missing(
    app: Api, server: ModelServer
) -> None:
    assert _ask(app, "item names", server.url) == PARSER  # items is the admins' only
    assert "Dataset 'items' was not found" in server.received[1]["messages"][-1]["content"]
    got = _ask(app, "item names", server.url, user=ADMIN)
    assert got["engine"] == "model" and got["spec"]["dataset"] == "items"


def test_a_slow_model_gets_the_parsers_answer_within_the_timeout(
    app: Api, server: ModelServer
) -> None:
    started = time.monotonic()
    assert _ask(app, "a slow question", server.url, timeout_s=1.5) == PARSER
    assert time.monotonic() - started < 4.5  # the server waits 5 s before answering
    assert len(server.received) == 1  # it was asked: a timeout, not a refused connection


def test_an_unreachable_model_gets_the_parsers_answer(app: Api) -> None:
    assert _ask(app, "total amount by region", closed_port_url()) == PARSER


def test_no_model_configured_gets_the_parsers_answer_without_a_request(app: Api) -> None:
    assert ModelConfig.of(Settings(AURORA_LLM_URL="http://127.0.0.1:9/v1")) is None  # no model
    assert ModelConfig.of(Settings(AURORA_LLM_MODEL="m")) is None  # no URL
    config = ModelConfig.of(Settings(AURORA_LLM_URL="http://h/v1", AURORA_LLM_MODEL="m"))
    assert config is not None and config.endpoint == "http://h/v1/chat/completions"
    assert config.send_values is False  # off unless the admin turns it on

    async def parser() -> Answer:
        return PARSER

    scope = asyncio.run(_scope(app, ANN))
    assert asyncio.run(answer("total amount by region", scope, ModelEngine(None), parser)) == PARSER


def test_a_server_refusing_json_schema_is_asked_for_json_object(
    app: Api, server: ModelServer
) -> None:
    got = _ask(app, "orders by load type, json_object only", server.url)
    assert got["engine"] == "model"
    assert [r["response_format"]["type"] for r in server.received] == ["json_schema", "json_object"]
    assert '"title":"QuerySpec"' in server.received[1]["messages"][-1]["content"]


def test_the_prompt_holds_no_values_when_sending_values_is_off(
    app: Api, server: ModelServer
) -> None:
    _ask(app, "amount in the North", server.url, user=ADMIN)
    schema = _schema(server)
    assert all("values" not in c for d in schema for c in d["columns"])
    sent = server.prompt().replace("amount in the North", "")  # the question itself aside
    for region in REGIONS:
        assert region not in sent
    assert "O'Brien" not in sent and "Zürich" not in sent  # customers


def test_sent_values_are_only_the_callers_rls_slice(app: Api, server: ModelServer) -> None:
    _ask(app, "amount in the North", server.url, send_values=True)
    _ask(app, "amount in the North", server.url, user=ADMIN, send_values=True)
    ann_sales, admin_sales = (
        {
            c["name"]: c
            for c in next(d for d in _schema(server, n) if d["key"] == "sales")["columns"]
        }
        for n in (0, 1)
    )
    assert ann_sales["region"]["values"] == ["North"]
    assert sorted(admin_sales["region"]["values"]) == sorted(REGIONS)
    ann_prompt = server.prompt(0)
    for region in set(REGIONS) - {"North"}:
        assert region not in ann_prompt
    # Every customer ann is sent is one of North's rows, under the same rule the queries use.
    north = {
        r["customer"]
        for r in _rows(app, {"dataset": "sales", "columns": ["customer"], "page_size": 1000})
    } - {None}
    assert set(ann_sales["customer"]["values"]) == north


def test_the_prompt_lists_only_what_the_caller_can_see(app: Api, server: ModelServer) -> None:
    _ask(app, "total amount by region", server.url)
    _ask(app, "total amount by region", server.url, user=ADMIN)
    ann, admin = (_schema(server, n) for n in (0, 1))
    assert [d["key"] for d in ann] == ["sales"]
    assert sorted(d["key"] for d in admin) == ["items", "sales"]
    ann_columns = {c["name"] for c in ann[0]["columns"]}
    assert "discount" not in ann_columns and "region" in ann_columns
    assert "discount" in {
        c["name"] for c in admin[1 if admin[0]["key"] == "items" else 0]["columns"]
    }
    assert "items" not in server.prompt(0) and "discount" not in server.prompt(0)
    sales = ann[0]
    assert sales["load_types"] == ["DAILY", "MONTH_END"]
    assert {"name": "amount", "label": "Amount", "type": "decimal"} in sales["columns"]
    assert "Today is 2024-03-15." in _system(server)


def _post_ask(app: Api, question: str, user: str = "ann") -> dict[str, Any]:
    headers = app.headers() if user == "admin" else app.headers(user, "viewer-test-password")
    r = app.client.post("/api/ask", json={"question": question}, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_the_ask_route_answers_with_the_model_when_it_is_set(app: Api, server: ModelServer) -> None:
    got = _post_ask(app, "amount in the North")
    assert got["engine"] == "model" and got["status"] == "ok"
    assert got["spec"]["filters"]["conditions"] == [
        {"column": "region", "operator": "=", "value": "North"}
    ]
    assert len(server.received) == 1
    assert "discount" not in server.prompt(0) and "items" not in server.prompt(0)


def test_the_ask_route_falls_back_to_the_parser_when_the_model_is_wrong_twice(
    app: Api, server: ModelServer
) -> None:
    got = _post_ask(app, "total amount per region")  # the fake server answers prose to it
    assert len(server.received) == 2
    assert got["engine"] == "parser" and got["status"] == "ok"
    assert got["spec"]["group_by"] == ["region"]
    assert got["spec"]["measures"][0]["column"] == "amount"
