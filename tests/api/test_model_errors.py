"""A pydantic model built in service code from what a caller sent (not the request body
itself) may refuse it; that is the caller's input, so it is 422 in the error shape, never
a 500 (finding 5 of the security review: AG Grid requests turned into specs)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from backend.main import create_app
from backend.query.spec import QuerySpec


def test_a_model_refusing_input_in_service_code_is_a_422() -> None:
    app = create_app()

    @app.post("/api/probe-spec")
    def probe(body: dict[str, Any]) -> dict[str, Any]:
        QuerySpec.model_validate({"dataset": "x", "measures": [body]})
        return {}

    client = TestClient(app)
    r = client.post("/api/probe-spec", json={"agg": "sum", "alias": 'a"b', "column": "c"})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_query"
    assert error["message"].startswith("Invalid QuerySpec at measures[0].alias")
    assert error["details"][0]["path"] == "measures[0].alias"
