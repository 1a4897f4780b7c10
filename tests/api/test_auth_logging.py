"""Structured logs: JSON lines, each with the request id that X-Request-ID answers."""

from __future__ import annotations

import json
import logging

import pytest

from backend.logging_setup import configure_logging
from tests.store.fixtures import Api


def test_every_response_carries_a_request_id(api: Api) -> None:
    first = api.client.get("/api/health").headers["X-Request-ID"]
    second = api.client.get("/api/auth/me").headers["X-Request-ID"]
    assert first and second and first != second


def test_a_sane_incoming_request_id_is_kept(api: Api) -> None:
    r = api.client.get("/api/health", headers={"X-Request-ID": "trace-42.a:b"})
    assert r.headers["X-Request-ID"] == "trace-42.a:b"


@pytest.mark.parametrize("incoming", ["a b", "x" * 65, "evil\u00e9", "<script>"])
def test_an_odd_incoming_request_id_is_replaced(api: Api, incoming: str) -> None:
    r = api.client.get("/api/health", headers={"X-Request-ID": incoming.encode("utf-8")})
    assert r.headers["X-Request-ID"] != incoming
    assert len(r.headers["X-Request-ID"]) == 32


def test_log_lines_are_json_with_the_request_id(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO")
    capsys.readouterr()
    r = api.client.get("/api/health", headers={"X-Request-ID": "req-123"})
    assert r.status_code == 200
    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    access = [line for line in lines if line["logger"] == "aurora.access"]
    assert access and access[-1]["request_id"] == "req-123"
    assert access[-1]["path"] == "/api/health" and access[-1]["status"] == 200
    assert {"time", "level", "message"} <= set(access[-1])


def test_lines_outside_a_request_have_a_null_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    capsys.readouterr()
    logging.getLogger("aurora.test").info("hello", extra={"n": 1})
    [line] = [json.loads(s) for s in capsys.readouterr().err.splitlines() if s.startswith("{")]
    assert line["message"] == "hello" and line["request_id"] is None and line["n"] == 1
