"""A small OpenAI-compatible chat-completions server for the model engine's tests.

It runs uvicorn on 127.0.0.1 in a thread and answers `POST /v1/chat/completions` from
`llm_fixtures.yaml`, found by the question (the first user message). The attempt is the
number of assistant messages in the request (the retry carries the first answer), so the
server keeps no state but the requests it received, which the tests read.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

FIXTURES = Path(__file__).with_name("llm_fixtures.yaml")


def fixtures() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(FIXTURES.read_text())
    return loaded


@dataclass
class ModelServer:
    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def prompt(self, n: int = 0) -> str:
        """The n-th request's messages as one text (to look for what must not be there;
        the JSON schema of the spec, in `response_format`, is the same for everyone)."""
        return json.dumps(self.received[n]["messages"], ensure_ascii=False)


def _question(body: dict[str, Any]) -> str:
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    return str(user).split("\n(Answer over", 1)[0]


def _completion(content: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": content}
    return {
        "id": "fake",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message}],
    }


def _app(server: ModelServer) -> Starlette:
    cases = fixtures()

    async def chat(request: Request) -> JSONResponse:
        body = await request.json()
        server.received.append(body)
        server.headers.append(dict(request.headers))
        case = cases.get(_question(body), {"answers": ["I do not know."]})
        await asyncio.sleep(case.get("delay_s", 0))
        if (status := case.get("status")) and body["response_format"]["type"] == "json_schema":
            return JSONResponse({"error": {"message": "response_format"}}, status_code=status)
        attempt = sum(m["role"] == "assistant" for m in body["messages"])
        answers = case["answers"]
        answer = answers[min(attempt, len(answers) - 1)]
        text = answer if isinstance(answer, str) else json.dumps(answer)
        return JSONResponse(_completion(text))

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


@contextmanager
def model_server() -> Iterator[ModelServer]:
    """A running server; `url` is its base URL (…/v1), as AURORA_LLM_URL takes it."""
    server = ModelServer()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(_app(server), log_level="warning", timeout_graceful_shutdown=1)
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not running.started:
        threading.Event().wait(0.01)
    server.url = f"http://127.0.0.1:{port}/v1"
    try:
        yield server
    finally:
        running.should_exit = True
        thread.join(5)
        sock.close()


def closed_port_url() -> str:
    """A URL nothing listens on: a port bound and let go."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
